//! Findings: a rule's rows in a fixed order, and the hunt's output formats. JSON lines
//! follow DESIGN.md §5 (`rule_id`, `rule_name`, `tactics`, `techniques`, `finding`); CSV
//! and Parquet hold the same five columns, the finding as JSON text; the table format
//! prints each rule's rows under a heading.

use std::io::Write;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::compute::{concat_batches, take_record_batch};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::Result;
use serde_json::{Map, Value};

use super::{ResultSet, RuleReport, Status};
use crate::output::{OutputError, OutputFormat, row_objects, write_results};

/// The rows of `batches` as one batch, ordered by their JSON text (columns in order), so
/// that the same lake and rules give the same output whatever order the engine's
/// partitions finish in.
pub fn in_order(schema: SchemaRef, batches: &[RecordBatch]) -> Result<ResultSet> {
    let all = concat_batches(&schema, batches)?;
    let keys: Vec<String> = row_objects(&schema, &all).into_iter().map(|o| Value::Object(o).to_string()).collect();
    let mut order: Vec<u32> = (0..keys.len() as u32).collect();
    order.sort_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]));
    let indices = datafusion::arrow::array::UInt32Array::from(order);
    Ok(ResultSet { schema, batch: take_record_batch(&all, &indices)? })
}

/// One finding per row of every rule that ran, in report order.
fn finding_objects(reports: &[RuleReport]) -> Vec<Map<String, Value>> {
    let mut out = Vec::new();
    for r in reports {
        let Status::Ran { results, .. } = &r.status else { continue };
        for set in results {
            for finding in row_objects(&set.schema, &set.batch) {
                let mut obj = Map::new();
                obj.insert("rule_id".into(), Value::from(r.rule.id.clone()));
                obj.insert("rule_name".into(), Value::from(r.rule.name.clone()));
                obj.insert("tactics".into(), Value::from(r.rule.tactics.clone()));
                obj.insert("techniques".into(), Value::from(r.rule.techniques.clone()));
                obj.insert("finding".into(), Value::Object(finding));
                out.push(obj);
            }
        }
    }
    out
}

/// Writes the findings of `reports` to `out` in `format`.
pub fn write_findings<W: Write>(format: OutputFormat, reports: &[RuleReport], mut out: W) -> Result<(), OutputError> {
    match format {
        OutputFormat::Table => write_tables(reports, out),
        OutputFormat::Jsonl => {
            for obj in finding_objects(reports) {
                serde_json::to_writer(&mut out, &Value::Object(obj)).map_err(std::io::Error::from)?;
                out.write_all(b"\n")?;
            }
            out.flush()?;
            Ok(())
        }
        OutputFormat::Csv | OutputFormat::Parquet => {
            let (schema, batch) = flat(&finding_objects(reports));
            write_results(format, &schema, &[batch], out)
        }
    }
}

/// Each rule with findings: a heading line, then its rows as a table.
fn write_tables<W: Write>(reports: &[RuleReport], mut out: W) -> Result<(), OutputError> {
    let mut first = true;
    for r in reports {
        let Status::Ran { results, .. } = &r.status else { continue };
        for set in results.iter().filter(|s| s.batch.num_rows() > 0) {
            if !first {
                writeln!(out)?;
            }
            first = false;
            let n = set.batch.num_rows();
            writeln!(out, "{} {} ({} finding{}; {})", r.rule.id, r.rule.name, n, if n == 1 { "" } else { "s" }, r.rule.techniques.join(", "))?;
            write_results(OutputFormat::Table, &set.schema, std::slice::from_ref(&set.batch), &mut out)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The five columns of CSV and Parquet output: rule id and name, tactics and techniques
/// (comma-separated) and the finding as JSON text.
fn flat(findings: &[Map<String, Value>]) -> (SchemaRef, RecordBatch) {
    let names = ["rule_id", "rule_name", "tactics", "techniques", "finding"];
    let schema = Arc::new(Schema::new(names.iter().map(|n| Field::new(*n, DataType::Utf8, false)).collect::<Vec<_>>()));
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let columns: Vec<ArrayRef> = names.iter().map(|n| Arc::new(StringArray::from_iter_values(findings.iter().map(|f| text(f.get(*n))))) as ArrayRef).collect();
    // Five non-null Utf8 columns of one length, as the schema says.
    let batch = RecordBatch::try_new(Arc::clone(&schema), columns).expect("columns match the schema");
    (schema, batch)
}
