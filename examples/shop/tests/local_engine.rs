//! End to end, locally: the shop's binary serves its CRUD API and runs the order processor's
//! functions next to it (`cargo run`). Creating an order over HTTP reaches `on_order` through
//! the store's change feed, which queues it on `orders`, whose `process_order` queues a
//! notification that `notify` sends; run now goes through the admin endpoint. Once with the
//! handlers called directly, once with the Functions host's payloads
//! (`ATAKORA_LOCAL_PAYLOADS=azure`). Asserted on the store's queues and checkpoint and on the
//! handlers' output, polled with a deadline.

use atakora_runtime::store::{LocalEngine, SqliteStore, Synchronous};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    port: u16,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(db: &std::path::Path, payloads: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_atakora-example-shop"))
            .env("PORT", "0")
            .env("ATAKORA_STORE", format!("sqlite:{}", db.display()))
            .env("ATAKORA_LOCAL_PAYLOADS", payloads)
            .env("RUST_LOG", "info")
            .env_remove("ATAKORA_AUTH_ISSUER")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let mut server = Server { child, port: 0, lines };
        let banner = server.wait_for("serving ApiBackend on http://127.0.0.1:");
        let port = banner.split("127.0.0.1:").nth(1).unwrap();
        server.port = port
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap();
        server
    }

    /// The first line containing `text`, waiting up to 30 s for it.
    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(l) = self.lines.lock().unwrap().iter().find(|l| l.contains(text)) {
                return l.clone();
            }
            assert!(Instant::now() < deadline, "no line with `{text}` in:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    fn call(&self, method: &str, path: &str, body: &Value) -> (u16, Value) {
        let body = body.to_string();
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        let status = out[9..12].parse().unwrap();
        let (head, rest) = out.split_once("\r\n\r\n").unwrap();
        let text = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            rest.split("\r\n").nth(1).unwrap_or_default().to_string()
        } else {
            rest.to_string()
        };
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn until(what: &str, log: impl Fn() -> String, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; the server said:\n{}",
            log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_order_created_over_http_is_processed_and_notified_locally() {
    for payloads in ["direct", "azure"] {
        let dir = std::env::temp_dir().join(format!("atakora-shop-e2e-{payloads}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let db = dir.join("shop.db");
        let server = Server::start(&db, payloads);
        let store = SqliteStore::open(&db, Synchronous::Normal).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let queue = |name: &str| rt.block_on(store.messages(name)).unwrap();

        // An order through the CRUD API.
        let started = Instant::now();
        let order = json!({ "id": "o-1", "userId": "u-1", "productIds": ["p-1"], "total": 12.5 });
        let (status, body) = server.call("POST", "/api/orders", &order);
        assert_eq!(status, 201, "{body}");
        server.wait_for("notify u-1: order o-1 is being prepared");
        let latency = started.elapsed();
        until(
            "the queues to drain and the checkpoint to move",
            || server.log(),
            || {
                let end = rt.block_on(store.feed_end("orders")).unwrap();
                queue("orders").is_empty()
                    && queue("notifications").is_empty()
                    && rt.block_on(store.state("leases:order-processor.on_order")).unwrap() == Some(end.to_string())
            },
        );
        assert!(queue("orders-poison").is_empty());

        // Run now: a queue function with a message, then a change-feed function with a batch
        // whose order has no id: `process_order` dead-letters it at once.
        let (status, body) = server.call(
            "POST",
            "/admin/functions/process_order",
            &json!({ "input": json!({ "orderId": "o-2", "userId": "u-2" }).to_string() }),
        );
        assert_eq!((status, &body["status"]), (202, &json!("succeeded")), "{body}");
        server.wait_for("notify u-2: order o-2 is being prepared");
        let nameless = json!([{ "id": "", "userId": "u-3", "productIds": [], "total": 0.0 }]);
        let (status, _) = server.call(
            "POST",
            "/admin/functions/on_order",
            &json!({ "input": nameless.to_string() }),
        );
        assert_eq!(status, 202);
        until("the dead letter", || server.log(), || queue("orders-poison").len() == 1);
        let envelope: Value = serde_json::from_str(&queue("orders-poison")[0].body).unwrap();
        assert_eq!(envelope["function"], "process_order");
        assert_eq!(envelope["error"], "permanent: an order without an id");
        assert_eq!(envelope["message"], json!({ "orderId": "", "userId": "u-3" }));

        // The HTTP function is served beside the CRUD API; its message reaches `notify` too.
        let (status, body) = server.call("POST", "/orders/o-4/ship", &json!({}));
        assert_eq!((status, &body), (202, &json!({ "orderId": "o-4" })));
        server.wait_for("notify : order o-4 is being prepared");

        eprintln!(
            "--- {payloads}: order to notification in {latency:?}; the server's log:\n{}",
            server.log()
        );
        drop(server);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
