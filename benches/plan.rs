//! Planning rules: parse + plan against the catalog (no lake, no execution). The issue's
//! target is under 5 ms for a typical rule in a release build. Two measurements: the seed
//! rule (three joins, a summarize), and every corpus rule that plans, whose mean per rule
//! is criterion's time divided by the count in the benchmark's name.
//!
//! Run with `cargo bench --bench plan`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use lakehunt::kql::ParseOptions;
use lakehunt::plan::{PlanContext, plan_kql_with};
use lakehunt::rules::{load_rule, rule_files_under};

fn bench_plan(c: &mut Criterion) {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let cx = PlanContext::in_memory(1_795_737_600_000_000_000);
    let options = ParseOptions { blank_line_separates: true };
    let seed = load_rule(&corpus.join("azure-sentinel/HQ-M365D__Execution__detect-impacket-dcomexec.yaml")).map(|r| r.query);
    let files = rule_files_under(&corpus).unwrap_or_default();
    let planned: Vec<String> = files
        .iter()
        .filter_map(|f| load_rule(f).ok())
        .map(|r| r.query)
        .filter(|q| plan_kql_with(q, &cx, options).is_ok())
        .collect();
    let mut group = c.benchmark_group("plan");
    if let Ok(seed) = seed {
        group.bench_function("seed_rule", |b| b.iter(|| black_box(plan_kql_with(black_box(&seed), &cx, options).is_ok())));
    }
    group.bench_function(format!("corpus_{}_rules", planned.len()), |b| {
        b.iter(|| {
            for q in &planned {
                black_box(plan_kql_with(black_box(q), &cx, options).is_ok());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_plan);
criterion_main!(benches);
