//! `#[atakora::function]`: what each trigger adds to the functions app's template, its
//! settings and roles, and the manifest; every template checked against the ARM schemas.

use atakora::testing::resources as of_type;
use atakora::{Backend, CrudApi, FunctionsApp, backend, crud_api, function, functions_app};
use atakora_tests::ArmSchemas;
use serde::{Deserialize, Serialize};
use serde_json::Value;
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

#[crud_api(partition_key = "/userId")]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: String,
    pub user_id: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderPlaced {
    pub order_id: String,
}

#[functions_app(memory_mb = 2048, max_instances = 100)]
pub struct OrderProcessor;

pub static ORDERS: atakora::Queue<OrderPlaced> = atakora::Queue::new("orders");

#[function(app = OrderProcessor, trigger = queue("orders", max_attempts = 5), always_ready = 2)]
async fn process_order(msg: OrderPlaced) -> Result<(), atakora::Error> {
    if msg.order_id.is_empty() {
        return Err(atakora::Error::permanent("an order without an id"));
    }
    Ok(())
}

#[function(app = OrderProcessor, trigger = timer("0 */5 * * * *"))]
async fn cleanup(_timer: atakora::TimerInfo) -> Result<(), atakora::Error> {
    Ok(())
}

#[function(app = OrderProcessor, trigger = changes(Order))]
async fn on_order(batch: Vec<Order>) -> Result<(), atakora::Error> {
    for order in &batch {
        ORDERS
            .send(&OrderPlaced {
                order_id: order.id.clone(),
            })
            .await?;
    }
    Ok(())
}

#[function(app = OrderProcessor, trigger = http(route = "orders/{id}/ship", methods(post)))]
async fn ship(req: atakora::Request) -> atakora::Response {
    atakora::Response::text(202, req.param("id").unwrap_or_default())
}

#[backend(app = "shop", environments(dev, prod))]
pub struct Shop {
    pub orders: CrudApi<Order>,
    pub order_processor: FunctionsApp<OrderProcessor>,
}

#[test]
fn the_registry_lists_every_function_with_its_app() {
    // This binary links the examples too: the registry holds their functions, and each backend
    // gets exactly those of its own apps (by type, whatever the name).
    assert!(atakora::registry::functions().len() > 4);
    let atakora::spec::ComponentSpec::FunctionsApp { app, .. } = &Shop::spec().components[1] else {
        panic!()
    };
    let names: Vec<&str> = app.functions.iter().map(|f| f.name.as_ref()).collect();
    assert_eq!(names, ["cleanup", "on_order", "process_order", "ship"]);
    assert!(app.functions.iter().all(|f| f.app == "OrderProcessor"));
}

fn site<'a>(t: &'a Value, app_var: &str) -> &'a Value {
    of_type(t, "Microsoft.Web/sites")
        .into_iter()
        .find(|s| s["name"] == format!("[variables('{app_var}')]"))
        .unwrap()
}

fn setting<'a>(site: &'a Value, name: &str) -> Option<&'a Value> {
    site["properties"]["siteConfig"]["appSettings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .map(|s| &s["value"])
}

