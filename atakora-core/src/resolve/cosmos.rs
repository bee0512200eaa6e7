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
use crate::plan::{AccountRole, Container, CosmosAccount, DataAccess, Database, DeclaredBy, NameId, ThroughputSetting};
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
        accounts.extend(accounts_of(r, AccountRole::Primary, false, &provisioned, &firsts));
    }
    if !serverless.is_empty() {
        let role = if split {
            AccountRole::SplitServerless
        } else {
            AccountRole::Primary
        };
        accounts.extend(accounts_of(r, role, true, &serverless, &firsts));
    }
    capacity(r, &accounts, split);
    accounts
}

/// Rules (ATK0913, ATK0420): an account holds at most 500 databases and containers, so a
/// backend with more gets further accounts — said in a warning, and an error when
/// `limits(max_cosmos_accounts)` does not allow them (the accounts needed by throughput kind
/// alone are ATK0402's).
fn capacity(r: &mut Resolver, accounts: &[CosmosAccount], split: bool) {
    if accounts.iter().all(|a| a.number == 1) {
        return;
    }
    let max = CosmosAccount::MAX_DATABASES_AND_CONTAINERS;
    let held: usize = accounts.iter().map(CosmosAccount::resources).sum();
    let by_kind = 1 + usize::from(split);
    match r.spec.limits.max_cosmos_accounts {
        Some(limit) if accounts.len() > limit as usize && by_kind <= limit as usize => {
            let beyond: Vec<&str> = accounts[limit as usize..]
                .iter()
                .flat_map(|a| {
                    a.databases
                        .iter()
                        .flat_map(|d| d.containers.iter().map(|c| c.component.as_str()))
                })
                .collect();
            let shown = list(beyond.iter().take(5).copied());
            let more = match beyond.len() {
                n if n > 5 => format!(" and {} more", n - 5),
                _ => String::new(),
            };
            r.report(
                Diagnostic::new(
                    Code::AccountCapacityLimit,
                    format!(
                        "{held} Cosmos DB databases and containers need {} accounts (at most {max} each), above `max_cosmos_accounts = {limit}`: {shown}{more} would not fit",
                        accounts.len()
                    ),
                )
                .help(format!(
                    "raise `max_cosmos_accounts` to {}, or move components to another backend",
                    accounts.len()
                ))
                .about(crate::diag::Subject {
                    option: Some("limits.max_cosmos_accounts".into()),
                    ..Default::default()
                }),
            );
        }
        _ => r.report(Diagnostic::new(
            Code::AccountCapacitySplit,
            format!(
                "{held} Cosmos DB databases and containers: an account holds at most {max}, so {} accounts are used",
                accounts.len()
            ),
        )),
    }
}

/// The databases of one kind of account before they are named: members and shared throughput.
struct Layout<'s> {
    name: String,
    members: Vec<Api<'s>>,
    shared_throughput: Option<ThroughputSetting>,
}

/// The accounts of one role: the databases laid out, then as many accounts as they need,
/// each holding whole databases up to [`CosmosAccount::MAX_DATABASES_AND_CONTAINERS`].
fn accounts_of(
    r: &mut Resolver,
    role: AccountRole,
    serverless: bool,
    apis: &[Api],
    firsts: &[bool],
) -> Vec<CosmosAccount> {
    let layouts = layout(r, serverless, apis, firsts);
    let max = CosmosAccount::MAX_DATABASES_AND_CONTAINERS;
    let mut groups: Vec<Vec<Layout>> = vec![Vec::new()];
    let mut held = 0;
    for l in layouts {
        let size = 1 + l.members.len();
        if held + size > max && !groups.last().is_some_and(Vec::is_empty) {
            groups.push(Vec::new());
            held = 0;
        }
        held += size;
        groups.last_mut().expect("one group at least").push(l);
    }
    let sharers = sharers(apis, firsts);
    groups
        .into_iter()
        .enumerate()
        .map(|(k, group)| account(r, role, serverless, k as u32 + 1, group, &sharers))
        .collect()
}

