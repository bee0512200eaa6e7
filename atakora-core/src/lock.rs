//! Deployed state: `atakora.lock` records, per backend and environment, the identity facts of
//! the stateful resources that were *deployed* (names of storage and Cosmos DB accounts,
//! databases and containers; partition keys; unique keys), with the commit and resource group
//! they were deployed from. Only a deployment (`cargo atakora deploy`) or an explicit
//! `cargo atakora accept` records a state: before that, plans are free to change. Once
//! recorded, a new plan is compared with it before anything is written: renaming a stateful
//! resource leaves its data behind, and partition and unique keys cannot change in place, so
//! either change fails the build until it is migrated and accepted.

use crate::diag::{Code, Diagnostic, Subject};
use crate::plan::Plan;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The lock file's format version.
pub const VERSION: u32 = 2;

/// The lock file: every recorded deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    #[serde(rename = "_about")]
    /// What the file is, for a reader who finds it in a repository.
    pub about: String,
    /// [`VERSION`] when written by this atakora; 1: written on every build by an older one.
    pub version: u32,
    /// `<backend>/<environment>` → state.
    pub deployments: BTreeMap<String, DeploymentState>,
}

impl Default for Lock {
    fn default() -> Self {
        Lock {
            about: "Written by `cargo atakora deploy` and `cargo atakora accept`: the identity facts of the stateful \
                    resources of each deployment. Commit this file; a build fails when a change would rename these \
                    resources or alter their immutable properties."
                .into(),
            version: VERSION,
            deployments: BTreeMap::new(),
        }
    }
}

/// The recorded state of one deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentState {
    /// Names as planned (`stshopprod{suffix}`): the suffix is per resource group.
    pub storage_account: String,
    /// The Cosmos DB accounts, their databases and containers.
    pub cosmos_accounts: Vec<AccountState>,
    /// How the state was recorded; `None` in a version-1 file (written by a build).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded: Option<Record>,
}

/// How a deployment's state came to be recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// `deploy` or `accept`.
    pub by: RecordedBy,
    /// The git commit deployed or accepted, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The resource group deployed to, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
}

/// What recorded a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordedBy {
    /// `cargo atakora deploy`, after Azure accepted the deployment.
    Deploy,
    /// `cargo atakora accept`: the user says this is what is deployed (after a migration).
    Accept,
}

/// A Cosmos DB account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountState {
    /// Its planned name.
    pub name: String,
    /// Serverless or provisioned.
    pub serverless: bool,
    /// Its databases.
    pub databases: Vec<DatabaseState>,
}

/// A SQL database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseState {
    /// Its name.
    pub name: String,
    /// Its shared throughput: `manual`, `autoscale`, or `none` (the containers have their
    /// own, or the account is serverless). Absent in locks written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throughput: Option<ThroughputMode>,
    /// Its containers.
    pub containers: Vec<ContainerState>,
}

/// A container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerState {
    /// The backend field that declares it.
    pub component: String,
    /// The entity's Rust name.
    pub entity: String,
    /// Its name.
    pub name: String,
    /// Its partition key paths.
    pub partition_key: Vec<String>,
    /// Its unique key policy.
    pub unique_keys: Vec<Vec<String>>,
    /// Its throughput: `manual` or `autoscale` (its own), `shared` (its database's), `none`
    /// (serverless). Absent in locks written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throughput: Option<ThroughputMode>,
}

/// How a database or container is provisioned: state Cosmos DB cannot switch by a template
/// change alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThroughputMode {
    /// Manual RU/s of its own.
    Manual,
    /// Autoscale of its own.
    Autoscale,
    /// A container drawing on its database's throughput.
    Shared,
    /// No throughput of its own: a serverless container, or a database whose containers all
    /// have their own.
    None,
}

impl ThroughputMode {
    fn of(t: Option<crate::plan::ThroughputSetting>, otherwise: ThroughputMode) -> ThroughputMode {
        match t {
            Some(crate::plan::ThroughputSetting::Manual(_)) => ThroughputMode::Manual,
            Some(crate::plan::ThroughputSetting::Autoscale(_)) => ThroughputMode::Autoscale,
            None => otherwise,
        }
    }

    fn label(self) -> &'static str {
        match self {
            ThroughputMode::Manual => "manual throughput",
            ThroughputMode::Autoscale => "autoscale throughput",
            ThroughputMode::Shared => "its database's shared throughput",
            ThroughputMode::None => "no throughput of its own",
        }
    }
}

/// The key of a deployment in the lock.
pub fn deployment_key(plan: &Plan) -> String {
    format!("{}/{}", plan.backend, plan.environment)
}

