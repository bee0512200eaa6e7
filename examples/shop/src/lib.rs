//! atakora's core patterns as an app crate.
//!
//! `ApiBackend`: four CRUD APIs over three containers sharing one Cosmos DB account, one
//! database, one Function App and one storage account. Users are partitioned by tenant
//! (multi-tenant) and expire a day after their last write; products by category with
//! per-environment throughput; orders by user (per-user access pattern). Callers need Entra ID
//! tokens: each sees only their own orders (`owner`) and their tenant's users (`tenant`);
//! catalogue writes take the `Catalog.Write` app role and deleting orders `Orders.Admin`.
//!
//! Beside the API, the processing: two functions apps (order processing, notifications), each
//! its own Flex Consumption app and plan, apart from the API app. They are in the same backend
//! because they react to its orders' change feed and meet through queues in its storage account
//! (a backend is the boundary of the data and of what its apps are granted).
//!
//! `cargo build -p atakora-example-shop` writes `target/atakora/api-backend/<env>/`; `cargo run`
//! serves the CRUD API and runs the functions locally.

pub mod api;
pub mod processing;

pub use api::ApiBackend;
