//! The aligned text table of `--format table`: widths from the cells, long cells cut on a
//! character boundary so multi-byte text never splits.

use std::io::{BufWriter, Write};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;

use super::{OutputError, cell_text, kusto_types};

/// Widest a column may grow, in characters; longer cells end with `…`.
const MAX_WIDTH: usize = 60;

pub(super) fn write_table<W: Write>(schema: &SchemaRef, batches: &[RecordBatch], out: W) -> Result<(), OutputError> {
    let kinds = kusto_types(schema);
    let header: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for batch in batches {
        for row in 0..batch.num_rows() {
            rows.push((0..batch.num_columns()).map(|i| fit(&cell_text(batch.column(i), row, kinds[i]))).collect());
        }
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = BufWriter::new(out);
    write_row(&mut out, &header, &widths)?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    write_row(&mut out, &rule, &widths)?;
    for row in &rows {
        write_row(&mut out, row, &widths)?;
    }
    out.flush()?;
    Ok(())
}

fn write_row<W: Write>(out: &mut W, cells: &[String], widths: &[usize]) -> Result<(), OutputError> {
    let mut line = String::new();
    for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        line.push_str(cell);
        if i + 1 < cells.len() {
            line.extend(std::iter::repeat_n(' ', w - cell.chars().count()));
        }
    }
    writeln!(out, "{line}")?;
    Ok(())
}

/// One line, at most MAX_WIDTH characters.
fn fit(cell: &str) -> String {
    let one_line: String = cell.chars().map(|c| if c == '\n' || c == '\r' || c == '\t' { ' ' } else { c }).collect();
    if one_line.chars().count() <= MAX_WIDTH {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(MAX_WIDTH - 1).collect();
    cut.push('…');
    cut
}
