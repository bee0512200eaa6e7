//! Azure RBAC role assignments (storage, telemetry, Key Vault), and each app's access
//! deployment: a nested deployment that receives the app's identity's principal id and holds
//! every assignment of that identity — these, and those the Cosmos DB family contributes —
//! each named from the scope, the principal and the role. The app waits for it.

use crate::api_versions::{DEPLOYMENTS, ROLE_ASSIGNMENTS};
use crate::arm::{expr, lit};
use crate::emit::{Emit, Section, Slot};
use crate::refs::{PRINCIPAL_PARAMETER, Ref, Refs};
use crate::template::TEMPLATE_SCHEMA;
use atakora_core::Plan;
use atakora_core::plan::{GrantScope, Name};
use serde_json::{Map, Value, json};

pub(crate) fn emit(plan: &Plan, refs: &Refs, out: &mut Emit) {
    let inner = refs.inner();
    for g in &plan.grants {
        let whole = |outer: &Ref, scope: &Ref| (outer.id(), format!("format('{}/{{0}}', {})", scope.ty, scope.var()));
        let (depends, scope) = match &g.scope {
            GrantScope::Storage => whole(&refs.storage, &inner.storage),
            GrantScope::Insights => whole(
                refs.insights.as_ref().expect("a telemetry grant has insights"),
                inner.insights.as_ref().expect("a telemetry grant has insights"),
            ),
            GrantScope::KeyVault => whole(
                refs.vault.as_ref().expect("a vault grant has a vault"),
                inner.vault.as_ref().expect("a vault grant has a vault"),
            ),
            // One queue: the assignment's scope is the queue's path under the account.
            GrantScope::Queue { name } => (
                refs.queue_id(name),
                format!(
                    "format('{}/{{0}}/queueServices/default/queues/{{1}}', {}, {})",
                    inner.storage.ty,
                    inner.storage.var(),
                    lit(name)
                ),
            ),
            GrantScope::CosmosContainer { .. } | GrantScope::CosmosDatabase { .. } | GrantScope::Redis => continue,
        };
        let Name::Guid(parts) = &plan.named[g.id].name else {
            continue;
        };
        let guid = parts.iter().map(|p| inner.name_part(plan, p)).collect::<Vec<_>>().join(", ");
        let wiring = out.app(&g.app);
        wiring.grants.push(json!({
            "type": "Microsoft.Authorization/roleAssignments",
            "apiVersion": ROLE_ASSIGNMENTS,
            "name": expr(format!("guid({guid})")),
            "scope": expr(scope),
            "properties": {
                "roleDefinitionId": expr(format!("subscriptionResourceId('Microsoft.Authorization/roleDefinitions', {})", lit(g.role.definition_id()))),
                "principalId": expr(PRINCIPAL_PARAMETER),
                // Avoids failures while a just-created identity replicates in Entra ID.
                "principalType": "ServicePrincipal"
            }
        }));
        wiring.grant_depends.push(expr(depends));
    }
}

/// The access deployments, once every family has contributed its grants. Cosmos DB locks an
/// account for each role-assignment write, so the deployments run one after another.
pub(crate) fn access(plan: &Plan, refs: &Refs, out: &mut Emit) {
    let mut previous: Option<String> = None;
    for access in &plan.access {
        let Some(app) = plan.app(&access.app) else { continue };
        let r = refs.app(plan, app);
        let wiring = out.app(&app.key);
        if wiring.grants.is_empty() {
            continue;
        }
        let mut values = Map::new();
        values.insert("principalId".into(), expr(r.principal_id()));
        for name in refs.inner_names() {
            values.insert(name.key.clone(), name.value());
        }
        let mut depends = vec![expr(r.identity.id())];
        for d in std::mem::take(&mut wiring.grant_depends) {
            if !depends.contains(&d) {
                depends.push(d);
            }
        }
        if let Some(p) = &previous {
            depends.push(expr(p));
        }
        let id = format!("resourceId('Microsoft.Resources/deployments', '{}')", access.name.base);
        wiring.depends_on(Slot::Access, &id);
        let resources: Vec<Value> = std::mem::take(&mut wiring.grants);
        out.resource(
            Section::Access,
            json!({
                "type": "Microsoft.Resources/deployments",
                "apiVersion": DEPLOYMENTS,
                "name": access.name.base,
                "properties": {
                    "mode": "Incremental",
                    // Names inside are evaluated in the nested deployment, where the principal
                    // id is a parameter value.
                    "expressionEvaluationOptions": { "scope": "Inner" },
                    "parameters": { "access": { "value": values } },
                    "template": {
                        "$schema": TEMPLATE_SCHEMA,
                        "contentVersion": "1.0.0.0",
                        "parameters": { "access": { "type": "object" } },
                        "resources": resources
                    }
                },
                "dependsOn": depends
            }),
        );
        previous = Some(id);
    }
}
