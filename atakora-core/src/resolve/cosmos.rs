//! Cosmos DB: accounts, databases and containers.
//!
//! - all CRUD entities share one account and one database;
//! - serverless and provisioned entities cannot share an account: two accounts, reported;
//! - at most 25 containers share one database's throughput, then another database is added;
//!   containers with dedicated throughput join the first database;
//! - components naming the same container serve one container (they must agree on it).

use super::context::{Resolver, list};
use crate::diag::{Code, Diagnostic};
use crate::naming::{Charset, ResourceKind, sanitize};
use crate::plan::{AccountRole, Container, CosmosAccount, DataAccess, Database, DeclaredBy, NameId};
use crate::rules::{self, MAX_SHARED_CONTAINERS};
use crate::spec::CrudApiSpec;
use std::collections::HashMap;

/// One CRUD API: its index among the backend's components, field and spec.
type Api<'s> = (usize, &'s str, &'s CrudApiSpec);

pub(crate) fn resolve(r: &mut Resolver) -> Vec<CosmosAccount> {
    let apis: Vec<Api> = r
        .spec
        .components
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c {
            crate::spec::ComponentSpec::CrudApi { field, api } => Some((i, field.as_ref(), api.as_ref())),
            _ => None,
        })
        .collect();
    let firsts = container_firsts(r, &apis);
    for (i, _, _) in &apis {
        r.finding(rules::throughput_names_declared_environments(r.spec, *i));
        r.finding(rules::throughput_covers(r.spec, *i, r.env));
    }
    let (serverless, provisioned): (Vec<Api>, Vec<Api>) = apis.iter().partition(|(_, _, api)| api.serverless);
    let split = !serverless.is_empty() && !provisioned.is_empty();
    if split {
        r.report(
            Diagnostic::new(
                Code::CosmosAccountSplit,
                format!(
                    "serverless {} and provisioned {} cannot share a Cosmos DB account: the backend gets two accounts",
                    list(serverless.iter().map(|c| c.1)),
                    list(provisioned.iter().map(|c| c.1))
                ),
            )
            .help("make them all serverless or all provisioned to keep one account"),
        );
    }
    r.finding(rules::database_throughput(r.spec, &firsts, r.env));
    r.finding(rules::cosmos_account_limit(r.spec));

    let mut accounts = Vec::new();
    if !provisioned.is_empty() {
        accounts.push(account(r, AccountRole::Primary, false, &provisioned, &firsts));
    }
    if !serverless.is_empty() {
        let role = if split {
            AccountRole::SplitServerless
        } else {
            AccountRole::Primary
        };
        accounts.push(account(r, role, true, &serverless, &firsts));
    }
    accounts
}

/// Whether each component declares its container first: a map over `(account kind,
/// container)`, ASCII case ignored, in declaration order. Conflicts with the first are
/// reported here (the rule compares the two).
fn container_firsts(r: &mut Resolver, apis: &[Api]) -> Vec<bool> {
    let mut firsts = vec![false; r.spec.components.len()];
    let mut seen: HashMap<(bool, String), usize> = HashMap::new();
    for (i, _, api) in apis {
        match seen.entry((api.serverless, api.container.to_ascii_lowercase())) {
            std::collections::hash_map::Entry::Occupied(first) => {
                r.finding(rules::container_conflict(r.spec, *first.get(), *i));
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(*i);
                firsts[*i] = true;
            }
        }
    }
    firsts
}

