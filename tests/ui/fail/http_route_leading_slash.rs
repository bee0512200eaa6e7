#![allow(unused_imports, dead_code)]
use atakora::{function, functions_app};

#[functions_app]
pub struct Worker;

#[function(app = Worker, trigger = http(route = "/orders/{id}/ship", methods(post)))]
async fn ship(req: atakora::Request) -> atakora::Response {
    atakora::Response::new(202)
}

fn main() {}
