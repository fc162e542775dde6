//! One top-level JSON value of an export, parsed straight into staged rows
//! ([`JsonParser`]): a Streaming API record `{time, tenantId, category, properties}`, an Event
//! Hub batch `{"records": [...]}`, an array of records, or (with `--table`) a plain row
//! object. Values go from the [`Cursor`] into [`Staged`] cells by their column's type; only
//! objects inside cells are built as `serde_json::Value` (to store them as compact text).

use std::collections::HashMap;

use super::buffer::{RowFault, Staged};
use super::json_lex::{Cursor, ErrorKind, JsonError, Literal, Number, Str};
use super::values::{self, Cell, TypeError};
use crate::catalog::{Catalog, KustoType, TableDef};

/// The prefix of a Streaming API category; the rest is the table name.
pub const CATEGORY_PREFIX: &str = "AdvancedHunting-";

/// What the top-level values of a file are.
#[derive(Debug, Clone, Copy)]
pub enum JsonShape {
    /// Streaming API records (or batches of them); the table comes from each `category`.
    Stream,
    /// Row objects of one table.
    Rows(&'static TableDef),
}

/// A table's column lookup. Exporters write every record's keys in the same order, so the
/// key at position k is first compared with the column the previous record had there
/// ([`Cursor::key_is`]); the hash map is only consulted on a miss, which then becomes the
/// prediction for the next record.
struct TableState {
    def: &'static TableDef,
    lookup: HashMap<&'static str, usize>,
    order: Vec<Option<usize>>,
}

impl TableState {
    fn new(def: &'static TableDef) -> Self {
        TableState { def, lookup: def.columns.iter().enumerate().map(|(i, c)| (c.name, i)).collect(), order: Vec::new() }
    }

    /// The column the previous record had at key position `k`.
    fn predicted(&self, k: usize) -> Option<usize> {
        self.order.get(k).copied().flatten()
    }

    /// The column of `key` at position `k`, which did not match the prediction.
    fn resolve(&mut self, k: usize, key: &str) -> Option<usize> {
        let found = self.lookup.get(key).copied();
        if k >= self.order.len() {
            self.order.resize(k + 1, None);
        }
        self.order[k] = found;
        found
    }
}

/// Where a property's value goes.
enum Target {
    Column(usize),
    TimeGenerated,
    Extra(String),
}

/// Parses top-level JSON values into a reusable pool of staged rows.
pub struct JsonParser {
    shape: JsonShape,
    /// The index in `tables` of the `Rows` shape's table.
    rows_table: usize,
    tables: Vec<TableState>,
    /// Whether the last value parsed was a list of records (a batch or an array).
    batch: bool,
    pool: Vec<Staged>,
    used: usize,
    line: u64,
    scratch: String,
    /// Where the text being parsed lies (address and length), to turn its strings into
    /// [`Cell::Source`] ranges.
    source: (usize, usize),
}

impl JsonParser {
    /// A parser for values of `shape`.
    pub fn new(shape: JsonShape) -> Self {
        let tables = Catalog.tables().iter().map(TableState::new).collect();
        let rows_table = match shape {
            JsonShape::Rows(table) => Catalog.tables().iter().position(|t| t.name == table.name).unwrap_or(0),
            JsonShape::Stream => 0,
        };
        JsonParser { shape, rows_table, tables, batch: false, pool: Vec::new(), used: 0, line: 0, scratch: String::new(), source: (0, 0) }
    }

