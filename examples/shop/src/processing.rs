//! The processing backend: workers, deployed apart from the API.

use atakora::{FunctionsApp, backend, functions_app};

/// Processes placed orders.
#[functions_app(memory_mb = 2048, max_instances = 100)]
pub struct OrderProcessor;

/// Sends notifications: small, I/O-bound, so the smallest instances.
#[functions_app(memory_mb = 512, max_instances = 40)]
pub struct NotificationService;

/// Background processing: each function app gets its own Flex Consumption app and plan,
/// sharing the backend's storage account and monitoring.
#[backend(app = "shop-jobs", environments(dev, prod), tags(cost_center = "engineering"))]
pub struct ProcessingBackend {
    pub order_processor: FunctionsApp<OrderProcessor>,
    pub notification_service: FunctionsApp<NotificationService>,
}
