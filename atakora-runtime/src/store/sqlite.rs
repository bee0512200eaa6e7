//! The embedded store: one SQLite file (WAL), one writer connection, a pool of readers.
//!
//! Each container is a table keyed by `(pk, id)`, where `pk` is the partition's canonical text
//! ([`PartitionKey::canonical`]) and `pk1..pk3` its levels (for prefix lists of hierarchical
//! keys). Unique keys are unique expression indexes over `(pk, json_extract(...))`, a missing
//! value counting as `null`; TTL is an `expires_at` column honoured by every read and purged
//! by [`Store::maintain`] and by writes to the same partition. Lists page by keyset on
//! `(pk, id)`, so a continuation token stays valid whatever is written meanwhile.

use super::local::new_token;
use super::{
    Change, Charged, Clock, ContainerDef, FieldEquals, LocalEngine, Page, PartitionKey, Precondition, QueueMessage,
    Store, StoreError, StoreFuture, Stored, SystemClock, doc_id, local_token, new_etag, parse_local_token,
};
use rusqlite::{Connection, ErrorCode, OptionalExtension, params_from_iter, types::Value as Sql};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// `PRAGMA synchronous` of the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    /// WAL + `NORMAL`: a committed write survives a crash of the process; the last
    /// transactions before a power loss may roll back. The default.
    Normal,
    /// WAL + `FULL`: every commit is flushed to disk before it is acknowledged.
    Full,
}

/// What the writer thread runs once the batch's transaction is open (`Some`) or could not be
/// opened (`None`): whether to keep the job's changes, and how to answer once the batch is
/// committed (`true`) or not.
type Batched = Box<dyn FnOnce(Option<&Connection>) -> (bool, Box<dyn FnOnce(bool) + Send>) + Send>;

enum Job {
    /// A write, grouped with the writes queued beside it into one transaction (a savepoint
    /// each, so one job's failure undoes only its own changes).
    Batched(Batched),
    /// Work that manages its own transactions (schema, upkeep).
    Alone(Box<dyn FnOnce(&Connection) + Send>),
}

/// The most writes one transaction groups.
const MAX_BATCH: usize = 256;

/// The writer thread: takes every queued job, runs the writes in one transaction, answers
/// them after `COMMIT` (so an answered write is durable), until the store is dropped.
fn writer_loop(conn: Connection, jobs: std::sync::mpsc::Receiver<Job>) {
    let mut queued = std::collections::VecDeque::new();
    while let Ok(first) = jobs.recv() {
        queued.push_back(first);
        while queued.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(j) => queued.push_back(j),
                Err(_) => break,
            }
        }
        let mut batch: Vec<Batched> = Vec::new();
        while let Some(job) = queued.pop_front() {
            match job {
                Job::Batched(b) => batch.push(b),
                Job::Alone(f) => {
                    run_batch(&conn, std::mem::take(&mut batch));
                    f(&conn);
                }
            }
        }
        run_batch(&conn, batch);
    }
}

fn run_batch(conn: &Connection, batch: Vec<Batched>) {
    if batch.is_empty() {
        return;
    }
    let open = conn.execute_batch("BEGIN IMMEDIATE").is_ok();
    let mut answers = Vec::with_capacity(batch.len());
    for job in batch {
        if !open {
            answers.push(job(None).1);
            continue;
        }
        let _ = conn.execute_batch("SAVEPOINT job");
        let (keep, answer) = job(Some(conn));
        let end = if keep {
            "RELEASE job"
        } else {
            "ROLLBACK TO job; RELEASE job"
        };
        let _ = conn.execute_batch(end);
        answers.push(answer);
    }
    let committed = open && conn.execute_batch("COMMIT").is_ok();
    if open && !committed {
        let _ = conn.execute_batch("ROLLBACK");
    }
    for answer in answers {
        answer(committed);
    }
}

struct Inner {
    path: PathBuf,
    jobs: Mutex<std::sync::mpsc::Sender<Job>>,
    readers: Mutex<Vec<Connection>>,
    /// Container name → its definition (known after `ensure`).
    defs: Mutex<HashMap<String, ContainerDef>>,
    clock: Arc<dyn Clock>,
    /// Moves after every committed create or replace ([`LocalEngine::feed_signal`]).
    feed: tokio::sync::watch::Sender<u64>,
}

