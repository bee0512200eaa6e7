//! Compute: one Flex Consumption plan and Function App per app (Flex allows one app per plan),
//! Linux, Rust custom handler, system-assigned identity. Runs last: each site is rendered with
//! the settings, dependencies and properties the other families contributed to its wiring.

use crate::api_versions::WEB;
use crate::arm::{camel, expr, tags, with_skips};
use crate::emit::{AppWiring, Emit, Section, Slot};
use crate::refs::{AppRef, Refs};
use atakora_core::Plan;
use atakora_core::contract::{API_PREFIX, settings};
use atakora_core::plan::{AppRole, Callers, FunctionApp};
use serde_json::{Value, json};

pub(crate) fn emit(plan: &Plan, refs: &Refs, out: &mut Emit) {
    let prod = plan.tier.is_production();
    for app in &plan.function_apps {
        let r = refs.app(plan, app);
        let skips: &[(&str, &str)] = if prod {
            &[]
        } else {
            &[(
                "CKV_AZURE_225",
                "Non-production environment: a zone-redundant Flex Consumption plan keeps at least two always-ready instances per function group, billed around the clock; production environments set zoneRedundant.",
            )]
        };
        out.resource(
            Section::Compute,
            with_skips(
                json!({
                    "type": "Microsoft.Web/serverfarms",
                    "apiVersion": WEB,
                    "name": r.plan.value(),
                    "location": "[parameters('location')]",
                    "tags": tags(plan),
                    "kind": "functionapp",
                    "sku": { "name": "FC1", "tier": "FlexConsumption" },
                    "properties": { "reserved": true, "zoneRedundant": prod }
                }),
                skips,
            ),
        );
        let mut wiring = out.take_app(&app.key);
        if app.role_is_crud()
            && let Callers::Entra { audience, .. } = &plan.callers
        {
            callers(&mut wiring, &mut out.parameters, audience.as_deref());
        }
        if let Some(host_id) = &app.host_id {
            // Apps sharing the storage account must not share a host id (see resolve).
            wiring.setting(Slot::HostId, "AzureFunctionsWebHost__hostid", host_id.clone());
        }
        wiring.depends_on(Slot::App, &r.plan.id());
        out.resource(Section::Compute, site(plan, app, r, wiring));
        out.output(
            Slot::App,
            r.site.key.clone(),
            json!({ "type": "string", "value": r.site.value() }),
        );
        let host = format!("reference({}, '{WEB}').defaultHostName", r.site.id());
        match &app.role {
            AppRole::CrudApis { .. } => out.output(
                Slot::App,
                "apiBaseUrl",
                json!({ "type": "string", "value": expr(format!("format('https://{{0}}/{API_PREFIX}', {host})")) }),
            ),
            AppRole::FunctionsApp { .. } => out.output(
                Slot::App,
                format!("{}HostName", camel(&app.key)),
                json!({ "type": "string", "value": expr(&host) }),
            ),
        }
    }
}

/// The template parameter of the CRUD APIs' token audience.
pub const AUDIENCE_PARAMETER: &str = "apiAudience";

/// The Entra ID token issuer of the deployment's tenant (v2.0 tokens).
pub const ISSUER_EXPRESSION: &str = "[format('https://login.microsoftonline.com/{0}/v2.0', subscription().tenantId)]";

/// The CRUD APIs validate Entra ID tokens themselves: of the deployment's tenant, for the
/// `apiAudience` parameter (default: `auth(entra(audience))`; else it must be given).
fn callers(
    wiring: &mut crate::emit::AppWiring,
    parameters: &mut serde_json::Map<String, Value>,
    audience: Option<&str>,
) {
    let mut parameter = json!({
        "type": "string",
        "minLength": 1,
        "metadata": { "description": "The audience (aud) of the Entra ID access tokens the CRUD APIs accept: the API app registration's application ID URI or client id; several separated by commas." }
    });
    if let Some(a) = audience {
        parameter["defaultValue"] = json!(a);
    }
    parameters.insert(AUDIENCE_PARAMETER.into(), parameter);
    wiring.setting(Slot::Callers, settings::AUTH_ISSUER, ISSUER_EXPRESSION);
    wiring.setting(
        Slot::Callers,
        settings::AUTH_AUDIENCE,
        format!("[parameters('{AUDIENCE_PARAMETER}')]"),
    );
}

