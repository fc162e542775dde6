//! Advanced Hunting CSV exports ([`read_csv`]): a header row of column names, then one row
//! per record (RFC 4180 quoting). An empty cell is `""` in a string column and null
//! elsewhere; columns the catalog does not know go to `_extra`.

use std::io::Read;

use super::buffer::{Buffers, RowFault, Staged};
use super::columns::TableRows;
use super::quarantine::Reason;
use super::records::RowSink;
use super::values::{self, TextArena};
use crate::catalog::TableDef;

enum Target {
    Column(usize),
    TimeGenerated,
    Extra(String),
}

/// Reads every row of a CSV export of `table`. A row with another number of fields than
/// the header, or with bytes that are not UTF-8, is quarantined; the reader goes on.
/// `start` is where the text begins in its file (after a byte-order mark), so that offsets
/// are the file's.
pub fn read_csv(input: &mut dyn Read, start: u64, table: &'static TableDef, sink: &mut dyn RowSink) -> Result<(), csv::Error> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).has_headers(true).from_reader(input);
    let header = reader.byte_headers()?.clone();
    let names: Vec<String> = header.iter().map(|h| String::from_utf8_lossy(h).trim().to_string()).collect();
    // A column named twice has no one value per row: which one to keep would be a guess.
    if let Some(name) = names.iter().enumerate().find_map(|(i, n)| names[..i].contains(n).then_some(n)) {
        sink.bad(1, 0, b"", Reason::Unreadable(format!("the header names the column {name:?} twice")));
        return Ok(());
    }
    let targets: Vec<Target> = names
        .into_iter()
        .map(|name| match table.column_index(&name) {
            Some(i) => Target::Column(i),
            None if name == "TimeGenerated" => Target::TimeGenerated,
            None => Target::Extra(name),
        })
        .collect();
    let Some(index) = Buffers::index_of(table) else {
        sink.bad(0, 0, b"", Reason::Unreadable(format!("{} is not a table of the catalog", table.name)));
        return Ok(());
    };
    let mut record = csv::ByteRecord::new();
    let mut row = Staged::default();
    let mut arena = TextArena::default();
    while !sink.stopped() && reader.read_byte_record(&mut record)? {
        let (line, offset) = record.position().map_or((0, 0), |p| (p.line(), start + p.byte()));
        if record.len() != header.len() {
            sink.bad(line, offset, &csv_text(&record), Reason::FieldCount { expected: header.len(), found: record.len() });
            continue;
        }
        row.reset(Some(table), line);
        arena.clear();
        let buffers = sink.buffers();
        if let Some(reason) = fill(&mut row, buffers.table(index), &mut arena, &targets, &record) {
            buffers.table(index).discard_row();
            sink.bad(line, offset, &csv_text(&record), reason);
            continue;
        }
        buffers.finish(index, &mut row);
        buffers.commit();
        sink.row(&row, &mut || String::from_utf8_lossy(&csv_text(&record)).into_owned());
    }
    Ok(())
}

/// Converts the fields of one row into the row `rows` is building, and into `row`; a field
/// that is not UTF-8 stops it.
fn fill(row: &mut Staged, rows: &mut TableRows, arena: &mut TextArena, targets: &[Target], record: &csv::ByteRecord) -> Option<Reason> {
    let table = rows.table();
    for (target, field) in targets.iter().zip(record.iter()) {
        let Ok(text) = std::str::from_utf8(field) else {
            let column = match target {
                Target::Column(i) => table.columns[*i].name.to_string(),
                Target::TimeGenerated => "TimeGenerated".into(),
                Target::Extra(name) => name.clone(),
            };
            return Some(Reason::NotUtf8 { column });
        };
        match target {
            Target::Column(i) => match values::from_text(table.columns[*i].ty, text, arena) {
                Ok(cell) => rows.set(*i, cell, arena),
                Err(error) => row.fail(RowFault::WrongType { column: table.columns[*i].name, error }),
            },
            Target::TimeGenerated => row.time_generated = values::parse_datetime(text.trim()),
            Target::Extra(name) if !text.is_empty() => {
                // JSON text stays JSON; anything else becomes a JSON string.
                let json = match serde_json::from_str::<serde_json::Value>(text) {
                    Ok(v @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => v.to_string(),
                    _ => serde_json::Value::String(text.to_string()).to_string(),
                };
                row.extra.push((name.clone(), json));
            }
            Target::Extra(_) => {}
        }
    }
    None
}

/// A row as one CSV line again, for the quarantine.
fn csv_text(record: &csv::ByteRecord) -> Vec<u8> {
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    if out.write_byte_record(record).is_err() {
        return Vec::new();
    }
    let mut bytes = out.into_inner().unwrap_or_default();
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    bytes
}
