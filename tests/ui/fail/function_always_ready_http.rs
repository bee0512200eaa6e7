#![allow(unused_imports, dead_code)]
use atakora::{function, functions_app};

#[functions_app]
pub struct Worker;

#[function(app = Worker, trigger = http(route = "orders", methods(get)), always_ready = 2)]
async fn list(req: atakora::Request) -> atakora::Response {
    atakora::Response::new(200)
}

fn main() {}
