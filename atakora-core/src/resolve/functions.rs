//! Functions: each functions app's `#[atakora::function]`s with what their triggers need —
//! the queues (and `-poison` twins) in the shared storage account, a `leases` container in the
//! watched database, and the data roles each trigger needs and no more:
//!
//! - queue trigger: Storage Queue Data Contributor on its queue and its poison queue (the
//!   documented Reader + Processor pair cannot put a failed message back or dead-letter it);
//! - `Queue::send`: Storage Queue Data Message Sender on every queue of the backend for every
//!   other functions app (a handler may send from any function);
//! - change feed: Cosmos DB Data Reader on the watched container, Data Contributor on the
//!   leases container, and metadata read at database scope (container scope alone fails).

use super::context::Resolver;
use crate::diag::{Code, Diagnostic};
use crate::naming::ResourceKind;
use crate::plan::{
    AppFunctions, AppRole, CosmosAccount, DeclaredBy, FunctionApp, GrantScope, Leases, NameId, NamePart,
    PlannedFunction, PlannedQueue, PlannedTrigger, Role, RoleGrant, StorageAccount,
};
use crate::spec::{FunctionSpec, Trigger};

/// The leases container's name, in the watched database.
pub const LEASES_CONTAINER: &str = "leases";
/// RU/s of a leases container whose database has no throughput to share.
pub const LEASES_RUS: u32 = 400;

pub(crate) fn resolve(
    r: &mut Resolver,
    apps: &[FunctionApp],
    storage: &StorageAccount,
    accounts: &[CosmosAccount],
) -> Vec<AppFunctions> {
    let mut out = Vec::new();
    let mut queue_service: Option<NameId> = None;
    let mut leases_made: Vec<(usize, String, NameId)> = Vec::new();
    let mut definitions: Vec<(usize, NameId)> = Vec::new();
    for (field, spec) in r.functions_apps().collect::<Vec<_>>() {
        if spec.functions.is_empty() {
            continue;
        }
        let Some(app) = apps
            .iter()
            .find(|a| matches!(&a.role, AppRole::FunctionsApp { component, .. } if component == field))
        else {
            continue;
        };
        let by = DeclaredBy::Component {
            field: field.to_string(),
            type_name: None,
        };
        clashes(r, field, &spec.functions);
        let mut planned = AppFunctions {
            app: app.key.clone(),
            functions: Vec::new(),
            queues: Vec::new(),
            max_attempts: None,
            leases: None,
        };
        for f in spec.functions.iter() {
            let trigger = match &f.trigger {
                Trigger::Queue { queue, max_attempts } => {
                    match planned.max_attempts {
                        Some(m) if m != *max_attempts => r.report_on(
                            field,
                            "functions",
                            Diagnostic::new(
                                Code::MaxAttemptsDiffer,
                                format!(
                                    "queue function `{}` of `{field}` sets `max_attempts = {max_attempts}`, another of the app {m}: the host's `maxDequeueCount` is one per app",
                                    f.name
                                ),
                            )
                            .help(format!("give every queue function of `{field}` the same `max_attempts`")),
                        ),
                        _ => planned.max_attempts = Some(*max_attempts),
                    }
                    if !planned.queues.iter().any(|q| q.name == *queue) {
                        let service = *queue_service.get_or_insert_with(|| {
                            r.literal(ResourceKind::QueueService, "default", Some(storage.id), r.by_backend())
                        });
                        let poison = format!("{queue}{}", FunctionSpec::POISON_SUFFIX);
                        let id = r.literal(ResourceKind::StorageQueue, queue, Some(service), by.clone());
                        let poison_id = r.literal(ResourceKind::StorageQueue, &poison, Some(service), by.clone());
                        planned.queues.push(PlannedQueue {
                            name: queue.to_string(),
                            id,
                            poison,
                            poison_id,
                        });
                    }
                    PlannedTrigger::Queue {
                        queue: queue.to_string(),
                    }
                }
                Trigger::Timer { schedule } => PlannedTrigger::Timer {
                    schedule: schedule.to_string(),
                },
                Trigger::Http { route, methods } => PlannedTrigger::Http {
                    route: route.to_string(),
                    methods: methods.iter().map(|m| m.to_string()).collect(),
                },
                Trigger::Changes { entity } => {
                    let watched = accounts.iter().enumerate().find_map(|(i, a)| {
                        a.databases
                            .iter()
                            .find_map(|d| d.containers.iter().find(|c| c.entity == **entity).map(|c| (i, a, d, c)))
                    });
                    let Some((i, account, db, c)) = watched else {
                        r.report_on(
                            field,
                            "functions",
                            Diagnostic::new(
                                Code::ChangesOutsideBackend,
                                format!(
                                    "function `{}` watches `changes({entity})`, but backend `{}` has no `CrudApi<{entity}>`",
                                    f.name, r.spec.type_name
                                ),
                            )
                            .help(format!("add `pub {}: CrudApi<{entity}>` to the backend of `{field}`", crate::spec::kebab_case(entity).replace('-', "_"))),
                        );
                        continue;
                    };
                    if planned.leases.is_none() {
                        let existing = leases_made
                            .iter()
                            .find(|(a, d, _)| *a == i && *d == db.name)
                            .map(|(_, _, id)| *id);
                        // One leases container per database; each app's leases are its own
                        // documents in it (the trigger prefixes them with the host id).
                        let id = existing.unwrap_or_else(|| {
                            let (_, id) =
                                r.fixed(ResourceKind::CosmosContainer, LEASES_CONTAINER, Some(db.id), by.clone());
                            leases_made.push((i, db.name.clone(), id));
                            id
                        });
                        let shares = db.shared_throughput.is_some() || account.serverless;
                        let metadata_role = match definitions.iter().find(|(a, _)| *a == i) {
                            Some((_, d)) => *d,
                            None => {
                                let d = r.literal(
                                    ResourceKind::CosmosRoleDefinition,
                                    Role::CosmosMetadataReader.definition_id(),
                                    Some(account.id),
                                    r.by_backend(),
                                );
                                definitions.push((i, d));
                                d
                            }
                        };
                        planned.leases = Some(Leases {
                            account: i,
                            database: db.name.clone(),
                            name: LEASES_CONTAINER.to_string(),
                            id,
                            throughput: (!shares).then_some(LEASES_RUS),
                            metadata_role,
                        });
                    }
                    PlannedTrigger::Changes {
                        account: i,
                        database: db.name.clone(),
                        container: c.name.clone(),
                        entity: entity.to_string(),
                    }
                }
            };
            planned.functions.push(PlannedFunction {
                name: f.name.to_string(),
                trigger,
                scale_group: f.scale_group(),
                always_ready: f.always_ready,
            });
        }
        out.push(planned);
    }
    out
}

