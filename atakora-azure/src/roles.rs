//! Azure RBAC role assignments: the plan's control-plane grants (storage, telemetry, Key
//! Vault), each named from its scope, the app and the role. Cosmos DB and Redis grants are
//! emitted by their own families.

use crate::api_versions::{ROLE_ASSIGNMENTS, WEB};
use crate::arm::{expr, lit};
use crate::emit::{Emit, Section};
use crate::refs::{Ref, Refs};
use atakora_core::Plan;
use atakora_core::plan::{GrantScope, Name};
use serde_json::json;

pub(crate) fn emit(plan: &Plan, refs: &Refs, out: &mut Emit) {
    for g in &plan.grants {
        let scope: &Ref = match &g.scope {
            GrantScope::Storage => &refs.storage,
            GrantScope::Insights => refs.insights.as_ref().expect("a telemetry grant has insights"),
            GrantScope::KeyVault => refs.vault.as_ref().expect("a vault grant has a vault"),
            GrantScope::CosmosContainer { .. } | GrantScope::Redis => continue,
        };
        let Some(app) = plan.app(&g.app) else { continue };
        let app_id = refs.app(plan, app).site.id();
        let Name::Guid(parts) = &plan.named[g.id].name else {
            continue;
        };
        let guid = parts.iter().map(|p| refs.name_part(plan, p)).collect::<Vec<_>>().join(", ");
        out.resource(
            Section::Access,
            json!({
                "type": "Microsoft.Authorization/roleAssignments",
                "apiVersion": ROLE_ASSIGNMENTS,
                // Stable across redeployments: the app's resource id stands in for its principal id,
                // which is not known when names are evaluated.
                "name": expr(format!("guid({guid})")),
                "scope": expr(format!("format('{}/{{0}}', {})", scope.ty, scope.var())),
                "properties": {
                    "roleDefinitionId": expr(format!("subscriptionResourceId('Microsoft.Authorization/roleDefinitions', {})", lit(g.role.definition_id()))),
                    "principalId": expr(format!("reference({app_id}, '{WEB}', 'full').identity.principalId")),
                    // Avoids failures while a just-created identity replicates in Entra ID.
                    "principalType": "ServicePrincipal"
                },
                "dependsOn": [expr(scope.id()), expr(&app_id)]
            }),
        );
    }
}
