//! The addressing table: every template variable that holds a resource name, and every
//! `resourceId(...)` expression, in one place. Families address each other's resources only
//! through [`Refs`], never through string keys of their own.

use crate::arm::{camel, lit, name_variable, resource_id, var};
use atakora_core::Plan;
use atakora_core::plan::{AccountRole, DnsZoneService, FunctionApp, NameId, NamePart, SecretOf};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// A resource whose name lives in a template variable.
#[derive(Debug, Clone)]
pub(crate) struct Ref {
    /// The variable's key.
    pub key: String,
    /// The ARM type.
    pub ty: &'static str,
    /// Inside a nested deployment: the name comes in as a parameter of the same key.
    inner: bool,
}

impl Ref {
    fn new(key: impl Into<String>, ty: &'static str) -> Ref {
        Ref {
            key: key.into(),
            ty,
            inner: false,
        }
    }

    /// `variables('key')` (`parameters('access').key` inside an access deployment), inside an
    /// expression.
    pub fn var(&self) -> String {
        if self.inner {
            format!("{ACCESS_PARAMETER}.{}", self.key)
        } else {
            var(&self.key)
        }
    }

    /// `[variables('key')]`, as a property value.
    pub fn value(&self) -> Value {
        Value::String(format!("[{}]", self.var()))
    }

    /// `resourceId('<type>', variables('key'))`.
    pub fn id(&self) -> String {
        resource_id(self.ty, &[self.var()])
    }
}

/// A Function App and its plan.
#[derive(Debug, Clone)]
pub(crate) struct AppRef {
    pub site: Ref,
    pub plan: Ref,
    pub identity: Ref,
}

impl AppRef {
    /// The identity's client id (app settings that name the identity to use).
    pub fn client_id(&self) -> String {
        format!(
            "reference({}, '{}').clientId",
            self.identity.id(),
            crate::api_versions::MANAGED_IDENTITY
        )
    }

    /// The identity's principal (object) id (role assignments, access policies).
    pub fn principal_id(&self) -> String {
        format!(
            "reference({}, '{}').principalId",
            self.identity.id(),
            crate::api_versions::MANAGED_IDENTITY
        )
    }
}

/// The VNet and its subnets.
#[derive(Debug, Clone)]
pub(crate) struct VnetRef {
    pub vnet: Ref,
    pub integration_subnet: String,
    pub endpoint_subnet: String,
}

/// Every addressable resource of one plan.
#[derive(Debug, Clone)]
pub(crate) struct Refs {
    pub workspace: Option<Ref>,
    pub insights: Option<Ref>,
    pub storage: Ref,
    /// Per `plan.cosmos_accounts`, same order.
    pub cosmos: Vec<Ref>,
    /// Per `plan.function_apps`, same order.
    pub apps: Vec<AppRef>,
    pub cache: Option<Ref>,
    pub vault: Option<Ref>,
    pub vnet: Option<VnetRef>,
    /// Per `plan.network.zones()`: the variable holding the zone's name.
    pub zones: Vec<Ref>,
    /// Each Cosmos DB database and container record: `(account, database, container)`
    /// indices (`None` for a database), so addressing one is a lookup, not a search.
    located: HashMap<NameId, (usize, usize, Option<usize>)>,
}

const INTEGRATION_SUBNET: &str = "integrationSubnetName";
/// The one parameter of an app's access deployment: an object holding the names it refers to
/// and the identity's principal id. (An object, because the ARM schemas reject a nested
/// deployment's parameter whose value is an expression, and accept expressions inside an
/// object value.)
pub(crate) const ACCESS_PARAMETER: &str = "parameters('access')";
/// The principal id, inside an app's access deployment.
pub(crate) const PRINCIPAL_PARAMETER: &str = "parameters('access').principalId";
const ENDPOINT_SUBNET: &str = "endpointSubnetName";

