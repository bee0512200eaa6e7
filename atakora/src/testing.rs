//! Helpers for testing a backend's templates in your own crate, as you test the rest of
//! your code: find resources by type and read app settings.
//!
//! ```
//! use atakora::testing::{app_setting, resource, resources};
//! use atakora::{backend, crud_api, Backend, CrudApi};
//! use serde::{Deserialize, Serialize};
//!
//! #[crud_api(partition_key = "/category", operations(read, list))]
//! #[derive(Serialize, Deserialize)]
//! pub struct Product {
//!     pub id: String,
//!     pub category: String,
//! }
//!
//! #[backend(app = "shop", environments(dev, prod))]
//! pub struct ShopBackend {
//!     pub products: CrudApi<Product>,
//! }
//!
//! let t = ShopBackend::plan("prod").unwrap().to_arm();
//! assert_eq!(resources(&t, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers").len(), 1);
//! let site = resource(&t, "Microsoft.Web/sites");
//! assert_eq!(site["properties"]["httpsOnly"], true);
//! assert_eq!(app_setting(site, "ATAKORA_CONTAINER_PRODUCTS").unwrap(), "shop/products");
//! ```

use serde_json::Value;

/// Every top-level resource of `template` whose type is `ty`, in template order.
pub fn resources<'a>(template: &'a Value, ty: &str) -> Vec<&'a Value> {
    template["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["type"] == ty)
        .collect()
}

/// Every resource of `template` whose type is `ty`, those of nested deployments included (an
/// app's role assignments live in its access deployment), in template order.
pub fn all_resources<'a>(template: &'a Value, ty: &str) -> Vec<&'a Value> {
    let mut out = Vec::new();
    for r in template["resources"].as_array().into_iter().flatten() {
        if r["type"] == ty {
            out.push(r);
        }
        if r["type"] == "Microsoft.Resources/deployments" {
            out.extend(all_resources(&r["properties"]["template"], ty));
        }
    }
    out
}

/// The one top-level resource of type `ty`. Panics (a test failure) when there is not exactly one.
pub fn resource<'a>(template: &'a Value, ty: &str) -> &'a Value {
    let all = resources(template, ty);
    assert_eq!(all.len(), 1, "expected exactly one {ty}, found {}", all.len());
    all[0]
}

/// The value of app setting `name` of a `Microsoft.Web/sites` resource.
pub fn app_setting<'a>(site: &'a Value, name: &str) -> Option<&'a Value> {
    site["properties"]["siteConfig"]["appSettings"]
        .as_array()?
        .iter()
        .find(|s| s["name"] == name)
        .map(|s| &s["value"])
}
