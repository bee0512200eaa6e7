use atakora::functions_app;

#[functions_app(memory_mb = 1024)]
pub struct Worker;

fn main() {}
