//! Throughput of `lakehunt ingest` on Streaming API JSON lines: records per second from
//! the file to committed, sorted, zstd Parquet in a fresh lake. Ingest reads and parses on
//! one thread, so the figure is per core (the target: 150,000 records/s per core).
//!
//! Run with `cargo bench --bench ingest`. The input is every event table of a generated
//! 16-device day, exported as streaming records (`ingest::export`), about 2.5 KB each.

use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lakehunt::catalog::Catalog;
use lakehunt::ingest::export::export_table;
use lakehunt::ingest::{FLUSH_ROWS, Format, IngestConfig, ingest};
use lakehunt::synth::{GenConfig, generate};

fn bench_ingest(c: &mut Criterion) {
    let work = tempfile::tempdir().expect("temp dir");
    let lake = work.path().join("source");
    let gen_cfg = GenConfig { lake: lake.clone(), devices: 16, days: 1, end: 1_795_737_600_000_000_000, seed: 1, threads: 2 };
    generate(&gen_cfg, &mut |_| {}).expect("gen");
    let input = work.path().join("stream.json");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&input).expect("create"));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut records = 0;
    for table in Catalog.tables() {
        records += rt.block_on(export_table(&lake, table.name, Format::Stream, &mut file)).expect("export");
    }
    file.flush().expect("flush");
    drop(file);
    let bytes = std::fs::metadata(&input).expect("size").len();
    eprintln!("input: {records} records, {} MB", bytes / 1_000_000);
    // To profile the binary on the same input: `LAKEHUNT_BENCH_KEEP_INPUT=/tmp/stream16.json`.
    if let Some(keep) = std::env::var_os("LAKEHUNT_BENCH_KEEP_INPUT") {
        std::fs::copy(&input, &keep).expect("keep the input");
    }

    // As the binary does for its ingest command.
    lakehunt::ingest::memory::keep_freed_memory();
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.throughput(Throughput::Elements(records as u64));
    group.bench_function("mde_stream_jsonl", |b| {
        b.iter(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let cfg = IngestConfig { lake: dir.path().to_path_buf(), format: None, table: None, paths: vec![input.clone()], flush_rows: FLUSH_ROWS };
            let report = ingest(&cfg, &mut |_| {}).expect("ingest");
            assert_eq!(report.rows() as usize, records);
            black_box(report);
        })
    });
    group.finish();
}

criterion_group!(benches, bench_ingest);
criterion_main!(benches);
