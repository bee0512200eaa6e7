//! atakora's Azure target: a [`Plan`] becomes an ARM template, its parameters file and a
//! manifest. One module per resource family; [`template`](mod@template) assembles them in a fixed order so
//! the same plan always gives the same bytes.

#![warn(missing_docs)]

pub mod api_versions;
mod arm;
mod emit;
mod refs;

// One module per resource family; none imports another (they meet in `refs` and `emit`).
mod alerts;
mod cache;
mod cosmos;
mod identity;
mod keyvault;
mod monitor;
mod network;
mod roles;
mod storage;
mod web;

pub mod limits;
pub mod cost;
pub mod manifest;
pub mod template;

pub use atakora_core::naming::unique_string;
pub use template::{parameters, template};

use atakora_core::Plan;
use serde_json::Value;

/// Every file of one deployment, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// `azuredeploy.json`.
    pub template: String,
    /// `azuredeploy.parameters.json`.
    pub parameters: String,
    /// `manifest.json`.
    pub manifest: String,
}

/// Render `plan` into the three files of `target/atakora/<backend>/<env>/`.
pub fn render(plan: &Plan) -> Rendered {
    let template = template(plan);
    let manifest = manifest::manifest(plan, &template);
    Rendered {
        template: to_text(&template),
        parameters: to_text(&parameters(plan)),
        manifest: to_text(&manifest),
    }
}

/// The one JSON text form: two-space indentation, keys in emission order, a final newline.
pub fn to_text(value: &Value) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("serde_json::Value always serializes");
    s.push('\n');
    s
}
