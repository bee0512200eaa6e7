//! Order processing: a functions app deployed and scaled apart from the API app, running its
//! `#[atakora::function]` handlers; their queues, roles and scale groups come from the
//! triggers. A new or changed order (the change feed of `Order`) is queued on `orders`; its
//! processing queues a notification on `notifications`, which `notify` sends. `cargo run`
//! runs all of it locally next to the CRUD API.

use crate::api::Order;
use atakora::{function, functions_app};
use serde::{Deserialize, Serialize};

/// Processes placed orders and sends their notifications.
#[functions_app(memory_mb = 2048, max_instances = 100)]
pub struct OrderProcessor;

/// An order to process, as the `orders` queue carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderPlaced {
    /// The order's id.
    pub order_id: String,
    /// Its owner, who gets the notification.
    pub user_id: String,
}

/// A notification to send, as the `notifications` queue carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// Whom to notify.
    pub user_id: String,
    /// What to say.
    pub text: String,
}

/// Orders waiting to be processed.
pub static ORDERS: atakora::Queue<OrderPlaced> = atakora::Queue::new("orders");
/// Notifications waiting to be sent.
pub static NOTIFICATIONS: atakora::Queue<Notification> = atakora::Queue::new("notifications");

impl From<&Order> for OrderPlaced {
    fn from(order: &Order) -> OrderPlaced {
        OrderPlaced {
            order_id: order.id.clone(),
            user_id: order.user_id.clone(),
        }
    }
}

/// Every new or changed order (the change feed of the orders container, latest versions, in
/// order) is queued for processing.
#[function(app = OrderProcessor, trigger = changes(Order))]
pub async fn on_order(batch: Vec<Order>) -> Result<(), atakora::Error> {
    for order in &batch {
        ORDERS.send(&OrderPlaced::from(order)).await?;
    }
    Ok(())
}

/// Processes one placed order, then asks for its owner to be notified. An order without an id
/// can never succeed: it is dead-lettered at once instead of retried.
#[function(app = OrderProcessor, trigger = queue("orders", max_attempts = 5))]
pub async fn process_order(msg: OrderPlaced) -> Result<(), atakora::Error> {
    if msg.order_id.is_empty() {
        return Err(atakora::Error::permanent("an order without an id"));
    }
    let text = format!("order {} is being prepared", msg.order_id);
    NOTIFICATIONS
        .send(&Notification {
            user_id: msg.user_id,
            text,
        })
        .await?;
    Ok(())
}

/// Every five minutes (UTC): the housekeeping tick.
#[function(app = OrderProcessor, trigger = timer("0 */5 * * * *"))]
pub async fn cleanup(timer: atakora::TimerInfo) -> Result<(), atakora::Error> {
    if timer.is_past_due {
        eprintln!("cleanup: running late");
    }
    Ok(())
}

/// `POST /orders/{id}/ship`: queues the order for processing.
#[function(app = OrderProcessor, trigger = http(route = "orders/{id}/ship", methods(post)))]
pub async fn ship(req: atakora::Request) -> atakora::Response {
    let Some(id) = req.param("id").map(str::to_string) else {
        return atakora::Response::text(400, "no order id");
    };
    let user_id = req.header("x-user-id").unwrap_or_default().to_string();
    match ORDERS
        .send(&OrderPlaced {
            order_id: id.clone(),
            user_id,
        })
        .await
    {
        Ok(()) => atakora::Response::json(202, &Shipping { order_id: id }),
        Err(e) => atakora::Response::text(503, &e.to_string()),
    }
}

/// Sends one notification (here: a line on stderr).
#[function(app = OrderProcessor, trigger = queue("notifications", max_attempts = 5))]
pub async fn notify(msg: Notification) -> Result<(), atakora::Error> {
    eprintln!("notify {}: {}", msg.user_id, msg.text);
    Ok(())
}

/// The body of `ship`'s answer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Shipping {
    order_id: String,
}
