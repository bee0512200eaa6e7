//! What the runtime needs of a backend's component types without naming them: each CRUD
//! entity's [`Codec`] (the user's serde impls behind a function pointer) and the list of a
//! backend's [`Component`]s with their specs, in declaration order.
//!
//! `#[crud_api]` emits `const CODEC: Codec = Codec::of::<Self>()` for its entity and
//! `#[backend]` emits its [`Component`] list, so a server can serve every CRUD API of one
//! backend from the types themselves, with no registry lookup.

use crate::spec::{CrudApiSpec, FunctionsAppSpec};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A request body that does not fit the entity type: where and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The JSON path of the failing value (`address.zip`, `items[2].qty`; `.` for the document).
    pub path: String,
    /// What serde said about it.
    pub message: String,
}

/// The user's serde implementations of one entity, behind function pointers.
#[derive(Clone, Copy)]
pub struct Codec {
    normalize: fn(Value) -> Result<Value, FieldError>,
}

impl std::fmt::Debug for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Codec")
    }
}

impl Codec {
    /// The codec of `T`.
    pub const fn of<T: Serialize + DeserializeOwned>() -> Codec {
        Codec {
            normalize: normalize::<T>,
        }
    }

    /// Deserialize `document` into the entity type and serialize it again: the stored form,
    /// with the type's renames, defaults and skips applied. The error names the first field
    /// that does not fit.
    pub fn normalize(&self, document: Value) -> Result<Value, FieldError> {
        (self.normalize)(document)
    }
}

fn normalize<T: Serialize + DeserializeOwned>(document: Value) -> Result<Value, FieldError> {
    let typed: T = serde_path_to_error::deserialize(document).map_err(|e| {
        let path = e.path().to_string();
        FieldError {
            path,
            message: e.into_inner().to_string(),
        }
    })?;
    serde_json::to_value(&typed).map_err(|e| FieldError {
        path: ".".to_string(),
        message: e.to_string(),
    })
}

/// Everything a backend reads of one CRUD entity's type, in one `const` (so that a missing
/// `#[crud_api]` is one error at the backend's field, not one per thing read).
#[derive(Debug, Clone, Copy)]
pub struct EntityFacts {
    /// The entity's spec.
    pub spec: &'static CrudApiSpec,
    /// Its serde implementations.
    pub codec: &'static Codec,
    /// Whether its attribute parsed without errors.
    pub valid: bool,
}

/// Everything a backend reads of one functions app's type, in one `const`.
#[derive(Debug, Clone, Copy)]
pub struct FunctionsAppFacts {
    /// The functions app's spec.
    pub spec: &'static FunctionsAppSpec,
    /// Whether its attribute parsed without errors.
    pub valid: bool,
}

/// One field of a backend struct, with what the runtime needs of its type.
#[derive(Debug, Clone, Copy)]
pub enum Component {
    /// `field: CrudApi<T>`.
    CrudApi {
        /// The backend field's name.
        field: &'static str,
        /// `T`'s spec.
        spec: &'static CrudApiSpec,
        /// `T`'s serde implementations.
        codec: &'static Codec,
    },
    /// `field: FunctionsApp<T>`.
    FunctionsApp {
        /// The backend field's name.
        field: &'static str,
        /// `T`'s spec.
        spec: &'static FunctionsAppSpec,
        /// `T`'s type identity: the functions naming `app = T` join this app, whatever other
        /// crate declares a functions app of the same name.
        type_id: fn() -> core::any::TypeId,
    },
}

impl Component {
    /// The backend field's name.
    pub fn field(&self) -> &'static str {
        match self {
            Component::CrudApi { field, .. } | Component::FunctionsApp { field, .. } => field,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Note {
        id: String,
        tenant_id: String,
        #[serde(default)]
        tags: Vec<String>,
        address: Address,
    }

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Address {
        zip: u32,
    }

    const CODEC: Codec = Codec::of::<Note>();

    #[test]
    fn normalizes_and_names_the_failing_field() {
        let ok = CODEC
            .normalize(serde_json::json!({ "id": "n1", "tenantId": "t", "address": { "zip": 10115 } }))
            .unwrap();
        assert_eq!(
            ok,
            serde_json::json!({ "id": "n1", "tenantId": "t", "tags": [], "address": { "zip": 10115 } })
        );
        let e = CODEC
            .normalize(serde_json::json!({ "id": "n1", "tenantId": "t", "address": { "zip": "x" } }))
            .unwrap_err();
        assert_eq!(e.path, "address.zip");
        assert!(e.message.contains("expected u32"), "{}", e.message);
        let e = CODEC.normalize(serde_json::json!({ "id": "n1" })).unwrap_err();
        assert_eq!(e.path, ".");
        assert!(e.message.contains("tenantId"), "{}", e.message);
    }
}
