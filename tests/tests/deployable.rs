//! What a real Azure deployment needs beyond the schemas and checkov: one test per property
//! the templates set for it (alerts that exist on Flex, a stable identity granted before the
//! app starts, explicit subnet egress, the `Microsoft.App` prerequisite, a recreatable Key
//! Vault, web-test timeouts, the Redis clustering policy, Flex's instance limits).

use atakora::Backend;
use atakora::testing::{app_setting, resource, resources};
use atakora_example_health_checks::HealthCheckedBackend;
use atakora_example_keys_in_key_vault::LegacyKeysBackend;
use atakora_example_monitoring::MonitoredBackend;
use atakora_example_security_boundaries::{InternalToolsBackend, PrivateRecordsBackend};
use atakora_example_shop::ApiBackend;
use serde_json::Value;

fn template<B: Backend>(env: &str) -> Value {
    B::plan(env).unwrap().to_arm()
}

fn codes<B: Backend>(env: &str) -> Vec<&'static str> {
    let report = B::plan(env).unwrap().validate();
    report
        .errors
        .iter()
        .chain(&report.warnings)
        .map(|d| d.code.as_str())
        .collect()
}

#[test]
fn alerts_read_application_insights_not_metrics_flex_does_not_publish() {
    let t = template::<MonitoredBackend>("prod");
    let text = serde_json::to_string(&t).unwrap();
    assert!(
        !text.contains("Http5xx") && !text.contains("HttpResponseTime"),
        "no App Service metric"
    );
    // Server errors: a log search alert over the app's requests, at the user's threshold.
    let errors = resource(&t, "Microsoft.Insights/scheduledQueryRules");
    let c = &errors["properties"]["criteria"]["allOf"][0];
    let query = c["query"].as_str().unwrap();
    assert!(
        query.contains("requests | where cloud_RoleName =~ ''{0}'' and toint(resultCode) >= 500"),
        "{query}"
    );
    assert!(
        query.contains("variables('apiAppName')"),
        "filtered to the app: {query}"
    );
    assert_eq!(c["threshold"], 5);
    assert_eq!(c["operator"], "GreaterThan");
    assert_eq!(errors["properties"]["windowSize"], "PT5M");
    assert_eq!(
        errors["properties"]["scopes"][0],
        "[resourceId('Microsoft.Insights/components', variables('appInsightsName'))]"
    );
    assert!(
        errors["properties"]["actions"]["actionGroups"][0]
            .as_str()
            .unwrap()
            .contains("actionGroups")
    );
    // Latency: the requests' average duration, in milliseconds, on the component.
    let latency = resource(&t, "Microsoft.Insights/metricAlerts");
    let c = &latency["properties"]["criteria"]["allOf"][0];
    assert_eq!(c["metricNamespace"], "microsoft.insights/components");
    assert_eq!(c["metricName"], "requests/duration");
    assert_eq!(c["timeAggregation"], "Average");
    assert_eq!(c["threshold"], 1000);
    assert_eq!(c["dimensions"][0]["name"], "cloud/roleName");
    assert_eq!(c["dimensions"][0]["values"][0], "[variables('apiAppName')]");
}

/// The nested deployment holding an app's role assignments.
fn access<'a>(t: &'a Value, site: &Value) -> &'a Value {
    let name = site["dependsOn"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find_map(|d| d.strip_prefix("[resourceId('Microsoft.Resources/deployments', '"))
        .map(|d| d.trim_end_matches("')]").to_string())
        .expect("the app waits for its access deployment");
    resources(t, "Microsoft.Resources/deployments")
        .into_iter()
        .find(|d| d["name"] == name.as_str())
        .expect("the access deployment exists")
}

