#![allow(unused_imports, dead_code)]
use atakora::{function, functions_app};

#[functions_app]
pub struct Worker;

#[function(app = Worker, trigger = timer("0 */5 * * * *"))]
async fn host(_timer: atakora::TimerInfo) -> Result<(), atakora::Error> {
    Ok(())
}

fn main() {}