impl Refs {
    /// The table of `plan`.
    pub fn of(plan: &Plan) -> Refs {
        Refs {
            workspace: plan
                .monitoring
                .as_ref()
                .map(|_| Ref::new("logAnalyticsName", "Microsoft.OperationalInsights/workspaces")),
            insights: plan
                .monitoring
                .as_ref()
                .map(|_| Ref::new("appInsightsName", "Microsoft.Insights/components")),
            storage: Ref::new("storageAccountName", "Microsoft.Storage/storageAccounts"),
            cosmos: plan
                .cosmos_accounts
                .iter()
                .map(|a| {
                    let base = match a.role {
                        AccountRole::Primary => "cosmosAccount",
                        AccountRole::SplitServerless => "cosmosServerlessAccount",
                    };
                    Ref::new(
                        format!("{}Name", a.numbered(base, "")),
                        "Microsoft.DocumentDB/databaseAccounts",
                    )
                })
                .collect(),
            apps: plan
                .function_apps
                .iter()
                .map(|a| AppRef {
                    site: Ref::new(format!("{}AppName", camel(&a.key)), "Microsoft.Web/sites"),
                    plan: Ref::new(format!("{}PlanName", camel(&a.key)), "Microsoft.Web/serverfarms"),
                    identity: Ref::new(
                        format!("{}IdentityName", camel(&a.key)),
                        "Microsoft.ManagedIdentity/userAssignedIdentities",
                    ),
                })
                .collect(),
            cache: plan
                .cache
                .as_ref()
                .map(|_| Ref::new("redisName", "Microsoft.Cache/redisEnterprise")),
            vault: plan
                .auth
                .vault()
                .map(|_| Ref::new("keyVaultName", "Microsoft.KeyVault/vaults")),
            vnet: plan.network.vnet().map(|_| VnetRef {
                vnet: Ref::new("vnetName", "Microsoft.Network/virtualNetworks"),
                integration_subnet: INTEGRATION_SUBNET.into(),
                endpoint_subnet: ENDPOINT_SUBNET.into(),
            }),
            zones: plan
                .network
                .zones()
                .iter()
                .map(|z| Ref::new(zone_key(z.service), "Microsoft.Network/privateDnsZones"))
                .collect(),
            located: located(plan),
        }
    }

    /// The same table for the inside of a nested deployment: the names a nested template
    /// refers to ([`Refs::inner_names`]) come in as parameters.
    pub fn inner(&self) -> Refs {
        let mut r = self.clone();
        r.storage.inner = true;
        for x in r
            .insights
            .iter_mut()
            .chain(r.vault.iter_mut())
            .chain(r.cosmos.iter_mut())
        {
            x.inner = true;
        }
        r
    }

    /// The names a nested template may refer to: what [`Refs::inner`] reads from parameters.
    pub fn inner_names(&self) -> Vec<&Ref> {
        std::iter::once(&self.storage)
            .chain(self.insights.iter())
            .chain(self.vault.iter())
            .chain(self.cosmos.iter())
            .collect()
    }

    /// The template's `variables`: every name above, in one fixed order.
    pub fn variables(&self, plan: &Plan) -> Map<String, Value> {
        let mut v = Map::new();
        if let (Some(w), Some(i), Some(m)) = (&self.workspace, &self.insights, &plan.monitoring) {
            v.insert(w.key.clone(), name_variable(&m.workspace));
            v.insert(i.key.clone(), name_variable(&m.insights));
        }
        v.insert(self.storage.key.clone(), name_variable(&plan.storage.name));
        for (r, acc) in self.cosmos.iter().zip(&plan.cosmos_accounts) {
            v.insert(r.key.clone(), name_variable(&acc.name));
        }
        for (r, app) in self.apps.iter().zip(&plan.function_apps) {
            v.insert(r.identity.key.clone(), name_variable(&app.identity.name));
            v.insert(r.plan.key.clone(), name_variable(&app.plan_name));
            v.insert(r.site.key.clone(), name_variable(&app.name));
        }
        if let (Some(r), Some(c)) = (&self.cache, &plan.cache) {
            v.insert(r.key.clone(), name_variable(&c.name));
        }
        if let (Some(r), Some(k)) = (&self.vault, plan.auth.vault()) {
            v.insert(r.key.clone(), name_variable(&k.name));
        }
        if let (Some(r), Some(n)) = (&self.vnet, plan.network.vnet()) {
            v.insert(r.vnet.key.clone(), name_variable(&n.name));
            v.insert(r.integration_subnet.clone(), name_variable(&n.integration_subnet));
            v.insert(r.endpoint_subnet.clone(), name_variable(&n.endpoint_subnet));
        }
        for (r, z) in self.zones.iter().zip(plan.network.zones()) {
            v.insert(r.key.clone(), json!(zone_name_value(z.service)));
        }
        v
    }

    /// The app at `plan.function_apps[index]`.
    pub fn app(&self, plan: &Plan, app: &FunctionApp) -> &AppRef {
        let i = plan
            .function_apps
            .iter()
            .position(|a| a.key == app.key)
            .expect("the app is one of the plan's");
        &self.apps[i]
    }

