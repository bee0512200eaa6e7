//! Resolution rules on small backends declared here with the real macros: sharing, splits,
//! roles, hierarchical keys, autoscale, limits, and the warnings for options whose Azure side
//! is not built yet. Every template is also checked against the ARM schemas.

use atakora::testing::resources as of_type;
use atakora::{Backend, CrudApi, FunctionsApp, backend, crud_api, functions_app};
use atakora_core::plan::{GrantScope, Role};
use atakora_tests::ArmSchemas;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::OnceLock;

fn schemas() -> &'static ArmSchemas {
    static S: OnceLock<ArmSchemas> = OnceLock::new();
    S.get_or_init(ArmSchemas::load)
}

fn valid(t: &Value) -> &Value {
    let f = schemas().check_template(t);
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    t
}

fn containers(t: &Value) -> Vec<&Value> {
    t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
        .collect()
}

fn codes(plan: &atakora::Plan) -> (Vec<&'static str>, Vec<&'static str>) {
    let r = plan.validate();
    (
        r.errors.iter().map(|d| d.code.as_str()).collect(),
        r.warnings.iter().map(|d| d.code.as_str()).collect(),
    )
}

#[crud_api(partition_key = "/category", operations(read, list))]
#[derive(Serialize, Deserialize)]
pub struct CatalogItem {
    pub id: String,
    pub category: String,
}

#[crud_api(partition_key = "/category", container = "catalog-admin-items")]
#[derive(Serialize, Deserialize)]
pub struct CatalogAdminItem {
    pub id: String,
    pub category: String,
}

#[crud_api(partition_key = ["/tenantId", "/userId", "/sessionId"], ttl = -1, unique_keys(["/tenantId", "/email"]))]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    pub id: String,
    pub tenant_id: String,
    pub user_id: String,
    pub session_id: String,
    pub email: String,
}

#[crud_api(partition_key = "/userId", serverless, ttl = 7776000)]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditLog {
    pub id: String,
    pub user_id: String,
}

#[crud_api(partition_key = "/region", autoscale(dev = 1000, prod = 20000))]
#[derive(Serialize, Deserialize)]
pub struct Telemetry {
    pub id: String,
    pub region: String,
}

#[crud_api(partition_key = "/id", throughput(dev = 400))]
#[derive(Serialize, Deserialize)]
pub struct Partial {
    pub id: String,
}

#[functions_app(always_ready = 2)]
pub struct Indexer;

#[backend(app = "catalog", environments(dev, prod))]
pub struct CatalogBackend {
    pub items: CrudApi<CatalogItem>,
    pub admin: CrudApi<CatalogAdminItem>,
    pub activity: CrudApi<Activity>,
}

#[test]
fn read_only_apis_get_the_reader_role_on_their_container_only() {
    let t = CatalogBackend::plan("prod").unwrap().to_arm();
    valid(&t);
    let roles: Vec<(&str, &str)> =
        atakora::testing::all_resources(&t, "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments")
            .into_iter()
            .map(|r| {
                (
                    r["properties"]["scope"].as_str().unwrap(),
                    r["properties"]["roleDefinitionId"].as_str().unwrap(),
                )
            })
            .collect();
    assert_eq!(roles.len(), 3);
    let role_of = |c: &str| roles.iter().find(|(s, _)| s.ends_with(&format!("'{c}')]"))).unwrap().1;
    assert!(
        role_of("catalog-items").contains("-000000000001'"),
        "reader: {}",
        role_of("catalog-items")
    );
    assert!(role_of("catalog-admin-items").contains("-000000000002'"));
    assert!(role_of("activities").contains("-000000000002'"));
}

