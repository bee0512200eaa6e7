//! `cache(ttl)` on CRUD APIs: one Azure Managed Redis for the backend, with its database.

use super::context::Resolver;
use crate::naming::ResourceKind;
use crate::plan::Cache;

pub(crate) fn resolve(r: &mut Resolver) -> Option<Cache> {
    let ttls: Vec<(String, u32)> = r
        .crud_apis()
        .filter_map(|(f, api)| api.cache.as_ref().map(|c| (f.to_string(), c.ttl)))
        .collect();
    if ttls.is_empty() {
        return None;
    }
    let by = r.by_backend();
    let (name, id) = r.name(ResourceKind::ManagedRedis, "", None, by.clone());
    let database_id = r.literal(ResourceKind::RedisDatabase, "default", Some(id), by);
    Some(Cache {
        name,
        database_id,
        ttls,
    })
}
