//! The backend's one storage account (Functions host storage and deployment packages) and its
//! blob service.

use super::context::Resolver;
use crate::naming::ResourceKind;
use crate::plan::StorageAccount;
use crate::rules;

pub(crate) fn resolve(r: &mut Resolver) -> StorageAccount {
    r.finding(rules::storage_account_limit(r.spec));
    let by = r.by_backend();
    let (name, id) = r.name(ResourceKind::StorageAccount, "", None, by.clone());
    let blob_service = r.literal(ResourceKind::BlobService, "default", Some(id), by);
    StorageAccount { name, id, blob_service }
}
