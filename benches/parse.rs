//! Parsing the whole public corpus (../shared/corpus, about 900 rules). The target
//! is under 100 ms for all of it in a release build: compare criterion's `time`.
//!
//! Run with `cargo bench --bench parse`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lakehunt::kql::{ParseOptions, parse_with};
use lakehunt::rules::{load_rule, rule_files_under};

fn bench_parse(c: &mut Criterion) {
    let files = rule_files_under(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")).unwrap_or_default();
    let queries: Vec<String> = files.iter().filter_map(|f| load_rule(f).ok()).map(|r| r.query).collect();
    let bytes: usize = queries.iter().map(String::len).sum();
    let options = ParseOptions { blank_line_separates: true };
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(format!("corpus_{}_queries", queries.len()), |b| {
        b.iter(|| {
            for q in &queries {
                let _ = black_box(parse_with(black_box(q), options));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