fn account(r: &mut Resolver, role: AccountRole, serverless: bool, apis: &[Api], firsts: &[bool]) -> CosmosAccount {
    let by = r.by_backend();
    let purpose = match role {
        AccountRole::Primary => "",
        AccountRole::SplitServerless => "serverless",
    };
    let (name, id) = r.name(ResourceKind::CosmosAccount, purpose, None, by);
    let db_name = sanitize(&r.spec.app, Charset::AlnumHyphenUnderscore);
    let mut databases = Vec::new();
    if serverless {
        let db = database(r, id, db_name.clone());
        databases.push(Database {
            containers: containers(r, db, apis, firsts),
            name: db_name,
            id: db,
            shared_throughput: None,
        });
    } else {
        let shared = rules::shared_throughput(r.spec);
        let (dedicated, sharing): (Vec<Api>, Vec<Api>) = apis
            .iter()
            .filter(|(i, _, _)| firsts[*i])
            .partition(|(_, _, api)| rules::throughput_in(api, r.env).is_some());
        if sharing.len() > MAX_SHARED_CONTAINERS {
            r.report(Diagnostic::new(
                Code::DatabaseSplit,
                format!(
                    "{} containers share throughput; a database holds at most {MAX_SHARED_CONTAINERS}, so {} databases are used",
                    sharing.len(),
                    sharing.len().div_ceil(MAX_SHARED_CONTAINERS)
                ),
            ));
        }
        let mut chunks: Vec<Vec<Api>> = sharing.chunks(MAX_SHARED_CONTAINERS).map(<[Api]>::to_vec).collect();
        if chunks.is_empty() {
            chunks.push(Vec::new());
        }
        for (k, mut members) in chunks.into_iter().enumerate() {
            if k == 0 {
                members.extend(dedicated.iter().copied());
                // Declaration order, whatever the throughput kind.
                members.sort_by_key(|(i, _, _)| *i);
            }
            let shared_throughput = members
                .iter()
                .any(|(_, _, api)| rules::throughput_in(api, r.env).is_none())
                .then_some(shared);
            let name = if k == 0 {
                db_name.clone()
            } else {
                format!("{db_name}-{}", k + 1)
            };
            let db = database(r, id, name.clone());
            // The members and every later component sharing their containers.
            let mut served: Vec<Api> = members.clone();
            served.extend(apis.iter().filter(|(i, _, _)| !firsts[*i]).copied());
            databases.push(Database {
                containers: containers(r, db, &served, firsts),
                name,
                id: db,
                shared_throughput,
            });
        }
    }
    CosmosAccount {
        name,
        id,
        role,
        serverless,
        consistency: r.spec.consistency,
        databases,
    }
}

fn database(r: &mut Resolver, account: NameId, name: String) -> NameId {
    let by = r.by_backend();
    r.literal(ResourceKind::CosmosDatabase, &name, Some(account), by)
}

/// The containers of `apis` (first declarers), with the later components that share each
/// one folded in (`also_serves`; the data role is the union).
fn containers(r: &mut Resolver, db: NameId, apis: &[Api], firsts: &[bool]) -> Vec<Container> {
    let mut out: Vec<Container> = Vec::new();
    let mut by_name: HashMap<(bool, String), usize> = HashMap::new();
    for (i, field, api) in apis {
        let key = (api.serverless, api.container.to_ascii_lowercase());
        if !firsts[*i] {
            if let Some(&k) = by_name.get(&key) {
                let c: &mut Container = &mut out[k];
                if access(api) == DataAccess::Contributor {
                    c.access = DataAccess::Contributor;
                }
                c.also_serves.push(field.to_string());
            }
            continue;
        }
        let id = r.literal(
            ResourceKind::CosmosContainer,
            &api.container,
            Some(db),
            DeclaredBy::Component {
                field: field.to_string(),
                type_name: Some(api.type_name.to_string()),
            },
        );
        by_name.insert(key, out.len());
        out.push(Container {
            component: field.to_string(),
            entity: api.type_name.to_string(),
            name: api.container.to_string(),
            id,
            partition_key: api.partition_key.iter().map(|p| p.to_string()).collect(),
            default_ttl: api.ttl,
            throughput: rules::throughput_in(api, r.env),
            unique_keys: api
                .unique_keys
                .iter()
                .map(|k| k.iter().map(|p| p.to_string()).collect())
                .collect(),
            access: access(api),
            also_serves: Vec::new(),
        });
    }
    out
}

fn access(api: &CrudApiSpec) -> DataAccess {
    if api.operations.is_read_only() {
        DataAccess::Reader
    } else {
        DataAccess::Contributor
    }
}
