//! Times resolve and emit for the sizes given on the command line.
use std::time::Instant;

fn main() {
    for n in std::env::args().skip(1).map(|a| a.parse::<usize>().expect("a number")) {
        let spec = atakora_benches::spec(n);
        let t = Instant::now();
        let plan = atakora_core::resolve::resolve(&spec, "dev").expect("resolves");
        let resolved = t.elapsed();
        let t = Instant::now();
        let files = atakora_azure::render(&plan);
        let rendered = t.elapsed();
        let t = Instant::now();
        let report = plan.validate();
        let validated = t.elapsed();
        println!(
            "n={n}: resolve {resolved:?}, render {rendered:?}, validate {validated:?}, template {} bytes, {} errors",
            files.template.len(),
            report.errors.len()
        );
    }
}
