//! "Enable caching for read-heavy workloads": the catalogue is read far more than written, so
//! its API caches reads for five minutes in Azure Managed Redis, reached with the app's Entra
//! identity (no access keys).

use atakora::{CrudApi, backend, crud_api};
use serde::{Deserialize, Serialize};

#[crud_api(partition_key = "/category", cache(ttl = 300), operations(read, list))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CatalogItem {
    pub id: String,
    pub category: String,
    pub price: f64,
}

#[backend(
    app = "catalog",
    environments(dev, prod),
    // The storefront calls the catalogue from the browser.
    cors(allowed_origins = ["https://shop.example.com", "http://localhost:5173"])
)]
pub struct CachedCatalogBackend {
    pub items: CrudApi<CatalogItem>,
}
