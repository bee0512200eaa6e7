//! What the runtime serves of a backend: its CRUD APIs ([`Api`]) and the route table
//! ([`Route`]) that both the router and the Functions package are made from.

use crate::problem::Problem;
use crate::store::{ContainerDef, PartitionKey, value_at};
use atakora_core::contract;
use atakora_core::entity::{Codec, Component};
use atakora_core::spec::{AuthSpec, BackendSpec, CrudApiSpec, FieldType, Operations};
use serde_json::Value;

/// The longest `id` Cosmos DB accepts, in bytes.
pub const MAX_ID_BYTES: usize = 1023;

/// The largest request body: Cosmos DB's item size limit.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The default and the largest page size of a list.
pub const DEFAULT_LIMIT: usize = 50;
/// See [`DEFAULT_LIMIT`].
pub const MAX_LIMIT: usize = 1000;

/// The JSON type of one partition key level, as far as the entity's field list tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// A string field.
    Text,
    /// An integer field.
    Integer,
    /// A float field.
    Number,
    /// A boolean field.
    Boolean,
    /// A nested path: the field list has only top-level fields. Matched by canonical text.
    Unknown,
}

/// One level of a partition key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLevel {
    /// The path in the document (`/address/zip`).
    pub path: String,
    /// The query parameter naming it (`address.zip`).
    pub param: String,
    /// Its JSON type.
    pub ty: KeyType,
}

/// One CRUD API of a backend, as served.
#[derive(Debug, Clone)]
pub struct Api {
    /// The backend field (`audit_logs`).
    pub field: &'static str,
    /// The route segment (`audit-logs`).
    pub segment: String,
    /// The entity's spec.
    pub spec: &'static CrudApiSpec,
    /// The entity's serde implementations.
    pub codec: &'static Codec,
    /// The partition key, level by level.
    pub key: Vec<KeyLevel>,
    /// The container this API stores its documents in.
    pub container: ContainerDef,
}

impl Api {
    /// The API of backend field `field` over the entity `spec`.
    pub fn new(field: &'static str, spec: &'static CrudApiSpec, codec: &'static Codec) -> Api {
        let key = spec
            .partition_key
            .iter()
            .map(|p| {
                let segs: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
                let ty = match segs.as_slice() {
                    [one] => spec
                        .fields
                        .iter()
                        .find(|f| f.name == *one)
                        .map(|f| match f.ty {
                            FieldType::Text => KeyType::Text,
                            FieldType::Integer => KeyType::Integer,
                            FieldType::Number => KeyType::Number,
                            FieldType::Boolean => KeyType::Boolean,
                            FieldType::Array | FieldType::Object => KeyType::Unknown,
                        })
                        .unwrap_or(if *one == "id" { KeyType::Text } else { KeyType::Unknown }),
                    _ => KeyType::Unknown,
                };
                KeyLevel {
                    path: p.to_string(),
                    param: segs.join("."),
                    ty,
                }
            })
            .collect();
        Api {
            field,
            segment: contract::component_segment(field),
            spec,
            codec,
            key,
            container: ContainerDef {
                name: spec.container.to_string(),
                partition_key: spec.partition_key.iter().map(|p| p.to_string()).collect(),
                default_ttl: spec.ttl,
                unique_keys: spec
                    .unique_keys
                    .iter()
                    .map(|k| k.iter().map(|p| p.to_string()).collect())
                    .collect(),
            },
        }
    }

    /// Whether the partition key is the document's `id` (then item routes take no key).
    pub fn key_is_id(&self) -> bool {
        self.key.len() == 1 && self.key[0].path == "/id"
    }

    /// Whether the API serves `op` (an [`Operations`] bit).
    pub fn serves(&self, op: u8) -> bool {
        self.spec.operations.contains(op)
    }

    /// The partition key of `doc`; a missing or non-scalar value is a 400 naming its path.
    pub fn key_of(&self, doc: &Value) -> Result<PartitionKey, Problem> {
        let mut values = Vec::with_capacity(self.key.len());
        for level in &self.key {
            match value_at(doc, &level.path) {
                Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => values.push(v.clone()),
                _ => {
                    return Err(Problem::invalid_body(
                        &level.param,
                        "the partition key value is missing or not a string, number or boolean",
                    ));
                }
            }
        }
        Ok(PartitionKey::new(values))
    }

    /// A partition key level's value from its query parameter's text.
    pub fn parse_level(&self, level: &KeyLevel, text: &str) -> Result<Value, Problem> {
        let bad = |what: &str| Problem::invalid_query(&level.param, &format!("expected {what}, got `{text}`"));
        Ok(match level.ty {
            KeyType::Text | KeyType::Unknown => Value::String(text.to_string()),
            KeyType::Integer => text
                .parse::<i64>()
                .map(Value::from)
                .or_else(|_| text.parse::<u64>().map(Value::from))
                .map_err(|_| bad("an integer"))?,
            KeyType::Number => text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| bad("a number"))?,
            KeyType::Boolean => match text {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(bad("true or false")),
            },
        })
    }
}