#[test]
fn hierarchical_keys_ttl_minus_one_and_unique_keys() {
    let t = CatalogBackend::plan("dev").unwrap().to_arm();
    let activity = containers(&t)
        .into_iter()
        .find(|c| c["properties"]["resource"]["id"] == "activities")
        .unwrap();
    let r = &activity["properties"]["resource"];
    assert_eq!(
        r["partitionKey"],
        json!({ "paths": ["/tenantId", "/userId", "/sessionId"], "kind": "MultiHash", "version": 2 })
    );
    assert_eq!(r["defaultTtl"], json!(-1));
    assert_eq!(
        r["uniqueKeyPolicy"],
        json!({ "uniqueKeys": [{ "paths": ["/tenantId", "/email"] }] })
    );
}

#[backend(app = "audit", environments(dev, prod))]
pub struct MixedBackend {
    pub telemetry: CrudApi<Telemetry>,
    pub audit: CrudApi<AuditLog>,
}

#[test]
fn serverless_next_to_provisioned_splits_the_account_and_says_so() {
    let plan = MixedBackend::plan("prod").unwrap();
    let t = valid(&plan.to_arm()).clone();
    let accounts: Vec<&Value> = t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "Microsoft.DocumentDB/databaseAccounts")
        .collect();
    assert_eq!(accounts.len(), 2);
    assert!(accounts[0]["properties"].get("capabilities").is_none());
    assert_eq!(
        accounts[1]["properties"]["capabilities"],
        json!([{ "name": "EnableServerless" }])
    );
    assert_eq!(
        t["variables"]["cosmosServerlessAccountName"],
        "[format('cosno-audit-prod-serverless-{0}', parameters('nameSuffix'))]"
    );
    let (errors, warnings) = codes(&plan);
    assert!(errors.is_empty());
    assert_eq!(warnings, ["ATK0902"]);
    // Serverless containers and databases carry no throughput at all.
    let audit = containers(&t)
        .into_iter()
        .find(|c| c["properties"]["resource"]["id"] == "audit-logs")
        .unwrap();
    assert!(audit["properties"].get("options").is_none());
    assert_eq!(audit["properties"]["resource"]["defaultTtl"], json!(7776000));
    // Autoscale per environment.
    let telemetry = containers(&t)
        .into_iter()
        .find(|c| c["properties"]["resource"]["id"] == "telemetries")
        .unwrap();
    assert_eq!(
        telemetry["properties"]["options"],
        json!({ "autoscaleSettings": { "maxThroughput": 20000 } })
    );
    let dev = MixedBackend::plan("dev").unwrap().to_arm();
    let telemetry = containers(&dev)
        .into_iter()
        .find(|c| c["properties"]["resource"]["id"] == "telemetries")
        .unwrap();
    assert_eq!(
        telemetry["properties"]["options"],
        json!({ "autoscaleSettings": { "maxThroughput": 1000 } })
    );
    // The API app gets both endpoints.
    let site = t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.Web/sites")
        .unwrap();
    let names: Vec<&str> = site["properties"]["siteConfig"]["appSettings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"COSMOS__accountEndpoint") && names.contains(&"COSMOS_SERVERLESS__accountEndpoint"),
        "{names:?}"
    );
}

/// The mixed backend with limits it breaks. `#[backend]` refuses such a backend at compile
/// time (ATK0402-0404, see the UI cases); a spec built at run time gets the same codes from
/// `validate()`.
fn limited_spec() -> &'static atakora::spec::BackendSpec {
    use atakora::spec::*;
    use std::borrow::Cow;
    let mut spec = MixedBackend::spec().clone();
    spec.type_name = Cow::Borrowed("LimitedBackend");
    spec.limits = Limits {
        max_cosmos_accounts: Some(1),
        max_throughput_per_database: Some(10000),
        max_function_apps: Some(1),
        max_storage_accounts: None,
    };
    let mut components = spec.components.to_vec();
    components.push(ComponentSpec::FunctionsApp {
        field: Cow::Borrowed("indexer"),
        app: Cow::Owned(<Indexer as atakora::__private::FunctionsAppDef>::SPEC),
    });
    spec.components = Cow::Owned(components);
    Box::leak(Box::new(spec))
}

