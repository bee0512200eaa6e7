//! Network isolation: the VNet and its two subnets, then — once every data service the apps
//! reach is known — the posture: service endpoints, or private endpoints with their private
//! DNS zones, VNet links and zone groups.

use super::context::Resolver;
use crate::diag::{Code, Diagnostic};
use crate::naming::{ResourceKind, ResourceName};
use crate::plan::{
    AccountRole, Auth, Cache, CosmosAccount, EndpointTarget, NetworkPosture, PrivateDnsZone, PrivateEndpoint, Vnet,
};
use crate::spec::{IsolatedNetwork, Networking};

/// The VNet of an isolated backend, and whether it uses private endpoints.
pub(crate) struct Isolation {
    vnet: Vnet,
    private_endpoints: bool,
}

/// The VNet of an isolated backend: the declared (or generated) names and two subnets cut from
/// the address space — /24s when it is /23 or larger, else its two halves.
pub(crate) fn vnet(r: &mut Resolver) -> Option<Isolation> {
    let Networking::Isolated(iso) = &r.spec.networking else {
        return None;
    };
    let iso: &IsolatedNetwork = iso;
    r.report(
        Diagnostic::new(
            Code::ProviderRegistration,
            "`networking(isolated(...))`: Flex Consumption VNet integration needs the `Microsoft.App` resource provider registered in the subscription, which a template cannot do",
        )
        .help("run `az provider register --namespace Microsoft.App` once per subscription (`cargo atakora deploy` checks it)")
        .about(crate::diag::Subject {
            option: Some("networking".into()),
            ..Default::default()
        }),
    );
    let by = r.by_backend();
    let (base, bits) = parse_cidr(&iso.address_space).unwrap_or((0x0A00_0000, 16));
    let sub_bits = if bits <= 23 { 24 } else { bits + 1 };
    let step = 1u32 << (32 - sub_bits);
    let cidr = |addr: u32| {
        format!(
            "{}.{}.{}.{}/{sub_bits}",
            addr >> 24,
            (addr >> 16) & 255,
            (addr >> 8) & 255,
            addr & 255
        )
    };
    let (name, vnet_id) = match &iso.vnet_name {
        Some(n) => (
            ResourceName::literal(n.as_ref()),
            r.literal(ResourceKind::VirtualNetwork, n, None, by.clone()),
        ),
        None => r.name(ResourceKind::VirtualNetwork, "", None, by.clone()),
    };
    let integration_subnet = match &iso.subnet_name {
        Some(n) => {
            r.literal(ResourceKind::Subnet, n, Some(vnet_id), by.clone());
            ResourceName::literal(n.as_ref())
        }
        None => r.name(ResourceKind::Subnet, "func", Some(vnet_id), by.clone()).0,
    };
    let endpoint_subnet = r.name(ResourceKind::Subnet, "pep", Some(vnet_id), by).0;
    Some(Isolation {
        vnet: Vnet {
            name,
            address_space: iso.address_space.to_string(),
            integration_subnet,
            integration_prefix: cidr(base),
            endpoint_subnet,
            endpoint_prefix: cidr(base + step),
        },
        private_endpoints: iso.private_endpoints,
    })
}

/// The posture, with a private endpoint for every data service the apps reach: each Cosmos
/// DB account, the storage account's blob, queue and table services, the cache and the vault.
pub(crate) fn posture(
    r: &mut Resolver,
    isolation: Option<Isolation>,
    accounts: &[CosmosAccount],
    cache: Option<&Cache>,
    auth: &Auth,
) -> NetworkPosture {
    let Some(Isolation {
        vnet,
        private_endpoints,
    }) = isolation
    else {
        return NetworkPosture::Public;
    };
    if !private_endpoints {
        return NetworkPosture::ServiceEndpoints(vnet);
    }
    let mut targets: Vec<(EndpointTarget, String)> = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let purpose = match a.role {
                AccountRole::Primary => "cosmos",
                AccountRole::SplitServerless => "cosmos-serverless",
            };
            (EndpointTarget::Cosmos(i), a.numbered(purpose, "-"))
        })
        .collect();
    targets.extend([
        (EndpointTarget::StorageBlob, "blob".into()),
        (EndpointTarget::StorageQueue, "queue".into()),
        (EndpointTarget::StorageTable, "table".into()),
    ]);
    if cache.is_some() {
        targets.push((EndpointTarget::Redis, "redis".into()));
    }
    if auth.vault().is_some() {
        targets.push((EndpointTarget::KeyVault, "vault".into()));
    }
    let by = r.by_backend();
    let mut zones: Vec<PrivateDnsZone> = Vec::new();
    let mut zone_ids = Vec::new();
    let mut endpoints = Vec::new();
    for (target, purpose) in targets {
        let (name, id) = r.name(ResourceKind::PrivateEndpoint, &purpose, None, by.clone());
        let service = target.zone();
        let zone = match zones.iter().position(|z| z.service == service) {
            Some(z) => z,
            None => {
                let zone_id = r.literal(
                    ResourceKind::PrivateDnsZone,
                    service.public_cloud_name(),
                    None,
                    by.clone(),
                );
                let link = format!("link-{}", vnet.name.base);
                r.literal(ResourceKind::DnsZoneLink, &link, Some(zone_id), by.clone());
                zones.push(PrivateDnsZone { service, link });
                zone_ids.push(zone_id);
                zones.len() - 1
            }
        };
        r.literal(ResourceKind::DnsZoneGroup, "default", Some(id), by.clone());
        endpoints.push(PrivateEndpoint { name, target, zone });
    }
    NetworkPosture::PrivateEndpoints { vnet, endpoints, zones }
}

/// `10.0.0.0/16` → (network address, prefix length).
fn parse_cidr(s: &str) -> Option<(u32, u32)> {
    let (ip, bits) = s.split_once('/')?;
    let octets: Vec<u32> = ip.split('.').map(|o| o.parse().ok()).collect::<Option<_>>()?;
    let bits: u32 = bits.parse().ok()?;
    let addr = octets.iter().fold(0u32, |a, o| (a << 8) | o);
    let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
    Some((addr & mask, bits))
}
