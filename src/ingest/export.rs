//! A lake table written back out as the Defender exports that ingest reads
//! ([`export_table`]): Streaming API JSON lines or an Advanced Hunting CSV. It is what the
//! ingest round-trip tests and the ingest benchmark feed to [`super::ingest`].

use std::io::Write;
use std::path::Path;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::TableReference;
use datafusion::prelude::ident;

use super::json_record::CATEGORY_PREFIX;
use super::source::Format;
use crate::catalog::{PARTITION_COLUMN, new_session, register_lake};
use crate::output::{OutputFormat, row_objects, write_results};

/// The tenant id written into exported envelopes.
const TENANT: &str = "00000000-0000-4000-8000-000000000000";

/// Writes every row of `table` in the lake at `lake` to `out` as `format` (rows in
/// `Timestamp` order), and returns the number of rows. Streaming records carry the
/// envelope keys a real export has; `time` is the row's Timestamp.
pub async fn export_table(lake: &Path, table: &str, format: Format, out: &mut dyn Write) -> anyhow::Result<usize> {
    let reading = super::publish::ReadGuard::acquire(lake)?;
    let ctx = new_session();
    register_lake(&ctx, lake)?;
    let df = ctx.table(TableReference::bare(table)).await?;
    let columns: Vec<_> = df.schema().fields().iter().map(|f| f.name().clone()).filter(|n| n != PARTITION_COLUMN).collect();
    let df = df.select(columns.iter().map(ident).collect::<Vec<_>>())?.sort(vec![ident("Timestamp").sort(true, false)])?;
    let schema: SchemaRef = df.schema().inner().clone();
    let batches = df.collect().await?;
    drop(reading);
    let rows = batches.iter().map(RecordBatch::num_rows).sum();
    match format {
        Format::Stream => write_stream(table, &schema, &batches, out)?,
        Format::Csv => write_results(OutputFormat::Csv, &schema, &batches, out)?,
        Format::JsonLines => write_results(OutputFormat::Jsonl, &schema, &batches, out)?,
    }
    Ok(rows)
}

fn write_stream(table: &str, schema: &SchemaRef, batches: &[RecordBatch], out: &mut dyn Write) -> anyhow::Result<()> {
    let category = format!("{CATEGORY_PREFIX}{table}");
    let mut out = std::io::BufWriter::new(out);
    for batch in batches {
        for row in row_objects(schema, batch) {
            let time = row.get("Timestamp").cloned().unwrap_or_default();
            let record = serde_json::json!({
                "time": time,
                "tenantId": TENANT,
                "operationName": "Publish",
                "category": category,
                "properties": row,
            });
            serde_json::to_writer(&mut out, &record)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}
