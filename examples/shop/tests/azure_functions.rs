//! The order processor as Azure runs it (feature `azure`): the shop's binary started as the
//! functions app's custom handler (`ATAKORA_FUNCTIONS_APP`, `FUNCTIONS_CUSTOMHANDLER_PORT`),
//! given the Functions host's payloads, with its queues in azurite's queue service over HTTPS
//! (`.ci/services.sh`; required under CI). `Queue::send` and the dead letters of permanent
//! failures go to Azure Storage queues: here through the `QUEUES` connection string of a
//! `managed_identity = false` app; the identity-based connection is covered by the runtime's
//! `storage_queues` test against the same server. Without the feature, the binary refuses to
//! start as a functions app whose settings name queues it could not reach.

#[cfg(not(feature = "azure"))]
#[test]
fn without_the_azure_build_a_functions_app_with_queues_refuses_to_start() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_atakora-example-shop"))
        .env("ATAKORA_FUNCTIONS_APP", "order-processor")
        .env("FUNCTIONS_CUSTOMHANDLER_PORT", "0")
        .env("QUEUES__queueServiceUri", "https://acct.queue.core.windows.net/")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "atakora: functions app order-processor: its settings name storage queues (QUEUES), which this binary cannot reach: build it with the `serve-azure` feature of atakora"
        ),
        "{stderr}"
    );
}

#[cfg(feature = "azure")]
mod azure {
    use atakora_runtime::storage_queues::StorageQueues;
    use serde_json::{Value, json};
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::{Child, Command, Stdio};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    /// azurite's account key (public, in its documentation).
    const DEV_KEY: &str = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// `$var`, else its line in `.ci/.services/env`; missing under CI fails, elsewhere skips.
    fn service(var: &str) -> Option<String> {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.ci/.services/env");
        let value = std::env::var(var).ok().filter(|v| !v.is_empty()).or_else(|| {
            let text = std::fs::read_to_string(file).ok()?;
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{var}=")).map(String::from))
        });
        if value.is_none() {
            let required = ["CI", "ATAKORA_REQUIRE_SERVICES"]
                .iter()
                .any(|k| std::env::var(k).is_ok_and(|v| !v.is_empty() && v != "0"));
            assert!(
                !required,
                "{var} is not set: run `.ci/services.sh start` first (required under CI)"
            );
            eprintln!("\n*** SKIPPED: {var} is not set; run `.ci/services.sh start` to run this test ***\n");
        }
        value
    }

    struct Handler {
        child: Child,
        port: u16,
        lines: Arc<Mutex<Vec<String>>>,
    }

    impl Drop for Handler {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    impl Handler {
        fn start(connection: &str, ca: &str) -> Handler {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let mut child = Command::new(env!("CARGO_BIN_EXE_atakora-example-shop"))
                .env("ATAKORA_FUNCTIONS_APP", "order-processor")
                .env("FUNCTIONS_CUSTOMHANDLER_PORT", port.to_string())
                .env("QUEUES", connection)
                .env("SSL_CERT_FILE", ca)
                // As the Functions host does, a connection string wins over identity
                // settings: were this one used, every send below would fail.
                .env("QUEUES__queueServiceUri", "https://127.0.0.1:9/nowhere")
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let lines = Arc::new(Mutex::new(Vec::new()));
            let (stderr, sink) = (child.stderr.take().unwrap(), lines.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    sink.lock().unwrap().push(line);
                }
            });
            let handler = Handler { child, port, lines };
            handler.wait_for("functions app order-processor on http://127.0.0.1:");
            handler
        }

