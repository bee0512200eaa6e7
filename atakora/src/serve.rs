//! `atakora::serve::<B>()`: serve every `CrudApi<T>` of backend `B` over HTTP (feature
//! `serve`), and build its Azure Functions package. The contract is in `docs/runtime.md`.

use crate::Backend;
use atakora_core::contract::package as contract;
use std::path::Path;
use std::process::ExitCode;

pub use atakora_runtime::engine::{Engine, EngineClock, EngineConfig, LocalFunction, Payloads, Running};
pub use atakora_runtime::functions::{
    DeadLetters, Endpoint, Failure, Handler, HttpCall, HttpReply, router as functions_router, serve as serve_functions,
};
pub use atakora_runtime::package::{FLEX_GLIBC, Package, PackageError};
pub use atakora_runtime::payload::{Invocation, Shape};

/// The router of a functions app's handler (see [`functions_router`]).
pub type FunctionsRouter = atakora_runtime::functions::AppRouter;
pub use atakora_runtime::{Route, Service};
use std::sync::Arc;

/// Serve backend `B` until SIGINT/SIGTERM: on `127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT` in
/// Azure, else `$PORT`, else 7071 (`PORT=0` picks a free port); from the store
/// `ATAKORA_STORE` names (`sqlite:<path>`, `memory`, `cosmos`), by default Cosmos DB when
/// `COSMOS__accountEndpoint` is set and `.atakora/<backend>.db` otherwise. The routes are
/// printed on stderr, one JSON line per request on stdout. Locally (not under the Functions
/// host, on the SQLite or memory store) the functions of `B`'s functions apps run next to the
/// CRUD API: queues, timers and the change feed on the same store, HTTP functions on the same
/// port, `POST /admin/functions/<name>` to run one now (`ATAKORA_LOCAL_PAYLOADS=azure` sends
/// them the Functions host's payloads); `Queue::send` reaches the local queues.
///
/// ```ignore
/// fn main() -> std::process::ExitCode { atakora::serve::<ShopBackend>() }
/// ```
///
/// Run by `cargo atakora package` (with `ATAKORA_PACKAGE_OUT` set), it writes the API app's
/// deployment package with this very binary as the handler, and exits, instead of serving.
pub fn serve<B: Backend>() -> ExitCode {
    if let Some(out) = std::env::var_os(contract::OUT_ENV) {
        return package_self::<B>(Path::new(&out));
    }
    // Deployed as one of the backend's functions apps: serve its functions.
    if let Ok(app) = std::env::var(atakora_core::contract::settings::FUNCTIONS_APP) {
        let endpoints = function_endpoints::<B>(&app);
        let dead_letters = match install_azure_queues() {
            Ok(d) => d,
            Err(e) => {
                eprintln!("atakora: functions app {app}: {e}");
                return ExitCode::FAILURE;
            }
        };
        return atakora_runtime::functions::run(&app, endpoints, dead_letters);
    }
    install_local_queues();
    atakora_runtime::server::run_with_functions(B::spec(), B::components(), local_functions::<B>())
}

/// [`Queue::send`](crate::Queue::send) through the local engine ([`serve`] installs it; a
/// test that serves a backend itself installs it too). `false` when a transport is installed
/// already.
pub fn install_local_queues() -> bool {
    crate::functions::install_queue_transport(Box::new(LocalQueues))
}

/// In a deployed functions app: [`Queue::send`](crate::Queue::send) and the dead letters of
/// permanent failures through the Azure Storage queues its settings name (`QUEUES__…`), when
/// it has queues. Without the `serve-azure` feature such an app cannot reach them: refused.
fn install_azure_queues() -> Result<Option<Arc<dyn DeadLetters>>, String> {
    #[cfg(feature = "serve-azure")]
    {
        let Some(queues) = atakora_runtime::storage_queues::StorageQueues::from_env()? else {
            return Ok(None);
        };
        if !crate::functions::install_queue_transport(Box::new(AzureQueues(queues.clone()))) {
            return Err(
                "another queue transport is installed already: `Queue::send` would not reach Azure Storage".into(),
            );
        }
        Ok(Some(Arc::new(queues)))
    }
    #[cfg(not(feature = "serve-azure"))]
    {
        let c = atakora_core::contract::settings::QUEUES;
        let named = std::env::vars_os().any(|(k, _)| {
            k.to_str()
                .is_some_and(atakora_core::contract::settings::is_queue_setting)
        });
        if named {
            return Err(format!(
                "its settings name storage queues ({c}), which this binary cannot reach: build it with the `serve-azure` feature of atakora"
            ));
        }
        Ok(None)
    }
}

