//! atakora's core patterns as an app crate.
//!
//! - `ApiBackend`: three CRUD APIs sharing one Cosmos DB account, one database, one Function
//!   App and one storage account. Users are partitioned by tenant (multi-tenant) and expire a
//!   day after their last write; products by category with per-environment throughput; orders
//!   by user (per-user access pattern). Callers need Entra ID tokens: each sees only their own
//!   orders (`owner`) and their tenant's users (`tenant`); catalogue writes take the
//!   `Catalog.Write` app role and deleting orders `Orders.Admin`.
//! - `ProcessingBackend`: two function apps (order processing, notifications), each its own
//!   Flex Consumption app, sharing storage and monitoring.
//!
//! `cargo build -p atakora-example-shop` writes `target/atakora/{api-backend,processing-backend}/<env>/`.

pub mod api;
pub mod processing;

pub use api::ApiBackend;
pub use processing::ProcessingBackend;