    /// A blob container of the storage account.
    pub fn blob_container_id(&self, name: &str) -> String {
        resource_id(
            "Microsoft.Storage/storageAccounts/blobServices/containers",
            &[self.storage.var(), lit("default"), lit(name)],
        )
    }

    /// The storage account's blob service.
    pub fn blob_service_id(&self) -> String {
        resource_id(
            "Microsoft.Storage/storageAccounts/blobServices",
            &[self.storage.var(), lit("default")],
        )
    }

    /// Database `db` of Cosmos DB account `account`.
    pub fn cosmos_database_id(&self, account: usize, db: &str) -> String {
        resource_id(
            "Microsoft.DocumentDB/databaseAccounts/sqlDatabases",
            &[self.cosmos[account].var(), lit(db)],
        )
    }

    /// Container `c` of database `db` of account `account`.
    pub fn cosmos_container_id(&self, account: usize, db: &str, c: &str) -> String {
        resource_id(
            "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers",
            &[self.cosmos[account].var(), lit(db), lit(c)],
        )
    }

    /// A storage queue of the account's queue service.
    pub fn queue_id(&self, name: &str) -> String {
        resource_id(
            "Microsoft.Storage/storageAccounts/queueServices/queues",
            &[self.storage.var(), lit("default"), lit(name)],
        )
    }

    /// The storage account's queue service.
    pub fn queue_service_id(&self) -> String {
        resource_id(
            "Microsoft.Storage/storageAccounts/queueServices",
            &[self.storage.var(), lit("default")],
        )
    }

    /// The data-plane path of database `db`: the scope of a role assignment covering its
    /// containers, or of a role definition.
    pub fn cosmos_database_path(&self, account: usize, db: &str) -> String {
        format!("format('{{0}}/dbs/{{1}}', {}, {})", self.cosmos[account].id(), lit(db))
    }

    /// A Cosmos DB data-plane role definition of account `account`.
    pub fn cosmos_role_definition_id(&self, account: usize, definition: &str) -> String {
        resource_id(
            "Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions",
            &[self.cosmos[account].var(), lit(definition)],
        )
    }

    /// The data-plane path a Cosmos DB role assignment is scoped to.
    pub fn cosmos_container_path(&self, account: usize, db: &str, c: &str) -> String {
        format!(
            "format('{{0}}/dbs/{{1}}/colls/{{2}}', {}, {}, {})",
            self.cosmos[account].id(),
            lit(db),
            lit(c)
        )
    }

    /// The Redis database (`default`).
    pub fn redis_database_id(&self) -> Option<String> {
        let r = self.cache.as_ref()?;
        Some(resource_id(
            "Microsoft.Cache/redisEnterprise/databases",
            &[r.var(), lit("default")],
        ))
    }

    /// The apps' integration subnet.
    pub fn integration_subnet_id(&self) -> Option<String> {
        let n = self.vnet.as_ref()?;
        Some(resource_id(
            "Microsoft.Network/virtualNetworks/subnets",
            &[n.vnet.var(), var(&n.integration_subnet)],
        ))
    }

    /// The private-endpoint subnet.
    pub fn endpoint_subnet_id(&self) -> Option<String> {
        let n = self.vnet.as_ref()?;
        Some(resource_id(
            "Microsoft.Network/virtualNetworks/subnets",
            &[n.vnet.var(), var(&n.endpoint_subnet)],
        ))
    }

    /// Zone `zone`'s link to the VNet (`link-<vnet>`).
    pub fn zone_link_id(&self, zone: usize) -> Option<String> {
        let n = self.vnet.as_ref()?;
        Some(resource_id(
            "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
            &[
                self.zones[zone].var(),
                format!("format('link-{{0}}', {})", n.vnet.var()),
            ],
        ))
    }

    /// A private endpoint, by name.
    pub fn endpoint_id(name: &str) -> String {
        resource_id("Microsoft.Network/privateEndpoints", &[lit(name)])
    }

    /// A private endpoint's DNS zone group (`default`).
    pub fn zone_group_id(endpoint: &str) -> String {
        resource_id(
            "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
            &[lit(endpoint), lit("default")],
        )
    }

    /// With keys (`managed_identity = false`): an app setting value that the platform
    /// replaces with the vault's secret holding the connection string of `of`.
    pub fn vault_reference(&self, plan: &Plan, of: SecretOf) -> Option<Value> {
        let v = self.vault.as_ref()?;
        let secret = &plan.auth.vault()?.secrets.iter().find(|s| s.of == of)?.name;
        Some(Value::String(format!(
            "[format('@Microsoft.KeyVault(VaultName={{0}};SecretName={secret})', {})]",
            v.var()
        )))
    }

