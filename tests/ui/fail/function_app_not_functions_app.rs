#![allow(unused_imports, dead_code)]
use atakora::{function, functions_app};

#[functions_app]
pub struct Worker;

pub struct NotAnApp;

#[function(app = NotAnApp, trigger = timer("0 */5 * * * *"))]
async fn tick(_timer: atakora::TimerInfo) -> Result<(), atakora::Error> {
    Ok(())
}

fn main() {}
