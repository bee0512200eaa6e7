//! The benchmark's practical limit: the least an axum + rusqlite server can do for a point
//! read and a create of a JSON document, with the same SQLite settings as the runtime's
//! store (WAL, `synchronous=NORMAL`, one writer, pooled readers) and none of its work
//! (validation, partition keys, ETags, TTL, logging). Not part of the runtime.
//!
//! `PORT=8081 DB=/tmp/baseline.db cargo run --release -p atakora-runtime --example baseline`
//! - `GET /items/{id}`: the stored JSON, or 404
//! - `POST /items`: stores the body under its `id`, 201

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rusqlite::{Connection, OptionalExtension};
use std::sync::{Arc, Mutex};

struct Db {
    path: String,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

type Shared = Arc<Db>;

async fn read(State(db): State<Shared>, Path(id): Path<String>) -> Response {
    let conn = db.readers.lock().unwrap().pop();
    let conn = conn.unwrap_or_else(|| Connection::open(&db.path).unwrap());
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM items WHERE id = ?1")
        .and_then(|mut s| s.query_row([&id], |r| r.get(0)).optional())
        .unwrap_or(None);
    db.readers.lock().unwrap().push(conn);
    match body {
        Some(b) => ([(header::CONTENT_TYPE, "application/json")], b).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn create(State(db): State<Shared>, body: Bytes) -> Response {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let Some(id) = doc.get("id").and_then(|v| v.as_str()).map(String::from) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let text = doc.to_string();
    let out = tokio::task::spawn_blocking(move || {
        let conn = db.writer.lock().unwrap();
        conn.prepare_cached("INSERT INTO items (id, body) VALUES (?1, ?2)")
            .and_then(|mut s| s.execute([&id, &text]))
            .map(|_| text)
    })
    .await
    .unwrap();
    match out {
        Ok(text) => (StatusCode::CREATED, [(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Err(_) => StatusCode::CONFLICT.into_response(),
    }
}

fn main() {
    let path = std::env::var("DB").unwrap_or_else(|_| "baseline.db".into());
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8081);
    let writer = Connection::open(&path).unwrap();
    writer
        .execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
             CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;",
        )
        .unwrap();
    let db = Arc::new(Db {
        path,
        writer: Mutex::new(writer),
        readers: Mutex::new(Vec::new()),
    });
    let app = Router::new()
        .route("/items/{id}", get(read))
        .route("/items", post(create))
        .with_state(db);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        eprintln!("baseline on http://{}", listener.local_addr().unwrap());
        axum::serve(listener, app).await.unwrap();
    });
}
