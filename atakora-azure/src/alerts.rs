//! Alerts: the action group, per-app server-error and latency alerts, availability tests with
//! their alerts, and the autoscale RU-consumption alert.

use crate::api_versions::{ACTION_GROUPS, METRIC_ALERTS, SCHEDULED_QUERY_RULES, WEB, WEBTESTS};
use crate::arm::{expr, resource_id, tags};
use crate::emit::{Emit, Section};
use crate::refs::Refs;
use atakora_core::Plan;
use atakora_core::naming::ResourceName;
use serde_json::{Map, Value, json};

fn action_group_id(plan: &Plan) -> Option<String> {
    let g = plan.alerts.as_ref()?.action_group.as_ref()?;
    Some(resource_id(
        "Microsoft.Insights/actionGroups",
        &[format!("'{}'", g.name.base)],
    ))
}

fn metric_alert(
    plan: &Plan,
    name: &ResourceName,
    description: String,
    severity: u32,
    scopes: Vec<Value>,
    criteria: Value,
    mut depends: Vec<Value>,
) -> Value {
    let actions: Vec<Value> = action_group_id(plan)
        .map(|id| json!({ "actionGroupId": expr(&id) }))
        .into_iter()
        .collect();
    if let Some(id) = action_group_id(plan) {
        depends.push(expr(id));
    }
    json!({
        "type": "Microsoft.Insights/metricAlerts",
        "apiVersion": METRIC_ALERTS,
        "name": name.base,
        "location": "global",
        "tags": tags(plan),
        "properties": {
            "description": description,
            "severity": severity,
            "enabled": true,
            "scopes": scopes,
            "evaluationFrequency": "PT1M",
            "windowSize": "PT5M",
            "criteria": criteria,
            "autoMitigate": true,
            "actions": actions
        },
        "dependsOn": depends
    })
}

fn static_criterion(name: &str, namespace: &str, metric: &str, threshold: Value, aggregation: &str) -> Value {
    json!({
        "odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
        "allOf": [{
            "name": name,
            "criterionType": "StaticThresholdCriterion",
            "metricNamespace": namespace,
            "metricName": metric,
            "operator": "GreaterThan",
            "threshold": threshold,
            "timeAggregation": aggregation
        }]
    })
}

pub(crate) fn emit(plan: &Plan, refs: &Refs, out: &mut Emit) {
    if let Some(a) = &plan.alerts {
        if let Some(g) = &a.action_group {
            out.resource(
                Section::Alerts,
                json!({
                    "type": "Microsoft.Insights/actionGroups",
                    "apiVersion": ACTION_GROUPS,
                    "name": g.name.base,
                    "location": "global",
                    "tags": tags(plan),
                    "properties": {
                        "groupShortName": g.short_name,
                        "enabled": true,
                        "emailReceivers": [{ "name": "ops-email", "emailAddress": g.email, "useCommonAlertSchema": true }]
                    }
                }),
            );
        }
        // Flex Consumption apps publish no `Http5xx` or `HttpResponseTime` metrics: both alerts
        // read the requests the Functions host reports to Application Insights, filtered to
        // the app by its role name (the site's name).
        let Some(insights) = &refs.insights else {
            return;
        };
        for p in &a.per_app {
            let Some(app) = plan.app(&p.app_key) else {
                continue;
            };
            let site = refs.app(plan, app).site.var();
            out.resource(
                Section::Alerts,
                server_errors(plan, &p.errors, app, a.error_threshold, &insights.id(), &site),
            );
            out.resource(
                Section::Alerts,
                metric_alert(
                    plan,
                    &p.latency,
                    format!(
                        "Average response time of `{}` above {} ms over 5 minutes.",
                        app.name, a.latency_threshold_ms
                    ),
                    2,
                    vec![expr(insights.id())],
                    json!({
                        "odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                        "allOf": [{
                            "name": "latency",
                            "criterionType": "StaticThresholdCriterion",
                            "metricNamespace": "microsoft.insights/components",
                            // Milliseconds, as the user gave the threshold.
                            "metricName": "requests/duration",
                            "dimensions": [{ "name": "cloud/roleName", "operator": "Include", "values": [expr(&site)] }],
                            "operator": "GreaterThan",
                            "threshold": a.latency_threshold_ms,
                            "timeAggregation": "Average"
                        }]
                    }),
                    vec![expr(insights.id())],
                ),
            );
        }
    }
    availability_tests(plan, refs, out);
    if let Some(a) = &plan.autoscale_alert {
        for (i, name) in &a.per_account {
            let account = refs.cosmos[*i].id();
            out.resource(
                Section::Alerts,
                metric_alert(
                    plan,
                    name,
                    format!(
                        "Normalized RU consumption above {}%: autoscale is near its maximum.",
                        a.target_utilization
                    ),
                    2,
                    vec![expr(&account)],
                    static_criterion(
                        "ru",
                        "Microsoft.DocumentDB/databaseAccounts",
                        "NormalizedRUConsumption",
                        json!(a.target_utilization),
                        "Maximum",
                    ),
                    vec![expr(&account)],
                ),
            );
        }
    }
}

