//! Least privilege: each app's identity gets exactly the roles it needs.
//!
//! - Storage Blob Data Owner on the storage account: identity-based host storage and the
//!   deployment container (keys mode: Key Vault Secrets User on the vault instead);
//! - Monitoring Metrics Publisher on Application Insights: Entra-authenticated telemetry;
//! - for the CRUD APIs' app, per container, Cosmos DB Built-in Data Reader (APIs that only
//!   read and list) or Data Contributor, scoped to that container's data-plane path, and the
//!   Redis access policy when a cache exists.

use super::context::Resolver;
use crate::naming::ResourceKind;
use crate::plan::{
    Auth, Cache, CosmosAccount, DataAccess, DeclaredBy, FunctionApp, GrantScope, Monitoring, NameId, NamePart, Role,
    RoleGrant, StorageAccount,
};

/// What the grants refer to.
pub(crate) struct Scopes<'a> {
    pub storage: &'a StorageAccount,
    pub accounts: &'a [CosmosAccount],
    pub apps: &'a [FunctionApp],
    pub monitoring: Option<&'a Monitoring>,
    pub auth: &'a Auth,
    pub cache: Option<&'a Cache>,
}

pub(crate) fn resolve(r: &mut Resolver, s: &Scopes) -> Vec<RoleGrant> {
    let mut out = Vec::new();
    for app in s.apps {
        let by = by_app(app);
        match s.auth.vault() {
            // Keys mode: the identity reads the vault's secrets, nothing else.
            Some(v) => out.push(rbac(r, app, Role::KeyVaultSecretsUser, GrantScope::KeyVault, v.id, by.clone())),
            None => out.push(rbac(r, app, Role::StorageBlobDataOwner, GrantScope::Storage, s.storage.id, by.clone())),
        }
        if let Some(m) = s.monitoring {
            out.push(rbac(r, app, Role::MonitoringMetricsPublisher, GrantScope::Insights, m.insights_id, by));
        }
    }
    let Some(api) = s.apps.iter().find(|a| a.role_is_crud()) else {
        return out;
    };
    if !s.auth.uses_keys() {
        for (i, account) in s.accounts.iter().enumerate() {
            for db in &account.databases {
                for c in &db.containers {
                    let role = match c.access {
                        DataAccess::Reader => Role::CosmosDataReader,
                        DataAccess::Contributor => Role::CosmosDataContributor,
                    };
                    let parts = vec![
                        NamePart::DataPathOf(c.id),
                        NamePart::IdOf(api.id),
                        NamePart::Text(role.definition_id().to_string()),
                    ];
                    let id = r.guid(ResourceKind::CosmosRoleAssignment, parts, Some(account.id), DeclaredBy::CrudApis);
                    out.push(RoleGrant {
                        app: api.key.clone(),
                        role,
                        scope: GrantScope::CosmosContainer {
                            account: i,
                            database: db.name.clone(),
                            container: c.name.clone(),
                        },
                        id,
                    });
                }
            }
        }
    }
    if let Some(cache) = s.cache {
        // Entra ID access to the cache, assigned by object id under the app's key.
        let id = r.literal(
            ResourceKind::RedisAccessPolicyAssignment,
            &api.key,
            Some(cache.database_id),
            DeclaredBy::CrudApis,
        );
        out.push(RoleGrant {
            app: api.key.clone(),
            role: Role::RedisDataAccess,
            scope: GrantScope::Redis,
            id,
        });
    }
    out
}

fn by_app(app: &FunctionApp) -> DeclaredBy {
    match &app.role {
        crate::plan::AppRole::CrudApis { .. } => DeclaredBy::CrudApis,
        crate::plan::AppRole::FunctionsApp { component, .. } => DeclaredBy::Component {
            field: component.clone(),
            type_name: None,
        },
    }
}

/// An Azure RBAC assignment, named `guid(scope id, app id, role)`: stable across
/// redeployments.
fn rbac(r: &mut Resolver, app: &FunctionApp, role: Role, scope: GrantScope, scope_id: NameId, by: DeclaredBy) -> RoleGrant {
    let parts = vec![
        NamePart::IdOf(scope_id),
        NamePart::IdOf(app.id),
        NamePart::Text(role.definition_id().to_string()),
    ];
    let id = r.guid(ResourceKind::RoleAssignment, parts, None, by);
    RoleGrant {
        app: app.key.clone(),
        role,
        scope,
        id,
    }
}
