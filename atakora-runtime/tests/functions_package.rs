//! A functions app's package: `host.json` and one `function.json` per function, against the
//! golden files in `tests/golden/<app>/` (`ATAKORA_BLESS=1` rewrites them after an intended
//! change), and the zip with the handler binary.

use atakora::{CrudApi, FunctionsApp, backend, crud_api, function, functions_app};
use atakora_runtime::package;
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::PathBuf;

#[crud_api(partition_key = "/userId")]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: String,
    pub user_id: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderPlaced {
    pub order_id: String,
}

#[functions_app]
pub struct OrderProcessor;

#[functions_app(memory_mb = 512, max_instances = 40)]
pub struct Reports;

#[function(app = OrderProcessor, trigger = queue("orders", max_attempts = 7))]
async fn process_order(_msg: OrderPlaced) -> Result<(), atakora::Error> {
    Ok(())
}

#[function(app = OrderProcessor, trigger = changes(Order))]
async fn on_order(_batch: Vec<Order>) -> Result<(), atakora::Error> {
    Ok(())
}

#[function(app = OrderProcessor, trigger = http(route = "orders/{id}/ship", methods(post)))]
async fn ship(_req: atakora::Request) -> atakora::Response {
    atakora::Response::new(202)
}

#[function(app = Reports, trigger = timer("0 0 6 * * MON-FRI"))]
async fn daily_report(_timer: atakora::TimerInfo) -> Result<(), atakora::Error> {
    Ok(())
}

#[backend(app = "shop", environments(dev))]
pub struct Shop {
    pub orders: CrudApi<Order>,
    pub order_processor: FunctionsApp<OrderProcessor>,
    pub reports: FunctionsApp<Reports>,
}

fn golden(app: &str, name: &str, text: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(app)
        .join(name);
    if std::env::var_os("ATAKORA_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (ATAKORA_BLESS=1 writes it)", path.display()));
    assert_eq!(
        text,
        expected,
        "{} differs (ATAKORA_BLESS=1 rewrites it after an intended change)",
        path.display()
    );
}

fn files(app: &str) -> Vec<(String, String)> {
    let plan = Shop::plan("dev").unwrap();
    let model = plan.model();
    let functions = model.functions_of(app).unwrap();
    package::functions_files(model, functions)
}

#[test]
fn the_order_processors_host_json_and_function_json_files_are_the_golden_ones() {
    let files = files("order-processor");
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "host.json",
            "on_order/function.json",
            "process_order/function.json",
            "ship/function.json"
        ]
    );
    for (name, text) in &files {
        golden("order-processor", name, text);
    }
    let host: serde_json::Value = serde_json::from_str(&files[0].1).unwrap();
    // A queue and a change-feed trigger: the bundle, plain-JSON queue messages.
    assert_eq!(
        host["extensionBundle"]["id"],
        "Microsoft.Azure.Functions.ExtensionBundle"
    );
    assert_eq!(host["extensions"]["queues"]["messageEncoding"], "none");
    assert_eq!(host["extensions"]["queues"]["maxDequeueCount"], 7);
    assert_eq!(host["customHandler"]["enableProxyingHttpRequest"], true);
    let on_order: serde_json::Value = serde_json::from_str(&files[1].1).unwrap();
    assert_eq!(on_order["bindings"][0]["createLeaseContainerIfNotExists"], false);
    assert_eq!(on_order["retry"]["strategy"], "exponentialBackoff");
}

#[test]
fn a_timer_only_app_needs_no_extension_bundle() {
    let files = files("reports");
    for (name, text) in &files {
        golden("reports", name, text);
    }
    let host: serde_json::Value = serde_json::from_str(&files[0].1).unwrap();
    assert!(host.get("extensionBundle").is_none(), "{host}");
    assert!(host["extensions"].get("queues").is_none());
    assert_eq!(host["customHandler"]["enableProxyingHttpRequest"], false);
}

#[test]
fn the_zip_holds_the_handler_and_the_files() {
    let dir = std::env::temp_dir().join(format!("atakora-functions-package-{}", std::process::id()));
    let plan = Shop::plan("dev").unwrap();
    let app = plan.model().functions_of("order-processor").unwrap();
    let exe = std::env::current_exe().unwrap();
    let p = package::build_functions(plan.model(), app, &exe, &dir, (99, 99)).unwrap();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&p.path).unwrap()).unwrap();
    let mut names = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        names.push((f.name().unwrap().to_string(), f.unix_mode().unwrap() & 0o777));
        let mut sink = Vec::new();
        f.read_to_end(&mut sink).unwrap();
    }
    assert_eq!(
        names,
        [
            ("handler".to_string(), 0o755),
            ("host.json".to_string(), 0o644),
            ("on_order/function.json".to_string(), 0o644),
            ("process_order/function.json".to_string(), 0o644),
            ("ship/function.json".to_string(), 0o644),
        ]
    );
    std::fs::remove_dir_all(&dir).ok();
}
