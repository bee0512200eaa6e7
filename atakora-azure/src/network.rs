//! Network isolation: the VNet with its Flex integration subnet and private-endpoint subnet,
//! private DNS zones linked to it, and a private endpoint (with its DNS zone group) per data
//! service. Without private endpoints, service endpoints on the integration subnet and VNet
//! rules on the services take their place.

use crate::api_versions::{NETWORK, PRIVATE_DNS};
use crate::arm::{expr, lit, resource_id, tags, var, var_value};
use crate::{cache, cosmos, keyvault, storage};
use atakora_core::Plan;
use atakora_core::plan::{EndpointTarget, Network};
use serde_json::{Value, json};

pub(crate) const VNET: &str = "vnetName";
pub(crate) const INTEGRATION_SUBNET: &str = "integrationSubnetName";
pub(crate) const ENDPOINT_SUBNET: &str = "endpointSubnetName";

pub(crate) fn vnet_id() -> String {
    resource_id("Microsoft.Network/virtualNetworks", &[var(VNET)])
}

pub(crate) fn integration_subnet_id() -> String {
    resource_id(
        "Microsoft.Network/virtualNetworks/subnets",
        &[var(VNET), var(INTEGRATION_SUBNET)],
    )
}

fn endpoint_subnet_id() -> String {
    resource_id(
        "Microsoft.Network/virtualNetworks/subnets",
        &[var(VNET), var(ENDPOINT_SUBNET)],
    )
}

/// The private DNS zone of a target, as a variable key and its value.
fn zone(target: EndpointTarget) -> (&'static str, &'static str) {
    match target {
        EndpointTarget::Cosmos(_) => ("cosmosDnsZoneName", "privatelink.documents.azure.com"),
        EndpointTarget::StorageBlob => (
            "blobDnsZoneName",
            "[format('privatelink.blob.{0}', environment().suffixes.storage)]",
        ),
        EndpointTarget::StorageQueue => (
            "queueDnsZoneName",
            "[format('privatelink.queue.{0}', environment().suffixes.storage)]",
        ),
        EndpointTarget::StorageTable => (
            "tableDnsZoneName",
            "[format('privatelink.table.{0}', environment().suffixes.storage)]",
        ),
        EndpointTarget::Redis => ("redisDnsZoneName", "privatelink.redis.azure.net"),
        EndpointTarget::KeyVault => ("vaultDnsZoneName", "privatelink.vaultcore.azure.net"),
    }
}

fn zone_id(key: &str) -> String {
    resource_id("Microsoft.Network/privateDnsZones", &[var(key)])
}

/// The zone variables this plan needs, in first-use order.
pub(crate) fn zone_variables(n: &Network) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for e in &n.endpoints {
        let z = zone(e.target);
        if !out.contains(&z) {
            out.push(z);
        }
    }
    out
}

fn target_id(plan: &Plan, target: EndpointTarget) -> String {
    match target {
        EndpointTarget::Cosmos(i) => cosmos::account_id(&cosmos::name_key(plan, i)),
        EndpointTarget::StorageBlob | EndpointTarget::StorageQueue | EndpointTarget::StorageTable => storage::id(),
        EndpointTarget::Redis => cache::id(),
        EndpointTarget::KeyVault => keyvault::id(),
    }
}

/// What the apps must wait for before they start: every private name must resolve.
pub(crate) fn app_dependencies(plan: &Plan) -> Vec<Value> {
    let Some(n) = &plan.network else { return Vec::new() };
    let mut out = vec![expr(vnet_id())];
    for e in &n.endpoints {
        out.push(expr(resource_id(
            "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
            &[lit(&e.name.base), lit("default")],
        )));
    }
    out
}

pub(crate) fn resources(plan: &Plan) -> Vec<Value> {
    let Some(n) = &plan.network else { return Vec::new() };
    let mut integration = json!({
        "name": var_value(INTEGRATION_SUBNET),
        "properties": {
            "addressPrefix": n.integration_prefix,
            // Flex Consumption integrates through Container Apps environments.
            "delegations": [{ "name": "flex-consumption", "properties": { "serviceName": "Microsoft.App/environments" } }]
        }
    });
    if !n.private_endpoints {
        let mut services = vec![
            json!({ "service": "Microsoft.AzureCosmosDB" }),
            json!({ "service": "Microsoft.Storage" }),
        ];
        if plan.secrets.is_some() {
            services.push(json!({ "service": "Microsoft.KeyVault" }));
        }
        integration["properties"]["serviceEndpoints"] = Value::Array(services);
    }
    let mut out = vec![json!({
        "type": "Microsoft.Network/virtualNetworks",
        "apiVersion": NETWORK,
        "name": var_value(VNET),
        "location": "[parameters('location')]",
        "tags": tags(plan),
        "properties": {
            "addressSpace": { "addressPrefixes": [n.address_space] },
            // Inline: a separate subnet resource and a later VNet deployment fight over the list.
            "subnets": [
                integration,
                { "name": var_value(ENDPOINT_SUBNET), "properties": { "addressPrefix": n.endpoint_prefix } }
            ]
        }
    })];
    for (key, _) in zone_variables(n) {
        out.push(json!({
            "type": "Microsoft.Network/privateDnsZones",
            "apiVersion": PRIVATE_DNS,
            "name": var_value(key),
            "location": "global",
            "tags": tags(plan),
            "properties": {}
        }));
        out.push(json!({
            "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
            "apiVersion": PRIVATE_DNS,
            "name": expr(format!("format('{{0}}/link-{{1}}', {}, {})", var(key), var(VNET))),
            "location": "global",
            "tags": tags(plan),
            "properties": { "virtualNetwork": { "id": expr(vnet_id()) }, "registrationEnabled": false },
            "dependsOn": [expr(zone_id(key)), expr(vnet_id())]
        }));
    }
    for e in &n.endpoints {
        let target = target_id(plan, e.target);
        let (zone_key, _) = zone(e.target);
        let link = expr(resource_id(
            "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
            &[var(zone_key), format!("format('link-{{0}}', {})", var(VNET))],
        ));
        out.push(json!({
            "type": "Microsoft.Network/privateEndpoints",
            "apiVersion": NETWORK,
            "name": e.name.base,
            "location": "[parameters('location')]",
            "tags": tags(plan),
            "properties": {
                "subnet": { "id": expr(endpoint_subnet_id()) },
                "privateLinkServiceConnections": [{
                    "name": e.name.base,
                    "properties": { "privateLinkServiceId": expr(&target), "groupIds": [e.target.group_id()] }
                }]
            },
            "dependsOn": [expr(vnet_id()), expr(&target)]
        }));
        out.push(json!({
            "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
            "apiVersion": NETWORK,
            "name": format!("{}/default", e.name.base),
            "properties": {
                "privateDnsZoneConfigs": [{ "name": e.target.group_id().to_ascii_lowercase(), "properties": { "privateDnsZoneId": expr(zone_id(zone_key)) } }]
            },
            // The A record lands in a zone the VNet already resolves.
            "dependsOn": [expr(resource_id("Microsoft.Network/privateEndpoints", &[lit(&e.name.base)])), link]
        }));
    }
    out
}