#[test]
fn limits_that_forbid_the_plan_are_errors_naming_the_components() {
    let plan = atakora::Plan::resolve(limited_spec(), "prod").unwrap();
    let report = plan.validate();
    let by_code = |c: &str| {
        report
            .errors
            .iter()
            .find(|d| d.code.as_str() == c)
            .unwrap_or_else(|| panic!("no {c} in {:?}", report.errors))
    };
    let accounts = by_code("ATK0402");
    assert!(
        accounts.message.contains("`audit`") && accounts.message.contains("`telemetry`"),
        "{}",
        accounts.message
    );
    let rus = by_code("ATK0403");
    assert!(
        rus.message.contains("20000") && rus.message.contains("`telemetry`"),
        "{}",
        rus.message
    );
    let apps = by_code("ATK0404");
    assert!(apps.message.contains("`indexer`"), "{}", apps.message);
    // In dev the throughput fits: only the structural limits remain.
    let (dev_errors, _) = codes(&atakora::Plan::resolve(limited_spec(), "dev").unwrap());
    assert_eq!(dev_errors, ["ATK0402", "ATK0404"]);
}

/// `Partial` has throughput for `dev` only: `#[backend]` with `environments(dev, prod)` is a
/// compile error (ATK0120); a spec built at run time gets the code from `validate()`.
fn partial_spec() -> &'static atakora::spec::BackendSpec {
    use atakora::spec::*;
    use std::borrow::Cow;
    let mut spec = CatalogBackend::spec().clone();
    spec.components = Cow::Owned(vec![ComponentSpec::CrudApi {
        field: Cow::Borrowed("partial"),
        api: Cow::Owned(<Partial as atakora::__private::CrudEntity>::SPEC),
    }]);
    Box::leak(Box::new(spec))
}

#[test]
fn per_environment_values_must_cover_every_environment() {
    assert!(
        codes(&atakora::Plan::resolve(partial_spec(), "dev").unwrap())
            .0
            .is_empty()
    );
    let (errors, _) = codes(&atakora::Plan::resolve(partial_spec(), "prod").unwrap());
    assert_eq!(errors, ["ATK0120"]);
}

#[backend(app = "scale", auto_scale(max_throughput = 4000, target_utilization = 60))]
pub struct AutoscaledBackend {
    pub items: CrudApi<CatalogItem>,
    pub indexer: FunctionsApp<Indexer>,
}

#[test]
fn backend_auto_scale_makes_the_shared_database_autoscale() {
    let plan = AutoscaledBackend::plan("dev").unwrap();
    let t = valid(&plan.to_arm()).clone();
    let db = t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.DocumentDB/databaseAccounts/sqlDatabases")
        .unwrap();
    assert_eq!(
        db["properties"]["options"],
        json!({ "autoscaleSettings": { "maxThroughput": 4000 } })
    );
    // ... and an alert when normalized RU consumption passes the target.
    let (_, warnings) = codes(&plan);
    assert!(warnings.is_empty(), "{warnings:?}");
    let alert = t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.Insights/metricAlerts")
        .unwrap();
    let criterion = &alert["properties"]["criteria"]["allOf"][0];
    assert_eq!(criterion["metricName"], "NormalizedRUConsumption");
    assert_eq!(criterion["threshold"], json!(60));
    assert!(
        alert["properties"]["scopes"][0]
            .as_str()
            .unwrap()
            .contains("Microsoft.DocumentDB/databaseAccounts")
    );
    let indexer = t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "Microsoft.Web/sites")
        .nth(1)
        .unwrap();
    assert_eq!(
        indexer["properties"]["functionAppConfig"]["scaleAndConcurrency"]["alwaysReady"],
        json!([{ "name": "http", "instanceCount": 2 }])
    );
}

#[crud_api(partition_key = "/category", cache(ttl = 300), health_check(path = "/healthz"))]
#[derive(Serialize, Deserialize)]
pub struct Cached {
    pub id: String,
    pub category: String,
}

