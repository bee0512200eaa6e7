//! Azure RBAC role assignments (storage, telemetry, Key Vault), and each app's access
//! deployment: a nested deployment that receives the app's identity's principal id and holds
//! every assignment of that identity — these, and those the Cosmos DB family contributes —
//! each named from the scope, the principal and the role. The app waits for it.

use crate::api_versions::{DEPLOYMENTS, ROLE_ASSIGNMENTS};
use crate::arm::{expr, lit, object};
use crate::emit::{Emit, Grant, Section, Slot};
use crate::refs::{PRINCIPAL_PARAMETER, Ref, Refs};
use crate::template::TEMPLATE_SCHEMA;
use atakora_core::Plan;
use atakora_core::plan::{GrantScope, Name};
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};

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
        let guid = parts
            .iter()
            .map(|p| inner.name_part(plan, p))
            .collect::<Vec<_>>()
            .join(", ");
        let definition = format!(
            "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', {})",
            lit(g.role.definition_id())
        );
        let resource = object([
            ("type", Value::from("Microsoft.Authorization/roleAssignments")),
            ("apiVersion", Value::from(ROLE_ASSIGNMENTS)),
            ("name", expr(format!("guid({guid})"))),
            ("scope", expr(scope)),
            (
                "properties",
                object([
                    ("roleDefinitionId", expr(definition)),
                    ("principalId", expr(PRINCIPAL_PARAMETER)),
                    // Avoids failures while a just-created identity replicates in Entra ID.
                    ("principalType", Value::from("ServicePrincipal")),
                ]),
            ),
        ]);
        out.app(&g.app).grants.push(Grant {
            resource,
            id: None,
            // The assignment's scope must exist first.
            scope: expr(depends),
        });
    }
}

/// The access deployments, once every family has contributed its grants: each app's
/// assignments in order, `Access::assignments` per deployment. Cosmos DB locks an account
/// for each role-assignment write, so the deployments run one after another.
pub(crate) fn access(plan: &Plan, refs: &Refs, out: &mut Emit) {
    let mut previous: Option<String> = None;
    let mut taken: HashMap<&str, usize> = HashMap::new();
    for access in &plan.access {
        let Some(app) = plan.app(&access.app) else { continue };
        let r = refs.app(plan, app);
        let wiring = out.app(&app.key);
        let start = taken.entry(app.key.as_str()).or_insert(0);
        let end = (*start + access.assignments).min(wiring.grants.len());
        let grants = &mut wiring.grants[*start..end];
        *start = end;
        if grants.is_empty() {
            continue;
        }
        let mut values = Map::new();
        values.insert("principalId".into(), expr(r.principal_id()));
        for name in refs.inner_names() {
            values.insert(name.key.clone(), name.value());
        }
        let mut depends = vec![expr(r.identity.id())];
        let mut seen: HashSet<Value> = HashSet::new();
        let inside: HashSet<String> = grants
            .iter()
            .filter_map(|g| g.id.as_ref().map(|id| format!("[{id}]")))
            .collect();
        let mut resources = Vec::with_capacity(grants.len());
        for g in grants.iter_mut() {
            if seen.insert(g.scope.clone()) {
                depends.push(g.scope.clone());
            }
            let mut resource = std::mem::take(&mut g.resource);
            // An assignment waits for the one before it on its account; the first of a later
            // deployment waits through the deployments' order instead.
            if let Some(d) = resource.get_mut("dependsOn").and_then(Value::as_array_mut) {
                d.retain(|id| id.as_str().is_some_and(|id| inside.contains(id)));
                if d.is_empty() {
                    resource.as_object_mut().map(|o| o.remove("dependsOn"));
                }
            }
            resources.push(resource);
        }
        if let Some(p) = &previous {
            depends.push(expr(p));
        }
        let id = format!("resourceId('Microsoft.Resources/deployments', '{}')", access.name.base);
        wiring.depends_on(Slot::Access, &id);
        let mut deployment = json!({
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
                    "resources": []
                }
            },
            "dependsOn": []
        });
        // Moved in, not through `json!` (which copies what it interpolates through serde).
        deployment["properties"]["template"]["resources"] = Value::Array(resources);
        deployment["dependsOn"] = Value::Array(depends);
        out.resource(Section::Access, deployment);
        previous = Some(id);
    }
    // Resolution sizes the access deployments from every grant: none is left out.
    debug_assert!(
        out.apps
            .iter()
            .all(|(key, w)| taken.get(key.as_str()).copied().unwrap_or(0) == w.grants.len()),
        "every grant is in an access deployment"
    );
}
