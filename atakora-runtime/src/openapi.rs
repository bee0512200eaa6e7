//! The OpenAPI 3.1 document of a service: every route, with the entities' JSON schemas.

use crate::api::{Api, KeyType, MAX_LIMIT, RouteKind, Service};
use serde_json::{Map, Value, json};

fn schema_name(api: &Api) -> String {
    api.spec.entity_name.to_string()
}

fn entity_schema(api: &Api) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for f in api.spec.fields.iter() {
        props.insert(f.name.to_string(), json!({ "type": f.ty.json_schema_type() }));
        if f.required {
            required.push(Value::String(f.name.to_string()));
        }
    }
    if let Some(id) = props.get_mut("id") {
        *id = json!({ "type": "string", "minLength": 1, "maxLength": crate::api::MAX_ID_BYTES, "pattern": "^[^/\\\\?#]+$" });
    }
    if api.spec.ttl.is_some() && !props.contains_key("ttl") {
        props.insert(
            "ttl".into(),
            json!({ "type": "integer", "description": "seconds until the document expires (-1: never); overrides the container's default" }),
        );
    }
    json!({ "type": "object", "properties": props, "required": required })
}

fn key_params(api: &Api, required: bool) -> Vec<Value> {
    api.key
        .iter()
        .map(|l| {
            let ty = match l.ty {
                KeyType::Integer => "integer",
                KeyType::Number => "number",
                KeyType::Boolean => "boolean",
                KeyType::Text | KeyType::Unknown => "string",
            };
            json!({
                "name": l.param, "in": "query", "required": required,
                "description": format!("partition key `{}`", l.path),
                "schema": { "type": ty }
            })
        })
        .collect()
}

