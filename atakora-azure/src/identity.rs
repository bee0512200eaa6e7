//! Identities: one user-assigned managed identity per app, created before it, so every role
//! can be granted before the app first starts and survives the app being recreated.
//! Contributes the identity the app's platform features and the runtime use.

use crate::api_versions::MANAGED_IDENTITY;
use crate::arm::{expr, tags};
use crate::emit::{Emit, Section, Slot};
use crate::refs::Refs;
use atakora_core::Plan;
use serde_json::json;

pub(crate) fn emit(plan: &Plan, refs: &Refs, out: &mut Emit) {
    for app in &plan.function_apps {
        let r = refs.app(plan, app);
        out.resource(
            Section::Identity,
            json!({
                "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
                "apiVersion": MANAGED_IDENTITY,
                "name": r.identity.value(),
                "location": "[parameters('location')]",
                "tags": tags(plan),
                "properties": {}
            }),
        );
        let wiring = out.app(&app.key);
        // The identity the runtime's Azure credential uses (Cosmos DB, Redis).
        wiring.setting(Slot::App, "AZURE_CLIENT_ID", expr(r.client_id()));
        // Key Vault references are resolved with it too (keys mode reads secrets this way).
        wiring
            .properties
            .insert("keyVaultReferenceIdentity".into(), expr(r.identity.id()));
        wiring.depends_on(Slot::App, &r.identity.id());
    }
}
