//! The in-memory store: for tests, and `ATAKORA_STORE=memory`.

use super::local::new_token;
use super::{
    Change, Charged, Clock, ContainerDef, FieldEquals, LocalEngine, Page, PartitionKey, Precondition, QueueMessage,
    Store, StoreError, StoreFuture, Stored, SystemClock, doc_id, local_token, new_etag, parse_local_token,
    same_unique_values,
};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

struct Entry {
    levels: Vec<String>,
    doc: Value,
    stored: Stored,
}

struct Container {
    def: ContainerDef,
    /// `(canonical partition, id)` → entry: the order lists page in.
    rows: BTreeMap<(String, String), Entry>,
}

/// The local engine's queues, change log and state (see [`super::local`]).
#[derive(Default)]
struct Local {
    /// The next message sequence number and change-feed position.
    seq: i64,
    /// `seq` → message, over every queue.
    messages: BTreeMap<i64, QueueMessage>,
    /// `lsn` → `(container, canonical partition, id)`: one entry per live document.
    changes: BTreeMap<i64, (String, String, String)>,
    /// `(container, canonical partition, id)` → its entry's `lsn`.
    positions: HashMap<(String, String, String), i64>,
    state: HashMap<String, String>,
}

impl Local {
    fn next(&mut self) -> i64 {
        self.seq += 1;
        self.seq
    }

    fn changed(&mut self, container: &str, part: &str, id: &str, live: bool) {
        let key = (container.to_string(), part.to_string(), id.to_string());
        if let Some(old) = self.positions.remove(&key) {
            self.changes.remove(&old);
        }
        if live {
            let lsn = self.next();
            self.changes.insert(lsn, key.clone());
            self.positions.insert(key, lsn);
        }
    }

    fn leased_mut(&mut self, m: &QueueMessage) -> Option<(i64, &mut QueueMessage)> {
        self.messages
            .iter_mut()
            .find(|(_, x)| x.id == m.id && x.receipt == m.receipt && !m.receipt.is_empty())
            .map(|(k, v)| (*k, v))
    }
}

/// Documents in a map behind one lock; nothing survives the process.
pub struct MemoryStore {
    containers: Mutex<HashMap<String, Container>>,
    /// Locked after `containers` when both are held.
    local: Mutex<Local>,
    clock: Arc<dyn Clock>,
    /// Moves after every create or replace ([`LocalEngine::feed_signal`]).
    feed: tokio::sync::watch::Sender<u64>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// An empty store on the system clock.
    pub fn new() -> Self {
        Self::with_clock(Arc::new(SystemClock))
    }

