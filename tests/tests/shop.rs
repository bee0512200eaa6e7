//! The shop example's templates, asserted field by field: what each attribute asked for is
//! what the template deploys.

use atakora::Backend;
use atakora::testing::{resource as one, resources as of_type};
use atakora_example_shop::ApiBackend;
use serde_json::{Value, json};

fn template(env: &str) -> Value {
    ApiBackend::plan(env).unwrap().to_arm()
}

/// The resource of type `ty` named by variable `variable` (`apiAppName`).
fn named<'a>(t: &'a Value, ty: &str, variable: &str) -> &'a Value {
    of_type(t, ty)
        .into_iter()
        .find(|r| r["name"] == format!("[variables('{variable}')]").as_str())
        .unwrap_or_else(|| panic!("no {ty} named by {variable}"))
}

/// The API app.
fn api_site(t: &Value) -> &Value {
    named(t, "Microsoft.Web/sites", "apiAppName")
}

/// The container whose resource id is `name`.
fn container<'a>(t: &'a Value, name: &str) -> &'a Value {
    of_type(t, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
        .into_iter()
        .find(|c| c["properties"]["resource"]["id"] == name)
        .unwrap_or_else(|| panic!("no container {name}"))
}

#[test]
fn one_shared_account_database_app_and_storage() {
    for env in ["dev", "staging", "prod"] {
        let t = template(env);
        one(&t, "Microsoft.DocumentDB/databaseAccounts");
        one(&t, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases");
        // The API app, and the order processor's own app and plan.
        assert_eq!(of_type(&t, "Microsoft.Web/sites").len(), 2);
        assert_eq!(of_type(&t, "Microsoft.Web/serverfarms").len(), 2);
        one(&t, "Microsoft.Storage/storageAccounts");
        // users, products, orders, and the order processor's change-feed leases.
        let mut ids: Vec<&str> = of_type(&t, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
            .iter()
            .map(|c| c["properties"]["resource"]["id"].as_str().unwrap())
            .collect();
        ids.sort();
        assert_eq!(ids, ["leases", "orders", "products", "users"]);
        assert_eq!(
            t["variables"]["cosmosAccountName"],
            json!(format!("[format('cosno-shop-{env}-{{0}}', parameters('nameSuffix'))]"))
        );
        assert_eq!(
            t["variables"]["storageAccountName"],
            json!(format!("[format('stshop{env}{{0}}', parameters('nameSuffix'))]"))
        );
        assert_eq!(
            t["variables"]["apiAppName"],
            json!(format!(
                "[format('func-shop-{env}-api-{{0}}', parameters('nameSuffix'))]"
            ))
        );
    }
}

#[test]
fn partition_keys_and_ttl() {
    let t = template("prod");
    let users = &container(&t, "users")["properties"]["resource"];
    assert_eq!(
        users["partitionKey"],
        json!({ "paths": ["/tenantId"], "kind": "Hash", "version": 2 })
    );
    assert_eq!(users["defaultTtl"], json!(86400));
    let products = &container(&t, "products")["properties"]["resource"];
    assert_eq!(products["partitionKey"]["paths"], json!(["/category"]));
    assert!(products.get("defaultTtl").is_none(), "no ttl declared: TTL stays off");
    let orders = &container(&t, "orders")["properties"]["resource"];
    assert_eq!(orders["partitionKey"]["paths"], json!(["/userId"]));
}

#[test]
fn throughput_per_environment() {
    for (env, rus) in [("dev", 400), ("staging", 1000), ("prod", 4000)] {
        let t = template(env);
        assert_eq!(
            container(&t, "products")["properties"]["options"],
            json!({ "throughput": rus }),
            "{env}"
        );
        // Users and orders share the database's throughput: no options of their own.
        assert!(container(&t, "users")["properties"].get("options").is_none());
        assert!(container(&t, "orders")["properties"].get("options").is_none());
        let db = one(&t, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases");
        assert_eq!(db["properties"]["options"], json!({ "throughput": 400 }));
        assert_eq!(db["properties"]["resource"]["id"], "shop");
    }
}

#[test]
fn identity_and_no_secrets() {
    let t = template("prod");
    let site = api_site(&t);
    assert_eq!(
        site["identity"]["type"], "UserAssigned",
        "its own identity, created before it"
    );
    assert_eq!(site["kind"], "functionapp,linux");
    assert_eq!(site["properties"]["httpsOnly"], json!(true));
    assert_eq!(site["properties"]["siteConfig"]["minTlsVersion"], "1.2");
    assert_eq!(
        site["properties"]["functionAppConfig"]["runtime"],
        json!({ "name": "custom", "version": "1.0" })
    );
    assert_eq!(
        site["properties"]["functionAppConfig"]["deployment"]["storage"]["authentication"],
        json!({ "type": "UserAssignedIdentity", "userAssignedIdentityResourceId": "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('apiIdentityName'))]" })
    );
    let settings: Vec<&str> = site["properties"]["siteConfig"]["appSettings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(settings.contains(&"AzureWebJobsStorage__accountName"));
    assert!(settings.contains(&"COSMOS__accountEndpoint"));
    let plan = named(&t, "Microsoft.Web/serverfarms", "apiPlanName");
    assert_eq!(plan["sku"], json!({ "name": "FC1", "tier": "FlexConsumption" }));
    assert_eq!(plan["properties"]["reserved"], json!(true));
    let account = one(&t, "Microsoft.DocumentDB/databaseAccounts");
    assert_eq!(account["properties"]["disableLocalAuth"], json!(true));
    assert_eq!(account["properties"]["disableKeyBasedMetadataWriteAccess"], json!(true));
    assert_eq!(
        one(&t, "Microsoft.Storage/storageAccounts")["properties"]["allowSharedKeyAccess"],
        json!(false)
    );
    let text = t.to_string();
    for secret in [
        "listKeys(",
        "listConnectionStrings(",
        "AccountKey=",
        "SharedAccessKey=",
        "AzureWebJobsStorage\"",
    ] {
        assert!(!text.contains(secret), "template contains {secret}");
    }
}

#[test]
fn role_assignments_follow_operations() {
    let t = template("prod");
    let roles: Vec<(String, String)> =
        atakora::testing::all_resources(&t, "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments")
            .iter()
            .map(|r| {
                (
                    r["properties"]["scope"].as_str().unwrap().to_string(),
                    r["properties"]["roleDefinitionId"].as_str().unwrap().to_string(),
                )
            })
            .collect();
    // The API: all three containers are written through (the catalogue's read-only API
    // shares the products' container, which the products API writes): one Data Contributor
    // on the database grants exactly what three per-container ones would. The order
    // processor's change feed: Reader on `orders`, Contributor on `leases`, and the
    // metadata-only role at database scope.
    let short: Vec<(String, String)> = roles
        .iter()
        .map(|(scope, role)| {
            let scope = scope.rsplit(", ").next().unwrap().trim_end_matches(")]").to_string();
            let role = role.rsplit(", ").next().unwrap().trim_end_matches(")]").to_string();
            (scope, role)
        })
        .collect();
    let expected = [
        ("'shop'", "'00000000-0000-0000-0000-000000000002'"),
        ("'orders'", "'00000000-0000-0000-0000-000000000001'"),
        ("'leases'", "'00000000-0000-0000-0000-000000000002'"),
        ("'shop'", "'6c2b7a5e-4d1f-5e0a-9b3c-a7a0a1c0d0e1'"),
    ];
    assert_eq!(
        short,
        expected.map(|(s, r)| (s.to_string(), r.to_string())),
        "one data-plane assignment per (identity, role, scope): {roles:?}"
    );
    let rbac: Vec<&str> = atakora::testing::all_resources(&t, "Microsoft.Authorization/roleAssignments")
        .iter()
        .map(|r| r["properties"]["roleDefinitionId"].as_str().unwrap())
        .collect();
    assert!(
        rbac.iter().any(|r| r.contains("b7e6dc6d-f1e8-4753-8033-0f276bb0955b")),
        "Storage Blob Data Owner"
    );
    assert!(
        rbac.iter().any(|r| r.contains("3913510d-42f4-4e42-8a64-420c390055eb")),
        "Monitoring Metrics Publisher"
    );
}

#[test]
fn monitoring_tags_location_outputs() {
    let t = template("staging");
    assert_eq!(
        one(&t, "Microsoft.OperationalInsights/workspaces")["properties"]["retentionInDays"],
        json!(90)
    );
    let appi = one(&t, "Microsoft.Insights/components");
    assert_eq!(appi["properties"]["SamplingPercentage"], json!(100.0));
    assert_eq!(appi["properties"]["DisableLocalAuth"], json!(true));
    for r in t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("location").is_some())
    {
        assert_eq!(r["location"], "[parameters('location')]");
        assert_eq!(
            r["tags"],
            json!({ "app": "shop", "environment": "staging", "backend": "api-backend", "cost_center": "engineering" }),
            "{}",
            r["type"]
        );
    }
    assert_eq!(t["parameters"]["location"]["defaultValue"], "eastus");
    assert!(
        t["outputs"]["apiBaseUrl"]["value"]
            .as_str()
            .unwrap()
            .contains("defaultHostName")
    );
    assert!(
        t["outputs"]["cosmosEndpoint"]["value"]
            .as_str()
            .unwrap()
            .contains("documentEndpoint")
    );
}

#[test]
fn the_order_processor_has_its_own_app_and_plan_beside_the_api() {
    let t = template("prod");
    let site = named(&t, "Microsoft.Web/sites", "orderProcessorAppName");
    assert_eq!(
        site["properties"]["functionAppConfig"]["scaleAndConcurrency"],
        json!({ "maximumInstanceCount": 100, "instanceMemoryMB": 2048 })
    );
    named(&t, "Microsoft.Web/serverfarms", "orderProcessorPlanName");
    assert_eq!(
        t["variables"]["orderProcessorAppName"],
        "[format('func-shop-prod-order-processor-{0}', parameters('nameSuffix'))]"
    );
    assert_eq!(
        t["variables"]["orderProcessorPlanName"],
        "asp-shop-prod-order-processor"
    );
    // Both deployment containers exist in the one storage account, beside the queues.
    let blob = one(&t, "Microsoft.Storage/storageAccounts/blobServices");
    let containers: Vec<&str> = blob["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(containers, ["app-package-api", "app-package-order-processor"]);
    let queues = one(&t, "Microsoft.Storage/storageAccounts/queueServices");
    let mut names: Vec<&str> = queues["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["notifications", "notifications-poison", "orders", "orders-poison"]
    );
}

#[test]
fn plans_validate_clean_and_unknown_environments_are_refused() {
    for env in ["dev", "staging", "prod"] {
        let report = ApiBackend::plan(env).unwrap().validate();
        assert!(report.errors.is_empty(), "{env}: {:?}", report.errors);
        assert!(report.warnings.is_empty(), "{env}: {:?}", report.warnings);
    }
    let err = ApiBackend::plan("production").unwrap_err();
    assert_eq!(err.diagnostics[0].code.as_str(), "ATK0401");
    assert_eq!(err.diagnostics[0].help.as_deref(), Some("did you mean `prod`?"));
}

#[test]
fn registry_lists_everything_linked() {
    let _ = ApiBackend::spec();
    let backends: Vec<&str> = atakora::registry::backends()
        .iter()
        .map(|b| b.type_name.as_ref())
        .collect();
    assert_eq!(backends, ["ApiBackend"]);
    let crud: Vec<&str> = atakora::registry::crud_apis()
        .iter()
        .map(|c| c.type_name.as_ref())
        .collect();
    assert_eq!(crud, ["CatalogItem", "Order", "Product", "User"]);
    let apps: Vec<&str> = atakora::registry::functions_apps()
        .iter()
        .map(|c| c.type_name.as_ref())
        .collect();
    assert_eq!(apps, ["OrderProcessor"]);
    assert_eq!(atakora::registry::backend("api-backend").unwrap().app, "shop");
}

#[test]
fn manifest_estimates_provisioned_throughput_cost() {
    // prod: 400 RU/s shared + 4000 dedicated = 4400 RU/s x $0.008 per 100 RU/s-hour x 730 h.
    let m = ApiBackend::plan("prod").unwrap().manifest();
    assert_eq!(
        m["estimatedMonthlyCost"]["cosmosProvisionedThroughput"],
        json!({ "min": 256.96, "max": 256.96 })
    );
    let dev = ApiBackend::plan("dev").unwrap().manifest();
    assert_eq!(
        dev["estimatedMonthlyCost"]["cosmosProvisionedThroughput"]["max"],
        json!(46.72)
    );
    assert_eq!(m["tier"], "production");
    assert!(
        m["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "cosno-shop-prod-{suffix}")
    );
}

#[test]
fn the_api_app_validates_entra_id_tokens_of_the_deployment_s_tenant() {
    use atakora::testing::app_setting;
    for env in ["dev", "staging", "prod"] {
        let t = template(env);
        let site = api_site(&t);
        assert_eq!(
            app_setting(site, "ATAKORA_AUTH_ISSUER"),
            Some(&json!(
                "[format('https://login.microsoftonline.com/{0}/v2.0', subscription().tenantId)]"
            ))
        );
        assert_eq!(
            app_setting(site, "ATAKORA_AUTH_AUDIENCE"),
            Some(&json!("[parameters('apiAudience')]"))
        );
        // The key set is the issuer's own (OpenID discovery): no setting points elsewhere.
        assert_eq!(app_setting(site, "ATAKORA_AUTH_JWKS"), None);
        let p = &t["parameters"]["apiAudience"];
        assert_eq!(p["type"], "string");
        assert_eq!(p["defaultValue"], "api://shop-api");
        assert_eq!(p["minLength"], 1);
        assert!(
            p["metadata"]["description"]
                .as_str()
                .unwrap()
                .contains("application ID URI")
        );
    }
    // The functions app takes no callers' tokens: it has no such settings.
    let t = template("dev");
    let processor = named(&t, "Microsoft.Web/sites", "orderProcessorAppName");
    assert_eq!(app_setting(processor, "ATAKORA_AUTH_ISSUER"), None);
    assert_eq!(app_setting(processor, "ATAKORA_AUTH_AUDIENCE"), None);
}

#[test]
fn the_manifest_lists_every_operation_s_role_and_isolation() {
    let m = ApiBackend::plan("dev").unwrap().manifest();
    let c = &m["callers"];
    assert_eq!(c["mode"], "entra");
    assert_eq!(
        c["issuer"],
        "[format('https://login.microsoftonline.com/{0}/v2.0', subscription().tenantId)]"
    );
    assert_eq!(
        c["audience"],
        "the `apiAudience` template parameter, default `api://shop-api`"
    );
    let ops = c["operations"].as_array().unwrap();
    // users, products, orders: five operations each; the catalogue: read and list.
    assert_eq!(ops.len(), 17);
    let op = |component: &str, operation: &str| {
        ops.iter()
            .find(|o| o["component"] == component && o["operation"] == operation)
            .unwrap_or_else(|| panic!("no {component} {operation}"))
    };
    assert_eq!(
        op("orders", "delete"),
        &json!({ "component": "orders", "operation": "delete", "role": "Orders.Admin", "owner": "userId", "tenant": null })
    );
    assert_eq!(
        op("orders", "list"),
        &json!({ "component": "orders", "operation": "list", "role": null, "owner": "userId", "tenant": null })
    );
    assert_eq!(
        op("users", "read"),
        &json!({ "component": "users", "operation": "read", "role": null, "owner": null, "tenant": "tenantId" })
    );
    for write in ["create", "update", "delete"] {
        assert_eq!(op("products", write)["role"], "Catalog.Write");
    }
    assert_eq!(op("products", "read")["role"], Value::Null);
    assert_eq!(op("catalog", "list")["role"], Value::Null);
    assert!(
        ops.iter()
            .all(|o| o["component"] != "catalog" || ["read", "list"].contains(&o["operation"].as_str().unwrap()))
    );
}