/// The grants of one app's access deployment: `(type, role definition, scope)`.
fn grants(t: &Value, app_key: &str) -> Vec<(String, String, String)> {
    let access = of_type(t, "Microsoft.Resources/deployments")
        .into_iter()
        .find(|d| d["name"].as_str().unwrap().ends_with(&format!("access-{app_key}")))
        .unwrap();
    access["properties"]["template"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["type"].as_str().unwrap().to_string(),
                r["properties"]["roleDefinitionId"].as_str().unwrap().to_string(),
                r["scope"]
                    .as_str()
                    .or(r["properties"]["scope"].as_str())
                    .unwrap()
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn queues_and_their_poison_twins_live_under_the_shared_storage_account() {
    let t = Shop::plan("prod").unwrap().to_arm();
    valid(&t);
    let services = of_type(&t, "Microsoft.Storage/storageAccounts/queueServices");
    assert_eq!(services.len(), 1);
    assert_eq!(
        services[0]["name"],
        "[format('{0}/default', variables('storageAccountName'))]"
    );
    let queues: Vec<&str> = services[0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            assert_eq!(q["type"], "queues");
            q["name"].as_str().unwrap()
        })
        .collect();
    assert_eq!(queues, ["orders", "orders-poison"]);
}

#[test]
fn the_change_feed_gets_a_leases_container_in_the_watched_database() {
    let t = Shop::plan("dev").unwrap().to_arm();
    valid(&t);
    let leases: Vec<&Value> = of_type(&t, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
        .into_iter()
        .filter(|c| c["properties"]["resource"]["id"] == "leases")
        .collect();
    assert_eq!(leases.len(), 1);
    assert_eq!(
        leases[0]["name"],
        "[format('{0}/{1}/{2}', variables('cosmosAccountName'), 'shop', 'leases')]"
    );
    assert_eq!(leases[0]["properties"]["resource"]["partitionKey"]["paths"][0], "/id");
    // The database shares 400 RU/s: the leases container takes none of its own.
    assert!(leases[0]["properties"].get("options").is_none());
    let definition = &of_type(&t, "Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions")[0];
    assert_eq!(
        definition["properties"]["permissions"][0]["dataActions"],
        serde_json::json!(["Microsoft.DocumentDB/databaseAccounts/readMetadata"])
    );
    assert_eq!(
        definition["properties"]["assignableScopes"][0],
        "[format('{0}/dbs/{1}', resourceId('Microsoft.DocumentDB/databaseAccounts', variables('cosmosAccountName')), 'shop')]"
    );
}

#[test]
fn trigger_connections_are_identity_based() {
    let t = Shop::plan("prod").unwrap().to_arm();
    let s = site(&t, "orderProcessorAppName");
    let client_id = "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('orderProcessorIdentityName')), '2024-11-30').clientId]";
    assert_eq!(
        setting(s, "QUEUES__queueServiceUri").unwrap(),
        "[reference(resourceId('Microsoft.Storage/storageAccounts', variables('storageAccountName')), '2026-04-01').primaryEndpoints.queue]"
    );
    assert_eq!(setting(s, "QUEUES__credential").unwrap(), "managedidentity");
    assert_eq!(setting(s, "QUEUES__clientId").unwrap(), client_id);
    assert_eq!(
        setting(s, "COSMOS__accountEndpoint").unwrap(),
        "[reference(resourceId('Microsoft.DocumentDB/databaseAccounts', variables('cosmosAccountName')), '2026-03-15').documentEndpoint]"
    );
    assert_eq!(setting(s, "COSMOS__credential").unwrap(), "managedidentity");
    assert_eq!(setting(s, "COSMOS__clientId").unwrap(), client_id);
    // No key or connection string anywhere.
    let text = serde_json::to_string(s).unwrap();
    assert!(!text.contains("AccountKey") && !text.contains("listKeys"));
    // The API app has no trigger connection.
    assert!(setting(site(&t, "apiAppName"), "QUEUES__queueServiceUri").is_none());
}

/// The same app in a backend that uses keys (`managed_identity = false`).
#[backend(app = "keyshop", environments(dev, prod), managed_identity = false)]
pub struct KeyShop {
    pub orders: CrudApi<Order>,
    pub order_processor: FunctionsApp<OrderProcessor>,
}

#[test]
fn with_keys_trigger_connections_are_connection_strings_from_the_vault() {
    let t = KeyShop::plan("prod").unwrap().to_arm();
    valid(&t);
    let s = site(&t, "orderProcessorAppName");
    let secret = |name: &str| {
        format!("[format('@Microsoft.KeyVault(VaultName={{0}};SecretName={name})', variables('keyVaultName'))]")
    };
    // The queues' connection is the storage account's connection string, the one the host's
    // own storage reads; the change feed's is the Cosmos DB account's.
    assert_eq!(
        setting(s, "QUEUES").unwrap(),
        &Value::String(secret("storage-connection"))
    );
    assert_eq!(
        setting(s, "AzureWebJobsStorage").unwrap(),
        setting(s, "QUEUES").unwrap()
    );
    assert_eq!(
        setting(s, "COSMOS").unwrap(),
        &Value::String(secret("cosmos-connection"))
    );
    for identity_setting in [
        "QUEUES__queueServiceUri",
        "QUEUES__credential",
        "COSMOS__accountEndpoint",
        "COSMOS__credential",
    ] {
        assert!(setting(s, identity_setting).is_none(), "{identity_setting}");
    }
    // No data-plane role is granted: the keys carry the access.
    let roles = grants(&t, "order-processor");
    assert!(
        roles
            .iter()
            .all(|(_, _, scope)| !scope.contains("queues") && !scope.contains("/dbs/")),
        "{roles:?}"
    );
}

#[test]
fn each_trigger_gets_its_data_roles_and_no_more() {
    let t = Shop::plan("prod").unwrap().to_arm();
    let roles = grants(&t, "order-processor");
    let rbac = |role: &str| format!("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{role}')]");
    let queue_scope = |q: &str| {
        format!(
            "[format('Microsoft.Storage/storageAccounts/{{0}}/queueServices/default/queues/{{1}}', parameters('access').storageAccountName, '{q}')]"
        )
    };
    let cosmos = |role: &str| {
        format!(
            "[resourceId('Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions', parameters('access').cosmosAccountName, '{role}')]"
        )
    };
    let container = |c: &str| {
        format!(
            "[format('{{0}}/dbs/{{1}}/colls/{{2}}', resourceId('Microsoft.DocumentDB/databaseAccounts', parameters('access').cosmosAccountName), 'shop', '{c}')]"
        )
    };
    let contributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    let expected: Vec<(String, String, String)> = vec![
        // Host storage and telemetry, as every app.
        ("Microsoft.Authorization/roleAssignments".into(), rbac("b7e6dc6d-f1e8-4753-8033-0f276bb0955b"), "[format('Microsoft.Storage/storageAccounts/{0}', parameters('access').storageAccountName)]".into()),
        ("Microsoft.Authorization/roleAssignments".into(), rbac("3913510d-42f4-4e42-8a64-420c390055eb"), "[format('Microsoft.Insights/components/{0}', parameters('access').appInsightsName)]".into()),
        // Queue trigger: Storage Queue Data Contributor on its queue and its poison queue.
        ("Microsoft.Authorization/roleAssignments".into(), rbac(contributor), queue_scope("orders")),
        ("Microsoft.Authorization/roleAssignments".into(), rbac(contributor), queue_scope("orders-poison")),
        // Change feed: Reader on the watched container, Contributor on leases, metadata on the database.
        ("Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments".into(), cosmos("00000000-0000-0000-0000-000000000001"), container("orders")),
        ("Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments".into(), cosmos("00000000-0000-0000-0000-000000000002"), container("leases")),
        (
            "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments".into(),
            cosmos("6c2b7a5e-4d1f-5e0a-9b3c-a7a0a1c0d0e1"),
            "[format('{0}/dbs/{1}', resourceId('Microsoft.DocumentDB/databaseAccounts', parameters('access').cosmosAccountName), 'shop')]".into(),
        ),
    ];
    assert_eq!(roles, expected);
    // The CRUD APIs' app gets nothing on the queues or the leases.
    let api = grants(&t, "api");
    assert!(
        api.iter()
            .all(|(_, _, scope)| !scope.contains("queues") && !scope.contains("leases")),
        "{api:?}"
    );
}

#[test]
fn functions_that_ask_get_their_own_always_ready_group() {
    let t = Shop::plan("prod").unwrap().to_arm();
    let s = site(&t, "orderProcessorAppName");
    assert_eq!(
        s["properties"]["functionAppConfig"]["scaleAndConcurrency"]["alwaysReady"],
        serde_json::json!([{ "name": "function:process_order", "instanceCount": 2 }])
    );
}

#[test]
fn the_manifest_lists_every_function_with_its_trigger_and_scale_group() {
    let plan = Shop::plan("prod").unwrap();
    let m = plan.manifest();
    let app = m["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.Web/sites" && r["component"] == "order_processor")
        .unwrap();
    let functions = app["detail"]["functions"].as_array().unwrap();
    let rows: Vec<(&str, &str, &str)> = functions
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap(),
                f["trigger"]["kind"].as_str().unwrap(),
                f["scaleGroup"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("cleanup", "timer", "function:cleanup"),
            ("on_order", "changes", "function:on_order"),
            ("process_order", "queue", "function:process_order"),
            ("ship", "http", "http"),
        ]
    );
    assert_eq!(functions[0]["trigger"]["schedule"], "0 */5 * * * *");
    assert_eq!(functions[1]["trigger"]["container"], "orders");
    assert_eq!(functions[2]["trigger"]["queue"], "orders");
    assert_eq!(functions[3]["trigger"]["route"], "orders/{id}/ship");
    assert_eq!(functions[2]["alwaysReady"], 2);
    // The queues, the leases and the role definition are recorded like every resource.
    let names: Vec<(&str, &str)> = m["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["type"].as_str().unwrap(), r["name"].as_str().unwrap()))
        .collect();
    for n in [
        ("Microsoft.Storage/storageAccounts/queueServices/queues", "orders"),
        (
            "Microsoft.Storage/storageAccounts/queueServices/queues",
            "orders-poison",
        ),
        (
            "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers",
            "leases",
        ),
    ] {
        assert!(names.contains(&n), "{n:?}");
    }
    assert!(plan.validate().is_ok(), "{:?}", plan.validate());
}

/// The codes of `Shop`'s `dev` plan after `change` to the order processor's functions.
fn codes_after(change: impl Fn(&mut Vec<atakora::spec::FunctionSpec>)) -> Vec<&'static str> {
    codes_in("dev", change)
}

/// The codes of `Shop`'s plan for `env` after `change` to the order processor's functions.
fn codes_in(env: &str, change: impl Fn(&mut Vec<atakora::spec::FunctionSpec>)) -> Vec<&'static str> {
    use atakora::spec::ComponentSpec;
    use std::borrow::Cow;
    let mut spec = Shop::spec().clone();
    let mut components = spec.components.to_vec();
    let ComponentSpec::FunctionsApp { app, .. } = &mut components[1] else {
        panic!()
    };
    let app = app.to_mut();
    let mut functions = app.functions.to_vec();
    change(&mut functions);
    app.functions = Cow::Owned(functions);
    spec.components = Cow::Owned(components);
    let plan = atakora::Plan::resolve(&spec, env).unwrap();
    plan.validate().errors.iter().map(|d| d.code.as_str()).collect()
}