    /// An empty store reading the time from `clock`.
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        MemoryStore {
            containers: Mutex::new(HashMap::new()),
            local: Mutex::new(Local::default()),
            clock,
            feed: tokio::sync::watch::Sender::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Container>> {
        self.containers.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn local(&self) -> MutexGuard<'_, Local> {
        self.local.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn write(
        &self,
        container: &str,
        key: &PartitionKey,
        doc: &Value,
        mode: Write<'_>,
    ) -> Result<Charged<Stored>, StoreError> {
        let now = self.clock.now_ms();
        let mut all = self.lock();
        let c = all.get_mut(container).ok_or_else(|| missing(container))?;
        let part = key.canonical();
        let id = doc_id(doc).to_string();
        let row = (part.clone(), id.clone());
        let live = c.rows.get(&row).filter(|e| alive(&e.stored, now));
        match (&mode, live) {
            (Write::Create, Some(_)) => return Err(StoreError::Conflict { key: "id".into() }),
            (Write::Replace(_), None) => return Err(StoreError::NotFound),
            (Write::Replace(Precondition::IfMatch(tag)), Some(e)) if &e.stored.etag != tag => {
                return Err(StoreError::PreconditionFailed);
            }
            _ => {}
        }
        c.rows.retain(|_, e| alive(&e.stored, now));
        for uk in &c.def.unique_keys {
            let clash = c
                .rows
                .range((part.clone(), String::new())..)
                .take_while(|((p, _), _)| *p == part)
                .any(|((_, other), e)| *other != id && same_unique_values(uk, &e.doc, doc));
            if clash {
                return Err(StoreError::Conflict {
                    key: ContainerDef::unique_key_name(uk),
                });
            }
        }
        let stored = Stored {
            json: doc.to_string(),
            etag: new_etag(),
            expires_at_ms: c.def.expiry(doc).map(|s| now + s * 1000),
        };
        // The change feed moves in the same critical section as the document.
        self.local().changed(container, &part, &id, true);
        self.feed.send_modify(|n| *n += 1);
        c.rows.insert(
            row,
            Entry {
                levels: key.levels(),
                doc: doc.clone(),
                stored: stored.clone(),
            },
        );
        Ok(Charged::free(stored))
    }
}

enum Write<'a> {
    Create,
    Replace(&'a Precondition),
}

fn alive(s: &Stored, now: i64) -> bool {
    s.expires_at_ms.is_none_or(|t| t > now)
}

fn missing(container: &str) -> StoreError {
    StoreError::Unavailable(format!("container {container} does not exist"))
}

impl Store for MemoryStore {
    fn kind(&self) -> &'static str {
        "memory"
    }

    fn ensure<'a>(&'a self, containers: &'a [ContainerDef], create: bool) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut all = self.lock();
            for def in containers {
                match all.get(&def.name) {
                    Some(c) if c.def.partition_key != def.partition_key => {
                        return Err(StoreError::Mismatch(format!(
                            "container {} has partition key {:?}, the spec says {:?}",
                            def.name, c.def.partition_key, def.partition_key
                        )));
                    }
                    Some(_) => {}
                    None if !create => return Err(missing(&def.name)),
                    None => {
                        all.insert(
                            def.name.clone(),
                            Container {
                                def: def.clone(),
                                rows: BTreeMap::new(),
                            },
                        );
                    }
                }
            }
            Ok(())
        })
    }

    fn create<'a>(
        &'a self,
        container: &'a str,
        key: &'a PartitionKey,
        doc: &'a Value,
    ) -> StoreFuture<'a, Charged<Stored>> {
        Box::pin(async move { self.write(container, key, doc, Write::Create) })
    }

    fn read<'a>(
        &'a self,
        container: &'a str,
        key: &'a PartitionKey,
        id: &'a str,
    ) -> StoreFuture<'a, Charged<Option<Stored>>> {
        Box::pin(async move {
            let now = self.clock.now_ms();
            let all = self.lock();
            let c = all.get(container).ok_or_else(|| missing(container))?;
            let found = c
                .rows
                .get(&(key.canonical(), id.to_string()))
                .map(|e| e.stored.clone())
                .filter(|s| alive(s, now));
            Ok(Charged::free(found))
        })
    }

    fn replace<'a>(
        &'a self,
        container: &'a str,
        key: &'a PartitionKey,
        doc: &'a Value,
        condition: &'a Precondition,
    ) -> StoreFuture<'a, Charged<Stored>> {
        Box::pin(async move { self.write(container, key, doc, Write::Replace(condition)) })
    }

    fn delete<'a>(
        &'a self,
        container: &'a str,
        key: &'a PartitionKey,
        id: &'a str,
        condition: &'a Precondition,
    ) -> StoreFuture<'a, Charged<()>> {
        Box::pin(async move {
            let now = self.clock.now_ms();
            let mut all = self.lock();
            let c = all.get_mut(container).ok_or_else(|| missing(container))?;
            let row = (key.canonical(), id.to_string());
            match c.rows.get(&row).filter(|e| alive(&e.stored, now)) {
                None => Err(StoreError::NotFound),
                Some(e) if matches!(condition, Precondition::IfMatch(t) if *t != e.stored.etag) => {
                    Err(StoreError::PreconditionFailed)
                }
                Some(_) => {
                    c.rows.remove(&row);
                    self.local().changed(container, &row.0, &row.1, false);
                    Ok(Charged::free(()))
                }
            }
        })
    }

    fn list<'a>(
        &'a self,
        container: &'a str,
        prefix: &'a [Value],
        only: &'a [FieldEquals],
        limit: usize,
        continuation: Option<&'a str>,
    ) -> StoreFuture<'a, Charged<Page>> {
        Box::pin(async move {
            let now = self.clock.now_ms();
            let after = continuation.map(parse_local_token).transpose()?;
            let prefix: Vec<String> = prefix.iter().map(PartitionKey::canonical_value).collect();
            let all = self.lock();
            let c = all.get(container).ok_or_else(|| missing(container))?;
            let mut items = Vec::new();
            let mut last = None;
            let mut more = false;
            let rows = c.rows.iter().filter(|(k, _)| after.as_ref().is_none_or(|a| *k > a));
            for ((part, id), e) in rows {
                if !alive(&e.stored, now) || !e.levels.starts_with(&prefix) || !only.iter().all(|f| f.matches(&e.doc)) {
                    continue;
                }
                if items.len() == limit {
                    more = true;
                    break;
                }
                items.push(e.stored.clone());
                last = Some(local_token(part, id));
            }
            Ok(Charged::free(Page {
                items,
                continuation: if more { last } else { None },
            }))
        })
    }

    fn health(&self) -> StoreFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }

    fn local_engine(self: Arc<Self>) -> Option<Arc<dyn LocalEngine>> {
        Some(self)
    }
}

