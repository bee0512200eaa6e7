//! What `#[atakora::function]` handlers take and return: [`Error`], [`TimerInfo`],
//! [`Request`], [`Response`], and [`Queue`] to send typed messages to a queue function.
//!
//! A handler is an ordinary `async fn`; the attribute registers it with its trigger, and the
//! runtime (`atakora::serve`) invokes it: locally next to the CRUD API, in Azure as the
//! functions app's custom handler. The traits here ([`QueueHandler`], [`TimerHandler`],
//! [`ChangesHandler`], [`HttpHandler`]) are the shapes each trigger accepts; the attribute
//! checks the handler against its trigger's with them (ATK0508).

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::OnceLock;

/// A boxed, sendable future: what the runtime awaits.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a handler failed, and whether trying again can help.
///
/// `?` on any error gives [`Error::retry`]: the queue message comes back after its
/// visibility timeout (and moves to `<queue>-poison` after `max_attempts`), a change-feed
/// batch is retried. [`Error::permanent`] dead-letters at once: the input can never succeed.
/// A message that cannot be decoded into the handler's type is permanent.
pub struct Error {
    permanent: bool,
    source: Source,
}

impl Error {
    /// A failure worth retrying (a dependency was down, a timeout).
    pub fn retry(error: impl Into<Source>) -> Error {
        Error {
            permanent: false,
            source: error.into(),
        }
    }

    /// A failure no retry can fix (an invalid message): dead-letter it now.
    pub fn permanent(error: impl Into<Source>) -> Error {
        Error {
            permanent: true,
            source: error.into(),
        }
    }

    /// Whether retrying is pointless.
    pub fn is_permanent(&self) -> bool {
        self.permanent
    }

    /// The underlying error.
    pub fn source(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.source
    }
}

/// Any error converts with `?`, as a retryable failure.
impl<E: std::error::Error + Send + Sync + 'static> From<E> for Error {
    fn from(error: E) -> Error {
        Error::retry(error)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.permanent { "permanent" } else { "retryable" };
        write!(f, "{kind}: {}", self.source)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("permanent", &self.permanent)
            .field("source", &self.source)
            .finish()
    }
}

/// A timer function's input: the Functions host's `TimerInfo` (`ScheduleStatus` is `null`
/// on the first run; times are UTC, ISO 8601).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, Serialize)]
pub struct TimerInfo {
    /// The last and next occurrences, as the host's monitor recorded them.
    #[serde(rename = "ScheduleStatus", default)]
    pub schedule_status: Option<ScheduleStatus>,
    /// Whether this run is late (the app was down when it was due).
    #[serde(rename = "IsPastDue", default)]
    pub is_past_due: bool,
}

/// When a timer last ran and runs next (UTC, ISO 8601).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, Serialize)]
pub struct ScheduleStatus {
    /// The previous occurrence.
    #[serde(rename = "Last", default)]
    pub last: String,
    /// The next occurrence.
    #[serde(rename = "Next", default)]
    pub next: String,
    /// When the monitor last wrote this status.
    #[serde(rename = "LastUpdated", default)]
    pub last_updated: String,
}