fn problem_ref() -> Value {
    json!({ "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } })
}

fn errors(codes: &[&str]) -> Map<String, Value> {
    codes
        .iter()
        .map(|c| {
            (
                (*c).to_string(),
                json!({ "description": "problem details", "content": problem_ref() }),
            )
        })
        .collect()
}

fn doc_content(api: &Api) -> Value {
    json!({ "application/json": { "schema": { "$ref": format!("#/components/schemas/{}", schema_name(api)) } } })
}

fn etag_header() -> Value {
    json!({ "ETag": { "schema": { "type": "string" }, "description": "the document's entity tag" } })
}

fn operation(api: &Api, op: &str, params: Vec<Value>, ok: (&str, Value), err: &[&str]) -> Value {
    let mut responses = errors(err);
    responses.insert(ok.0.to_string(), ok.1);
    let mut o = json!({
        "operationId": format!("{}_{}", op, api.field),
        "tags": [api.segment],
        "responses": responses
    });
    if !params.is_empty() {
        o["parameters"] = Value::Array(params);
    }
    o
}

/// The bearer requirement of operation `op` (with its app role, OpenAPI 3.1's role list for
/// non-OAuth schemes), and its 401 and 403 answers.
fn secure(o: &mut Value, api: &Api, op: &str) {
    let bit = match op {
        "create" => atakora_core::spec::Operations::CREATE,
        "read" => atakora_core::spec::Operations::READ,
        "replace" | "patch" => atakora_core::spec::Operations::UPDATE,
        "delete" => atakora_core::spec::Operations::DELETE,
        _ => atakora_core::spec::Operations::LIST,
    };
    let role = api.spec.roles.for_operation(bit);
    o["security"] = json!([{ "bearer": role.into_iter().collect::<Vec<_>>() }]);
    let problem = |d: &str| json!({ "description": d, "content": problem_ref() });
    o["responses"]["401"] = problem("no valid bearer token (`WWW-Authenticate: Bearer`)");
    if let Some(role) = role {
        o["responses"]["403"] = problem(&format!("the token's `roles` claim lacks `{role}`"));
    }
    let mut scoped = Vec::new();
    if let Some(owner) = &api.spec.owner {
        scoped.push(format!("`{}` is the caller's `oid`", owner.trim_start_matches('/')));
    }
    if let Some(tenant) = &api.spec.tenant {
        scoped.push(format!("`{}` is the caller's `tid`", tenant.trim_start_matches('/')));
    }
    if !scoped.is_empty() {
        o["description"] = Value::String(format!(
            "Only documents whose {} are served; others are 404.",
            scoped.join(" and whose ")
        ));
    }
}

fn body(content: Value) -> Value {
    json!({ "required": true, "content": content })
}

/// The document.
pub fn document(service: &Service) -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for route in service.routes() {
        let mut item = Map::new();
        match route.kind {
            RouteKind::Collection(i) => {
                let api = &service.apis[i];
                for m in &route.methods {
                    let o = if *m == "GET" {
                        let mut params = key_params(api, false);
                        params.push(json!({ "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": crate::api::DEFAULT_LIMIT } }));
                        params.push(json!({ "name": "continuation", "in": "query", "schema": { "type": "string" } }));
                        let list = json!({ "description": "one page", "content": { "application/json": { "schema": {
                            "type": "object", "required": ["items", "continuation"],
                            "properties": {
                                "items": { "type": "array", "items": { "$ref": format!("#/components/schemas/{}", schema_name(api)) } },
                                "continuation": { "type": ["string", "null"] }
                            }
                        } } } });
                        operation(api, "list", params, ("200", list), &["400"])
                    } else {
                        let mut o = operation(
                            api,
                            "create",
                            vec![],
                            (
                                "201",
                                json!({ "description": "created", "headers": etag_header(), "content": doc_content(api) }),
                            ),
                            &["400", "409", "413", "415"],
                        );
                        o["requestBody"] = body(doc_content(api));
                        o
                    };
                    let mut o = o;
                    if service.auth.is_required() {
                        secure(&mut o, api, if *m == "GET" { "list" } else { "create" });
                    }
                    item.insert(m.to_ascii_lowercase(), o);
                }
            }
            RouteKind::Item(i) => {
                let api = &service.apis[i];
                let mut params =
                    vec![json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } })];
                if !api.key_is_id() {
                    params.extend(key_params(api, true));
                }
                let ok =
                    || json!({ "description": "the document", "headers": etag_header(), "content": doc_content(api) });
                for m in &route.methods {
                    let o = match *m {
                        "GET" => operation(api, "read", params.clone(), ("200", ok()), &["400", "404"]),
                        "PUT" => {
                            let mut o = operation(
                                api,
                                "replace",
                                params.clone(),
                                ("200", ok()),
                                &["400", "404", "409", "412", "413", "415"],
                            );
                            o["requestBody"] = body(doc_content(api));
                            o
                        }
                        "PATCH" => {
                            let mut o = operation(
                                api,
                                "patch",
                                params.clone(),
                                ("200", ok()),
                                &["400", "404", "409", "412", "413", "415"],
                            );
                            o["requestBody"] =
                                body(json!({ "application/merge-patch+json": { "schema": { "type": "object" } } }));
                            o
                        }
                        _ => operation(
                            api,
                            "delete",
                            params.clone(),
                            ("204", json!({ "description": "deleted" })),
                            &["404", "412"],
                        ),
                    };
                    let mut o = o;
                    if service.auth.is_required() {
                        let op = match *m {
                            "GET" => "read",
                            "PUT" => "replace",
                            "PATCH" => "patch",
                            _ => "delete",
                        };
                        secure(&mut o, api, op);
                    }
                    item.insert(m.to_ascii_lowercase(), o);
                }
                schemas.insert(schema_name(api), entity_schema(api));
            }
            RouteKind::Health => {
                item.insert(
                    "get".into(),
                    json!({ "operationId": format!("health{}", route.path.replace('/', "_")), "responses": {
                        "200": { "description": "the store answers" }, "503": { "description": "the store does not answer", "content": problem_ref() } } }),
                );
            }
            RouteKind::OpenApi => {
                item.insert(
                    "get".into(),
                    json!({ "operationId": "openapi", "responses": { "200": { "description": "this document" } } }),
                );
            }
        }
        paths.insert(route.path.clone(), Value::Object(item));
    }
    for api in &service.apis {
        schemas.entry(schema_name(api)).or_insert_with(|| entity_schema(api));
    }
    schemas.insert(
        "Problem".into(),
        json!({ "type": "object", "required": ["type", "title", "status", "detail"], "properties": {
            "type": { "type": "string" }, "title": { "type": "string" }, "status": { "type": "integer" },
            "detail": { "type": "string" },
            "errors": { "type": "array", "items": { "type": "object", "required": ["location", "path", "message"], "properties": {
                "location": { "enum": ["body", "query", "header", "path"] }, "path": { "type": "string" }, "message": { "type": "string" } } } }
        } }),
    );
    let mut components = json!({ "schemas": schemas });
    if service.auth.is_required() {
        components["securitySchemes"] = json!({ "bearer": {
            "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
            "description": "an Entra ID access token (RS256) for the API's audience; the roles listed per operation are app roles of the token's `roles` claim"
        } });
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": service.type_name, "version": env!("CARGO_PKG_VERSION") },
        "paths": paths,
        "components": components
    })
}
