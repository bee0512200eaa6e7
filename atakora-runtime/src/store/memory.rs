//! The in-memory store: for tests, and `ATAKORA_STORE=memory`.

use super::{
    Charged, Clock, ContainerDef, FieldEquals, Page, PartitionKey, Precondition, Store, StoreError, StoreFuture,
    Stored, SystemClock, doc_id, local_token, new_etag, parse_local_token, same_unique_values,
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

/// Documents in a map behind one lock; nothing survives the process.
pub struct MemoryStore {
    containers: Mutex<HashMap<String, Container>>,
    clock: Arc<dyn Clock>,
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
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Container>> {
        self.containers.lock().unwrap_or_else(|e| e.into_inner())
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
}
