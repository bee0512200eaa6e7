//! Monitoring: the Log Analytics workspace and workspace-based Application Insights, and the
//! telemetry settings of every app.

use crate::api_versions::{APP_INSIGHTS, LOG_ANALYTICS};
use crate::arm::{expr, tags};
use crate::emit::{Emit, Section, Slot};
use crate::refs::Refs;
use atakora_core::Plan;
use serde_json::json;

pub(crate) fn emit(plan: &Plan, refs: &Refs, out: &mut Emit) {
    let (Some(m), Some(workspace), Some(insights)) = (&plan.monitoring, &refs.workspace, &refs.insights) else {
        return;
    };
    out.resource(
        Section::Monitoring,
        json!({
            "type": "Microsoft.OperationalInsights/workspaces",
            "apiVersion": LOG_ANALYTICS,
            "name": workspace.value(),
            "location": "[parameters('location')]",
            "tags": tags(plan),
            "properties": {
                "sku": { "name": "PerGB2018" },
                "retentionInDays": m.retention_days,
                // Entra ID only: no shared-key ingestion or queries.
                "features": { "disableLocalAuth": true }
            }
        }),
    );
    out.resource(
        Section::Monitoring,
        json!({
            "type": "Microsoft.Insights/components",
            "apiVersion": APP_INSIGHTS,
            "name": insights.value(),
            "location": "[parameters('location')]",
            "tags": tags(plan),
            "kind": "web",
            "properties": {
                "Application_Type": "web",
                "WorkspaceResourceId": expr(workspace.id()),
                "SamplingPercentage": m.sampling_percentage,
                // Telemetry only with an Entra ID token (the apps get Monitoring Metrics Publisher).
                "DisableLocalAuth": true
            },
            "dependsOn": [expr(workspace.id())]
        }),
    );
    for app in &plan.function_apps {
        let wiring = out.app(&app.key);
        wiring.setting(
            Slot::Telemetry,
            "APPLICATIONINSIGHTS_CONNECTION_STRING",
            expr(format!(
                "reference({}, '{APP_INSIGHTS}').ConnectionString",
                insights.id()
            )),
        );
        // The component refuses unauthenticated telemetry: the host signs in with the app's
        // user-assigned identity.
        wiring.setting(
            Slot::Telemetry,
            "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
            expr(format!(
                "format('ClientId={{0}};Authorization=AAD', {})",
                refs.app(plan, app).client_id()
            )),
        );
        wiring.depends_on(Slot::Telemetry, &insights.id());
    }
}
