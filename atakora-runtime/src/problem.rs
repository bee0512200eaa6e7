//! Error responses: RFC 9457 problem details (`application/problem+json`).

use serde::Serialize;

/// Where a failing value was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Location {
    /// The JSON request body (`path` is a JSON path: `address.zip`, `items[2]`, `.`).
    Body,
    /// A query parameter (`path` is its name).
    Query,
    /// A request header (`path` is its name).
    Header,
    /// A segment of the URL path (`path` is its name, e.g. `id`).
    Path,
}

/// One failing value of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// Where it was found.
    pub location: Location,
    /// Which value: a JSON path in the body, or a parameter's name.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

/// A problem details document and its status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// The kind of problem; serialized as the URN `urn:atakora:problem:<kind>`.
    #[serde(rename = "type", serialize_with = "urn")]
    pub kind: &'static str,
    /// A short summary of the kind.
    pub title: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// What happened to this request.
    pub detail: String,
    /// The failing values, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// For 405: the methods the route allows (also in the `Allow` header).
    #[serde(skip)]
    pub allow: Option<Box<str>>,
}

fn urn<S: serde::Serializer>(kind: &&'static str, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("urn:atakora:problem:{kind}"))
}

impl Problem {
    /// A problem of kind `kind` (the last segment of its URN).
    pub fn new(status: u16, kind: &'static str, title: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            kind,
            title,
            status,
            detail: detail.into(),
            errors: Vec::new(),
            allow: None,
        }
    }

    fn invalid(location: Location, kind: &'static str, title: &'static str, path: &str, message: &str) -> Problem {
        let mut p = Problem::new(400, kind, title, format!("{path}: {message}"));
        p.errors.push(FieldProblem {
            location,
            path: path.to_string(),
            message: message.to_string(),
        });
        p
    }

    /// 400: a body value does not fit the entity (or the contract).
    pub fn invalid_body(path: &str, message: &str) -> Problem {
        Self::invalid(
            Location::Body,
            "invalid-body",
            "The request body is invalid",
            path,
            message,
        )
    }

    /// 400: a query parameter is missing, unexpected or malformed.
    pub fn invalid_query(param: &str, message: &str) -> Problem {
        Self::invalid(
            Location::Query,
            "invalid-query",
            "A query parameter is invalid",
            param,
            message,
        )
    }

    /// 400: the `id` in the URL is not a valid id.
    pub fn invalid_path(name: &str, message: &str) -> Problem {
        Self::invalid(Location::Path, "invalid-path", "The URL is invalid", name, message)
    }

    /// 400: a header is malformed.
    pub fn invalid_header(name: &str, message: &str) -> Problem {
        Self::invalid(
            Location::Header,
            "invalid-header",
            "A request header is invalid",
            name,
            message,
        )
    }

    /// 404: no such route.
    pub fn no_route(path: &str) -> Problem {
        Problem::new(404, "no-route", "No such route", format!("nothing is served at {path}"))
    }

    /// 404: no such document.
    pub fn not_found(id: &str) -> Problem {
        Problem::new(
            404,
            "not-found",
            "No such document",
            format!("no document with id `{id}` in this partition"),
        )
    }

    /// 405 with the route's methods.
    pub fn method_not_allowed(method: &str, allow: &[&str]) -> Problem {
        let mut p = Problem::new(
            405,
            "method-not-allowed",
            "Method not allowed",
            format!("{method} is not among this API's operations"),
        );
        p.allow = Some(allow.join(", ").into());
        p
    }

    /// 409 naming the key: `id` or a unique key.
    pub fn conflict(key: &str) -> Problem {
        let mut p = Problem::new(
            409,
            "conflict",
            "Conflict",
            format!("a document with the same {key} exists in this partition"),
        );
        p.errors.push(FieldProblem {
            location: Location::Body,
            path: key.trim_start_matches('/').replace('/', ".").replace("+.", "+"),
            message: format!("must be unique in its partition ({key})"),
        });
        p
    }

    /// 412: the ETag precondition does not hold.
    pub fn precondition_failed(detail: &str) -> Problem {
        Problem::new(412, "precondition-failed", "Precondition failed", detail)
    }

    /// 413: the body exceeds the item size limit.
    pub fn too_large(limit: usize) -> Problem {
        Problem::new(
            413,
            "too-large",
            "Request body too large",
            format!("request bodies are limited to {limit} bytes (the Cosmos DB item limit)"),
        )
    }

    /// 415: the body's media type is not accepted.
    pub fn unsupported_media(expected: &str) -> Problem {
        Problem::new(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            format!("the body must be {expected}"),
        )
    }

    /// 503: the store is unavailable.
    pub fn unavailable(detail: &str) -> Problem {
        Problem::new(503, "unavailable", "Store unavailable", detail)
    }

    /// The document as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