/// An HTTP function's request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, from the app's root (`/orders/42/ship`).
    pub path: String,
    /// The query string without `?`, if any.
    pub query: Option<String>,
    /// Headers, names lowercase, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The route's placeholders with their values (`id` → `42`).
    pub params: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Request {
    /// The value of route placeholder `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON of type `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

/// An HTTP function's response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// An empty response with `status`.
    pub fn new(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// `value` as `application/json` with `status`.
    pub fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> Response {
        match serde_json::to_vec(value) {
            Ok(body) => Response::new(status)
                .header("content-type", "application/json")
                .body(body),
            Err(e) => Response::text(500, &format!("the response could not be serialised: {e}")),
        }
    }

    /// `text` as `text/plain` with `status`.
    pub fn text(status: u16, text: &str) -> Response {
        Response::new(status)
            .header("content-type", "text/plain; charset=utf-8")
            .body(text.as_bytes().to_vec())
    }

    /// With header `name: value` added.
    pub fn header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// With `body`.
    pub fn body(mut self, body: Vec<u8>) -> Response {
        self.body = body;
        self
    }
}

/// A Storage queue of JSON messages of type `T`, consumed by a `queue("<name>")` function:
///
/// ```
/// #[derive(serde::Serialize)]
/// pub struct OrderPlaced { pub id: String }
///
/// pub static ORDERS: atakora::Queue<OrderPlaced> = atakora::Queue::new("orders");
/// ```
///
/// The name follows Azure's rules and leaves room for `-poison` (ATK0505, checked when the
/// `static` is compiled). Sending needs the runtime (`atakora::serve`), which reaches the
/// queue with the app's managed identity in Azure and the local store otherwise.
pub struct Queue<T> {
    name: &'static str,
    message: PhantomData<fn(&T)>,
}

impl<T> Queue<T> {
    /// The queue `name`.
    pub const fn new(name: &'static str) -> Queue<T> {
        if !atakora_core::check::queue_name_is_legal(name) {
            panic!(
                "ATK0505: a queue name is 3-56 lowercase letters, digits and single hyphens, starting and ending with a letter or digit (56, so that `<name>-poison` fits Azure's 63)"
            );
        }
        Queue {
            name,
            message: PhantomData,
        }
    }

    /// The queue's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<T: Serialize> Queue<T> {
    /// Send `message` as JSON.
    pub async fn send(&self, message: &T) -> Result<(), SendError> {
        let body = serde_json::to_string(message).map_err(|e| SendError(format!("the message is not JSON: {e}")))?;
        match TRANSPORT.get() {
            Some(t) => t.send(self.name, body).await.map_err(SendError),
            None => Err(SendError(format!(
                "no queue transport to send to `{}`: queues are reached through `atakora::serve`",
                self.name
            ))),
        }
    }
}

/// Why a message was not sent; converts into a retryable [`Error`] with `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError(pub String);

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SendError {}

/// Where [`Queue::send`] puts messages: installed once by the runtime.
pub trait QueueTransport: Send + Sync + 'static {
    /// Enqueue `body` (JSON text) on `queue`.
    fn send(&self, queue: &'static str, body: String) -> BoxFuture<Result<(), String>>;
}

static TRANSPORT: OnceLock<Box<dyn QueueTransport>> = OnceLock::new();

/// Install the process's queue transport; `false` when one is installed already.
pub fn install_queue_transport(transport: Box<dyn QueueTransport>) -> bool {
    TRANSPORT.set(transport).is_ok()
}

/// What the runtime hands a function: its trigger's input, decoded from the host's payload.
#[derive(Debug)]
pub enum Input {
    /// A queue message's JSON.
    Queue(serde_json::Value),
    /// A timer tick.
    Timer(TimerInfo),
    /// A change-feed batch: the documents, system properties stripped.
    Changes(Vec<serde_json::Value>),
    /// An HTTP request.
    Http(Request),
}

impl Input {
    fn kind(&self) -> &'static str {
        match self {
            Input::Queue(_) => "queue",
            Input::Timer(_) => "timer",
            Input::Changes(_) => "changes",
            Input::Http(_) => "http",
        }
    }
}

/// What a function's invocation gave.
#[derive(Debug)]
pub enum Outcome {
    /// A queue, timer or change-feed function succeeded.
    Done,
    /// An HTTP function's response.
    Response(Response),
}

/// The invoker of one function: decode its input, call the handler.
pub type Invoke = fn(Input) -> BoxFuture<Result<Outcome, Error>>;

/// One `#[atakora::function]`: its spec and its invoker.
#[derive(Debug)]
pub struct FunctionDef {
    /// The attribute's spec.
    pub spec: &'static atakora_core::spec::FunctionSpec,
    /// The type identity of its `app`.
    pub app: fn() -> std::any::TypeId,
    /// Runs the handler.
    pub invoke: Invoke,
}

/// A queue function's handler: `async fn(msg: T) -> Result<(), atakora::Error>`.
#[diagnostic::on_unimplemented(
    message = "ATK0508: this handler does not fit its queue trigger",
    label = "a queue handler is `async fn(msg: T) -> Result<(), atakora::Error>`",
    note = "`T` is the message type: it must implement `serde::Deserialize` (and be `Send`)"
)]
pub trait QueueHandler<M>: Copy + Send + Sync + 'static {
    /// Decode `message` into `M` (a permanent error when it does not decode) and run the
    /// handler on it.
    fn run(self, message: serde_json::Value) -> BoxFuture<Result<(), Error>>;
}

#[diagnostic::do_not_recommend]
impl<F, M, Fut> QueueHandler<M> for F
where
    F: Fn(M) -> Fut + Copy + Send + Sync + 'static,
    M: DeserializeOwned + Send + 'static,
    Fut: Future<Output = Result<(), Error>> + Send + 'static,
{
    fn run(self, message: serde_json::Value) -> BoxFuture<Result<(), Error>> {
        match serde_json::from_value::<M>(message) {
            Ok(m) => Box::pin(self(m)),
            Err(e) => Box::pin(std::future::ready(Err(Error::permanent(e)))),
        }
    }
}

/// A timer function's handler: `async fn(timer: atakora::TimerInfo) -> Result<(), atakora::Error>`.
#[diagnostic::on_unimplemented(
    message = "ATK0508: this handler does not fit its timer trigger",
    label = "a timer handler is `async fn(timer: atakora::TimerInfo) -> Result<(), atakora::Error>`"
)]
pub trait TimerHandler<A>: Copy + Send + Sync + 'static {
    /// Run the handler for one tick.
    fn run(self, timer: TimerInfo) -> BoxFuture<Result<(), Error>>;
}

/// The argument a timer handler takes: [`TimerInfo`].
pub trait TimerArgument: Send + 'static {
    /// From the tick's info.
    fn from_timer(timer: TimerInfo) -> Self;
}

