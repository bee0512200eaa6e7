#![allow(unused_imports, dead_code)]
use atakora::{function, functions_app};

#[functions_app]
pub struct Worker;

pub static ORDERS: atakora::Queue<String> = atakora::Queue::new("Orders");

fn main() {}
