//! Monitoring: Log Analytics workspace and workspace-based Application Insights.

use crate::api_versions::{APP_INSIGHTS, LOG_ANALYTICS};
use crate::arm::{expr, resource_id, tags, var, var_value};
use atakora_core::Plan;
use serde_json::{Value, json};

pub(crate) const WORKSPACE: &str = "logAnalyticsName";
pub(crate) const INSIGHTS: &str = "appInsightsName";

pub(crate) fn insights_id() -> String {
    resource_id("Microsoft.Insights/components", &[var(INSIGHTS)])
}

pub(crate) fn resources(plan: &Plan) -> Vec<Value> {
    let Some(m) = &plan.monitoring else {
        return Vec::new();
    };
    let workspace_id = resource_id("Microsoft.OperationalInsights/workspaces", &[var(WORKSPACE)]);
    vec![
        json!({
            "type": "Microsoft.OperationalInsights/workspaces",
            "apiVersion": LOG_ANALYTICS,
            "name": var_value(WORKSPACE),
            "location": "[parameters('location')]",
            "tags": tags(plan),
            "properties": {
                "sku": { "name": "PerGB2018" },
                "retentionInDays": m.retention_days,
                // Entra ID only: no shared-key ingestion or queries.
                "features": { "disableLocalAuth": true }
            }
        }),
        json!({
            "type": "Microsoft.Insights/components",
            "apiVersion": APP_INSIGHTS,
            "name": var_value(INSIGHTS),
            "location": "[parameters('location')]",
            "tags": tags(plan),
            "kind": "web",
            "properties": {
                "Application_Type": "web",
                "WorkspaceResourceId": expr(&workspace_id),
                "SamplingPercentage": m.sampling_percentage,
                // Telemetry only with an Entra ID token (the apps get Monitoring Metrics Publisher).
                "DisableLocalAuth": true
            },
            "dependsOn": [expr(&workspace_id)]
        }),
    ]
}