#[test]
fn every_app_has_a_stable_identity_granted_before_it_starts() {
    for t in [
        template::<ApiBackend>("prod"),
        template::<ApiBackend>("dev"),
        template::<LegacyKeysBackend>("dev"),
    ] {
        let identities = resources(&t, "Microsoft.ManagedIdentity/userAssignedIdentities");
        for site in resources(&t, "Microsoft.Web/sites") {
            let identity = site["identity"]["userAssignedIdentities"].as_object().unwrap();
            assert_eq!(site["identity"]["type"], "UserAssigned");
            assert_eq!(identity.len(), 1);
            let id = identity.keys().next().unwrap();
            assert!(identities.iter().any(|i| {
                id.contains(
                    i["name"]
                        .as_str()
                        .unwrap()
                        .trim_start_matches("[variables('")
                        .trim_end_matches("')]"),
                )
            }));
            assert_eq!(site["properties"]["keyVaultReferenceIdentity"], id.as_str());
            let deps: Vec<&str> = site["dependsOn"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert!(deps.contains(&id.as_str()), "the identity exists before the app");
            // The access deployment: after the identity, before the app; every assignment in it is
            // named from the identity's principal and given to it.
            let a = access(&t, site);
            assert!(a["dependsOn"].as_array().unwrap().iter().any(|d| d == id.as_str()));
            let principal = a["properties"]["parameters"]["access"]["value"]["principalId"]
                .as_str()
                .unwrap();
            assert!(
                principal.contains(id.trim_start_matches('[').trim_end_matches(']'))
                    && principal.ends_with(".principalId]")
            );
            let inner = a["properties"]["template"]["resources"].as_array().unwrap();
            assert!(!inner.is_empty());
            for r in inner {
                let name = r["name"].as_str().unwrap();
                assert!(
                    name.contains("parameters('access').principalId"),
                    "named from the principal: {name}"
                );
                assert_eq!(r["properties"]["principalId"], "[parameters('access').principalId]");
            }
            let settings = |n| app_setting(site, n).cloned();
            if settings("AzureWebJobsStorage__accountName").is_some() {
                assert_eq!(settings("AzureWebJobsStorage__credential").unwrap(), "managedidentity");
                assert!(
                    settings("AzureWebJobsStorage__clientId")
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .ends_with(".clientId]")
                );
                let auth = &site["properties"]["functionAppConfig"]["deployment"]["storage"]["authentication"];
                assert_eq!(auth["type"], "UserAssignedIdentity");
                assert_eq!(auth["userAssignedIdentityResourceId"], id.as_str());
            }
            let telemetry = settings("APPLICATIONINSIGHTS_AUTHENTICATION_STRING").unwrap();
            assert!(
                telemetry
                    .as_str()
                    .unwrap()
                    .starts_with("[format('ClientId={0};Authorization=AAD'")
            );
            assert!(
                settings("AZURE_CLIENT_ID")
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .ends_with(".clientId]")
            );
        }
        // No role assignment is left at the top level, where its name could not use a principal.
        assert!(resources(&t, "Microsoft.Authorization/roleAssignments").is_empty());
        assert!(resources(&t, "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments").is_empty());
    }
    // The CRUD API reaches Cosmos DB with the same identity.
    let t = template::<ApiBackend>("dev");
    let api = resources(&t, "Microsoft.Web/sites")
        .into_iter()
        .find(|s| s["name"] == "[variables('apiAppName')]")
        .unwrap();
    assert_eq!(app_setting(api, "COSMOS__credential").unwrap(), "managedidentity");
    assert!(
        app_setting(api, "COSMOS__clientId")
            .unwrap()
            .as_str()
            .unwrap()
            .ends_with(".clientId]")
    );
}

#[test]
fn access_deployments_run_one_after_another() {
    // Cosmos DB locks an account for each role-assignment write: two apps' deployments in a row.
    let t = template::<ApiBackend>("prod");
    let deployments = resources(&t, "Microsoft.Resources/deployments");
    assert!(deployments.len() >= 2);
    for (i, d) in deployments.iter().enumerate().skip(1) {
        let previous = deployments[i - 1]["name"].as_str().unwrap();
        assert!(
            d["dependsOn"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x.as_str().unwrap().contains(previous)),
            "{} waits for {previous}",
            d["name"]
        );
    }
}

#[test]
fn subnets_say_whether_they_reach_the_internet() {
    for t in [
        template::<PrivateRecordsBackend>("prod"),
        template::<InternalToolsBackend>("dev"),
    ] {
        let vnet = resource(&t, "Microsoft.Network/virtualNetworks");
        let subnets = vnet["properties"]["subnets"].as_array().unwrap();
        assert_eq!(
            subnets[0]["properties"]["defaultOutboundAccess"], true,
            "the apps reach Application Insights and Entra ID"
        );
        assert_eq!(
            subnets[1]["properties"]["defaultOutboundAccess"], false,
            "private endpoints only receive"
        );
    }
}

#[test]
fn isolated_networking_warns_about_the_microsoft_app_provider() {
    assert!(codes::<PrivateRecordsBackend>("prod").contains(&"ATK0911"));
    assert!(codes::<InternalToolsBackend>("dev").contains(&"ATK0911"));
    assert!(!codes::<ApiBackend>("prod").contains(&"ATK0911"));
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/deploy.md")).unwrap();
    assert!(docs.contains("az provider register --namespace Microsoft.App"));
}

#[test]
fn key_vault_can_be_recreated_and_production_keeps_deleted_secrets_longer() {
    for (env, days) in [("dev", 7), ("prod", 90)] {
        let t = template::<LegacyKeysBackend>(env);
        let vault = resource(&t, "Microsoft.KeyVault/vaults");
        assert_eq!(vault["properties"]["softDeleteRetentionInDays"], days, "{env}");
        assert_eq!(vault["properties"]["enablePurgeProtection"], true, "{env}");
    }
}

#[test]
fn web_tests_use_timeouts_the_service_accepts_and_probe_the_root_health_path() {
    let t = template::<HealthCheckedBackend>("prod");
    let test = resource(&t, "Microsoft.Insights/webtests");
    // Declared 10 s: rounded up to 30, the shortest a standard test allows.
    assert_eq!(test["properties"]["Timeout"], 30);
    assert_eq!(test["properties"]["Frequency"], 300);
    let url = test["properties"]["Request"]["RequestUrl"].as_str().unwrap();
    assert!(url.starts_with("[format('https://{0}/health', "), "{url}");
}

#[test]
fn redis_uses_the_enterprise_clustering_policy() {
    let t = template::<atakora_example_cached_catalog::CachedCatalogBackend>("prod");
    let db = resource(&t, "Microsoft.Cache/redisEnterprise/databases");
    assert_eq!(db["properties"]["clusteringPolicy"], "EnterpriseCluster");
    assert_eq!(db["properties"]["accessKeysAuthentication"], "Disabled");
}

#[test]
fn the_api_answers_declared_browser_origins_and_many_requests_per_instance() {
    let t = template::<atakora_example_cached_catalog::CachedCatalogBackend>("prod");
    let site = resource(&t, "Microsoft.Web/sites");
    assert_eq!(
        site["properties"]["siteConfig"]["cors"],
        serde_json::json!({ "allowedOrigins": ["https://shop.example.com", "http://localhost:5173"], "supportCredentials": false })
    );
    assert_eq!(
        site["properties"]["functionAppConfig"]["scaleAndConcurrency"]["triggers"]["http"]["perInstanceConcurrency"],
        atakora::contract::HTTP_CONCURRENCY
    );
    // Without `cors(...)`, no origin is answered.
    let t = template::<MonitoredBackend>("prod");
    assert!(
        resource(&t, "Microsoft.Web/sites")["properties"]["siteConfig"]
            .get("cors")
            .is_none()
    );
    // The availability test probes the path the runtime serves, as `contract` says.
    assert_eq!(atakora::contract::DEFAULT_HEALTH_PATH, "/health");
}

/// A zone-redundant (production) Flex plan keeps two always-ready instances per function group
/// whatever `always_ready` says: the estimate bills them there, and nowhere else.
#[test]
fn production_estimates_bill_the_zone_redundant_always_ready_minimum() {
    let basis = |env: &str| -> Vec<String> {
        let manifest = ApiBackend::plan(env).unwrap().manifest();
        manifest["estimatedMonthlyCost"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["type"] == "Microsoft.Web/sites")
            .map(|l| l["basis"].as_str().unwrap().to_string())
            .collect()
    };
    let prod = basis("prod");
    assert!(!prod.is_empty());
    for b in &prod {
        assert!(
            b.contains("2 always-ready instance(s) (the zone-redundant plan's minimum)"),
            "{b}"
        );
    }
    for b in basis("dev") {
        assert!(!b.contains("always-ready"), "dev has no always-ready floor: {b}");
    }
}
