//! Least privilege: each app's identity gets exactly the roles it needs, before the app starts.
//!
//! - Storage Blob Data Owner on the storage account: identity-based host storage and the
//!   deployment container (keys mode: Key Vault Secrets User on the vault instead);
//! - Monitoring Metrics Publisher on Application Insights: Entra-authenticated telemetry;
//! - for the CRUD APIs' app, Cosmos DB Built-in Data Reader (APIs that only read and list) or
//!   Data Contributor on each container's data, scoped to the database where that grants
//!   exactly the same (see [`data_grants`]), and the Redis access policy when a cache exists.
//!
//! Every assignment is named from the identity's principal id, so an identity created anew
//! gets new assignments instead of failing with `RoleAssignmentUpdateNotPermitted`; a
//! principal id is known only once the identity exists, so each app's assignments live in a
//! nested deployment of their own (see [`Access`]).

use super::context::Resolver;
use crate::naming::ResourceKind;
use crate::plan::{
    Access, Auth, Cache, Container, CosmosAccount, DataAccess, Database, DeclaredBy, FunctionApp, GrantScope,
    Monitoring, NameId, NamePart, Role, RoleGrant, StorageAccount,
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
            Some(v) => out.push(rbac(
                r,
                app,
                Role::KeyVaultSecretsUser,
                GrantScope::KeyVault,
                v.id,
                by.clone(),
            )),
            None => out.push(rbac(
                r,
                app,
                Role::StorageBlobDataOwner,
                GrantScope::Storage,
                s.storage.id,
                by.clone(),
            )),
        }
        if let Some(m) = s.monitoring {
            out.push(rbac(
                r,
                app,
                Role::MonitoringMetricsPublisher,
                GrantScope::Insights,
                m.insights_id,
                by,
            ));
        }
    }
    let Some(api) = s.apps.iter().find(|a| a.role_is_crud()) else {
        return out;
    };
    if !s.auth.uses_keys() {
        for (i, account) in s.accounts.iter().enumerate() {
            for db in &account.databases {
                for (role, scope) in data_grants(db) {
                    let (path_of, scope) = match scope {
                        None => (
                            db.id,
                            GrantScope::CosmosDatabase {
                                account: i,
                                database: db.name.clone(),
                            },
                        ),
                        Some(c) => (
                            c.id,
                            GrantScope::CosmosContainer {
                                account: i,
                                database: db.name.clone(),
                                container: c.name.clone(),
                            },
                        ),
                    };
                    let parts = vec![
                        NamePart::DataPathOf(path_of),
                        NamePart::PrincipalOf(api.identity.id),
                        NamePart::Text(role.definition_id().to_string()),
                    ];
                    let id = r.guid(
                        ResourceKind::CosmosRoleAssignment,
                        parts,
                        Some(account.id),
                        DeclaredBy::CrudApis,
                    );
                    out.push(RoleGrant {
                        app: api.key.clone(),
                        role,
                        scope,
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

/// The data-plane assignments of one database: `(role, None)` is scoped to the whole
/// database, `(role, Some(container))` to one container.
///
/// Rule: one assignment per (identity, role, scope), with the database as the scope wherever
/// it grants exactly what per-container assignments would, and only when that makes fewer
/// assignments (one container: its own scope, as before). Every container of the database is
/// in the plan (containers change only through the template), so a database scope grants no
/// container beyond them.
/// - every container needs the same role: that role on the database;
/// - readers next to writers: Data Reader on the database (every container needs at least
///   reading) and Data Contributor on each writer's container — no reader gains a write;
/// - otherwise each container its own role.
fn data_grants(db: &Database) -> Vec<(Role, Option<&Container>)> {
    let role = |c: &Container| match c.access {
        DataAccess::Reader => Role::CosmosDataReader,
        DataAccess::Contributor => Role::CosmosDataContributor,
    };
    let writers: Vec<&Container> = db
        .containers
        .iter()
        .filter(|c| c.access == DataAccess::Contributor)
        .collect();
    let readers = db.containers.len() - writers.len();
    let per_container = || db.containers.iter().map(|c| (role(c), Some(c))).collect();
    if db.containers.len() < 2 {
        return per_container();
    }
    if readers == 0 {
        return vec![(Role::CosmosDataContributor, None)];
    }
    if writers.is_empty() {
        return vec![(Role::CosmosDataReader, None)];
    }
    if readers >= 2 {
        let mut out = vec![(Role::CosmosDataReader, None)];
        out.extend(writers.into_iter().map(|c| (Role::CosmosDataContributor, Some(c))));
        return out;
    }
    per_container()
}

/// The nested deployments of each app's assignments: one while they fit
/// ([`Access::MAX_ASSIGNMENTS`]), then `access-<app>-2`, `-3`, ... Called once every family
/// has made its grants: a grant not counted here would have no deployment to live in.
pub(crate) fn access(r: &mut Resolver, apps: &[FunctionApp], grants: &[RoleGrant]) -> Vec<Access> {
    let mut out = Vec::new();
    for app in apps {
        let count = grants
            .iter()
            .filter(|g| g.app == app.key && !matches!(g.scope, GrantScope::Redis))
            .count();
        let chunks = count.div_ceil(Access::MAX_ASSIGNMENTS).max(1);
        for k in 0..chunks {
            let purpose = match k {
                0 => format!("access-{}", app.key),
                _ => format!("access-{}-{}", app.key, k + 1),
            };
            let (name, id) = r.name(ResourceKind::Deployment, &purpose, None, by_app(app));
            out.push(Access {
                app: app.key.clone(),
                name,
                id,
                assignments: (count - k * Access::MAX_ASSIGNMENTS).min(Access::MAX_ASSIGNMENTS),
            });
        }
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

/// An Azure RBAC assignment, named `guid(scope id, principal id, role)`: stable across
/// redeployments, new when the identity is.
fn rbac(
    r: &mut Resolver,
    app: &FunctionApp,
    role: Role,
    scope: GrantScope,
    scope_id: NameId,
    by: DeclaredBy,
) -> RoleGrant {
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