/// Whether `id` is a Cosmos DB id: non-empty, at most 1023 bytes, without `/ \ ? #`.
pub fn check_id(id: &str) -> Result<(), &'static str> {
    if id.is_empty() {
        Err("the id must not be empty")
    } else if id.len() > MAX_ID_BYTES {
        Err("the id must be at most 1023 bytes")
    } else if id.contains(['/', '\\', '?', '#']) {
        Err("the id must not contain `/`, `\\`, `?` or `#`")
    } else {
        Ok(())
    }
}

/// What a route does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteKind {
    /// `/api/{component}`: create (POST) and list (GET).
    Collection(usize),
    /// `/api/{component}/{id}`: read (GET), update (PUT, PATCH), delete (DELETE).
    Item(usize),
    /// A health path.
    Health,
    /// The OpenAPI document.
    OpenApi,
}

/// One route of the served backend: a path and the methods it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The path, with `{id}` for the item routes (`/api/users/{id}`).
    pub path: String,
    /// The HTTP methods, in a fixed order (GET, POST, PUT, PATCH, DELETE).
    pub methods: Vec<&'static str>,
    /// What it does.
    pub kind: RouteKind,
}

/// A backend's CRUD APIs and its routes.
#[derive(Debug, Clone)]
pub struct Service {
    /// The backend's id (`api-backend`).
    pub backend: String,
    /// The backend's Rust name (`ApiBackend`).
    pub type_name: String,
    /// Every `CrudApi<T>` field, in declaration order.
    pub apis: Vec<Api>,
    /// Who may call the APIs (`#[backend(auth(...))]`).
    pub auth: AuthSpec,
}

impl Service {
    /// The service of backend `spec` with `components` (what `#[backend]` emits).
    pub fn new(spec: &BackendSpec, components: &'static [Component]) -> Service {
        let apis = components
            .iter()
            .filter_map(|c| match c {
                Component::CrudApi { field, spec, codec } => Some(Api::new(field, spec, codec)),
                Component::FunctionsApp { .. } => None,
            })
            .collect();
        Service {
            backend: atakora_core::spec::kebab_case(&spec.type_name),
            type_name: spec.type_name.to_string(),
            apis,
            auth: spec.auth.clone(),
        }
    }

    /// The containers to ensure, one per distinct container name (two APIs may share one).
    pub fn containers(&self) -> Vec<ContainerDef> {
        let mut out: Vec<ContainerDef> = Vec::new();
        for api in &self.apis {
            if !out.iter().any(|c| c.name == api.container.name) {
                out.push(api.container.clone());
            }
        }
        out
    }

    /// Every health path: `/health` and each declared `health_check(path = ...)`, once each.
    pub fn health_paths(&self) -> Vec<String> {
        let mut out = vec![contract::DEFAULT_HEALTH_PATH.to_string()];
        for api in &self.apis {
            if let Some(h) = &api.spec.health_check {
                let p = if h.path.starts_with('/') {
                    h.path.to_string()
                } else {
                    format!("/{}", h.path)
                };
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// The route table: collection and item routes of every API (those with at least one
    /// method), the health paths and the OpenAPI document. The router and the Functions
    /// package are both made from it.
    pub fn routes(&self) -> Vec<Route> {
        let mut out = Vec::new();
        for (i, api) in self.apis.iter().enumerate() {
            let ops = api.spec.operations;
            let collection = methods(ops, &[(Operations::LIST, "GET"), (Operations::CREATE, "POST")]);
            if !collection.is_empty() {
                out.push(Route {
                    path: contract::collection_path(api.field),
                    methods: collection,
                    kind: RouteKind::Collection(i),
                });
            }
            let item = methods(
                ops,
                &[
                    (Operations::READ, "GET"),
                    (Operations::UPDATE, "PUT"),
                    (Operations::UPDATE, "PATCH"),
                    (Operations::DELETE, "DELETE"),
                ],
            );
            if !item.is_empty() {
                out.push(Route {
                    path: contract::item_path(api.field),
                    methods: item,
                    kind: RouteKind::Item(i),
                });
            }
        }
        for path in self.health_paths() {
            out.push(Route {
                path,
                methods: vec!["GET"],
                kind: RouteKind::Health,
            });
        }
        out.push(Route {
            path: contract::OPENAPI_PATH.to_string(),
            methods: vec!["GET"],
            kind: RouteKind::OpenApi,
        });
        out
    }
}

fn methods(ops: Operations, table: &[(u8, &'static str)]) -> Vec<&'static str> {
    table
        .iter()
        .filter(|(op, _)| ops.contains(*op))
        .map(|(_, m)| *m)
        .collect()
}