        fn wait_for(&self, text: &str) -> String {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                if let Some(l) = self.lines.lock().unwrap().iter().find(|l| l.contains(text)) {
                    return l.clone();
                }
                assert!(
                    Instant::now() < deadline,
                    "no line with `{text}` in:\n{}",
                    self.lines.lock().unwrap().join("\n")
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }

        /// `POST path` with `body`, as the Functions host calls the handler.
        fn post(&self, path: &str, body: &Value) -> (u16, String) {
            let body = body.to_string();
            let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
            write!(
            s,
            "POST {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).unwrap();
            let status = out.split(' ').nth(1).unwrap().parse().unwrap();
            (status, out.split("\r\n\r\n").nth(1).unwrap_or_default().to_string())
        }
    }

    /// The first message on `queue` that `matches`, waiting up to 10 s (earlier runs' messages
    /// stay in azurite: each run uses ids of its own).
    fn find(
        rt: &tokio::runtime::Runtime,
        queues: &StorageQueues,
        queue: &str,
        matches: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let texts = rt.block_on(queues.peek(queue, 32)).unwrap();
            if let Some(v) = texts
                .iter()
                .filter_map(|t| serde_json::from_str::<Value>(t).ok())
                .find(|v| matches(v))
            {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "nothing that matches on `{queue}`: {texts:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    #[test]
    fn in_azure_the_processor_sends_to_storage_queues_and_dead_letters_permanent_failures() {
        let (Some(endpoint), Some(ca)) = (service("ATAKORA_AZURITE_QUEUES"), service("ATAKORA_AZURITE_CA")) else {
            return;
        };
        let connection = format!(
            "DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey={DEV_KEY};QueueEndpoint={endpoint}"
        );
        // The test's own client: the same CA, set before it makes its first connection.
        // SAFETY: this binary's only test, before any other thread reads the environment.
        unsafe { std::env::set_var("SSL_CERT_FILE", &ca) };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let queues = StorageQueues::from_connection_string(&connection).unwrap();
        // What the template creates: every queue and its poison twin.
        // Emptied too: the server may have run this test before, and `find` peeks at the
        // front of each queue.
        for q in ["orders", "orders-poison", "notifications", "notifications-poison"] {
            rt.block_on(queues.create(q)).unwrap();
            rt.block_on(queues.clear(q)).unwrap();
        }
        let handler = Handler::start(&connection, &ca);
        let run = format!(
            "{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
        );

        // The change feed hands `on_order` a batch: it sends each order to `orders`.
        let order = json!({ "id": format!("o-{run}"), "userId": "u-1", "productIds": ["p-1"], "total": 12.5 });
        let batch = json!({ "Data": { "batch": json!([order]).to_string() }, "Metadata": {} });
        let (status, body) = handler.post("/on_order", &batch);
        assert_eq!(status, 200, "{body}");
        let placed = find(&rt, &queues, "orders", |m| m["orderId"] == format!("o-{run}"));
        assert_eq!(placed, json!({ "orderId": format!("o-{run}"), "userId": "u-1" }));

        // The queue hands `process_order` that message: it sends the notification.
        let message =
            json!({ "Data": { "msg": placed.to_string() }, "Metadata": { "DequeueCount": "1", "Id": "\"m-1\"" } });
        let (status, body) = handler.post("/process_order", &message);
        assert_eq!(status, 200, "{body}");
        let note = find(&rt, &queues, "notifications", |m| {
            m["text"] == format!("order o-{run} is being prepared")
        });
        assert_eq!(note["userId"], "u-1");

        // An order without an id fails permanently: dead-lettered to `orders-poison` at once,
        // and the invocation succeeds so that the host does not retry it.
        let nameless = json!({ "orderId": "", "userId": format!("u-{run}") });
        let message =
            json!({ "Data": { "msg": nameless.to_string() }, "Metadata": { "DequeueCount": "1", "Id": "\"m-2\"" } });
        let (status, body) = handler.post("/process_order", &message);
        assert_eq!(status, 200, "{body}");
        let letter = find(&rt, &queues, "orders-poison", |m| {
            m["message"]["userId"] == format!("u-{run}")
        });
        assert_eq!(letter["function"], "process_order");
        assert_eq!(letter["queue"], "orders");
        assert_eq!(letter["error"], "permanent: an order without an id");
        assert_eq!(letter["messageId"], "m-2");
        handler.wait_for("dead-lettered to orders-poison");

        // The HTTP function, proxied by the host at its route, sends too.
        let (status, body) = handler.post(&format!("/orders/s-{run}/ship"), &json!({}));
        assert_eq!(status, 202, "{body}");
        find(&rt, &queues, "orders", |m| m["orderId"] == format!("s-{run}"));
    }

    #[test]
    fn an_unresolved_key_vault_reference_stops_the_handler_saying_so() {
        let out = Command::new(env!("CARGO_BIN_EXE_atakora-example-shop"))
            .env("ATAKORA_FUNCTIONS_APP", "order-processor")
            .env("FUNCTIONS_CUSTOMHANDLER_PORT", "0")
            .env(
                "QUEUES",
                "@Microsoft.KeyVault(VaultName=kv-shop;SecretName=storage-connection)",
            )
            .output()
            .unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("QUEUES is still the Key Vault reference `@Microsoft.KeyVault(VaultName=kv-shop;SecretName=storage-connection)`: the platform could not resolve it"),
            "{stderr}"
        );
    }
}