#[test]
fn rules_over_an_apps_functions_are_checked_when_resolving() {
    use atakora::spec::Trigger;
    use std::borrow::Cow;
    assert_eq!(codes_after(|_| {}), Vec::<&str>::new());
    // Two handlers of one name (in two modules).
    assert_eq!(codes_after(|f| f.push(f[0].clone())), ["ATK0510"]);
    // A function named like the first segment of the app's route `orders/{id}/ship`.
    assert_eq!(codes_after(|f| f[0].name = Cow::Borrowed("orders")), ["ATK0510"]);
    // Two queue functions disagreeing on the host's maxDequeueCount.
    assert_eq!(
        codes_after(|f| {
            let mut audit = f[2].clone();
            audit.name = Cow::Borrowed("audit");
            audit.always_ready = None;
            audit.trigger = Trigger::Queue {
                queue: Cow::Borrowed("audit"),
                max_attempts: 3,
            };
            f.push(audit);
        }),
        ["ATK0512"]
    );
    // The change feed of an entity that is not in the backend.
    assert_eq!(
        codes_after(|f| f[1].trigger = Trigger::Changes {
            entity: Cow::Borrowed("Invoice")
        }),
        ["ATK0513"]
    );
    // Value rules of hand-built specs: the compiler's codes.
    assert_eq!(
        codes_after(|f| f[2].trigger = Trigger::Queue {
            queue: Cow::Borrowed("Orders"),
            max_attempts: 5
        }),
        ["ATK0505"]
    );
    assert_eq!(
        codes_after(|f| f[0].trigger = Trigger::Timer {
            schedule: Cow::Borrowed("*/5 * * * *")
        }),
        ["ATK0504"]
    );
    assert_eq!(codes_after(|f| f[3].always_ready = Some(2)), ["ATK0514"]);
    // One always-ready instance of a function's own group in a zone-redundant (production) plan.
    assert_eq!(codes_in("prod", |f| f[2].always_ready = Some(1)), ["ATK0204"]);
}