    /// Parses one top-level value that starts on `line` into rows (one, or one per record
    /// of a batch; see [`JsonParser::rows`]), each finished: good, or carrying its fault. A
    /// syntax error fails the whole value, so no row of a broken batch is ever half-taken.
    /// Returns the value's text, which the rows' [`Cell::Source`] cells index.
    pub fn parse<'t>(&mut self, bytes: &'t [u8], line: u64) -> Result<&'t str, JsonError> {
        self.used = 0;
        self.line = line;
        self.batch = false;
        let text = std::str::from_utf8(bytes).map_err(|e| JsonError {
            kind: if e.error_len().is_none() { ErrorKind::Eof } else { ErrorKind::Syntax },
            message: "not UTF-8 text".into(),
            offset: e.valid_up_to(),
        })?;
        self.source = (text.as_ptr() as usize, text.len());
        let mut c = Cursor::new(text);
        match c.peek() {
            Some(b'{') => self.record(&mut c)?,
            Some(b'[') => self.records(&mut c)?,
            Some(_) => {
                let value = c.skip(&mut self.scratch)?;
                if c.at_end() {
                    return Err(JsonError { kind: ErrorKind::NotARecord, message: format!("a JSON {}, not an object", scalar_kind(value)), offset: 0 });
                }
            }
            None => return Err(c.error(ErrorKind::Eof, "no value")),
        }
        if !c.at_end() {
            return Err(c.error(ErrorKind::Syntax, "more text after the value"));
        }
        Ok(text)
    }

    /// The rows of the value last parsed.
    pub fn rows(&self) -> &[Staged] {
        &self.pool[..self.used]
    }

    /// Whether the value last parsed was a list of records, whose rows' texts are its
    /// elements rather than the whole value.
    pub fn was_batch(&self) -> bool {
        self.batch
    }

    fn next_row(&mut self, table: Option<&'static TableDef>) -> usize {
        if self.used == self.pool.len() {
            self.pool.push(Staged::default());
        }
        self.pool[self.used].reset(table, self.line);
        self.used += 1;
        self.used - 1
    }

    /// A list of records: a batch's `records`, or a top-level array.
    fn records(&mut self, c: &mut Cursor) -> Result<(), JsonError> {
        self.batch = true;
        if !c.open(b'[')? {
            return Ok(());
        }
        loop {
            match c.peek() {
                Some(b'{') => self.record(c)?,
                Some(_) => return Err(c.error(ErrorKind::NotARecord, "a list element is not an object")),
                None => return Err(c.error(ErrorKind::Eof, "the list does not close")),
            }
            if !c.next_member(b']')? {
                return Ok(());
            }
        }
    }

    /// One record: an envelope (or a batch of them), or a row of the `Rows` shape.
    fn record(&mut self, c: &mut Cursor) -> Result<(), JsonError> {
        if let JsonShape::Rows(table) = self.shape {
            let i = self.next_row(Some(table));
            self.props(c, self.rows_table, i)?;
            self.pool[i].finish();
            return Ok(());
        }
        let i = self.next_row(None);
        let mut table = None;
        let mut unknown_category = None;
        let mut deferred = None;
        let mut batch = false;
        if c.open(b'{')? {
            loop {
                let key = match c.key(&mut self.scratch)? {
                    Str::Raw(s) => s,
                    Str::Scratch => "",
                };
                match key {
                    "records" => {
                        // An Event Hub batch: its records are the rows, not this envelope.
                        batch = true;
                        self.records(c)?;
                    }
                    "category" => {
                        let start = c.i;
                        let raw = c.skip(&mut self.scratch)?;
                        let name = if raw.starts_with('"') && raw.len() >= 2 { &raw[1..raw.len() - 1] } else { raw };
                        match name.strip_prefix(CATEGORY_PREFIX).and_then(|n| self.tables.iter().position(|t| t.def.name == n)) {
                            Some(t) => {
                                table = Some(t);
                                self.pool[i].set_table(self.tables[t].def);
                            }
                            None => unknown_category = Some((start, name.to_string())),
                        }
                    }
                    "properties" => match table {
                        Some(t) => self.props(c, t, i)?,
                        None => {
                            c.peek();
                            let start = c.i;
                            deferred = Some((start, c.skip(&mut self.scratch)?));
                        }
                    },
                    _ => {
                        c.skip(&mut self.scratch)?;
                    }
                }
                if !c.next_member(b'}')? {
                    break;
                }
            }
        }
        if batch {
            // The envelope slot was taken first; move the batch's rows down over it.
            self.pool[i..self.used].rotate_left(1);
            self.used -= 1;
            return Ok(());
        }
        if let (Some((start, raw)), Some(t)) = (deferred, table) {
            let mut sub = Cursor::new(raw);
            self.props(&mut sub, t, i).map_err(|e| JsonError { offset: e.offset + start, ..e })?;
        }
        if let Some((_, category)) = unknown_category {
            self.pool[i].fail(RowFault::UnknownCategory(category));
        }
        self.pool[i].finish();
        Ok(())
    }

    /// The properties object of a record of table `t` into row `i`.
    fn props(&mut self, c: &mut Cursor, t: usize, i: usize) -> Result<(), JsonError> {
        if !c.open(b'{')? {
            return Ok(());
        }
        let state = &mut self.tables[t];
        let row = &mut self.pool[i];
        let mut k = 0;
        loop {
            let predicted = state.predicted(k).filter(|&col| c.key_is(state.def.columns[col].name));
            let target = if let Some(col) = predicted {
                Target::Column(col)
            } else {
                let key = match c.key(&mut self.scratch)? {
                    Str::Raw(s) => s,
                    Str::Scratch => self.scratch.as_str(),
                };
                match state.resolve(k, key) {
                    Some(col) => Target::Column(col),
                    None if key == "TimeGenerated" => Target::TimeGenerated,
                    None => Target::Extra(key.to_string()),
                }
            };
            k += 1;
            value(c, &mut self.scratch, row, state.def, target, self.source)?;
            if !c.next_member(b'}')? {
                return Ok(());
            }
        }
    }
}