/// The SQLite store. Cheap to clone (shared connections).
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("sqlite: {e}"))
}

fn table(container: &str) -> String {
    format!("\"c:{}\"", container.replace('"', "\"\""))
}

/// `/address/zip` → `$."address"."zip"`.
fn json_path(path: &str) -> String {
    let mut out = String::from("$");
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        out.push_str(&format!(".\"{}\"", seg.replace('"', "\\\"")));
    }
    out
}

fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl SqliteStore {
    /// Open (or create) the database at `path`, creating its folder.
    pub fn open(path: impl AsRef<Path>, sync: Synchronous) -> Result<Self, StoreError> {
        Self::open_with_clock(path, sync, Arc::new(SystemClock))
    }

    /// [`SqliteStore::open`], reading the time from `clock`.
    pub fn open_with_clock(
        path: impl AsRef<Path>,
        sync: Synchronous,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| unavailable(format!("{}: {e}", dir.display())))?;
        }
        let writer = Connection::open(&path).map_err(unavailable)?;
        let sync = match sync {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        };
        writer
            .execute_batch(&format!(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous={sync}; PRAGMA busy_timeout=5000;
                 CREATE TABLE IF NOT EXISTS atakora_containers (name TEXT PRIMARY KEY, partition_key TEXT NOT NULL);
                 {ENGINE_SCHEMA}"
            ))
            .map_err(unavailable)?;
        let (jobs, queue) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("atakora-sqlite-writer".into())
            .spawn(move || writer_loop(writer, queue))
            .map_err(|e| unavailable(format!("cannot start the writer thread: {e}")))?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                path,
                jobs: Mutex::new(jobs),
                readers: Mutex::new(Vec::new()),
                defs: Mutex::new(HashMap::new()),
                clock,
                feed: tokio::sync::watch::Sender::new(0),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    fn send(&self, job: Job) -> Result<(), StoreError> {
        let jobs = self.inner.jobs.lock().unwrap_or_else(|e| e.into_inner());
        jobs.send(job).map_err(|_| unavailable("the writer thread has stopped"))
    }

    /// Queue the job `make` builds around the answer's sender, and wait for the answer.
    async fn submit<T: Send + 'static>(
        &self,
        make: impl FnOnce(SqliteStore, tokio::sync::oneshot::Sender<Result<T, StoreError>>) -> Job,
    ) -> Result<T, StoreError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(make(self.clone(), tx))?;
        rx.await.map_err(|_| unavailable("the writer thread has stopped"))?
    }

    /// Run a write on the writer thread, in the next batch's transaction; the answer comes
    /// after its commit.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&SqliteStore, &Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.submit(|me, tx| {
            Job::Batched(Box::new(move |conn| {
                let result = match conn {
                    Some(c) => f(&me, c),
                    None => Err(unavailable("cannot begin a transaction")),
                };
                let keep = result.is_ok();
                let answer = Box::new(move |committed: bool| {
                    let _ = tx.send(match result {
                        Ok(_) if !committed => Err(unavailable("the transaction did not commit")),
                        other => other,
                    });
                });
                (keep, answer)
            }))
        })
        .await
    }

    /// Run `f` on the writer thread outside any batch.
    async fn alone<T: Send + 'static>(
        &self,
        f: impl FnOnce(&SqliteStore, &Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.submit(|me, tx| {
            Job::Alone(Box::new(move |conn| {
                let _ = tx.send(f(&me, conn));
            }))
        })
        .await
    }

    fn def(&self, container: &str) -> Result<ContainerDef, StoreError> {
        let defs = self.inner.defs.lock().unwrap_or_else(|e| e.into_inner());
        defs.get(container)
            .cloned()
            .ok_or_else(|| StoreError::Unavailable(format!("container {container} is not set up")))
    }

    /// Run `f` on a reader connection from the pool.
    fn with_reader<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let conn = self.inner.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match conn {
            Some(c) => c,
            None => {
                let c = Connection::open(&self.inner.path).map_err(unavailable)?;
                c.execute_batch("PRAGMA busy_timeout=5000; PRAGMA query_only=1;")
                    .map_err(unavailable)?;
                c
            }
        };
        let out = f(&conn);
        self.inner.readers.lock().unwrap_or_else(|e| e.into_inner()).push(conn);
        out
    }

    fn ensure_now(&self, conn: &Connection, defs: &[ContainerDef], create: bool) -> Result<(), StoreError> {
        for def in defs {
            let pk = Value::from(def.partition_key.clone()).to_string();
            let known: Option<String> = conn
                .query_row(
                    "SELECT partition_key FROM atakora_containers WHERE name = ?1",
                    [&def.name],
                    |r| r.get(0),
                )
                .optional()
                .map_err(unavailable)?;
            match known {
                Some(k) if k != pk => {
                    return Err(StoreError::Mismatch(format!(
                        "container {} in {} has partition key {k}, the spec says {pk}: a partition key \
                         cannot change; move or delete the file to start afresh",
                        def.name,
                        self.inner.path.display()
                    )));
                }
                Some(_) => {}
                None if !create => {
                    return Err(StoreError::Mismatch(format!("container {} does not exist", def.name)));
                }
                None => {}
            }
            let t = table(&def.name);
            let mut ddl = format!(
                "CREATE TABLE IF NOT EXISTS {t} (pk TEXT NOT NULL, id TEXT NOT NULL, pk1 TEXT, pk2 TEXT, pk3 TEXT,
                   body TEXT NOT NULL, etag TEXT NOT NULL, expires_at INTEGER, PRIMARY KEY (pk, id)) WITHOUT ROWID;
                 CREATE INDEX IF NOT EXISTS \"c:{n}:expiry\" ON {t} (expires_at) WHERE expires_at IS NOT NULL;
                 CREATE INDEX IF NOT EXISTS \"c:{n}:partition-expiry\" ON {t} (pk, expires_at) WHERE expires_at IS NOT NULL;
                 INSERT OR IGNORE INTO atakora_containers (name, partition_key) VALUES ({}, {});",
                sql_text(&def.name),
                sql_text(&pk),
                n = def.name,
            );
            if def.partition_key.len() > 1 {
                ddl.push_str(&format!(
                    "CREATE INDEX IF NOT EXISTS \"c:{}:prefix\" ON {t} (pk1, pk2, pk, id);",
                    def.name
                ));
            }
            // Unique keys: one index each, named by its paths so a changed key is a new index.
            let mut wanted = Vec::new();
            for uk in &def.unique_keys {
                let name = format!("c:{}:uk:{}", def.name, ContainerDef::unique_key_name(uk));
                let cols: Vec<String> = uk
                    .iter()
                    .map(|p| {
                        format!(
                            "coalesce(json_quote(json_extract(body, {})), 'null')",
                            sql_text(&json_path(p))
                        )
                    })
                    .collect();
                ddl.push_str(&format!(
                    "CREATE UNIQUE INDEX IF NOT EXISTS \"{}\" ON {t} (pk, {});",
                    name.replace('"', "\"\""),
                    cols.join(", ")
                ));
                wanted.push(name);
            }
            // IMMEDIATE: the write lock up front, so another connection's commit makes it wait
            // (busy_timeout) instead of failing the upgrade from a read with "database is locked".
            conn.execute_batch(&format!("BEGIN IMMEDIATE; {ddl} COMMIT;"))
                .map_err(|e| {
                    let _ = conn.execute_batch("ROLLBACK");
                    StoreError::Mismatch(format!("container {}: {e}", def.name))
                })?;
            let stale: Vec<String> = {
                let mut q = conn
                    .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND name LIKE ?2")
                    .map_err(unavailable)?;
                let rows = q
                    .query_map([format!("c:{}", def.name), format!("c:{}:uk:%", def.name)], |r| {
                        r.get(0)
                    })
                    .map_err(unavailable)?;
                rows.filter_map(Result::ok)
                    .filter(|n: &String| !wanted.contains(n))
                    .collect()
            };
            for name in stale {
                conn.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
                    .map_err(unavailable)?;
            }
            self.inner
                .defs
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(def.name.clone(), def.clone());
        }
        Ok(())
    }

    fn write_now(
        &self,
        tx: &Connection,
        container: &str,
        key: &PartitionKey,
        doc: &Value,
        replace: Option<&Precondition>,
    ) -> Result<Stored, StoreError> {
        let def = self.def(container)?;
        let t = table(container);
        let now = self.inner.clock.now_ms();
        let part = key.canonical();
        let levels = key.levels();
        let id = doc_id(doc);
        let stored = Stored {
            json: doc.to_string(),
            etag: new_etag(),
            expires_at_ms: def.expiry(doc).map(|s| now + s * 1000),
        };
        // Expired documents of this partition no longer hold their id or unique values.
        tx.prepare_cached(&format!(
            "DELETE FROM {t} WHERE pk = ?1 AND expires_at IS NOT NULL AND expires_at <= ?2"
        ))
        .and_then(|mut s| s.execute(rusqlite::params![part, now]))
        .map_err(unavailable)?;
        let exists = |tx: &Connection| -> Result<bool, StoreError> {
            tx.prepare_cached(&format!("SELECT 1 FROM {t} WHERE pk = ?1 AND id = ?2"))
                .and_then(|mut s| s.exists(rusqlite::params![part, id]))
                .map_err(unavailable)
        };
        // The id is checked first: a duplicate that also repeats a unique value is a
        // conflict on `id`.
        if replace.is_none() && exists(tx)? {
            return Err(StoreError::Conflict { key: "id".into() });
        }
        let changed = match replace {
            None => tx
                .prepare_cached(&format!(
                    "INSERT INTO {t} (pk, id, pk1, pk2, pk3, body, etag, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                ))
                .and_then(|mut s| {
                    s.execute(rusqlite::params![
                        part,
                        id,
                        levels.first(),
                        levels.get(1),
                        levels.get(2),
                        stored.json,
                        stored.etag,
                        stored.expires_at_ms
                    ])
                }),
            Some(cond) => {
                let tag = match cond {
                    Precondition::IfMatch(t) => Some(t.as_str()),
                    Precondition::None => None,
                };
                tx.prepare_cached(&format!(
                    "UPDATE {t} SET body = ?3, etag = ?4, expires_at = ?5 WHERE pk = ?1 AND id = ?2 AND (?6 IS NULL OR etag = ?6)"
                ))
                .and_then(|mut s| {
                    s.execute(rusqlite::params![part, id, stored.json, stored.etag, stored.expires_at_ms, tag])
                })
            }
        };
        let changed = changed.map_err(|e| constraint(&e, &def).unwrap_or_else(|| unavailable(e)))?;
        if changed == 0 {
            return Err(if exists(tx)? {
                StoreError::PreconditionFailed
            } else {
                StoreError::NotFound
            });
        }
        // The change feed: the document's entry moves to the end, in this transaction.
        tx.prepare_cached("INSERT OR REPLACE INTO atakora_changes (container, pk, id) VALUES (?1, ?2, ?3)")
            .and_then(|mut s| s.execute(rusqlite::params![container, part, id]))
            .map_err(unavailable)?;
        Ok(stored)
    }

    fn delete_now(
        &self,
        conn: &Connection,
        container: &str,
        key: &PartitionKey,
        id: &str,
        cond: &Precondition,
    ) -> Result<(), StoreError> {
        self.def(container)?;
        let t = table(container);
        let now = self.inner.clock.now_ms();
        let part = key.canonical();
        let tag = match cond {
            Precondition::IfMatch(t) => Some(t.as_str()),
            Precondition::None => None,
        };
        let current: Option<(String, Option<i64>)> = conn
            .prepare_cached(&format!("SELECT etag, expires_at FROM {t} WHERE pk = ?1 AND id = ?2"))
            .and_then(|mut s| {
                s.query_row(rusqlite::params![part, id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(unavailable)?;
        match current {
            Some((_, Some(exp))) if exp <= now => Err(StoreError::NotFound),
            None => Err(StoreError::NotFound),
            Some((etag, _)) if tag.is_some_and(|t| t != etag) => Err(StoreError::PreconditionFailed),
            Some(_) => {
                conn.prepare_cached(&format!("DELETE FROM {t} WHERE pk = ?1 AND id = ?2"))
                    .and_then(|mut s| s.execute(rusqlite::params![part, id]))
                    .map_err(unavailable)?;
                // The feed has no deletes: the document leaves it.
                conn.prepare_cached("DELETE FROM atakora_changes WHERE container = ?1 AND pk = ?2 AND id = ?3")
                    .and_then(|mut s| s.execute(rusqlite::params![container, part, id]))
                    .map_err(unavailable)?;
                Ok(())
            }
        }
    }

    fn read_now(&self, container: &str, key: &PartitionKey, id: &str) -> Result<Option<Stored>, StoreError> {
        let t = table(container);
        let now = self.inner.clock.now_ms();
        let part = key.canonical();
        self.with_reader(|c| {
            c.prepare_cached(&format!(
                "SELECT body, etag, expires_at FROM {t} WHERE pk = ?1 AND id = ?2 AND (expires_at IS NULL OR expires_at > ?3)"
            ))
            .and_then(|mut s| {
                s.query_row(rusqlite::params![part, id, now], |r| {
                    Ok(Stored {
                        json: r.get(0)?,
                        etag: r.get(1)?,
                        expires_at_ms: r.get(2)?,
                    })
                })
                .optional()
            })
            .map_err(|e| missing_table(e, container))
        })
    }

    fn list_now(
        &self,
        container: &str,
        prefix: &[Value],
        only: &[FieldEquals],
        limit: usize,
        continuation: Option<&str>,
    ) -> Result<Page, StoreError> {
        let t = table(container);
        let now = self.inner.clock.now_ms();
        let mut sql =
            format!("SELECT pk, id, body, etag, expires_at FROM {t} WHERE (expires_at IS NULL OR expires_at > ?1)");
        let mut args: Vec<Sql> = vec![Sql::Integer(now)];
        let levels: Vec<String> = prefix.iter().map(PartitionKey::canonical_value).collect();
        let def = self.def(container)?;
        if !levels.is_empty() && levels.len() == def.partition_key.len() {
            args.push(Sql::Text(PartitionKey::new(prefix.to_vec()).canonical()));
            sql.push_str(&format!(" AND pk = ?{}", args.len()));
        } else {
            for (i, l) in levels.iter().enumerate() {
                args.push(Sql::Text(l.clone()));
                sql.push_str(&format!(" AND pk{} = ?{}", i + 1, args.len()));
            }
        }
        for f in only {
            // The path and the value are parameters: a field name is never spliced into SQL.
            args.push(Sql::Text(format!("$.\"{}\"", f.field.replace('"', ""))));
            let path_at = args.len();
            match &f.value {
                Value::String(v) => args.push(Sql::Text(v.clone())),
                other => args.push(Sql::Text(other.to_string())),
            }
            sql.push_str(&format!(" AND json_extract(body, ?{path_at}) = ?{}", args.len()));
        }
        if let Some(token) = continuation {
            let (p, i) = parse_local_token(token)?;
            args.push(Sql::Text(p));
            args.push(Sql::Text(i));
            sql.push_str(&format!(" AND (pk, id) > (?{}, ?{})", args.len() - 1, args.len()));
        }
        args.push(Sql::Integer(limit as i64 + 1));
        sql.push_str(&format!(" ORDER BY pk, id LIMIT ?{}", args.len()));
        self.with_reader(|c| {
            let mut s = c.prepare_cached(&sql).map_err(|e| missing_table(e, container))?;
            let rows = s
                .query_map(params_from_iter(args.iter()), |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        Stored {
                            json: r.get(2)?,
                            etag: r.get(3)?,
                            expires_at_ms: r.get(4)?,
                        },
                    ))
                })
                .map_err(unavailable)?;
            let mut items = Vec::new();
            let mut last = None;
            let mut more = false;
            for row in rows {
                let (p, i, stored) = row.map_err(unavailable)?;
                if items.len() == limit {
                    more = true;
                    break;
                }
                items.push(stored);
                last = Some(local_token(&p, &i));
            }
            Ok(Page {
                items,
                continuation: if more { last } else { None },
            })
        })
    }

    fn purge_now(&self, conn: &Connection) -> Result<(), StoreError> {
        let now = self.inner.clock.now_ms();
        let names: Vec<String> = self
            .inner
            .defs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect();
        for n in names {
            conn.execute(&format!("DELETE FROM {} WHERE expires_at <= ?1", table(&n)), [now])
                .map_err(unavailable)?;
            // Expired documents leave the change feed too.
            conn.execute(
                &format!(
                    "DELETE FROM atakora_changes WHERE container = ?1 AND NOT EXISTS \
                     (SELECT 1 FROM {t} WHERE {t}.pk = atakora_changes.pk AND {t}.id = atakora_changes.id)",
                    t = table(&n)
                ),
                [&n],
            )
            .map_err(unavailable)?;
        }
        // Fold the WAL back into the database while nothing waits: reads stay fast.
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .map_err(unavailable)?;
        Ok(())
    }
}

/// A constraint failure as the conflict it is: the primary key is `id`, a unique index names
/// its key.
fn constraint(e: &rusqlite::Error, def: &ContainerDef) -> Option<StoreError> {
    let rusqlite::Error::SqliteFailure(f, msg) = e else {
        return None;
    };
    if f.code != ErrorCode::ConstraintViolation {
        return None;
    }
    let msg = msg.as_deref().unwrap_or_default();
    let key = def
        .unique_keys
        .iter()
        .map(|uk| ContainerDef::unique_key_name(uk))
        .find(|name| msg.contains(&format!(":uk:{name}'")))
        .unwrap_or_else(|| "id".to_string());
    Some(StoreError::Conflict { key })
}

fn missing_table(e: rusqlite::Error, container: &str) -> StoreError {
    if e.to_string().contains("no such table") {
        StoreError::Unavailable(format!("container {container} is not set up"))
    } else {
        unavailable(e)
    }
}

impl Store for SqliteStore {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    fn ensure<'a>(&'a self, containers: &'a [ContainerDef], create: bool) -> StoreFuture<'a, ()> {
        let defs = containers.to_vec();
        Box::pin(self.alone(move |s, conn| s.ensure_now(conn, &defs, create)))
    }

    fn create<'a>(
        &'a self,
        container: &'a str,
        key: &'a PartitionKey,
        doc: &'a Value,
    ) -> StoreFuture<'a, Charged<Stored>> {
        let (c, k, d) = (container.to_string(), key.clone(), doc.clone());
        Box::pin(async move {
            let stored = self.write(move |s, tx| s.write_now(tx, &c, &k, &d, None)).await?;
            self.inner.feed.send_modify(|n| *n += 1);
            Ok(Charged::free(stored))
        })
    }

    fn read<'a>(
        &'a self,
        container: &'a str,
        key: &'a PartitionKey,
        id: &'a str,
    ) -> StoreFuture<'a, Charged<Option<Stored>>> {
        // Point reads are short and never wait for the writer (WAL): run them inline.
        Box::pin(async move { self.read_now(container, key, id).map(Charged::free) })
    }

    fn replace<'a>(
        &'a self,
        container: &'a str,
        key: &'a PartitionKey,
        doc: &'a Value,
        condition: &'a Precondition,
    ) -> StoreFuture<'a, Charged<Stored>> {
        let (c, k, d, cond) = (container.to_string(), key.clone(), doc.clone(), condition.clone());
        Box::pin(async move {
            let stored = self
                .write(move |s, tx| s.write_now(tx, &c, &k, &d, Some(&cond)))
                .await?;
            self.inner.feed.send_modify(|n| *n += 1);
            Ok(Charged::free(stored))
        })
    }

    fn delete<'a>(
        &'a self,
        container: &'a str,
        key: &'a PartitionKey,
        id: &'a str,
        condition: &'a Precondition,
    ) -> StoreFuture<'a, Charged<()>> {
        let (c, k, i, cond) = (container.to_string(), key.clone(), id.to_string(), condition.clone());
        Box::pin(async move {
            self.write(move |s, tx| s.delete_now(tx, &c, &k, &i, &cond))
                .await
                .map(Charged::free)
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
            self.list_now(container, prefix, only, limit, continuation)
                .map(Charged::free)
        })
    }

    fn health(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move { self.with_reader(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(unavailable)) })
    }

    fn maintain(&self) -> StoreFuture<'_, ()> {
        Box::pin(self.alone(|s, conn| s.purge_now(conn)))
    }

    fn local_engine(self: Arc<Self>) -> Option<Arc<dyn LocalEngine>> {
        Some(self)
    }
}