/// Azure Storage queues as the process's queue transport.
#[cfg(feature = "serve-azure")]
struct AzureQueues(atakora_runtime::storage_queues::StorageQueues);

#[cfg(feature = "serve-azure")]
impl crate::functions::QueueTransport for AzureQueues {
    fn send(&self, queue: &'static str, body: String) -> crate::functions::BoxFuture<Result<(), String>> {
        let queues = self.0.clone();
        Box::pin(async move { queues.send(queue, &body).await })
    }
}

/// Queues in the local store, through the process's running engine.
struct LocalQueues;

impl crate::functions::QueueTransport for LocalQueues {
    fn send(&self, queue: &'static str, body: String) -> crate::functions::BoxFuture<Result<(), String>> {
        Box::pin(async move {
            match atakora_runtime::engine::current() {
                Some(engine) => engine.send(queue, &body).await,
                None => Err(format!(
                    "no local engine runs to take messages for `{queue}`: queues run next to `atakora::serve`"
                )),
            }
        })
    }
}

/// Every function of backend `B`'s functions apps, for the local engine.
pub fn local_functions<B: Backend>() -> Vec<LocalFunction> {
    B::components()
        .iter()
        .filter_map(|c| match c {
            atakora_core::entity::Component::FunctionsApp { spec, .. } => {
                Some(crate::spec::kebab_case(&spec.type_name))
            }
            _ => None,
        })
        .flat_map(|app| {
            app_functions::<B>(&app)
                .into_iter()
                .map(move |(spec, endpoint)| LocalFunction {
                    app: app.clone(),
                    spec,
                    endpoint,
                })
        })
        .collect()
}

