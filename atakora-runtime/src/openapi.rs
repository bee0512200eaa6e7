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
        .map(|c| ((*c).to_string(), json!({ "description": "problem details", "content": problem_ref() })))
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
                            ("201", json!({ "description": "created", "headers": etag_header(), "content": doc_content(api) })),
                            &["400", "409", "413", "415"],
                        );
                        o["requestBody"] = body(doc_content(api));
                        o
                    };
                    item.insert(m.to_ascii_lowercase(), o);
                }
            }
            RouteKind::Item(i) => {
                let api = &service.apis[i];
                let mut params = vec![json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } })];
                if !api.key_is_id() {
                    params.extend(key_params(api, true));
                }
                let ok = || json!({ "description": "the document", "headers": etag_header(), "content": doc_content(api) });
                for m in &route.methods {
                    let o = match *m {
                        "GET" => operation(api, "read", params.clone(), ("200", ok()), &["400", "404"]),
                        "PUT" => {
                            let mut o = operation(api, "replace", params.clone(), ("200", ok()), &["400", "404", "409", "412", "413", "415"]);
                            o["requestBody"] = body(doc_content(api));
                            o
                        }
                        "PATCH" => {
                            let mut o = operation(api, "patch", params.clone(), ("200", ok()), &["400", "404", "409", "412", "413", "415"]);
                            o["requestBody"] = body(json!({ "application/merge-patch+json": { "schema": { "type": "object" } } }));
                            o
                        }
                        _ => operation(api, "delete", params.clone(), ("204", json!({ "description": "deleted" })), &["404", "412"]),
                    };
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
                item.insert("get".into(), json!({ "operationId": "openapi", "responses": { "200": { "description": "this document" } } }));
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
    json!({
        "openapi": "3.1.0",
        "info": { "title": service.type_name, "version": env!("CARGO_PKG_VERSION") },
        "paths": paths,
        "components": { "schemas": schemas }
    })
}