/// The local engine's tables (see [`super::local`]): queue messages (a queue and its
/// `-poison` twin are rows of one table), the change log (one entry per live document, the
/// document itself read from its container) and the engine's state.
const ENGINE_SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS atakora_queue_messages (seq INTEGER PRIMARY KEY AUTOINCREMENT,
      queue TEXT NOT NULL, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL, inserted_at INTEGER NOT NULL,
      visible_at INTEGER NOT NULL, dequeue_count INTEGER NOT NULL DEFAULT 0, receipt TEXT NOT NULL DEFAULT '');
    CREATE INDEX IF NOT EXISTS atakora_queue_order ON atakora_queue_messages (queue, seq);
    CREATE TABLE IF NOT EXISTS atakora_changes (lsn INTEGER PRIMARY KEY AUTOINCREMENT,
      container TEXT NOT NULL, pk TEXT NOT NULL, id TEXT NOT NULL, UNIQUE (container, pk, id));
    CREATE INDEX IF NOT EXISTS atakora_changes_feed ON atakora_changes (container, lsn);
    CREATE TABLE IF NOT EXISTS atakora_engine_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);";

const MESSAGE_COLUMNS: &str = "id, queue, body, inserted_at, dequeue_count, visible_at, receipt";

fn message_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<QueueMessage> {
    Ok(QueueMessage {
        id: r.get(0)?,
        queue: r.get(1)?,
        body: r.get(2)?,
        inserted_at_ms: r.get(3)?,
        dequeue_count: r.get(4)?,
        visible_at_ms: r.get(5)?,
        receipt: r.get(6)?,
    })
}