#[backend(
    app = "pending",
    networking(isolated(address_space = "10.1.0.0/16")),
    managed_identity = false,
    enforce_https = false,
    monitoring(sampling_percentage = 50, alerting(email = "ops@example.com"))
)]
pub struct PendingBackend {
    pub cached: CrudApi<Cached>,
}

#[test]
fn every_backend_option_has_its_azure_effect() {
    let plan = PendingBackend::plan("dev").unwrap();
    let report = plan.validate();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let warnings: Vec<&str> = report.warnings.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(
        warnings,
        ["ATK0904", "ATK0911", "ATK0907", "ATK0909"],
        "HTTPS off, the provider isolation needs, identity off and the backend's size are warned; nothing is pending"
    );
    let t = valid(&plan.to_arm()).clone();

    // networking(isolated(address_space = "10.1.0.0/16"))
    let vnet = of_type(&t, "Microsoft.Network/virtualNetworks")[0];
    assert_eq!(
        vnet["properties"]["addressSpace"]["addressPrefixes"],
        json!(["10.1.0.0/16"])
    );
    let subnets = vnet["properties"]["subnets"].as_array().unwrap();
    assert_eq!(subnets[0]["properties"]["addressPrefix"], "10.1.0.0/24");
    assert_eq!(
        subnets[0]["properties"]["delegations"][0]["properties"]["serviceName"],
        "Microsoft.App/environments"
    );
    assert_eq!(subnets[1]["properties"]["addressPrefix"], "10.1.1.0/24");
    let groups: Vec<&str> = of_type(&t, "Microsoft.Network/privateEndpoints")
        .iter()
        .map(|p| {
            p["properties"]["privateLinkServiceConnections"][0]["properties"]["groupIds"][0]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(groups, ["Sql", "blob", "queue", "table", "redisEnterprise", "vault"]);
    assert_eq!(
        of_type(&t, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups").len(),
        6
    );
    assert_eq!(of_type(&t, "Microsoft.Network/privateDnsZones").len(), 6);
    assert_eq!(
        of_type(&t, "Microsoft.Network/privateDnsZones/virtualNetworkLinks").len(),
        6
    );
    let site = of_type(&t, "Microsoft.Web/sites")[0];
    assert!(
        site["properties"]["virtualNetworkSubnetId"]
            .as_str()
            .unwrap()
            .contains("Microsoft.Network/virtualNetworks/subnets")
    );
    assert_eq!(
        of_type(&t, "Microsoft.Storage/storageAccounts")[0]["properties"]["publicNetworkAccess"],
        "Disabled"
    );
    let cosmos = of_type(&t, "Microsoft.DocumentDB/databaseAccounts")[0];
    assert_eq!(cosmos["properties"]["publicNetworkAccess"], "Disabled");

    // managed_identity = false: keys, in Key Vault, as references
    assert_eq!(cosmos["properties"]["disableLocalAuth"], json!(false));
    let vault = of_type(&t, "Microsoft.KeyVault/vaults")[0];
    assert_eq!(vault["properties"]["enablePurgeProtection"], json!(true));
    assert_eq!(vault["properties"]["enableRbacAuthorization"], json!(true));
    assert_eq!(of_type(&t, "Microsoft.KeyVault/vaults/secrets").len(), 2);
    let settings: Vec<(&str, String)> = site["properties"]["siteConfig"]["appSettings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["value"].to_string()))
        .collect();
    let setting = |n: &str| {
        settings
            .iter()
            .find(|(k, _)| *k == n)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no setting {n}: {settings:?}"))
    };
    assert!(setting("AzureWebJobsStorage").contains("@Microsoft.KeyVault("));
    assert!(setting("COSMOS").contains("@Microsoft.KeyVault("));
    assert_eq!(
        site["properties"]["functionAppConfig"]["deployment"]["storage"]["authentication"]["type"],
        "StorageAccountConnectionString"
    );
    assert!(
        atakora::testing::all_resources(&t, "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments").is_empty(),
        "no data-plane roles with keys"
    );

    // enforce_https = false
    assert_eq!(site["properties"]["httpsOnly"], json!(false));

    // monitoring(sampling_percentage = 50, alerting(email = ...))
    assert_eq!(
        of_type(&t, "Microsoft.Insights/components")[0]["properties"]["SamplingPercentage"],
        json!(50.0)
    );
    let group = of_type(&t, "Microsoft.Insights/actionGroups")[0];
    assert_eq!(
        group["properties"]["emailReceivers"][0]["emailAddress"],
        "ops@example.com"
    );
    let metrics: Vec<&str> = of_type(&t, "Microsoft.Insights/metricAlerts")
        .iter()
        .map(|a| {
            a["properties"]["criteria"]["allOf"][0]["metricName"]
                .as_str()
                .unwrap_or("availability")
        })
        .collect();
    assert_eq!(metrics, ["requests/duration", "availability"]);
    assert_eq!(
        of_type(&t, "Microsoft.Insights/scheduledQueryRules").len(),
        1,
        "server errors: a log search alert over the app's requests"
    );

    // cache(ttl = 300): Azure Managed Redis with Entra access for the API
    let redis = of_type(&t, "Microsoft.Cache/redisEnterprise")[0];
    assert_eq!(redis["properties"]["minimumTlsVersion"], "1.2");
    assert_eq!(
        of_type(&t, "Microsoft.Cache/redisEnterprise/databases")[0]["properties"]["accessKeysAuthentication"],
        "Disabled"
    );
    assert_eq!(
        of_type(&t, "Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments").len(),
        1
    );
    assert_eq!(setting("ATAKORA_CACHE_TTL_CACHED"), "\"300\"");
    assert!(setting("CACHE__endpoint").contains("hostName"));

    // health_check(path = "/healthz"): a standard availability test and its alert
    let test = of_type(&t, "Microsoft.Insights/webtests")[0];
    assert_eq!(test["properties"]["Frequency"], json!(300));
    assert!(
        test["properties"]["Request"]["RequestUrl"]
            .as_str()
            .unwrap()
            .starts_with("[format('https://{0}/healthz'")
    );
    assert_eq!(test["properties"]["Locations"].as_array().unwrap().len(), 5);
}

#[test]
fn more_than_25_shared_containers_add_a_database() {
    use atakora::spec::*;
    use std::borrow::Cow;
    let entity = |i: usize| CrudApiSpec {
        container: Cow::Owned(format!("e{i}s")),
        ..CrudApiSpec::with_defaults(&format!("E{i}"))
    };
    let mut spec = CatalogBackend::spec().clone();
    spec.components = Cow::Owned(
        (0..30)
            .map(|i| ComponentSpec::CrudApi {
                field: Cow::Owned(format!("e{i}")),
                api: Cow::Owned(entity(i)),
            })
            .collect(),
    );
    let plan = atakora::Plan::resolve(&spec, "dev").unwrap();
    let dbs: Vec<(String, usize)> = plan.model().cosmos_accounts[0]
        .databases
        .iter()
        .map(|d| (d.name.clone(), d.containers.len()))
        .collect();
    assert_eq!(dbs, [("catalog".to_string(), 25), ("catalog-2".to_string(), 5)]);
    assert_eq!(codes(&plan).1, ["ATK0905"], "the split is reported");
    // Every container is written through: one Data Contributor per database, not 30.
    let data_scopes: Vec<&GrantScope> = plan
        .model()
        .grants
        .iter()
        .filter(|g| g.role == Role::CosmosDataContributor)
        .map(|g| &g.scope)
        .collect();
    assert_eq!(
        data_scopes,
        [
            &GrantScope::CosmosDatabase {
                account: 0,
                database: "catalog".into()
            },
            &GrantScope::CosmosDatabase {
                account: 0,
                database: "catalog-2".into()
            }
        ]
    );
    valid(&plan.to_arm());
}

#[test]
fn long_deployment_container_names_are_shortened_with_a_hash_and_reported() {
    use atakora::naming::ResourceKind;
    use atakora::spec::*;
    use std::borrow::Cow;
    let app = |ty: &str| ComponentSpec::FunctionsApp {
        field: Cow::Owned(ty.to_ascii_lowercase()),
        app: Cow::Owned(FunctionsAppSpec {
            type_name: Cow::Owned(ty.into()),
            memory_mb: 2048,
            max_instances: 100,
            always_ready: 0,
            functions: Cow::Borrowed(&[]),
        }),
    };
    let long = "NightlyInventoryReconciliationAndSupplierNotificationWorker";
    let mut spec = AutoscaledBackend::spec().clone();
    spec.auto_scale = None;
    spec.components = Cow::Owned(vec![app(&format!("{long}One")), app(&format!("{long}Two"))]);
    let plan = atakora::Plan::resolve(&spec, "dev").unwrap();
    let containers: Vec<&str> = plan
        .model()
        .function_apps
        .iter()
        .map(|a| a.deployment_container.as_str())
        .collect();
    for c in &containers {
        ResourceKind::BlobContainer
            .check_final(c)
            .unwrap_or_else(|e| panic!("`{c}`: {e}"));
    }
    assert_ne!(containers[0], containers[1], "the hash keeps them apart");
    let shortened = plan
        .validate()
        .warnings
        .iter()
        .filter(|d| d.code.as_str() == "ATK0903" && d.message.contains("blob container"))
        .count();
    assert_eq!(shortened, 2, "each cut is reported");
    valid(&plan.to_arm());
}

/// A public, read-only catalogue that opts out of authentication.
#[backend(app = "open", auth = "anonymous")]
pub struct OpenCatalogBackend {
    pub items: CrudApi<CatalogItem>,
}

#[test]
fn an_anonymous_backend_is_warned_and_its_app_takes_no_tokens() {
    let plan = OpenCatalogBackend::plan("dev").unwrap();
    assert_eq!(codes(&plan), (vec![], vec!["ATK0920"]));
    let warning = &plan.validate().warnings[0];
    assert!(
        warning.message.contains("`auth = \"anonymous\"`"),
        "{}",
        warning.message
    );
    let t = plan.to_arm();
    let site = atakora::testing::resource(&t, "Microsoft.Web/sites");
    assert_eq!(atakora::testing::app_setting(site, "ATAKORA_AUTH_ISSUER"), None);
    assert_eq!(atakora::testing::app_setting(site, "ATAKORA_AUTH_AUDIENCE"), None);
    assert!(t["parameters"].get("apiAudience").is_none());
    assert_eq!(plan.manifest()["callers"], serde_json::json!({ "mode": "anonymous" }));
    // Without `auth`, the audience has no default: it is given when deploying.
    let t = CatalogBackend::plan("dev").unwrap().to_arm();
    assert!(t["parameters"]["apiAudience"].get("defaultValue").is_none());
    assert_eq!(t["parameters"]["apiAudience"]["type"], "string");
}

/// `owner` in a backend that takes anonymous callers: `#[backend]` refuses it at compile time
/// (ATK0607, see the UI case); a spec built at run time gets the code from `validate()`.
#[test]
fn owner_isolation_without_authentication_is_an_error() {
    use atakora::spec::*;
    use std::borrow::Cow;
    let mut spec = OpenCatalogBackend::spec().clone();
    let ComponentSpec::CrudApi { api, .. } = &mut spec.components.to_mut()[0] else {
        unreachable!()
    };
    api.to_mut().owner = Some(Cow::Borrowed("/category"));
    let plan = atakora::Plan::resolve(&spec, "dev").unwrap();
    assert_eq!(codes(&plan).0, ["ATK0607"]);
}