/// A log search alert: more than `threshold` requests answered 5xx by `app` in 5 minutes.
fn server_errors(
    plan: &Plan,
    name: &ResourceName,
    app: &atakora_core::plan::FunctionApp,
    threshold: u32,
    insights: &str,
    site: &str,
) -> Value {
    let actions: Vec<Value> = action_group_id(plan).map(|id| expr(&id)).into_iter().collect();
    let mut depends = vec![expr(insights)];
    if let Some(id) = action_group_id(plan) {
        depends.push(expr(id));
    }
    json!({
        "type": "Microsoft.Insights/scheduledQueryRules",
        "apiVersion": SCHEDULED_QUERY_RULES,
        "name": name.base,
        "location": "[parameters('location')]",
        "tags": tags(plan),
        "kind": "LogAlert",
        "properties": {
            "displayName": name.base,
            "description": format!("More than {threshold} HTTP 5xx responses from `{}` in 5 minutes.", app.name),
            "severity": 1,
            "enabled": true,
            "scopes": [expr(insights)],
            "evaluationFrequency": "PT5M",
            "windowSize": "PT5M",
            "criteria": {
                "allOf": [{
                    "query": expr(format!("format('requests | where cloud_RoleName =~ ''{{0}}'' and toint(resultCode) >= 500', {site})")),
                    "timeAggregation": "Count",
                    "operator": "GreaterThan",
                    "threshold": threshold,
                    "failingPeriods": { "numberOfEvaluationPeriods": 1, "minFailingPeriodsToAlert": 1 }
                }]
            },
            "autoMitigate": true,
            "actions": { "actionGroups": actions }
        },
        "dependsOn": depends
    })
}

fn availability_tests(plan: &Plan, refs: &Refs, out: &mut Emit) {
    let (Some(api), Some(insights)) = (plan.api_app(), &refs.insights) else {
        return;
    };
    let insights = insights.id();
    let app_id = refs.app(plan, api).site.id();
    for t in &plan.availability_tests {
        let test_id = resource_id("Microsoft.Insights/webtests", &[format!("'{}'", t.name.base)]);
        let mut test_tags = Map::new();
        // Ties the test to its Application Insights component (required by the service).
        test_tags.insert(format!("[format('hidden-link:{{0}}', {insights})]"), json!("Resource"));
        if let Value::Object(ours) = tags(plan) {
            test_tags.extend(ours);
        }
        out.resource(
            Section::Alerts,
            json!({
                "type": "Microsoft.Insights/webtests",
                "apiVersion": WEBTESTS,
                "name": t.name.base,
                "location": "[parameters('location')]",
                "tags": test_tags,
                "kind": "standard",
                "properties": {
                    "SyntheticMonitorId": t.name.base,
                    "Name": t.name.base,
                    "Description": format!("Health probe of `{}`: GET {}", t.component, t.path),
                    "Enabled": true,
                    "Frequency": t.frequency,
                    "Timeout": t.timeout,
                    "Kind": "standard",
                    "RetryEnabled": true,
                    "Locations": t.locations.iter().map(|l| json!({ "Id": l })).collect::<Vec<_>>(),
                    "Request": {
                        "RequestUrl": expr(format!("format('https://{{0}}{}', reference({app_id}, '{WEB}').defaultHostName)", t.path)),
                        "HttpVerb": "GET",
                        "ParseDependentRequests": false
                    },
                    "ValidationRules": { "ExpectedHttpStatusCode": 200, "SSLCheck": true, "SSLCertRemainingLifetimeCheck": 7 }
                },
                "dependsOn": [expr(&insights), expr(&app_id)]
            }),
        );
        out.resource(
            Section::Alerts,
            metric_alert(
                plan,
                &t.alert,
                format!(
                    "The health probe of `{}` failed in {} or more locations.",
                    t.component, t.failed_locations
                ),
                1,
                vec![expr(&test_id), expr(&insights)],
                json!({
                    "odata.type": "Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria",
                    "webTestId": expr(&test_id),
                    "componentId": expr(&insights),
                    "failedLocationCount": t.failed_locations
                }),
                vec![expr(&test_id), expr(&insights)],
            ),
        );
    }
}