impl LocalEngine for MemoryStore {
    fn enqueue<'a>(&'a self, queue: &'a str, body: &'a str, visible_at_ms: i64) -> StoreFuture<'a, String> {
        Box::pin(async move {
            let now = self.clock.now_ms();
            let mut l = self.local();
            let seq = l.next();
            let id = new_token();
            l.messages.insert(
                seq,
                QueueMessage {
                    id: id.clone(),
                    queue: queue.to_string(),
                    body: body.to_string(),
                    inserted_at_ms: now,
                    dequeue_count: 0,
                    visible_at_ms,
                    receipt: String::new(),
                },
            );
            Ok(id)
        })
    }

    fn dequeue<'a>(
        &'a self,
        queue: &'a str,
        max: usize,
        now_ms: i64,
        lease_ms: i64,
    ) -> StoreFuture<'a, Vec<QueueMessage>> {
        Box::pin(async move {
            let receipt = new_token();
            let mut l = self.local();
            let got = l
                .messages
                .iter_mut()
                .filter(|(_, m)| m.queue == queue && m.visible_at_ms <= now_ms)
                .take(max)
                .map(|(seq, m)| {
                    m.visible_at_ms = now_ms + lease_ms;
                    m.dequeue_count += 1;
                    m.receipt = format!("{receipt}-{seq}");
                    m.clone()
                })
                .collect();
            Ok(got)
        })
    }

    fn renew<'a>(&'a self, message: &'a QueueMessage, until_ms: i64) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut l = self.local();
            Ok(l.leased_mut(message).map(|(_, m)| m.visible_at_ms = until_ms).is_some())
        })
    }

    fn complete<'a>(&'a self, message: &'a QueueMessage) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut l = self.local();
            let seq = l.leased_mut(message).map(|(seq, _)| seq);
            Ok(seq.and_then(|seq| l.messages.remove(&seq)).is_some())
        })
    }

    fn release<'a>(&'a self, message: &'a QueueMessage, visible_at_ms: i64) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut l = self.local();
            Ok(l.leased_mut(message)
                .map(|(_, m)| {
                    m.visible_at_ms = visible_at_ms;
                    m.receipt.clear();
                })
                .is_some())
        })
    }

    fn dead_letter<'a>(
        &'a self,
        message: &'a QueueMessage,
        poison: &'a str,
        body: &'a str,
        now_ms: i64,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut l = self.local();
            let Some(seq) = l.leased_mut(message).map(|(seq, _)| seq) else {
                return Ok(false);
            };
            l.messages.remove(&seq);
            let seq = l.next();
            l.messages.insert(
                seq,
                QueueMessage {
                    id: new_token(),
                    queue: poison.to_string(),
                    body: body.to_string(),
                    inserted_at_ms: now_ms,
                    dequeue_count: 0,
                    visible_at_ms: now_ms,
                    receipt: String::new(),
                },
            );
            Ok(true)
        })
    }

    fn messages<'a>(&'a self, queue: &'a str) -> StoreFuture<'a, Vec<QueueMessage>> {
        Box::pin(async move {
            Ok(self
                .local()
                .messages
                .values()
                .filter(|m| m.queue == queue)
                .cloned()
                .collect())
        })
    }

    fn changes<'a>(
        &'a self,
        container: &'a str,
        after: i64,
        limit: usize,
        now_ms: i64,
    ) -> StoreFuture<'a, Vec<Change>> {
        Box::pin(async move {
            let all = self.lock();
            let c = all.get(container).ok_or_else(|| missing(container))?;
            let l = self.local();
            let got = l
                .changes
                .range(after + 1..)
                .filter(|(_, (name, _, _))| name == container)
                .filter_map(|(lsn, (_, part, id))| {
                    let e = c.rows.get(&(part.clone(), id.clone()))?;
                    alive(&e.stored, now_ms).then(|| Change {
                        lsn: *lsn,
                        json: e.stored.json.clone(),
                    })
                })
                .take(limit)
                .collect();
            Ok(got)
        })
    }

    fn feed_signal(&self) -> tokio::sync::watch::Receiver<u64> {
        self.feed.subscribe()
    }

    fn feed_end<'a>(&'a self, container: &'a str) -> StoreFuture<'a, i64> {
        Box::pin(async move {
            let l = self.local();
            let end = l.changes.iter().rev().find(|(_, (name, _, _))| name == container);
            Ok(end.map_or(0, |(lsn, _)| *lsn))
        })
    }

    fn state<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<String>> {
        Box::pin(async move { Ok(self.local().state.get(key).cloned()) })
    }

    fn set_state<'a>(&'a self, key: &'a str, value: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.local().state.insert(key.to_string(), value.to_string());
            Ok(())
        })
    }
}