fn site(plan: &Plan, app: &FunctionApp, r: &AppRef, wiring: AppWiring) -> Value {
    let mut scale = json!({ "maximumInstanceCount": app.max_instances, "instanceMemoryMB": app.memory_mb });
    let mut always_ready = Vec::new();
    if app.always_ready > 0 {
        always_ready.push(json!({ "name": "http", "instanceCount": app.always_ready }));
    }
    always_ready.extend(wiring.always_ready.iter().cloned());
    if !always_ready.is_empty() {
        scale["alwaysReady"] = Value::Array(always_ready);
    }
    if let Some(n) = app.http_concurrency {
        scale["triggers"] = json!({ "http": { "perInstanceConcurrency": n } });
    }
    let policy = |kind: &str| {
        json!({
            "type": "basicPublishingCredentialsPolicies",
            "apiVersion": WEB,
            "name": kind,
            "properties": { "allow": false },
            "dependsOn": [expr(r.site.id())]
        })
    };
    let mut properties = json!({
        "serverFarmId": expr(r.plan.id()),
        "httpsOnly": plan.enforce_https,
        "publicNetworkAccess": "Enabled",
        "functionAppConfig": {
            "deployment": { "storage": wiring.deployment_storage.clone().unwrap_or(Value::Null) },
            "scaleAndConcurrency": scale,
            "runtime": { "name": "custom", "version": "1.0" }
        },
        "siteConfig": {
            "minTlsVersion": "1.2",
            "http20Enabled": true,
            "appSettings": wiring.settings()
        }
    });
    // The Functions front end answers CORS preflight requests itself, for these origins only.
    if !app.cors_origins.is_empty() {
        properties["siteConfig"]["cors"] = json!({ "allowedOrigins": app.cors_origins, "supportCredentials": false });
    }
    for (k, v) in &wiring.properties {
        properties[k] = v.clone();
    }
    let health = if plan.availability_tests.is_empty() {
        "App Service Health check is not available on the Flex Consumption plan (Microsoft Learn: Azure Functions, Monitor function apps using Health check); failures and latency are watched by metric alerts when alerting is declared."
    } else {
        "App Service Health check is not available on the Flex Consumption plan (Microsoft Learn: Azure Functions, Monitor function apps using Health check); the declared health_check is probed by an Application Insights standard availability test with its alert instead."
    };
    let skips: [(&str, &str); 5] = [
        (
            "CKV_AZURE_17",
            "HTTP API called by browsers and services that authenticate with Entra ID bearer tokens; requiring TLS client certificates (mutual TLS) would reject every such caller.",
        ),
        (
            "CKV_AZURE_78",
            "Flex Consumption has no FTP/FTPS endpoint: siteConfig.ftpsState is a deprecated Flex property. FTP and SCM basic-auth publishing are disabled by the ftp/scm basicPublishingCredentialsPolicies.",
        ),
        (
            "CKV_AZURE_212",
            "Flex Consumption has no fixed worker count (siteConfig.numberOfWorkers is a Dedicated-plan setting); instances scale with load up to scaleAndConcurrency.maximumInstanceCount, and production plans are zone-redundant.",
        ),
        ("CKV_AZURE_213", health),
        (
            "CKV_AZURE_222",
            "The Function App is the backend's HTTPS endpoint and must take inbound requests; its data services are locked to Entra ID auth (and, with networking(isolated(...)), to the VNet).",
        ),
    ];
    with_skips(
        json!({
            "type": "Microsoft.Web/sites",
            "apiVersion": WEB,
            "name": r.site.value(),
            "location": "[parameters('location')]",
            "tags": tags(plan),
            "kind": "functionapp,linux",
            // The app's own identity, created (and granted its roles) before the app.
            "identity": { "type": "UserAssigned", "userAssignedIdentities": { expr(r.identity.id()).as_str().unwrap_or_default(): {} } },
            "properties": properties,
            "dependsOn": wiring.depends(),
            // No username/password publishing over FTP or to the SCM site.
            "resources": [policy("ftp"), policy("scm")]
        }),
        &skips,
    )
}