fn insert_message(
    tx: &Connection,
    queue: &str,
    body: &str,
    now_ms: i64,
    visible_at_ms: i64,
) -> Result<String, StoreError> {
    let id = new_token();
    tx.prepare_cached(
        "INSERT INTO atakora_queue_messages (queue, id, body, inserted_at, visible_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut s| s.execute(rusqlite::params![queue, id, body, now_ms, visible_at_ms]))
    .map_err(unavailable)?;
    Ok(id)
}

impl SqliteStore {
    /// A held lease's update: `sql` with `?1` = id, `?2` = receipt and `?3` = `value`; whether
    /// the lease was still held.
    async fn leased(&self, sql: &'static str, message: &QueueMessage, value: Option<i64>) -> Result<bool, StoreError> {
        let (id, receipt) = (message.id.clone(), message.receipt.clone());
        self.write(move |_, tx| {
            let n = match value {
                Some(v) => tx
                    .prepare_cached(sql)
                    .and_then(|mut s| s.execute(rusqlite::params![id, receipt, v])),
                None => tx
                    .prepare_cached(sql)
                    .and_then(|mut s| s.execute(rusqlite::params![id, receipt])),
            };
            Ok(n.map_err(unavailable)? == 1)
        })
        .await
    }
}

impl LocalEngine for SqliteStore {
    fn enqueue<'a>(&'a self, queue: &'a str, body: &'a str, visible_at_ms: i64) -> StoreFuture<'a, String> {
        let (q, b) = (queue.to_string(), body.to_string());
        Box::pin(async move {
            self.write(move |s, tx| insert_message(tx, &q, &b, s.inner.clock.now_ms(), visible_at_ms))
                .await
        })
    }

    fn dequeue<'a>(
        &'a self,
        queue: &'a str,
        max: usize,
        now_ms: i64,
        lease_ms: i64,
    ) -> StoreFuture<'a, Vec<QueueMessage>> {
        let q = queue.to_string();
        Box::pin(async move {
            let receipt = new_token();
            let mut got = self
                .write(move |_, tx| {
                    let mut s = tx
                        .prepare_cached(&format!(
                            "UPDATE atakora_queue_messages SET visible_at = ?3, dequeue_count = dequeue_count + 1,
                               receipt = ?4 || '-' || seq
                             WHERE seq IN (SELECT seq FROM atakora_queue_messages WHERE queue = ?1 AND visible_at <= ?2
                               ORDER BY seq LIMIT ?5)
                             RETURNING {MESSAGE_COLUMNS}, seq"
                        ))
                        .map_err(unavailable)?;
                    let rows = s
                        .query_map(
                            rusqlite::params![q, now_ms, now_ms + lease_ms, receipt, max as i64],
                            |r| Ok((r.get::<_, i64>(7)?, message_row(r)?)),
                        )
                        .map_err(unavailable)?;
                    rows.collect::<Result<Vec<_>, _>>().map_err(unavailable)
                })
                .await?;
            got.sort_by_key(|(seq, _)| *seq);
            Ok(got.into_iter().map(|(_, m)| m).collect())
        })
    }

    fn renew<'a>(&'a self, message: &'a QueueMessage, until_ms: i64) -> StoreFuture<'a, bool> {
        Box::pin(self.leased(
            "UPDATE atakora_queue_messages SET visible_at = ?3 WHERE id = ?1 AND receipt = ?2",
            message,
            Some(until_ms),
        ))
    }

    fn complete<'a>(&'a self, message: &'a QueueMessage) -> StoreFuture<'a, bool> {
        Box::pin(self.leased(
            "DELETE FROM atakora_queue_messages WHERE id = ?1 AND receipt = ?2",
            message,
            None,
        ))
    }

    fn release<'a>(&'a self, message: &'a QueueMessage, visible_at_ms: i64) -> StoreFuture<'a, bool> {
        Box::pin(self.leased(
            "UPDATE atakora_queue_messages SET visible_at = ?3, receipt = '' WHERE id = ?1 AND receipt = ?2",
            message,
            Some(visible_at_ms),
        ))
    }

    fn dead_letter<'a>(
        &'a self,
        message: &'a QueueMessage,
        poison: &'a str,
        body: &'a str,
        now_ms: i64,
    ) -> StoreFuture<'a, bool> {
        let (id, receipt, poison, body) = (
            message.id.clone(),
            message.receipt.clone(),
            poison.to_string(),
            body.to_string(),
        );
        Box::pin(async move {
            self.write(move |_, tx| {
                let n = tx
                    .prepare_cached("DELETE FROM atakora_queue_messages WHERE id = ?1 AND receipt = ?2")
                    .and_then(|mut s| s.execute(rusqlite::params![id, receipt]))
                    .map_err(unavailable)?;
                if n == 1 {
                    insert_message(tx, &poison, &body, now_ms, now_ms)?;
                }
                Ok(n == 1)
            })
            .await
        })
    }

    fn messages<'a>(&'a self, queue: &'a str) -> StoreFuture<'a, Vec<QueueMessage>> {
        Box::pin(async move {
            self.with_reader(|c| {
                let mut s = c
                    .prepare_cached(&format!(
                        "SELECT {MESSAGE_COLUMNS} FROM atakora_queue_messages WHERE queue = ?1 ORDER BY seq"
                    ))
                    .map_err(unavailable)?;
                let rows = s.query_map([queue], message_row).map_err(unavailable)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(unavailable)
            })
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
            let t = table(container);
            self.with_reader(|c| {
                let mut s = c
                    .prepare_cached(&format!(
                        "SELECT c.lsn, t.body FROM atakora_changes c JOIN {t} t ON t.pk = c.pk AND t.id = c.id
                         WHERE c.container = ?1 AND c.lsn > ?2 AND (t.expires_at IS NULL OR t.expires_at > ?3)
                         ORDER BY c.lsn LIMIT ?4"
                    ))
                    .map_err(|e| missing_table(e, container))?;
                let rows = s
                    .query_map(rusqlite::params![container, after, now_ms, limit as i64], |r| {
                        Ok(Change {
                            lsn: r.get(0)?,
                            json: r.get(1)?,
                        })
                    })
                    .map_err(unavailable)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(unavailable)
            })
        })
    }

    fn feed_signal(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.feed.subscribe()
    }

    fn feed_end<'a>(&'a self, container: &'a str) -> StoreFuture<'a, i64> {
        Box::pin(async move {
            self.with_reader(|c| {
                c.prepare_cached("SELECT coalesce(max(lsn), 0) FROM atakora_changes WHERE container = ?1")
                    .and_then(|mut s| s.query_row([container], |r| r.get(0)))
                    .map_err(unavailable)
            })
        })
    }

    fn state<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<String>> {
        Box::pin(async move {
            self.with_reader(|c| {
                c.prepare_cached("SELECT value FROM atakora_engine_state WHERE key = ?1")
                    .and_then(|mut s| s.query_row([key], |r| r.get(0)).optional())
                    .map_err(unavailable)
            })
        })
    }

    fn set_state<'a>(&'a self, key: &'a str, value: &'a str) -> StoreFuture<'a, ()> {
        let (k, v) = (key.to_string(), value.to_string());
        Box::pin(async move {
            self.write(move |_, tx| {
                tx.prepare_cached(
                    "INSERT INTO atakora_engine_state (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .and_then(|mut s| s.execute(rusqlite::params![k, v]))
                .map_err(unavailable)?;
                Ok(())
            })
            .await
        })
    }
}