/// The `cargo atakora package` side of [`serve`]: package the running executable for `B`.
fn package_self<B: Backend>(out: &Path) -> ExitCode {
    let id = crate::spec::kebab_case(&B::spec().type_name);
    if let Ok(wanted) = std::env::var(contract::BACKEND_ENV)
        && wanted != id
    {
        eprintln!(
            "atakora: this binary serves backend `{id}`, not `{wanted}`: package `{wanted}` with the binary that serves it"
        );
        return ExitCode::FAILURE;
    }
    let functions_app = std::env::var(contract::APP_ENV).ok().filter(|a| !a.is_empty());
    let result = std::env::current_exe()
        .map_err(|e| format!("cannot find this executable: {e}"))
        .and_then(|exe| match &functions_app {
            None => package::<B>(&exe, out).map_err(|e| e.to_string()),
            Some(app) => {
                let env = std::env::var(contract::ENVIRONMENT_ENV).ok();
                package_functions::<B>(&exe, out, env.as_deref(), app)
            }
        });
    match result {
        Ok(p) => {
            eprintln!("atakora: wrote {}", p.path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("atakora: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The served APIs and route table of backend `B`.
pub fn service<B: Backend>() -> Service {
    Service::new(B::spec(), B::components())
}

/// Write `out_dir/released-package.zip` for `B`'s API Function App with `binary` as its custom
/// handler; the binary must be a Linux x86-64 executable needing at most [`FLEX_GLIBC`].
pub fn package<B: Backend>(binary: &Path, out_dir: &Path) -> Result<Package, PackageError> {
    atakora_runtime::package::build(&service::<B>(), binary, out_dir, FLEX_GLIBC)
}

/// Write `out_dir/released-package.zip` for `B`'s functions app `app` (its key:
/// `order-processor`) in `environment` (default: the backend's first) with `binary` as its
/// custom handler: the app's `host.json`, one `function.json` per function, the binary, which
/// serves that app's functions when the app's `ATAKORA_FUNCTIONS_APP` setting names it.
pub fn package_functions<B: Backend>(
    binary: &Path,
    out_dir: &Path,
    environment: Option<&str>,
    app: &str,
) -> Result<Package, String> {
    let spec = B::spec();
    let env = match environment {
        Some(e) => e.to_string(),
        None => spec
            .environments
            .first()
            .map(|e| e.to_string())
            .ok_or_else(|| "the backend has no environment".to_string())?,
    };
    let plan = crate::Plan::resolve(spec, &env).map_err(|e| e.to_string())?;
    let Some(functions) = plan.model().functions.iter().find(|f| f.app == app) else {
        let known: Vec<&str> = plan.model().functions.iter().map(|f| f.app.as_str()).collect();
        return Err(format!(
            "backend `{}` has no functions app `{app}` (its functions apps: {})",
            crate::spec::kebab_case(&spec.type_name),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ));
    };
    atakora_runtime::package::build_functions(plan.model(), functions, binary, out_dir, FLEX_GLIBC)
        .map_err(|e| e.to_string())
}

/// The functions of `B`'s functions app `app` (its key: `order-processor`) as the handler's
/// endpoints: each decodes its trigger's input and runs the `#[atakora::function]`.
pub fn function_endpoints<B: Backend>(app: &str) -> Vec<Endpoint> {
    app_functions::<B>(app).into_iter().map(|(_, e)| e).collect()
}

fn app_functions<B: Backend>(app: &str) -> Vec<(&'static atakora_core::spec::FunctionSpec, Endpoint)> {
    use crate::functions::{Input, Outcome};
    use atakora_core::contract::functions as binding;
    use atakora_core::spec::Trigger;
    let Some(type_id) = B::components().iter().find_map(|c| match c {
        atakora_core::entity::Component::FunctionsApp { spec, type_id, .. }
            if crate::spec::kebab_case(&spec.type_name) == app =>
        {
            Some(type_id())
        }
        _ => None,
    }) else {
        return Vec::new();
    };
    let failure = |e: crate::Error| {
        if e.is_permanent() {
            Failure::Permanent(e.to_string())
        } else {
            Failure::Retry(e.to_string())
        }
    };
    crate::registry::functions()
        .into_iter()
        .filter(|f| (f.app)() == type_id)
        .map(|def| {
            let invoke = def.invoke;
            let payload = |binding: &'static str,
                           shape: Shape,
                           queue: Option<String>,
                           input: fn(serde_json::Value) -> Result<Input, String>| {
                Handler::Payload {
                    binding,
                    shape,
                    queue,
                    run: Arc::new(move |inv: Invocation| {
                        let input = input(inv.data);
                        Box::pin(async move {
                            let input = input.map_err(Failure::Permanent)?;
                            invoke(input).await.map(drop).map_err(failure)
                        })
                    }),
                }
            };
            let handler = match &def.spec.trigger {
                Trigger::Queue { queue, .. } => {
                    payload(binding::QUEUE_BINDING, Shape::Message, Some(queue.to_string()), |v| {
                        Ok(Input::Queue(v))
                    })
                }
                Trigger::Timer { .. } => payload(binding::TIMER_BINDING, Shape::Timer, None, |v| {
                    serde_json::from_value(v)
                        .map(Input::Timer)
                        .map_err(|e| format!("not a TimerInfo: {e}"))
                }),
                Trigger::Changes { .. } => payload(binding::CHANGES_BINDING, Shape::Batch, None, |v| match v {
                    serde_json::Value::Array(items) => Ok(Input::Changes(items)),
                    other => Ok(Input::Changes(vec![other])),
                }),
                Trigger::Http { route, methods } => Handler::Http {
                    route: route.to_string(),
                    methods: methods.iter().map(|m| m.to_string()).collect(),
                    run: Arc::new(move |call: HttpCall| {
                        let request = crate::Request {
                            method: call.method,
                            path: call.path,
                            query: call.query,
                            headers: call.headers,
                            params: call.params,
                            body: call.body,
                        };
                        Box::pin(async move {
                            match invoke(Input::Http(request)).await {
                                Ok(Outcome::Response(r)) => HttpReply {
                                    status: r.status,
                                    headers: r.headers,
                                    body: r.body,
                                },
                                Ok(Outcome::Done) => HttpReply {
                                    status: 204,
                                    ..HttpReply::default()
                                },
                                Err(e) => HttpReply {
                                    status: 500,
                                    body: e.to_string().into_bytes(),
                                    ..HttpReply::default()
                                },
                            }
                        })
                    }),
                },
            };
            (
                def.spec,
                Endpoint {
                    name: def.spec.name.to_string(),
                    handler,
                },
            )
        })
        .collect()
}