fn scalar_kind(value: &str) -> &'static str {
    match value.as_bytes().first() {
        Some(b'"') => "string",
        Some(b't' | b'f') => "bool",
        Some(b'n') => "null",
        _ => "number",
    }
}

/// One property value into its target. `source` locates the value's whole text (see
/// [`source_cell`]).
fn value(c: &mut Cursor, scratch: &mut String, row: &mut Staged, table: &'static TableDef, target: Target, source: (usize, usize)) -> Result<(), JsonError> {
    let (col, ty) = match &target {
        Target::Column(col) => (*col, table.columns[*col].ty),
        Target::TimeGenerated => return time_generated(c, scratch, row),
        Target::Extra(_) => (0, KustoType::Dynamic),
    };
    if let Target::Extra(name) = target {
        let raw = c.skip(scratch)?;
        match raw.as_bytes().first() {
            Some(b'n') => {}
            Some(b'{' | b'[') => row.extra.push((name, compact(c, raw)?)),
            _ => row.extra.push((name, raw.to_string())),
        }
        return Ok(());
    }
    let cell = match c.peek() {
        Some(b'"') => match c.string(scratch)? {
            // Most values: set here rather than through a `Result`, whose copy through the
            // stack was a measurable stall.
            Str::Raw(s) if values::kept_as_text(ty, s) => {
                row.cells[col] = source_cell(s, source).unwrap_or_else(|| row.arena.push(s));
                return Ok(());
            }
            Str::Raw(s) => values::from_text(ty, s, &mut row.arena),
            Str::Scratch => values::from_text(ty, scratch.as_str(), &mut row.arena),
        },
        Some(b'-' | b'0'..=b'9') => match c.number()? {
            Number::Int(v) => values::from_i64(ty, v, &mut row.arena),
            Number::Big(v) => values::from_u64(ty, v, &mut row.arena),
            Number::Float(v) => values::from_f64(ty, v, &mut row.arena),
        },
        Some(b't' | b'f' | b'n') => match c.literal()? {
            Literal::True => values::from_bool(ty, true, &mut row.arena),
            Literal::False => values::from_bool(ty, false, &mut row.arena),
            Literal::Null => Ok(Cell::Null),
        },
        Some(b'{' | b'[') => {
            let raw = c.skip(scratch)?;
            let json = compact(c, raw)?;
            values::from_json(ty, &json, &mut row.arena)
        }
        Some(_) => return Err(c.error(ErrorKind::Syntax, "expected a value")),
        None => return Err(c.error(ErrorKind::Eof, "the text ends before a value")),
    };
    set(row, table, col, cell);
    Ok(())
}

/// A string of the text being parsed as a range of it, not a copy; `None` if it does not lie
/// within `source` (address and length), which a string the cursor returned always does.
fn source_cell(s: &str, source: (usize, usize)) -> Option<Cell> {
    let start = (s.as_ptr() as usize).checked_sub(source.0)?;
    let end = start.checked_add(s.len()).filter(|&end| end <= source.1)?;
    Some(Cell::Source(u32::try_from(start).ok()?, u32::try_from(end).ok()?))
}

fn set(row: &mut Staged, table: &'static TableDef, col: usize, cell: Result<Cell, TypeError>) {
    match cell {
        Ok(cell) => row.cells[col] = cell,
        Err(error) => row.fail(RowFault::WrongType { column: table.columns[col].name, error }),
    }
}

/// `TimeGenerated` stands in for a missing Timestamp (see [`Staged::finish`]); a value that
/// is not a datetime is kept in `_extra`.
fn time_generated(c: &mut Cursor, scratch: &mut String, row: &mut Staged) -> Result<(), JsonError> {
    let raw = c.skip(scratch)?;
    let text = if raw.starts_with('"') { serde_json::from_str::<String>(raw).ok() } else { None };
    row.time_generated = text.as_deref().and_then(values::parse_datetime);
    if row.time_generated.is_none() && raw != "null" {
        row.extra.push(("TimeGenerated".into(), raw.to_string()));
    }
    Ok(())
}

