//! # atakora-runtime
//!
//! The CRUD runtime of atakora: one binary serves every `CrudApi<T>` of a backend over HTTP,
//! from the user's own types, locally on an embedded SQLite file and in Azure as the API
//! Function App's custom handler on Cosmos DB. Apps use it through the facade:
//!
//! ```ignore
//! fn main() -> std::process::ExitCode { atakora::serve::<ShopBackend>() }
//! ```
//!
//! | module | what |
//! |---|---|
//! | [`api`] | the served APIs and the route table ([`Service`], [`Route`]) |
//! | [`auth`] | bearer tokens: who is calling, with which roles |
//! | [`http`] | the HTTP contract (router, handlers) |
//! | [`store`] | the store interface and its implementations |
//! | [`cache`] | the read cache (memory; Redis with feature `redis`) |
//! | [`openapi`] | the OpenAPI 3.1 document |
//! | [`server`] | settings from the environment, logging, start-up, shutdown |
//! | [`package`] | the Azure Functions deployment package |
//! | [`conformance`] | the store conformance suite |
//! | [`engine`] | the local engine: a backend's functions run next to its CRUD API |
//! | [`functions`], [`payload`] | a functions app's custom handler in Azure |
//! | `storage_queues` | Azure Storage queues: `Queue::send` and dead letters in Azure (feature `storage-queues`) |
//!
//! The contract is written for users in the repository's `docs/runtime.md`.

#![warn(missing_docs)]

pub mod api;
pub mod auth;
pub mod cache;
pub mod conformance;
pub mod engine;
pub mod functions;
pub mod http;
#[cfg(feature = "azure")]
mod identity;
pub mod openapi;
pub mod package;
pub mod payload;
pub mod problem;
mod request_log;
pub mod server;
#[cfg(feature = "storage-queues")]
pub mod storage_queues;
pub mod store;

pub use api::{Api, Route, RouteKind, Service};
pub use http::{Runtime, router};
pub use server::{Settings, StoreChoice, run, serve};