/// Rules (ATK0510): function names are unique in their app (handlers of one name in two
/// modules), and none is the first segment of one of the app's HTTP routes (the host posts
/// invocations to `/<function>` on the server that serves the routes).
fn clashes(r: &mut Resolver, field: &str, functions: &[FunctionSpec]) {
    for (i, f) in functions.iter().enumerate() {
        if functions[..i].iter().any(|o| o.name.eq_ignore_ascii_case(&f.name)) {
            r.report_on(
                field,
                "functions",
                Diagnostic::new(
                    Code::FunctionNameClash,
                    format!("two functions of `{field}` are named `{}`", f.name),
                )
                .help("rename one handler: the name is the function's in Azure"),
            );
        }
        for o in functions {
            if let Trigger::Http { route, .. } = &o.trigger
                && route.split('/').next().is_some_and(|s| s.eq_ignore_ascii_case(&f.name))
            {
                r.report_on(
                    field,
                    "functions",
                    Diagnostic::new(
                        Code::FunctionNameClash,
                        format!(
                            "function `{}` of `{field}` is named like the first segment of route `{route}` of `{}`",
                            f.name, o.name
                        ),
                    )
                    .help(format!(
                        "rename `{}`: the host invokes it at `POST /{}`, which the route would serve",
                        f.name, f.name
                    )),
                );
            }
        }
    }
}

