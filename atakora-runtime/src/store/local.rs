//! What the local engine keeps in the embedded stores, next to the documents: the queues of
//! queue functions, the change log the change feed reads, and the small state the engine
//! must find again after a restart (change-feed checkpoints, timers' last and next ticks).
//!
//! The semantics are Azure's (Storage queues, the Cosmos DB latest-version change feed):
//!
//! - A message is invisible while leased: [`LocalEngine::dequeue`] leases it until
//!   `now + lease`, raises its dequeue count and gives it a fresh receipt; only the holder of
//!   the receipt may complete, release, renew or dead-letter it, and a message whose lease runs
//!   out is visible again (at least once delivery).
//! - The change log has one entry per live document: a create or replace moves the document's
//!   entry to the end (a new, larger sequence number) in the same transaction as the document,
//!   a delete removes it. [`LocalEngine::changes`] reads the documents as they are now, so a
//!   reader that falls behind sees each document once, in its latest version, and never a
//!   deleted one (the feed has no deletes).

use super::StoreFuture;

/// A message of a local queue, as [`LocalEngine::dequeue`] leased it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueMessage {
    /// The message's id (unique in the store).
    pub id: String,
    /// The queue it is on.
    pub queue: String,
    /// The message's text (JSON for `atakora::Queue<T>`).
    pub body: String,
    /// When it was enqueued (ms since the Unix epoch).
    pub inserted_at_ms: i64,
    /// How many times it has been dequeued, this time included.
    pub dequeue_count: u32,
    /// Until when it is invisible (ms since the Unix epoch).
    pub visible_at_ms: i64,
    /// The lease's receipt (empty when the message is not leased).
    pub receipt: String,
}

/// One entry of a container's change feed: a document as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Its position in the feed: larger for later changes (the checkpoint).
    pub lsn: i64,
    /// The document as JSON text.
    pub json: String,
}

/// The local engine's part of an embedded store (see the module documentation).
pub trait LocalEngine: Send + Sync {
    /// Put `body` on `queue`, visible from `visible_at_ms`; the message's id.
    fn enqueue<'a>(&'a self, queue: &'a str, body: &'a str, visible_at_ms: i64) -> StoreFuture<'a, String>;

    /// Lease up to `max` visible messages of `queue`, oldest first, until `now_ms + lease_ms`.
    fn dequeue<'a>(
        &'a self,
        queue: &'a str,
        max: usize,
        now_ms: i64,
        lease_ms: i64,
    ) -> StoreFuture<'a, Vec<QueueMessage>>;

    /// Keep leasing `message` until `until_ms`; `false` when the lease was lost.
    fn renew<'a>(&'a self, message: &'a QueueMessage, until_ms: i64) -> StoreFuture<'a, bool>;

    /// Delete `message` (processed); `false` when the lease was lost.
    fn complete<'a>(&'a self, message: &'a QueueMessage) -> StoreFuture<'a, bool>;

    /// End the lease of `message`, visible again from `visible_at_ms` (a failed attempt);
    /// `false` when the lease was lost.
    fn release<'a>(&'a self, message: &'a QueueMessage, visible_at_ms: i64) -> StoreFuture<'a, bool>;

    /// In one transaction, put `body` on `<queue>-poison` and delete `message`; `false` (and
    /// nothing written) when the lease was lost.
    fn dead_letter<'a>(
        &'a self,
        message: &'a QueueMessage,
        poison: &'a str,
        body: &'a str,
        now_ms: i64,
    ) -> StoreFuture<'a, bool>;

    /// Every message of `queue`, leased or not, oldest first (tools and tests).
    fn messages<'a>(&'a self, queue: &'a str) -> StoreFuture<'a, Vec<QueueMessage>>;

    /// Up to `limit` entries of `container`'s change feed after `after` (0: from the start),
    /// in order, skipping documents that have expired at `now_ms`.
    fn changes<'a>(&'a self, container: &'a str, after: i64, limit: usize, now_ms: i64)
    -> StoreFuture<'a, Vec<Change>>;

    /// A signal that moves after every committed create or replace: change-feed readers wait
    /// on it instead of polling.
    fn feed_signal(&self) -> tokio::sync::watch::Receiver<u64>;

    /// The last position of `container`'s change feed (0 when empty).
    fn feed_end<'a>(&'a self, container: &'a str) -> StoreFuture<'a, i64>;

    /// The engine's state under `key` (a checkpoint, a timer's status).
    fn state<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<String>>;

    /// Set the engine's state under `key`.
    fn set_state<'a>(&'a self, key: &'a str, value: &'a str) -> StoreFuture<'a, ()>;
}

/// A fresh message id or receipt.
pub(crate) fn new_token() -> String {
    super::unique_hex()
}