/// A nested value as compact JSON text (key order kept); the skip only checked its balance,
/// so this is where it is checked fully.
fn compact(c: &Cursor, raw: &str) -> Result<String, JsonError> {
    serde_json::from_str::<serde_json::Value>(raw)
        .map(|v| v.to_string())
        .map_err(|e| c.error(ErrorKind::Syntax, format!("invalid JSON in a nested value: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream() -> JsonParser {
        JsonParser::new(JsonShape::Stream)
    }

    fn text(row: &Staged, source: &str, column: &str) -> String {
        let i = row.table.and_then(|t| t.column_index(column)).expect("column");
        match row.cells[i] {
            Cell::Text(s, e) => row.arena.get(s, e).to_string(),
            Cell::Source(s, e) => source[s as usize..e as usize].to_string(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn an_envelope_becomes_one_row_of_its_category() {
        let mut p = stream();
        let source = p
            .parse(br#"{"time":"x","category":"AdvancedHunting-DeviceProcessEvents","properties":{"Timestamp":"2021-04-14T18:49:17.7849324Z","ReportId":301234567890123456,"ProcessId":"40288","MachineGroup":"Servers","Unset":null,"AdditionalFields":{"a":[1,2]},"FileName":"a.exe","FolderPath":"C:\\x"}}"#, 3)
            .expect("parses");
        let rows = p.rows();
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.fault, None);
        assert_eq!(row.table.map(|t| t.name), Some("DeviceProcessEvents"));
        assert_eq!(text(row, source, "ReportId"), "Long(301234567890123456)");
        assert_eq!(text(row, source, "ProcessId"), "Long(40288)");
        assert_eq!(text(row, source, "AdditionalFields"), r#"{"a":[1,2]}"#);
        assert_eq!(row.extra, vec![("MachineGroup".to_string(), "\"Servers\"".to_string())]);
        assert_eq!(row.line, 3);
        // A string without escapes stays in the record's text; an escaped one is unescaped.
        let cell = |c: &str| row.cells[row.table.and_then(|t| t.column_index(c)).expect("column")];
        assert!(matches!(cell("FileName"), Cell::Source(..)));
        assert_eq!(text(row, source, "FileName"), "a.exe");
        assert!(matches!(cell("FolderPath"), Cell::Text(..)));
        assert_eq!(text(row, source, "FolderPath"), "C:\\x");
    }

    #[test]
    fn properties_before_category_and_batches() {
        let mut p = stream();
        let source = p.parse(br#"{"records":[{"properties":{"Timestamp":"2021-01-01T00:00:00Z","DeviceName":"dev1"},"category":"AdvancedHunting-DeviceInfo"},{"category":"AdvancedHunting-Nope","properties":{}},{"category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2021-01-01T00:00:00Z","IsAzureADJoined":"maybe"}}]}"#, 1)
            .expect("parses");
        let rows = p.rows();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].fault, None);
        // Properties read after the category (deferred) index the same text.
        assert_eq!(text(&rows[0], source, "DeviceName"), "dev1");
        assert_eq!(rows[1].fault, Some(RowFault::UnknownCategory("AdvancedHunting-Nope".into())));
        assert!(matches!(&rows[2].fault, Some(RowFault::WrongType { column: "IsAzureADJoined", .. })), "{:?}", rows[2].fault);
    }

    #[test]
    fn missing_timestamp_and_missing_category() {
        let mut p = stream();
        p.parse(br#"{"category":"AdvancedHunting-DeviceInfo","properties":{"DeviceName":"a"}}"#, 1).expect("parses");
        let rows = p.rows();
        assert_eq!(rows[0].fault, Some(RowFault::MissingTimestamp));
        p.parse(br#"{"properties":{"Timestamp":"2021-01-01T00:00:00Z"}}"#, 1).expect("parses");
        let rows = p.rows();
        assert_eq!(rows[0].fault, Some(RowFault::NoCategory));
    }

    #[test]
    fn plain_rows_and_time_generated() {
        let table = Catalog.table("DeviceLogonEvents").expect("catalog");
        let mut p = JsonParser::new(JsonShape::Rows(table));
        p.parse(br#"{"TimeGenerated":"2021-01-01T00:00:00Z","AccountName":"x"}"#, 1).expect("parses");
        let rows = p.rows();
        assert_eq!(rows[0].fault, None);
        assert_eq!(rows[0].timestamp(), Some(1_609_459_200_000_000_000));
        assert!(p.parse(br#"{"AccountName":"x""#, 1).is_err_and(|e| e.is_eof()));
        assert!(p.parse(b"42", 1).is_err_and(|e| e.kind == ErrorKind::NotARecord));
        assert!(p.parse(b"{\"a\":1} x", 1).is_err_and(|e| e.kind == ErrorKind::Syntax));
    }
}