impl TimerArgument for TimerInfo {
    fn from_timer(timer: TimerInfo) -> Self {
        timer
    }
}

#[diagnostic::do_not_recommend]
impl<F, A, Fut> TimerHandler<A> for F
where
    F: Fn(A) -> Fut + Copy + Send + Sync + 'static,
    A: TimerArgument,
    Fut: Future<Output = Result<(), Error>> + Send + 'static,
{
    fn run(self, timer: TimerInfo) -> BoxFuture<Result<(), Error>> {
        Box::pin(self(A::from_timer(timer)))
    }
}

/// A change-feed function's handler: `async fn(batch: Vec<T>) -> Result<(), atakora::Error>`
/// for `changes(T)`.
#[diagnostic::on_unimplemented(
    message = "ATK0508: this handler does not fit its `changes({T})` trigger",
    label = "a change-feed handler is `async fn(batch: Vec<{T}>) -> Result<(), atakora::Error>`"
)]
pub trait ChangesHandler<T>: Copy + Send + Sync + 'static {
    /// Decode every document of `batch` into `T` (a permanent error when one does not
    /// decode) and run the handler on them.
    fn run(self, batch: Vec<serde_json::Value>) -> BoxFuture<Result<(), Error>>;
}

#[diagnostic::do_not_recommend]
impl<F, T, Fut> ChangesHandler<T> for F
where
    F: Fn(Vec<T>) -> Fut + Copy + Send + Sync + 'static,
    T: DeserializeOwned + Send + 'static,
    Fut: Future<Output = Result<(), Error>> + Send + 'static,
{
    fn run(self, batch: Vec<serde_json::Value>) -> BoxFuture<Result<(), Error>> {
        match batch
            .into_iter()
            .map(serde_json::from_value)
            .collect::<Result<Vec<T>, _>>()
        {
            Ok(items) => Box::pin(self(items)),
            Err(e) => Box::pin(std::future::ready(Err(Error::permanent(e)))),
        }
    }
}

/// An HTTP function's handler: `async fn(req: atakora::Request) -> atakora::Response`.
#[diagnostic::on_unimplemented(
    message = "ATK0508: this handler does not fit its http trigger",
    label = "an HTTP handler is `async fn(req: atakora::Request) -> atakora::Response`"
)]
pub trait HttpHandler<A>: Copy + Send + Sync + 'static {
    /// Answer `request`.
    fn run(self, request: Request) -> BoxFuture<Response>;
}

/// The argument an HTTP handler takes: [`Request`].
pub trait HttpArgument: Send + 'static {
    /// From the request.
    fn from_request(request: Request) -> Self;
}

impl HttpArgument for Request {
    fn from_request(request: Request) -> Self {
        request
    }
}

#[diagnostic::do_not_recommend]
impl<F, A, Fut> HttpHandler<A> for F
where
    F: Fn(A) -> Fut + Copy + Send + Sync + 'static,
    A: HttpArgument,
    Fut: Future<Output = Response> + Send + 'static,
{
    fn run(self, request: Request) -> BoxFuture<Response> {
        Box::pin(self(A::from_request(request)))
    }
}

/// The invokers the attribute's registrations point at, one per trigger.
#[doc(hidden)]
pub mod invoke {
    use super::*;

    fn wrong(expected: &str, input: &Input) -> Error {
        Error::permanent(format!(
            "a {expected} function was invoked with a {} input",
            input.kind()
        ))
    }

    /// Decode a queue message into `M` (permanent when it does not decode) and run `f`.
    pub fn queue<F: QueueHandler<M>, M>(input: Input, f: F) -> BoxFuture<Result<Outcome, Error>> {
        Box::pin(async move {
            let Input::Queue(value) = input else {
                return Err(wrong("queue", &input));
            };
            f.run(value).await.map(|()| Outcome::Done)
        })
    }

    /// Run `f` for a timer tick.
    pub fn timer<F: TimerHandler<A>, A>(input: Input, f: F) -> BoxFuture<Result<Outcome, Error>> {
        Box::pin(async move {
            let Input::Timer(info) = input else {
                return Err(wrong("timer", &input));
            };
            f.run(info).await.map(|()| Outcome::Done)
        })
    }

    /// Decode a change-feed batch into `T`s (permanent when one does not decode) and run `f`.
    pub fn changes<T, F: ChangesHandler<T>>(input: Input, f: F) -> BoxFuture<Result<Outcome, Error>> {
        Box::pin(async move {
            let Input::Changes(items) = input else {
                return Err(wrong("changes", &input));
            };
            f.run(items).await.map(|()| Outcome::Done)
        })
    }

    /// Run `f` on an HTTP request.
    pub fn http<F: HttpHandler<A>, A>(input: Input, f: F) -> BoxFuture<Result<Outcome, Error>> {
        Box::pin(async move {
            let Input::Http(request) = input else {
                return Err(wrong("http", &input));
            };
            Ok(Outcome::Response(f.run(request).await))
        })
    }
}
