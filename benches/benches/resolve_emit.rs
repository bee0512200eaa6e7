//! Resolve + emit (`render`: template, parts, parameters, manifest) of one backend of N
//! CRUD entities, in process. `cargo bench -p atakora-benches`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

fn resolve_and_emit(c: &mut Criterion) {
    let mut group = c.benchmark_group("resolve_emit");
    group.sample_size(10);
    for n in [10, 100, 1_000, 5_000] {
        let spec = atakora_benches::spec(n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &spec, |b, spec| {
            b.iter(|| {
                let plan = atakora_core::resolve::resolve(spec, "dev").expect("the generated backend resolves");
                atakora_azure::render(&plan)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, resolve_and_emit);
criterion_main!(benches);