impl DeploymentState {
    /// The state `plan` would leave, not yet recorded.
    pub fn of(plan: &Plan) -> Self {
        DeploymentState {
            storage_account: plan.storage.name.to_string(),
            cosmos_accounts: plan
                .cosmos_accounts
                .iter()
                .map(|a| AccountState {
                    name: a.name.to_string(),
                    serverless: a.serverless,
                    databases: a
                        .databases
                        .iter()
                        .map(|d| DatabaseState {
                            name: d.name.clone(),
                            throughput: Some(ThroughputMode::of(d.shared_throughput, ThroughputMode::None)),
                            containers: d
                                .containers
                                .iter()
                                .map(|c| ContainerState {
                                    component: c.component.clone(),
                                    entity: c.entity.clone(),
                                    name: c.name.clone(),
                                    partition_key: c.partition_key.clone(),
                                    unique_keys: c.unique_keys.clone(),
                                    throughput: Some(ThroughputMode::of(
                                        c.throughput,
                                        if a.serverless {
                                            ThroughputMode::None
                                        } else {
                                            ThroughputMode::Shared
                                        },
                                    )),
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
            recorded: None,
        }
    }

    /// Every container with its account and database.
    pub fn containers(&self) -> impl Iterator<Item = (&AccountState, &DatabaseState, &ContainerState)> {
        self.cosmos_accounts.iter().flat_map(|a| {
            a.databases
                .iter()
                .flat_map(move |d| d.containers.iter().map(move |c| (a, d, c)))
        })
    }
}

/// How the recorded state came about, for messages.
fn provenance(deployment: &str, locked: &DeploymentState) -> String {
    match &locked.recorded {
        Some(r) => {
            let what = match r.by {
                RecordedBy::Deploy => "was deployed",
                RecordedBy::Accept => "was recorded as deployed by `cargo atakora accept`",
            };
            let commit = r
                .commit
                .as_deref()
                .map(|c| format!(" from commit {}", short(c)))
                .unwrap_or_default();
            let rg = r
                .resource_group
                .as_deref()
                .map(|g| format!(" to resource group `{g}`"))
                .unwrap_or_default();
            format!("`{deployment}` {what}{commit}{rg}")
        }
        None => format!(
            "`{deployment}` is recorded in atakora.lock by an older atakora, which wrote the lock on every build, deployed or not"
        ),
    }
}

fn label_db(m: ThroughputMode) -> &'static str {
    match m {
        ThroughputMode::Manual => "manual shared throughput",
        ThroughputMode::Autoscale => "autoscale shared throughput",
        _ => "no shared throughput",
    }
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

fn how(deployment: &str, locked: &DeploymentState) -> String {
    let env = deployment.rsplit('/').next().unwrap_or(deployment);
    let never = if locked.recorded.is_none() {
        "if it was never deployed, remove its entry from atakora.lock; ".to_string()
    } else {
        String::new()
    };
    format!(
        "{never}otherwise migrate first (deploy the new resource next to the old one, copy the data, then remove the old one from the code) \
and record the migrated state with `cargo atakora accept --env {env}`; `ATAKORA_ACCEPT_LOCK_CHANGES=1 cargo build` builds anyway without recording"
    )
}

/// Every change from `locked` to `planned` that Azure cannot make in place. Additions and
/// removals are not violations: a new container is created empty; a removed component leaves
/// its data where it is.
pub fn violations(deployment: &str, locked: &DeploymentState, planned: &DeploymentState) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let state = provenance(deployment, locked);
    let help = how(deployment, locked);
    let rename = |what: String, why: &str| {
        Diagnostic::new(Code::LockedRename, format!("{state}; {what}: {why}")).help(help.clone())
    };
    if locked.storage_account != planned.storage_account {
        out.push(rename(
            format!("the storage account `{}` would become `{}`", locked.storage_account, planned.storage_account),
            "Azure cannot rename a storage account; a new, empty account would be created and the apps' packages and host state left in the old one",
        ));
    }
    for la in &locked.cosmos_accounts {
        for ld in &la.databases {
            let Some(pd) = planned
                .cosmos_accounts
                .iter()
                .filter(|pa| pa.name == la.name)
                .flat_map(|pa| &pa.databases)
                .find(|pd| pd.name == ld.name)
            else {
                continue;
            };
            if let (Some(from), Some(to)) = (ld.throughput, pd.throughput)
                && from != to
            {
                let (why, fix) = throughput_fix(from, to, &la.name, &ld.name, "");
                out.push(
                    Diagnostic::new(
                        Code::LockedImmutable,
                        format!(
                            "{state}; database `{}` would change from {} to {}: {why}",
                            ld.name,
                            label_db(from),
                            label_db(to)
                        ),
                    )
                    .help(fix),
                );
            }
        }
    }
    for (la, ld, lc) in locked.containers() {
        // The same container is found by its component, else by its entity (a renamed field).
        let found = planned
            .containers()
            .find(|(_, _, c)| c.component == lc.component)
            .or_else(|| planned.containers().find(|(_, _, c)| c.entity == lc.entity));
        let Some((pa, pd, pc)) = found else { continue };
        let subject = || Subject {
            component: Some(pc.component.clone()),
            ..Subject::default()
        };
        let (old, new) = (
            format!("{}/{}/{}", la.name, ld.name, lc.name),
            format!("{}/{}/{}", pa.name, pd.name, pc.name),
        );
        if old != new {
            out.push(rename(
                format!("the container of `{}` (`{}`) would move from `{old}` to `{new}`", pc.component, pc.entity),
                "Azure cannot rename a Cosmos DB account, database or container; the new one would start empty and the data stay in the old one",
            ).about(subject()));
        }
        // A property of the container fixed at creation, about its option.
        let immutable = |option: &str, message: String, help: String| {
            Diagnostic::new(Code::LockedImmutable, format!("{state}; {message}"))
                .help(help)
                .about(Subject {
                    option: Some(option.into()),
                    ..subject()
                })
        };
        if lc.partition_key != pc.partition_key {
            out.push(immutable(
                "partition_key",
                format!(
                    "the partition key of container `{}` (field `{}`) would change from {:?} to {:?}: a container's partition key is fixed when it is created, and the deployment would fail",
                    lc.name, pc.component, lc.partition_key, pc.partition_key
                ),
                help.clone(),
            ));
        }
        if let (Some(from), Some(to)) = (lc.throughput, pc.throughput)
            && from != to
        {
            let fix = throughput_fix(from, to, &pa.name, &pd.name, &pc.name);
            out.push(immutable(
                "throughput",
                format!(
                    "container `{}` (field `{}`) would change from {} to {}: {}",
                    lc.name,
                    pc.component,
                    from.label(),
                    to.label(),
                    fix.0
                ),
                fix.1,
            ));
        }
        if lc.unique_keys != pc.unique_keys {
            out.push(immutable(
                "unique_keys",
                format!(
                    "the unique keys of container `{}` (field `{}`) would change from {:?} to {:?}: a container's unique key policy is fixed when it is created",
                    lc.name, pc.component, lc.unique_keys, pc.unique_keys
                ),
                help.clone(),
            ));
        }
    }
    out
}

/// Why Azure refuses a throughput change, and the way there (`account`, `database`,
/// `container` as planned; `container` empty for a database).
fn throughput_fix(
    from: ThroughputMode,
    to: ThroughputMode,
    account: &str,
    database: &str,
    container: &str,
) -> (String, String) {
    use ThroughputMode::*;
    let (kind, target) = if container.is_empty() {
        ("database", format!("--account-name {account} --name {database}"))
    } else {
        (
            "container",
            format!("--account-name {account} --database-name {database} --name {container}"),
        )
    };
    match (from, to) {
        (Manual, Autoscale) | (Autoscale, Manual) => {
            let to = if to == Autoscale { "autoscale" } else { "manual" };
            (
                format!(
                    "Cosmos DB switches a {kind} between manual and autoscale only through its migrate operation, not by a template change"
                ),
                format!(
                    "run `az cosmosdb sql {kind} throughput migrate --resource-group <rg> {target} --throughput-type {to}`, then record it with `cargo atakora accept`"
                ),
            )
        }
        _ => (
            format!(
                "Cosmos DB fixes whether a {kind} has throughput of its own when it is created; it never converts shared throughput to dedicated or back"
            ),
            format!(
                "give the entity a new `container = \"...\"` (a new {kind}), copy the data across, remove the old one, then record it with `cargo atakora accept`"
            ),
        ),
    }
}

/// Compare `plans` with the deployments recorded in `lock`: the violations, each about its
/// plan's backend. Deployments not recorded are free to change.
pub fn check(lock: &Lock, plans: &[&Plan]) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for plan in plans {
        let key = deployment_key(plan);
        if let Some(locked) = lock.deployments.get(&key) {
            for d in violations(&key, locked, &DeploymentState::of(plan)) {
                let subject = d.subject.clone().unwrap_or_default();
                problems.push(d.about(Subject {
                    backend: Some(plan.backend_type.clone()),
                    ..subject
                }));
            }
        }
    }
    problems
}

/// `lock` with `plan`'s state recorded as deployed (or accepted) by `record`; the other
/// deployments are kept as they are.
pub fn record(lock: &Lock, plan: &Plan, record: Record) -> Lock {
    let mut next = lock.clone();
    next.version = VERSION;
    next.about = Lock::default().about;
    let mut state = DeploymentState::of(plan);
    state.recorded = Some(record);
    next.deployments.insert(deployment_key(plan), state);
    next
}

/// What a plan changes in the stateful resources of a recorded deployment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Changes {
    /// Containers planned but not recorded (`account/database/container`).
    pub added: Vec<String>,
    /// Containers recorded but no longer planned (their data stay where they are).
    pub removed: Vec<String>,
    /// Violations: what Azure cannot do in place, and the build refuses.
    pub refused: Vec<Diagnostic>,
}

/// The difference between a recorded deployment and its new plan.
pub fn changes(deployment: &str, locked: &DeploymentState, planned: &DeploymentState) -> Changes {
    let path = |a: &AccountState, d: &DatabaseState, c: &ContainerState| format!("{}/{}/{}", a.name, d.name, c.name);
    let matches = |l: &ContainerState, p: &ContainerState| l.component == p.component || l.entity == p.entity;
    Changes {
        added: planned
            .containers()
            .filter(|(_, _, p)| !locked.containers().any(|(_, _, l)| matches(l, p)))
            .map(|(a, d, c)| path(a, d, c))
            .collect(),
        removed: locked
            .containers()
            .filter(|(_, _, l)| !planned.containers().any(|(_, _, p)| matches(l, p)))
            .map(|(a, d, c)| path(a, d, c))
            .collect(),
        refused: violations(deployment, locked, planned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(container: ThroughputMode, database: ThroughputMode) -> DeploymentState {
        DeploymentState {
            storage_account: "stshopprod{suffix}".into(),
            cosmos_accounts: vec![AccountState {
                name: "cosno-shop-prod-{suffix}".into(),
                serverless: false,
                databases: vec![DatabaseState {
                    name: "shop".into(),
                    throughput: Some(database),
                    containers: vec![ContainerState {
                        component: "orders".into(),
                        entity: "Order".into(),
                        name: "orders".into(),
                        partition_key: vec!["/id".into()],
                        unique_keys: vec![],
                        throughput: Some(container),
                    }],
                }],
            }],
            recorded: Some(Record {
                by: RecordedBy::Deploy,
                commit: Some("0123456789abcdef".into()),
                resource_group: Some("rg-shop-prod".into()),
            }),
        }
    }

    #[test]
    fn a_throughput_mode_change_is_refused_with_its_migration() {
        use ThroughputMode::*;
        let locked = state(Manual, None);
        let to_autoscale = violations("shop/prod", &locked, &state(Autoscale, None));
        assert_eq!(to_autoscale.len(), 1, "{to_autoscale:?}");
        let d = &to_autoscale[0];
        assert_eq!(d.code, Code::LockedImmutable);
        assert!(
            d.message
                .contains("would change from manual throughput to autoscale throughput"),
            "{}",
            d.message
        );
        assert!(
            d.message
                .contains("deployed from commit 0123456789ab to resource group `rg-shop-prod`"),
            "{}",
            d.message
        );
        assert!(
            d.help
                .as_deref()
                .unwrap()
                .contains("az cosmosdb sql container throughput migrate")
                && d.help.as_deref().unwrap().contains("--throughput-type autoscale"),
            "{:?}",
            d.help
        );
        // Shared to dedicated: no migration path but a new container.
        let to_dedicated = violations("shop/prod", &state(Shared, Manual), &state(Manual, None));
        assert_eq!(
            to_dedicated.len(),
            2,
            "the database loses its shared throughput and the container gains its own: {to_dedicated:?}"
        );
        assert!(to_dedicated.iter().all(|d| d.code == Code::LockedImmutable));
        assert!(to_dedicated[1].help.as_deref().unwrap().contains("new `container"));
        // The same mode: nothing to refuse; a lock written before modes were recorded: unknown.
        assert!(violations("shop/prod", &locked, &state(Manual, None)).is_empty());
        let mut old = locked.clone();
        old.cosmos_accounts[0].databases[0].throughput = Option::None;
        old.cosmos_accounts[0].databases[0].containers[0].throughput = Option::None;
        assert!(violations("shop/prod", &old, &state(Autoscale, Manual)).is_empty());
    }
}
