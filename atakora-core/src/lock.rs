//! Deployed state: `atakora.lock` records, per backend and environment, the identity facts of
//! the stateful resources (names of storage and Cosmos DB accounts, databases and containers;
//! partition keys; unique keys). A new plan is compared with it before anything is written:
//! renaming a stateful resource leaves its data behind, and partition and unique keys cannot
//! change in place, so either change fails the build until it is migrated or accepted.

use crate::diag::{Code, Diagnostic};
use crate::plan::Plan;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The lock file's format version.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    #[serde(rename = "_about")]
    pub about: String,
    pub version: u32,
    /// `<backend>/<environment>` → state.
    pub deployments: BTreeMap<String, DeploymentState>,
}

impl Default for Lock {
    fn default() -> Self {
        Lock {
            about: "Written by atakora: the identity facts of stateful resources per deployment. Commit this file; \
                    a build fails when a change would rename these resources or alter their immutable properties."
                .into(),
            version: VERSION,
            deployments: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentState {
    /// Names as planned (`stshopprod{suffix}`): the suffix is per resource group.
    pub storage_account: String,
    pub cosmos_accounts: Vec<AccountState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountState {
    pub name: String,
    pub serverless: bool,
    pub databases: Vec<DatabaseState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseState {
    pub name: String,
    pub containers: Vec<ContainerState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerState {
    /// The backend field that declares it.
    pub component: String,
    /// The entity's Rust name.
    pub entity: String,
    pub name: String,
    pub partition_key: Vec<String>,
    pub unique_keys: Vec<Vec<String>>,
}

/// The key of a deployment in the lock.
pub fn deployment_key(plan: &Plan) -> String {
    format!("{}/{}", plan.backend, plan.environment)
}

impl DeploymentState {
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
                            containers: d
                                .containers
                                .iter()
                                .map(|c| ContainerState {
                                    component: c.component.clone(),
                                    entity: c.entity.clone(),
                                    name: c.name.clone(),
                                    partition_key: c.partition_key.clone(),
                                    unique_keys: c.unique_keys.clone(),
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    fn containers(&self) -> impl Iterator<Item = (&AccountState, &DatabaseState, &ContainerState)> {
        self.cosmos_accounts.iter().flat_map(|a| {
            a.databases
                .iter()
                .flat_map(move |d| d.containers.iter().map(move |c| (a, d, c)))
        })
    }
}

const HOW: &str = "migrate first (deploy the new resource next to the old one, copy the data, then remove the old one from the code), \
or accept the change with `ATAKORA_ACCEPT_LOCK_CHANGES=1 cargo build`, which records the new state in atakora.lock";

/// Every change from `locked` to `planned` that Azure cannot make in place. Additions and
/// removals are not violations: a new container is created empty; a removed component leaves
/// its data where it is.
pub fn violations(deployment: &str, locked: &DeploymentState, planned: &DeploymentState) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let rename = |what: String, why: &str| {
        Diagnostic::new(Code::LockedRename, format!("in `{deployment}`, {what}: {why}")).help(HOW)
    };
    if locked.storage_account != planned.storage_account {
        out.push(rename(
            format!("the storage account `{}` would become `{}`", locked.storage_account, planned.storage_account),
            "Azure cannot rename a storage account; a new, empty account would be created and the apps' packages and host state left in the old one",
        ));
    }
    for (la, ld, lc) in locked.containers() {
        // The same container is found by its component, else by its entity (a renamed field).
        let found = planned
            .containers()
            .find(|(_, _, c)| c.component == lc.component)
            .or_else(|| planned.containers().find(|(_, _, c)| c.entity == lc.entity));
        let Some((pa, pd, pc)) = found else { continue };
        let (old, new) = (
            format!("{}/{}/{}", la.name, ld.name, lc.name),
            format!("{}/{}/{}", pa.name, pd.name, pc.name),
        );
        if old != new {
            out.push(rename(
                format!("the container of `{}` (`{}`) would move from `{old}` to `{new}`", pc.component, pc.entity),
                "Azure cannot rename a Cosmos DB account, database or container; the new one would start empty and the data stay in the old one",
            ));
        }
        if lc.partition_key != pc.partition_key {
            out.push(
                Diagnostic::new(
                    Code::LockedImmutable,
                    format!(
                        "in `{deployment}`, the partition key of container `{}` (field `{}`) would change from {:?} to {:?}: a container's partition key is fixed when it is created, and the deployment would fail",
                        lc.name, pc.component, lc.partition_key, pc.partition_key
                    ),
                )
                .help(HOW),
            );
        }
        if lc.unique_keys != pc.unique_keys {
            out.push(
                Diagnostic::new(
                    Code::LockedImmutable,
                    format!(
                        "in `{deployment}`, the unique keys of container `{}` (field `{}`) would change from {:?} to {:?}: a container's unique key policy is fixed when it is created",
                        lc.name, pc.component, lc.unique_keys, pc.unique_keys
                    ),
                )
                .help(HOW),
            );
        }
    }
    out
}

/// Compare `plans` with `lock`; return the violations and the lock to write (the planned
/// state of every planned deployment; deployments no longer planned are dropped).
pub fn update(lock: &Lock, plans: &[&Plan]) -> (Vec<Diagnostic>, Lock) {
    let mut next = Lock {
        deployments: BTreeMap::new(),
        ..Lock::default()
    };
    let mut problems = Vec::new();
    for plan in plans {
        let key = deployment_key(plan);
        let planned = DeploymentState::of(plan);
        if let Some(locked) = lock.deployments.get(&key) {
            problems.extend(violations(&key, locked, &planned));
        }
        next.deployments.insert(key, planned);
    }
    (problems, next)
}