/// The databases: serverless, one database of every container (several of at most 499 when
/// more, one per account); provisioned, the containers without throughput of their own 25 to
/// a database, and the dedicated ones in the first (further databases of their own when the
/// first would pass an account's capacity).
fn layout<'s>(r: &mut Resolver, serverless: bool, apis: &[Api<'s>], firsts: &[bool]) -> Vec<Layout<'s>> {
    let db_name = sanitize(&r.spec.app, Charset::AlnumHyphenUnderscore);
    let per_db = CosmosAccount::MAX_DATABASES_AND_CONTAINERS - 1;
    let numbered = |k: usize| {
        if k == 0 {
            db_name.clone()
        } else {
            format!("{db_name}-{}", k + 1)
        }
    };
    if serverless {
        let members = firsts_of(apis, firsts);
        let mut out: Vec<Layout> = members
            .chunks(per_db)
            .map(|m| Layout {
                name: db_name.clone(),
                members: m.to_vec(),
                shared_throughput: None,
            })
            .collect();
        if out.is_empty() {
            out.push(Layout {
                name: db_name,
                members: Vec::new(),
                shared_throughput: None,
            });
        }
        return out;
    }
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
    // Dedicated containers join the first database while it fits in an account.
    let room = per_db - chunks[0].len();
    let (first, overflow) = dedicated.split_at(dedicated.len().min(room));
    chunks[0].extend(first.iter().copied());
    // Declaration order, whatever the throughput kind.
    chunks[0].sort_by_key(|(i, _, _)| *i);
    chunks.extend(overflow.chunks(per_db).map(<[Api]>::to_vec));
    chunks
        .into_iter()
        .enumerate()
        .map(|(k, members)| Layout {
            name: numbered(k),
            shared_throughput: members
                .iter()
                .any(|(_, _, api)| rules::throughput_in(api, r.env).is_none())
                .then_some(shared),
            members,
        })
        .collect()
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

fn account(
    r: &mut Resolver,
    role: AccountRole,
    serverless: bool,
    number: u32,
    layouts: Vec<Layout>,
    sharers: &Sharers,
) -> CosmosAccount {
    let by = r.by_backend();
    let purpose = match role {
        AccountRole::Primary => "",
        AccountRole::SplitServerless => "serverless",
    };
    let purpose = match (number, purpose) {
        (1, p) => p.to_string(),
        (n, "") => n.to_string(),
        (n, p) => format!("{p}-{n}"),
    };
    let (name, id) = r.name(ResourceKind::CosmosAccount, &purpose, None, by);
    let mut databases = Vec::new();
    for l in layouts {
        let db = database(r, id, l.name.clone());
        databases.push(Database {
            containers: containers(r, db, &l.members, sharers),
            name: l.name,
            id: db,
            shared_throughput: l.shared_throughput,
        });
    }
    CosmosAccount {
        name,
        id,
        role,
        number,
        serverless,
        consistency: r.spec.consistency,
        databases,
    }
}

fn database(r: &mut Resolver, account: NameId, name: String) -> NameId {
    let by = r.by_backend();
    r.literal(ResourceKind::CosmosDatabase, &name, Some(account), by)
}

/// The components that declare their container first.
fn firsts_of<'s>(apis: &[Api<'s>], firsts: &[bool]) -> Vec<Api<'s>> {
    apis.iter().filter(|(i, _, _)| firsts[*i]).copied().collect()
}

/// The later components naming a container declared before them, by `(serverless,
/// container)` (ASCII case ignored), in declaration order.
type Sharers<'s> = HashMap<(bool, String), Vec<Api<'s>>>;

fn sharers<'s>(apis: &[Api<'s>], firsts: &[bool]) -> Sharers<'s> {
    let mut out: Sharers = HashMap::new();
    for api in apis.iter().filter(|(i, _, _)| !firsts[*i]) {
        out.entry(key(api.2)).or_default().push(*api);
    }
    out
}

fn key(api: &CrudApiSpec) -> (bool, String) {
    (api.serverless, api.container.to_ascii_lowercase())
}

/// The containers of `apis` (first declarers), with the later components that share each
/// one folded in (`also_serves`; the data role is the union).
fn containers(r: &mut Resolver, db: NameId, apis: &[Api], sharers: &Sharers) -> Vec<Container> {
    let mut out: Vec<Container> = Vec::new();
    for (_, field, api) in apis {
        let id = r.literal(
            ResourceKind::CosmosContainer,
            &api.container,
            Some(db),
            DeclaredBy::Component {
                field: field.to_string(),
                type_name: Some(api.type_name.to_string()),
            },
        );
        let mut c = Container {
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
        };
        for (_, later, later_api) in sharers.get(&key(api)).into_iter().flatten() {
            if access(later_api) == DataAccess::Contributor {
                c.access = DataAccess::Contributor;
            }
            c.also_serves.push(later.to_string());
        }
        out.push(c);
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
