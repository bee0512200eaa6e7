//! Least privilege: each app's identity gets exactly the roles it needs, before the app starts.
//!
//! - Storage Blob Data Owner on the storage account: identity-based host storage and the
//!   deployment container (keys mode: Key Vault Secrets User on the vault instead);
//! - Monitoring Metrics Publisher on Application Insights: Entra-authenticated telemetry;
//! - for the CRUD APIs' app, per container, Cosmos DB Built-in Data Reader (APIs that only
//!   read and list) or Data Contributor, scoped to that container's data-plane path, and the
//!   Redis access policy when a cache exists.
//!
//! Every assignment is named from the identity's principal id, so an identity created anew
//! gets new assignments instead of failing with `RoleAssignmentUpdateNotPermitted`; a
//! principal id is known only once the identity exists, so each app's assignments live in a
//! nested deployment of their own (see [`Access`]).

use super::context::Resolver;
use crate::naming::ResourceKind;
use crate::plan::{
    Access, Auth, Cache, CosmosAccount, DataAccess, DeclaredBy, FunctionApp, GrantScope, Monitoring, NameId, NamePart, Role,
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

pub(crate) fn resolve(r: &mut Resolver, s: &Scopes) -> (Vec<RoleGrant>, Vec<Access>) {
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
        let access = access(r, s.apps);
        return (out, access);
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
                        NamePart::PrincipalOf(api.identity.id),
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
    let access = access(r, s.apps);
    (out, access)
}

/// One nested deployment per app for its assignments.
fn access(r: &mut Resolver, apps: &[FunctionApp]) -> Vec<Access> {
    apps.iter()
        .map(|app| {
            let (name, id) = r.name(ResourceKind::Deployment, &format!("access-{}", app.key), None, by_app(app));
            Access {
                app: app.key.clone(),
                name,
                id,
            }
        })
        .collect()
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

/// An Azure RBAC assignment, named `guid(scope id, principal id, role)`: stable across
/// redeployments, new when the identity is.
fn rbac(r: &mut Resolver, app: &FunctionApp, role: Role, scope: GrantScope, scope_id: NameId, by: DeclaredBy) -> RoleGrant {
    let parts = vec![
        NamePart::IdOf(scope_id),
        NamePart::PrincipalOf(app.identity.id),
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
