//! Throughput of `lakehunt gen`: rows of finished, sorted, zstd Parquet per second.
//!
//! Run with `cargo bench --bench gen`. The figure to compare is criterion's
//! `thrpt` (elements = rows written), against the target of 1 million rows/s.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lakehunt::synth::{GenConfig, generate};

fn config(dir: &std::path::Path, devices: usize) -> GenConfig {
    GenConfig {
        lake: dir.to_path_buf(),
        devices,
        days: 1,
        // 2026-11-27T00:00:00Z
        end: 1_795_737_600_000_000_000,
        seed: 1,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
}

fn bench_gen(c: &mut Criterion) {
    // Two chunks of devices, so both cores of this machine work.
    let devices = 16;
    let rows = {
        let dir = tempfile::tempdir().expect("temp dir");
        generate(&config(dir.path(), devices), &mut |_| {}).expect("gen").total_rows()
    };
    let mut group = c.benchmark_group("gen");
    group.sample_size(10);
    group.throughput(Throughput::Elements(rows as u64));
    group.bench_function(format!("{devices}_devices_1_day"), |b| {
        b.iter(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            black_box(generate(&config(dir.path(), devices), &mut |_| {}).expect("gen"));
        })
    });
    group.finish();
}

criterion_group!(benches, bench_gen);
criterion_main!(benches);
