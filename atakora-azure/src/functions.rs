//! Functions: what each functions app's `#[atakora::function]` triggers need in the template —
//! the queues and their `-poison` twins under the shared storage account's queue service, the
//! `leases` container of change-feed functions with the custom metadata-reader role their
//! database-scope assignment names, the identity-based trigger connections, and an always-ready
//! entry per function that asks for one. The data roles themselves are plan grants, rendered
//! with every other grant by the RBAC and Cosmos DB families.

use crate::api_versions::{COSMOS, STORAGE};
use crate::arm::{expr, lit, tags};
use crate::emit::{Emit, Section, Slot};
use crate::refs::Refs;
use atakora_core::Plan;
use atakora_core::contract::settings;
use atakora_core::plan::{PlannedTrigger, Role, SecretOf};
use serde_json::{Value, json};

pub(crate) fn emit(plan: &Plan, refs: &Refs, out: &mut Emit) {
    if plan.functions.is_empty() {
        return;
    }
    queues(plan, refs, out);
    leases(plan, refs, out);
    for f in &plan.functions {
        let Some(app) = plan.app(&f.app) else { continue };
        let app_ref = refs.app(plan, app);
        let wiring = out.app(&app.key);
        wiring.setting(Slot::Triggers, settings::FUNCTIONS_APP, app.key.clone());
        // Every app with functions may send (`Queue::send`); queue triggers read the same
        // connection: the queue service with the app's identity, or with keys the storage
        // account's connection string from the vault (the one `AzureWebJobsStorage` reads).
        if plan.functions.iter().any(|f| !f.queues.is_empty()) {
            let endpoint = expr(format!(
                "reference({}, '{STORAGE}').primaryEndpoints.queue",
                refs.storage.id()
            ));
            wiring.connection(
                Slot::Triggers,
                settings::QUEUES,
                refs.vault_reference(plan, SecretOf::Storage),
                (settings::QUEUE_SERVICE_URI_SUFFIX, endpoint),
                expr(app_ref.client_id()),
            );
            for q in &f.queues {
                wiring.depends_on(Slot::Triggers, &refs.queue_id(&q.name));
                wiring.depends_on(Slot::Triggers, &refs.queue_id(&q.poison));
            }
        }
        // The change feed's connection: the watched account's endpoint with the app's
        // identity, or with keys its connection string from the vault.
        if let Some(l) = &f.leases {
            let c = plan.cosmos_accounts[l.account].role.connection();
            let endpoint = expr(format!(
                "reference({}, '{COSMOS}').documentEndpoint",
                refs.cosmos[l.account].id()
            ));
            wiring.connection(
                Slot::Triggers,
                c,
                refs.vault_reference(plan, SecretOf::Cosmos(l.account)),
                (settings::ACCOUNT_ENDPOINT_SUFFIX, endpoint),
                expr(app_ref.client_id()),
            );
            wiring.depends_on(
                Slot::Triggers,
                &refs.cosmos_container_id(l.account, &l.database, &l.name),
            );
        }
        for function in &f.functions {
            if let (Some(n), false) = (
                function.always_ready,
                matches!(function.trigger, PlannedTrigger::Http { .. }),
            ) {
                wiring
                    .always_ready
                    .push(json!({ "name": function.scale_group, "instanceCount": n }));
            }
        }
    }
}

/// `queueServices/default` with every queue and its poison twin nested under it (a nested
/// name is checked by the schema as written; a `format()` name would be checked unevaluated).
fn queues(plan: &Plan, refs: &Refs, out: &mut Emit) {
    let mut names: Vec<&str> = Vec::new();
    for q in plan.functions.iter().flat_map(|f| &f.queues) {
        for n in [q.name.as_str(), q.poison.as_str()] {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    if names.is_empty() {
        return;
    }
    let service = format!("format('{{0}}/default', {})", refs.storage.var());
    let service_id = refs.queue_service_id();
    let children: Vec<Value> = names
        .iter()
        .map(|n| {
            json!({
                "type": "queues",
                "apiVersion": STORAGE,
                "name": n,
                "properties": { "metadata": {} },
                "dependsOn": [expr(&service_id)]
            })
        })
        .collect();
    out.resource(
        Section::Functions,
        json!({
            "type": "Microsoft.Storage/storageAccounts/queueServices",
            "apiVersion": STORAGE,
            "name": expr(service),
            "properties": {},
            "dependsOn": [expr(refs.storage.id())],
            "resources": children
        }),
    );
}

/// The leases containers (one per watched database), and per account the metadata-reader
/// role definition their database-scope assignments name.
fn leases(plan: &Plan, refs: &Refs, out: &mut Emit) {
    let mut made: Vec<(usize, &str)> = Vec::new();
    let mut scopes: Vec<(usize, Vec<&str>)> = Vec::new();
    for l in plan.functions.iter().filter_map(|f| f.leases.as_ref()) {
        if made.contains(&(l.account, l.database.as_str())) {
            continue;
        }
        made.push((l.account, l.database.as_str()));
        match scopes.iter_mut().find(|(a, _)| *a == l.account) {
            Some((_, dbs)) => dbs.push(&l.database),
            None => scopes.push((l.account, vec![&l.database])),
        }
        let account = &refs.cosmos[l.account];
        let mut properties = json!({
            "resource": {
                "id": l.name,
                "partitionKey": { "paths": ["/id"], "kind": "Hash" }
            }
        });
        if let Some(rus) = l.throughput {
            properties["options"] = json!({ "throughput": rus });
        }
        out.resource(
            Section::Functions,
            json!({
                "type": "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers",
                "apiVersion": COSMOS,
                "name": expr(format!("format('{{0}}/{{1}}/{{2}}', {}, {}, {})", account.var(), lit(&l.database), lit(&l.name))),
                "tags": tags(plan),
                "properties": properties,
                "dependsOn": [expr(refs.cosmos_database_id(l.account, &l.database))]
            }),
        );
    }
    let definition = Role::CosmosMetadataReader.definition_id();
    for (account, dbs) in scopes {
        let a = &refs.cosmos[account];
        out.resource(
            Section::Functions,
            json!({
                "type": "Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions",
                "apiVersion": COSMOS,
                "name": expr(format!("format('{{0}}/{{1}}', {}, {})", a.var(), lit(definition))),
                "properties": {
                    "roleName": "atakora change-feed metadata reader",
                    "type": "CustomRole",
                    "assignableScopes": dbs.iter().map(|d| expr(refs.cosmos_database_path(account, d))).collect::<Vec<_>>(),
                    "permissions": [{ "dataActions": ["Microsoft.DocumentDB/databaseAccounts/readMetadata"] }]
                },
                "dependsOn": dbs.iter().map(|d| expr(refs.cosmos_database_id(account, d))).collect::<Vec<_>>()
            }),
        );
    }
}