/// The data roles of the functions' triggers and of `Queue::send`.
pub(crate) fn grants(
    r: &mut Resolver,
    functions: &[AppFunctions],
    apps: &[FunctionApp],
    accounts: &[CosmosAccount],
    keys: bool,
) -> Vec<RoleGrant> {
    let mut out = Vec::new();
    if keys {
        // Keys mode (`managed_identity = false`): connections carry their keys; no data roles.
        return out;
    }
    let all_queues: Vec<&PlannedQueue> = functions.iter().flat_map(|f| f.queues.iter()).collect();
    for app in apps.iter().filter(|a| !a.role_is_crud()) {
        let by = match &app.role {
            AppRole::FunctionsApp { component, .. } => DeclaredBy::Component {
                field: component.clone(),
                type_name: None,
            },
            AppRole::CrudApis { .. } => DeclaredBy::CrudApis,
        };
        let mine = functions.iter().find(|f| f.app == app.key);
        let consumed: Vec<&PlannedQueue> = mine.map(|f| f.queues.iter().collect()).unwrap_or_default();
        let mut rbac = |r: &mut Resolver, role: Role, queue: &str, scope_id: NameId| {
            let parts = vec![
                NamePart::IdOf(scope_id),
                NamePart::PrincipalOf(app.identity.id),
                NamePart::Text(role.definition_id().to_string()),
            ];
            let id = r.guid(ResourceKind::RoleAssignment, parts, None, by.clone());
            out.push(RoleGrant {
                app: app.key.clone(),
                role,
                scope: GrantScope::Queue {
                    name: queue.to_string(),
                },
                id,
            });
        };
        for q in &consumed {
            rbac(r, Role::StorageQueueDataContributor, &q.name, q.id);
            rbac(r, Role::StorageQueueDataContributor, &q.poison, q.poison_id);
        }
        if mine.is_some() {
            for q in all_queues.iter().filter(|q| !consumed.iter().any(|c| c.name == q.name)) {
                rbac(r, Role::StorageQueueDataMessageSender, &q.name, q.id);
            }
        }
        let Some(mine) = mine else { continue };
        let mut cosmos = |r: &mut Resolver, role: Role, scope: GrantScope, parts_of: NamePart, account_id: NameId| {
            let parts = vec![
                parts_of,
                NamePart::PrincipalOf(app.identity.id),
                NamePart::Text(role.definition_id().to_string()),
            ];
            let id = r.guid(ResourceKind::CosmosRoleAssignment, parts, Some(account_id), by.clone());
            out.push(RoleGrant {
                app: app.key.clone(),
                role,
                scope,
                id,
            });
        };
        let mut watched: Vec<(usize, &str, &str)> = Vec::new();
        for f in &mine.functions {
            if let PlannedTrigger::Changes {
                account,
                database,
                container,
                ..
            } = &f.trigger
                && !watched.contains(&(*account, database.as_str(), container.as_str()))
            {
                watched.push((*account, database, container));
            }
        }
        let (Some(leases), Some(_)) = (&mine.leases, watched.first()) else {
            continue;
        };
        let account_id = accounts[leases.account].id;
        let database_of = |account: usize, name: &str| accounts[account].databases.iter().find(|d| d.name == name);
        for (account, database, container) in &watched {
            let Some(container_id) = database_of(*account, database)
                .and_then(|d| d.containers.iter().find(|c| c.name == *container))
                .map(|c| c.id)
            else {
                continue;
            };
            cosmos(
                r,
                Role::CosmosDataReader,
                GrantScope::CosmosContainer {
                    account: *account,
                    database: database.to_string(),
                    container: container.to_string(),
                },
                NamePart::DataPathOf(container_id),
                account_id,
            );
        }
        cosmos(
            r,
            Role::CosmosDataContributor,
            GrantScope::CosmosContainer {
                account: leases.account,
                database: leases.database.clone(),
                container: leases.name.clone(),
            },
            NamePart::DataPathOf(leases.id),
            account_id,
        );
        let Some(database_id) = database_of(leases.account, &leases.database).map(|d| d.id) else {
            continue;
        };
        cosmos(
            r,
            Role::CosmosMetadataReader,
            GrantScope::CosmosDatabase {
                account: leases.account,
                database: leases.database.clone(),
            },
            NamePart::IdOf(database_id),
            account_id,
        );
    }
    out
}
