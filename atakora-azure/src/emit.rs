//! What the families write into: the template's resources by section, its extra parameters and
//! outputs, and each app's wiring (settings, dependencies, site properties) that a family
//! contributes for the app emitter to render. Sections and slots fix the order of the bytes,
//! whatever order the families run in.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Where a resource goes in the template, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Section {
    Identity,
    Monitoring,
    Storage,
    Cosmos,
    Functions,
    Cache,
    Vault,
    Network,
    Compute,
    Access,
    Alerts,
}

/// Where an app setting or dependency goes in the site, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Slot {
    /// The app's own plan and identity.
    App,
    /// Host storage and the deployment container.
    HostStorage,
    /// The explicit Functions host id.
    HostId,
    /// The vault the settings' references point to.
    Vault,
    /// Telemetry.
    Telemetry,
    /// Data services.
    Data,
    /// Per-component data settings.
    Containers,
    /// The functions' trigger connections.
    Triggers,
    /// The cache.
    Cache,
    /// The network the app reaches them through.
    Network,
    /// The roles granted to the app's identity.
    Access,
    /// Who may call the app (token issuer and audience).
    Callers,
}

/// One app's wiring, contributed by the families.
#[derive(Debug, Default)]
pub(crate) struct AppWiring {
    settings: Vec<(Slot, Value)>,
    depends: Vec<(Slot, Value)>,
    /// Site properties after `siteConfig` (e.g. VNet integration).
    pub properties: Map<String, Value>,
    /// `functionAppConfig.deployment.storage`.
    pub deployment_storage: Option<Value>,
    /// Role assignments of the app's identity, as resources of its access deployments (where
    /// names come in as parameters: see `Refs::inner`), in order.
    pub grants: Vec<Grant>,
    /// `alwaysReady` entries beyond the `http` group's (`function:<name>`).
    pub always_ready: Vec<Value>,
}

/// One role assignment of an app's identity.
#[derive(Debug)]
pub(crate) struct Grant {
    /// The assignment resource.
    pub resource: Value,
    /// Its id inside the access deployment, when a later assignment waits for it.
    pub id: Option<String>,
    /// What the access deployment holding it waits for (the scope), outside.
    pub scope: Value,
}

impl AppWiring {
    /// Add app setting `name`.
    pub fn setting(&mut self, slot: Slot, name: &str, value: impl Into<Value>) {
        self.settings
            .push((slot, serde_json::json!({ "name": name, "value": value.into() })));
    }

    /// Connection `name` as the Functions host and the runtime read one: with keys, `name`
    /// itself holding `vault_reference` (a connection string from the vault); with identities,
    /// `<name><endpoint.0>` = `endpoint.1`, `__credential = managedidentity` and `__clientId` =
    /// `client_id` (the app's user-assigned identity).
    pub fn connection(
        &mut self,
        slot: Slot,
        name: &str,
        vault_reference: Option<Value>,
        endpoint: (&str, Value),
        client_id: Value,
    ) {
        use atakora_core::contract::settings;
        match vault_reference {
            Some(reference) => self.setting(slot, name, reference),
            None => {
                self.setting(slot, &format!("{name}{}", endpoint.0), endpoint.1);
                self.setting(
                    slot,
                    &format!("{name}{}", settings::CREDENTIAL_SUFFIX),
                    "managedidentity",
                );
                self.setting(slot, &format!("{name}{}", settings::CLIENT_ID_SUFFIX), client_id);
            }
        }
    }

    /// The app waits for `id` (an expression, without brackets).
    pub fn depends_on(&mut self, slot: Slot, id: &str) {
        self.depends.push((slot, Value::String(format!("[{id}]"))));
    }

    /// The settings, in slot order (stable within a slot).
    pub fn settings(&self) -> Vec<Value> {
        sorted(&self.settings)
    }

    /// The dependencies, in slot order (stable within a slot).
    pub fn depends(&self) -> Vec<Value> {
        sorted(&self.depends)
    }
}

fn sorted(items: &[(Slot, Value)]) -> Vec<Value> {
    let mut v: Vec<&(Slot, Value)> = items.iter().collect();
    v.sort_by_key(|(slot, _)| *slot);
    v.into_iter().map(|(_, value)| value.clone()).collect()
}

/// The template being built.
#[derive(Debug, Default)]
pub(crate) struct Emit {
    resources: BTreeMap<Section, Vec<Value>>,
    /// Parameters beyond `location` and `nameSuffix`.
    pub parameters: Map<String, Value>,
    outputs: Vec<(Slot, String, Value)>,
    /// Each app's wiring, by key, until the app emitter takes it.
    pub(crate) apps: BTreeMap<String, AppWiring>,
}

impl Emit {
    /// Add a resource to `section`.
    pub fn resource(&mut self, section: Section, resource: Value) {
        self.resources.entry(section).or_default().push(resource);
    }

    /// Add an output, ordered by `slot` (the apps' first; stable within a slot).
    pub fn output(&mut self, slot: Slot, name: impl Into<String>, value: Value) {
        self.outputs.push((slot, name.into(), value));
    }

    /// The wiring of the app whose key is `key`.
    pub fn app(&mut self, key: &str) -> &mut AppWiring {
        self.apps.entry(key.to_string()).or_default()
    }

    /// Take the wiring of app `key` (the app emitter renders it once).
    pub fn take_app(&mut self, key: &str) -> AppWiring {
        self.apps.remove(key).unwrap_or_default()
    }

    /// The resources in section order.
    pub fn resources(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.resources).into_values().flatten().collect()
    }

    /// The outputs in slot order.
    pub fn outputs(&mut self) -> Map<String, Value> {
        let mut v = std::mem::take(&mut self.outputs);
        v.sort_by_key(|(s, _, _)| *s);
        v.into_iter().map(|(_, k, value)| (k, value)).collect()
    }
}
