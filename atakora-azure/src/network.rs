//! Network isolation: the VNet with its Flex integration subnet and private-endpoint subnet,
//! private DNS zones linked to it, and a private endpoint (with its DNS zone group) per data
//! service. Without private endpoints, service endpoints on the integration subnet and VNet
//! rules on the services take their place. Contributes the apps' VNet integration and what
//! they wait for.

use crate::api_versions::{NETWORK, PRIVATE_DNS};
use crate::arm::{expr, tags};
use crate::emit::{Emit, Section, Slot};
use crate::refs::Refs;
use atakora_core::Plan;
use atakora_core::plan::{EndpointTarget, NetworkPosture};
use serde_json::{Value, json};

fn target_id(refs: &Refs, target: EndpointTarget) -> String {
    match target {
        EndpointTarget::Cosmos(i) => refs.cosmos[i].id(),
        EndpointTarget::StorageBlob | EndpointTarget::StorageQueue | EndpointTarget::StorageTable => refs.storage.id(),
        EndpointTarget::Redis => refs.cache.as_ref().expect("a Redis endpoint has a cache").id(),
        EndpointTarget::KeyVault => refs.vault.as_ref().expect("a vault endpoint has a vault").id(),
    }
}

pub(crate) fn emit(plan: &Plan, refs: &Refs, out: &mut Emit) {
    let (Some(n), Some(vnet)) = (plan.network.vnet(), &refs.vnet) else {
        return;
    };
    let mut integration = json!({
        "name": json!(format!("[variables('{}')]", vnet.integration_subnet)),
        "properties": {
            "addressPrefix": n.integration_prefix,
            // Flex Consumption integrates through Container Apps environments.
            "delegations": [{ "name": "flex-consumption", "properties": { "serviceName": "Microsoft.App/environments" } }],
            // Said, not left to the API version's default (new subnets are private from
            // 2025-07-01): the apps reach Application Insights ingestion and Entra ID over
            // their public endpoints, so their subnet keeps outbound access.
            "defaultOutboundAccess": true
        }
    });
    if let NetworkPosture::ServiceEndpoints(_) = plan.network {
        let mut services = vec![
            json!({ "service": "Microsoft.AzureCosmosDB" }),
            json!({ "service": "Microsoft.Storage" }),
        ];
        if plan.auth.uses_keys() {
            services.push(json!({ "service": "Microsoft.KeyVault" }));
        }
        integration["properties"]["serviceEndpoints"] = Value::Array(services);
    }
    out.resource(
        Section::Network,
        json!({
            "type": "Microsoft.Network/virtualNetworks",
            "apiVersion": NETWORK,
            "name": vnet.vnet.value(),
            "location": "[parameters('location')]",
            "tags": tags(plan),
            "properties": {
                "addressSpace": { "addressPrefixes": [n.address_space] },
                // Inline: a separate subnet resource and a later VNet deployment fight over the list.
                "subnets": [
                    integration,
                    // Private endpoints only receive: no outbound access.
                    { "name": format!("[variables('{}')]", vnet.endpoint_subnet), "properties": { "addressPrefix": n.endpoint_prefix, "defaultOutboundAccess": false } }
                ]
            }
        }),
    );
    for zone in &refs.zones {
        out.resource(
            Section::Network,
            json!({
                "type": "Microsoft.Network/privateDnsZones",
                "apiVersion": PRIVATE_DNS,
                "name": zone.value(),
                "location": "global",
                "tags": tags(plan),
                "properties": {}
            }),
        );
        out.resource(
            Section::Network,
            json!({
                "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
                "apiVersion": PRIVATE_DNS,
                "name": expr(format!("format('{{0}}/link-{{1}}', {}, {})", zone.var(), vnet.vnet.var())),
                "location": "global",
                "tags": tags(plan),
                "properties": { "virtualNetwork": { "id": expr(vnet.vnet.id()) }, "registrationEnabled": false },
                "dependsOn": [expr(zone.id()), expr(vnet.vnet.id())]
            }),
        );
    }
    let endpoint_subnet = refs.endpoint_subnet_id().expect("isolated plans have a VNet");
    for e in plan.network.endpoints() {
        let target = target_id(refs, e.target);
        let zone = &refs.zones[e.zone];
        let link = expr(refs.zone_link_id(e.zone).expect("isolated plans have a VNet"));
        out.resource(
            Section::Network,
            json!({
                "type": "Microsoft.Network/privateEndpoints",
                "apiVersion": NETWORK,
                "name": e.name.base,
                "location": "[parameters('location')]",
                "tags": tags(plan),
                "properties": {
                    "subnet": { "id": expr(&endpoint_subnet) },
                    "privateLinkServiceConnections": [{
                        "name": e.name.base,
                        "properties": { "privateLinkServiceId": expr(&target), "groupIds": [e.target.group_id()] }
                    }]
                },
                "dependsOn": [expr(vnet.vnet.id()), expr(&target)]
            }),
        );
        out.resource(
            Section::Network,
            json!({
                "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
                "apiVersion": NETWORK,
                "name": format!("{}/default", e.name.base),
                "properties": {
                    "privateDnsZoneConfigs": [{ "name": e.target.group_id().to_ascii_lowercase(), "properties": { "privateDnsZoneId": expr(zone.id()) } }]
                },
                // The A record lands in a zone the VNet already resolves.
                "dependsOn": [expr(Refs::endpoint_id(&e.name.base)), link]
            }),
        );
    }
    let subnet = refs.integration_subnet_id().expect("isolated plans have a VNet");
    for app in &plan.function_apps {
        let wiring = out.app(&app.key);
        // Outbound traffic, data services included, goes through the VNet.
        wiring.properties.insert("virtualNetworkSubnetId".into(), expr(&subnet));
        // Every private name must resolve before the app starts.
        wiring.depends_on(Slot::Network, &vnet.vnet.id());
        for e in plan.network.endpoints() {
            wiring.depends_on(Slot::Network, &Refs::zone_group_id(&e.name.base));
        }
    }
}
