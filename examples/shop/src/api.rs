//! The shop's backend: the CRUD APIs, and the functions apps that process their orders.

use crate::processing::OrderProcessor;
use atakora::{CrudApi, FunctionsApp, backend, crud_api};
use serde::{Deserialize, Serialize};

/// Multi-tenant users: every query is scoped to one tenant — the caller's (`tenant`: the
/// token's `tid`). Sessions-like data: a user document expires one day after its last write.
#[crud_api(partition_key = "/tenantId", tenant = "/tenantId", ttl = 86400)]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub tenant_id: String,
    pub email: String,
    pub display_name: String,
}

/// The catalogue: read far more than written, partitioned by category, with dedicated
/// throughput sized per environment. Any signed-in caller reads it; changing it takes the
/// `Catalog.Write` app role.
#[crud_api(
    partition_key = "/category",
    throughput(dev = 400, staging = 1000, prod = 4000),
    roles(create = "Catalog.Write", update = "Catalog.Write", delete = "Catalog.Write")
)]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub category: String,
    pub name: String,
    pub price: f64,
}

/// The public catalogue: a read-only API over the products container (least privilege: it
/// serves only `read` and `list`, so nothing written through it can reach the data).
#[crud_api(
    partition_key = "/category",
    container = "products",
    throughput(dev = 400, staging = 1000, prod = 4000),
    operations(read, list)
)]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CatalogItem {
    pub id: String,
    pub category: String,
    pub name: String,
    pub price: f64,
}

/// Orders, partitioned by the user who placed them: "all my orders" is one partition, and
/// the only one a caller sees (`owner`: the token's `oid`). Deleting takes `Orders.Admin`.
#[crud_api(partition_key = "/userId", owner = "/userId", roles(delete = "Orders.Admin"))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: String,
    pub user_id: String,
    pub product_ids: Vec<String>,
    pub total: f64,
}

/// The shop: one Cosmos DB account, one database, one Function App for all four APIs (three
/// containers: the catalogue reads the products'), and the order processing beside them: two
/// functions apps, each its own Flex Consumption app and plan, scaled and deployed apart from
/// the API app. They live in this backend because they react to its orders (`changes(Order)`:
/// a change-feed function reads the container, its leases and its database with grants on this
/// backend's account) and talk through queues in its storage account. Callers need Entra ID
/// tokens for the `api://shop-api` app registration (locally only when `ATAKORA_AUTH_ISSUER`
/// is set); the functions apps take no callers' tokens.
#[backend(
    app = "shop",
    auth(entra(audience = "api://shop-api")),
    location = "eastus",
    environments(dev, staging, prod),
    limits(max_cosmos_accounts = 1, max_throughput_per_database = 10000),
    monitoring(retention_days = 90),
    tags(cost_center = "engineering")
)]
pub struct ApiBackend {
    pub users: CrudApi<User>,
    pub products: CrudApi<Product>,
    pub orders: CrudApi<Order>,
    pub catalog: CrudApi<CatalogItem>,
    pub order_processor: FunctionsApp<OrderProcessor>,
}
