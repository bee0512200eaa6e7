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
mod functions;
mod identity;
mod keyvault;
mod monitor;
mod network;
mod roles;
mod storage;
mod web;

pub mod cost;
pub mod limits;
pub mod manifest;
pub mod parts;
pub mod template;
mod text;

pub use atakora_core::naming::unique_string;
pub use template::{parameters, template};

use atakora_core::Plan;
use serde_json::Value;

/// Every file of one deployment, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// `azuredeploy.json`: the template, or its first part when it is split.
    pub template: String,
    /// The further parts of a split template, in deployment order
    /// ([`parts::file_name`]: `azuredeploy.part-2.json`, ...); empty when it fits one.
    pub parts: Vec<String>,
    /// `azuredeploy.parameters.json` (every part's).
    pub parameters: String,
    /// `manifest.json`.
    pub manifest: String,
    /// The ARM limits a part breaks, and the large-backend warning.
    pub limit_findings: Vec<atakora_core::Diagnostic>,
}

impl Rendered {
    /// Every template file, `(file name, text)`, in deployment order.
    pub fn templates(&self) -> impl Iterator<Item = (String, &str)> {
        std::iter::once(&self.template)
            .chain(&self.parts)
            .enumerate()
            .map(|(k, t)| (parts::file_name(k), t.as_str()))
    }
}

/// Render `plan` into the files of `target/atakora/<backend>/<env>/`, the template split into
/// parts within ARM's limits when it needs to be ([`parts`]).
pub fn render(plan: &Plan) -> Rendered {
    let template = template(plan);
    // Over 800 resources the template is split whatever its size: it is rendered in parts only.
    let text = (limits::resource_count(&template) <= limits::MAX_RESOURCES).then(|| to_text(&template));
    let (parts, texts): (Vec<Value>, Vec<String>) = match text {
        Some(text) if text.len() <= limits::MAX_TEMPLATE_BYTES => (vec![template], vec![text]),
        _ => parts::split_rendered(template).into_iter().unzip(),
    };
    let limit_findings = limits::check_parts(&parts, &texts);
    let manifest = manifest::of_parts(plan, &parts, &texts, limit_findings.clone());
    let mut texts = texts.into_iter();
    Rendered {
        template: texts.next().unwrap_or_default(),
        parts: texts.collect(),
        parameters: to_text(&parameters(plan)),
        manifest: to_text(&manifest),
        limit_findings,
    }
}

/// The one JSON text form: two-space indentation, keys in emission order, a final newline.
pub fn to_text(value: &Value) -> String {
    let mut s = String::new();
    text::write(&mut s, value, 0);
    s.push('\n');
    s
}