    /// The expression of a GUID name part: the resource id of a recorded resource, a
    /// data-plane path, or a literal.
    pub fn name_part(&self, plan: &Plan, part: &NamePart) -> String {
        match part {
            NamePart::Text(t) => lit(t),
            NamePart::IdOf(id) => self.id_of(plan, *id),
            NamePart::DataPathOf(id) => match self.cosmos_of(plan, *id) {
                (account, db, Some(c)) => self.cosmos_container_path(account, db, c),
                (account, db, None) => self.cosmos_database_path(account, db),
            },
            // Inside an app's access deployment, which receives its identity's principal id.
            NamePart::PrincipalOf(_) => PRINCIPAL_PARAMETER.to_string(),
        }
    }

    /// The resource id of a recorded resource that other resources refer to by id.
    pub fn id_of(&self, plan: &Plan, id: NameId) -> String {
        if id == plan.storage.id {
            return self.storage.id();
        }
        if let Some(m) = &plan.monitoring
            && id == m.insights_id
        {
            return self.insights.as_ref().expect("monitoring has insights").id();
        }
        if let Some(v) = plan.auth.vault()
            && id == v.id
        {
            return self.vault.as_ref().expect("keys mode has a vault").id();
        }
        if let Some(i) = plan.function_apps.iter().position(|a| a.id == id) {
            return self.apps[i].site.id();
        }
        if let Some(i) = plan.cosmos_accounts.iter().position(|a| a.id == id) {
            return self.cosmos[i].id();
        }
        for q in plan.functions.iter().flat_map(|f| &f.queues) {
            if q.id == id {
                return self.queue_id(&q.name);
            }
            if q.poison_id == id {
                return self.queue_id(&q.poison);
            }
        }
        match self.cosmos_of(plan, id) {
            (account, db, Some(c)) => self.cosmos_container_id(account, db, c),
            (account, db, None) => self.cosmos_database_id(account, db),
        }
    }

    /// `(account index, database, container)` of a recorded database or container.
    fn cosmos_of<'p>(&self, plan: &'p Plan, id: NameId) -> (usize, &'p str, Option<&'p str>) {
        // The change feed's leases containers are the functions family's, not an entity's.
        if let Some(l) = plan
            .functions
            .iter()
            .filter_map(|f| f.leases.as_ref())
            .find(|l| l.id == id)
        {
            return (l.account, &l.database, Some(&l.name));
        }
        let Some(&(a, d, c)) = self.located.get(&id) else {
            panic!(
                "record {id} ({:?} {}) is not a resource other resources refer to",
                plan.named[id].kind, plan.named[id].name
            )
        };
        let db = &plan.cosmos_accounts[a].databases[d];
        (a, &db.name, c.map(|c| db.containers[c].name.as_str()))
    }
}

fn located(plan: &Plan) -> HashMap<NameId, (usize, usize, Option<usize>)> {
    let mut out = HashMap::new();
    for (a, account) in plan.cosmos_accounts.iter().enumerate() {
        for (d, db) in account.databases.iter().enumerate() {
            out.insert(db.id, (a, d, None));
            for (c, container) in db.containers.iter().enumerate() {
                out.insert(container.id, (a, d, Some(c)));
            }
        }
    }
    out
}

fn zone_key(service: DnsZoneService) -> &'static str {
    match service {
        DnsZoneService::Cosmos => "cosmosDnsZoneName",
        DnsZoneService::Blob => "blobDnsZoneName",
        DnsZoneService::Queue => "queueDnsZoneName",
        DnsZoneService::Table => "tableDnsZoneName",
        DnsZoneService::Redis => "redisDnsZoneName",
        DnsZoneService::Vault => "vaultDnsZoneName",
    }
}

/// A zone's name in the template: storage zones follow the cloud's storage suffix.
fn zone_name_value(service: DnsZoneService) -> String {
    match service {
        DnsZoneService::Blob => "[format('privatelink.blob.{0}', environment().suffixes.storage)]".into(),
        DnsZoneService::Queue => "[format('privatelink.queue.{0}', environment().suffixes.storage)]".into(),
        DnsZoneService::Table => "[format('privatelink.table.{0}', environment().suffixes.storage)]".into(),
        other => other.public_cloud_name().into(),
    }
}
