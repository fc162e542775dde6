//! One top-level JSON value of an export, parsed straight into the tables' buffered
//! columns ([`JsonParser`]): a Streaming API record `{time, tenantId, category, properties}`,
//! an Event Hub batch `{"records": [...]}`, an array of records, or (with `--table`) a plain
//! row object. Values go from the [`Cursor`] into their column by the column's type, with no
//! copy in between for text; only objects inside values are built as `serde_json::Value` (to
//! store them as compact text). What else is known of each record goes into a [`Staged`].

use std::collections::HashMap;

use super::buffer::{Buffers, RowFault, Staged};
use super::columns::TableRows;
use super::json_lex::{self, Cursor, ErrorKind, JsonError, Literal, Number, Str};
use super::values::{self, Cell, TextArena};
use crate::catalog::{Catalog, KustoType, TableDef};

/// How deep lists of records may nest. Two covers every export's shape (a top-level array
/// of Event Hub batches is the deepest); deeper nesting is refused, so that a crafted
/// record cannot exhaust the stack.
const MAX_LIST_DEPTH: usize = 2;

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
    /// Each column's key as the exporter writes it, with its colon ([`json_lex::key_pattern`]).
    keys: Vec<Vec<u8>>,
}

impl TableState {
    fn new(def: &'static TableDef) -> Self {
        let lookup = def.columns.iter().enumerate().map(|(i, c)| (c.name, i)).collect();
        let keys = def.columns.iter().map(|c| json_lex::key_pattern(c.name)).collect();
        TableState { def, lookup, order: Vec::new(), keys }
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

/// What a key of an envelope (or of a batch around envelopes) is to the parser.
#[derive(Debug, Clone, Copy, PartialEq)]
enum EnvelopeKey {
    Records,
    Category,
    Properties,
    /// `time`, `tenantId` and the rest, which are skipped.
    Other,
}

impl EnvelopeKey {
    fn of(key: &str) -> Self {
        match key {
            "records" => EnvelopeKey::Records,
            "category" => EnvelopeKey::Category,
            "properties" => EnvelopeKey::Properties,
            _ => EnvelopeKey::Other,
        }
    }
}

/// Where a property's value goes.
enum Target {
    Column(usize),
    TimeGenerated,
    Extra(String),
}

/// Parses top-level JSON values into [`Buffers`], and what else is known of their records
/// into a reusable pool of [`Staged`].
pub struct JsonParser {
    shape: JsonShape,
    /// The index in `tables` of the `Rows` shape's table.
    rows_table: usize,
    tables: Vec<TableState>,
    /// Whether the last value parsed was a list of records (a batch or an array).
    batch: bool,
    /// Lists of records open around the cursor.
    depth: usize,
    pool: Vec<Staged>,
    used: usize,
    line: u64,
    scratch: String,
    /// Text of the values converted to text (numbers in a string column, nested JSON).
    arena: TextArena,
    /// The keys of the last envelope, by position, as [`json_lex::key_pattern`]s with
    /// what they are: predicted like a table's keys (see [`TableState`]). `None` for a key
    /// with escapes, which is read the general way.
    envelope: Vec<Option<(Vec<u8>, EnvelopeKey)>>,
}

impl JsonParser {
    /// A parser for values of `shape`.
    pub fn new(shape: JsonShape) -> Self {
        let tables = Catalog.tables().iter().map(TableState::new).collect();
        let rows_table = match shape {
            // The shape's table comes from the catalog, so it has a position there.
            JsonShape::Rows(table) => Buffers::index_of(table).unwrap_or(0),
            JsonShape::Stream => 0,
        };
        JsonParser { shape, rows_table, tables, batch: false, depth: 0, pool: Vec::new(), used: 0, line: 0, scratch: String::new(), arena: TextArena::default(), envelope: Vec::new() }
    }

    /// Parses one top-level value that starts on `line` into rows of `buffers` (one, or one
    /// per record of a batch; [`JsonParser::rows`] tells of each), each finished: kept, or
    /// carrying its fault. A syntax error fails the whole value and takes its rows back out
    /// of `buffers`, so no row of a broken batch is ever half-taken. Returns the value's
    /// text.
    pub fn parse<'t>(&mut self, bytes: &'t [u8], line: u64, buffers: &mut Buffers) -> Result<&'t str, JsonError> {
        let parsed = self.value(bytes, line, buffers);
        match parsed {
            Ok(_) => buffers.commit(),
            Err(_) => buffers.rollback(),
        }
        parsed
    }

    fn value<'t>(&mut self, bytes: &'t [u8], line: u64, buffers: &mut Buffers) -> Result<&'t str, JsonError> {
        self.used = 0;
        self.line = line;
        self.batch = false;
        self.depth = 0;
        let text = json_lex::utf8(bytes).map_err(|e| JsonError {
            kind: if e.error_len().is_none() { ErrorKind::Eof } else { ErrorKind::Syntax },
            message: "not UTF-8 text".into(),
            offset: e.valid_up_to(),
        })?;
        let mut c = Cursor::new(text);
        match c.peek() {
            Some(b'{') => self.record(&mut c, buffers)?,
            Some(b'[') => self.records(&mut c, buffers)?,
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
        self.arena.clear();
        self.used += 1;
        self.used - 1
    }

    /// A list of records: a batch's `records`, or a top-level array.
    fn records(&mut self, c: &mut Cursor, buffers: &mut Buffers) -> Result<(), JsonError> {
        self.batch = true;
        if self.depth == MAX_LIST_DEPTH {
            return Err(c.error(ErrorKind::NotARecord, "lists of records nested more than two deep"));
        }
        if !c.open(b'[')? {
            return Ok(());
        }
        self.depth += 1;
        let listed = self.list(c, buffers);
        self.depth -= 1;
        listed
    }

    /// The records of a list, after its `[`.
    fn list(&mut self, c: &mut Cursor, buffers: &mut Buffers) -> Result<(), JsonError> {
        loop {
            match c.peek() {
                Some(b'{') => self.record(c, buffers)?,
                Some(_) => return Err(c.error(ErrorKind::NotARecord, "a list element is not an object")),
                None => return Err(c.error(ErrorKind::Eof, "the list does not close")),
            }
            if !c.next_member(b']')? {
                return Ok(());
            }
        }
    }

    /// One record: an envelope (or a batch of them), or a row of the `Rows` shape.
    fn record(&mut self, c: &mut Cursor, buffers: &mut Buffers) -> Result<(), JsonError> {
        // The cursor is at the record's `{`.
        let start = c.i;
        if let JsonShape::Rows(table) = self.shape {
            let i = self.next_row(Some(table));
            self.props(c, self.rows_table, i, buffers)?;
            self.pool[i].span = start..c.i;
            buffers.finish(self.rows_table, &mut self.pool[i]);
            return Ok(());
        }
        let i = self.next_row(None);
        // The first category: a table's index, or the name of none.
        let mut category: Option<Result<usize, String>> = None;
        let mut table = None;
        let mut deferred = None;
        let mut batch = false;
        let mut own_properties = false;
        // The table whose columns hold this record's values so far: a row being built there
        // must be finished or taken back before any other row of that table is begun.
        let mut built: Option<usize> = None;
        if c.open(b'{')? {
            let mut k = 0;
            loop {
                let key = self.envelope_key(c, k)?;
                k += 1;
                match key {
                    EnvelopeKey::Records => {
                        // An Event Hub batch: its records are the rows, not this envelope.
                        batch = true;
                        discard(buffers, built.take());
                        self.records(c, buffers)?;
                    }
                    EnvelopeKey::Category => {
                        let named = self.category(c)?;
                        match &category {
                            None => {
                                if let Ok(t) = named {
                                    table = Some(t);
                                    self.pool[i].table = Some(self.tables[t].def);
                                }
                                category = Some(named);
                            }
                            Some(first) if *first == named => {}
                            // The first category stays the record's table, for the quarantine.
                            Some(first) => {
                                let (first, second) = (self.category_text(first), self.category_text(&named));
                                self.pool[i].fail(RowFault::TwoCategories(first, second));
                            }
                        }
                    }
                    EnvelopeKey::Properties => {
                        own_properties = true;
                        match table {
                            Some(t) if !batch => {
                                discard(buffers, built.filter(|&b| b != t));
                                self.props(c, t, i, buffers)?;
                                built = Some(t);
                            }
                            _ => {
                                c.peek();
                                let start = c.i;
                                let raw = c.skip(&mut self.scratch)?;
                                if !batch {
                                    deferred = Some((start, raw));
                                }
                            }
                        }
                    }
                    EnvelopeKey::Other => {
                        c.skip(&mut self.scratch)?;
                    }
                }
                if !c.next_member(b'}')? {
                    break;
                }
            }
        }
        if batch && (own_properties || category.is_some()) {
            // A batch that is a record too: which was meant cannot be told. Its records are
            // read, and its own row is quarantined rather than lost.
            self.pool[i].span = start..c.i;
            self.pool[i].fail(RowFault::RowBesideBatch);
            return Ok(());
        }
        if batch {
            // The envelope slot was taken first; move the batch's rows down over it.
            self.pool[i..self.used].rotate_left(1);
            self.used -= 1;
            return Ok(());
        }
        if let (Some((start, raw)), Some(t)) = (deferred, table) {
            discard(buffers, built.filter(|&b| b != t));
            let mut sub = Cursor::new(raw);
            self.props(&mut sub, t, i, buffers).map_err(|e| JsonError { offset: e.offset + start, ..e })?;
        }
        if let Some(Err(name)) = category {
            self.pool[i].fail(RowFault::UnknownCategory(name));
        }
        self.pool[i].span = start..c.i;
        match table {
            Some(t) => buffers.finish(t, &mut self.pool[i]),
            None => self.pool[i].fail(RowFault::NoCategory),
        }
        Ok(())
    }

    /// A `category` value: the index of the table it names, or its text when it names
    /// none (or is not a string).
    fn category(&mut self, c: &mut Cursor) -> Result<Result<usize, String>, JsonError> {
        let name = match c.peek() {
            Some(b'"') => c.string(&mut self.scratch)?.text(&self.scratch),
            _ => c.skip(&mut self.scratch)?,
        };
        let table = name.strip_prefix(CATEGORY_PREFIX).and_then(|n| self.tables.iter().position(|t| t.def.name == n));
        Ok(table.ok_or_else(|| name.to_string()))
    }

    /// A category as the record spelt it, for a message.
    fn category_text(&self, category: &Result<usize, String>) -> String {
        match category {
            Ok(t) => format!("{CATEGORY_PREFIX}{}", self.tables[*t].def.name),
            Err(name) => name.clone(),
        }
    }

    /// The key at position `k` of an envelope, and the `:` after it: the one the last
    /// envelope had there when it comes again, else read and remembered for the next.
    fn envelope_key(&mut self, c: &mut Cursor, k: usize) -> Result<EnvelopeKey, JsonError> {
        if let Some(Some((pattern, key))) = self.envelope.get(k) {
            if c.key_is(pattern) {
                return Ok(*key);
            }
        }
        let (key, slot) = match c.key(&mut self.scratch)? {
            Str::Raw(s) => {
                let key = EnvelopeKey::of(s);
                (key, Some((json_lex::key_pattern(s), key)))
            }
            // Escapes spell the same key (`categ\u006fry` is `category`); none is
            // remembered, as a pattern is compared with the raw text, which differs.
            Str::Scratch => (EnvelopeKey::of(&self.scratch), None),
        };
        if k >= self.envelope.len() {
            self.envelope.resize(k + 1, None);
        }
        self.envelope[k] = slot;
        Ok(key)
    }

    /// The properties object of a record of table `t` into the row it is building, and
    /// into `self.pool[i]`.
    fn props(&mut self, c: &mut Cursor, t: usize, i: usize, buffers: &mut Buffers) -> Result<(), JsonError> {
        if !c.open(b'{')? {
            return Ok(());
        }
        let rows = buffers.table(t);
        let state = &mut self.tables[t];
        let row = &mut self.pool[i];
        let mut k = 0;
        loop {
            let predicted = state.predicted(k).filter(|&col| c.key_is(&state.keys[col]));
            let target = if let Some(col) = predicted {
                Target::Column(col)
            } else {
                let key = c.key(&mut self.scratch)?.text(&self.scratch);
                match state.resolve(k, key) {
                    Some(col) => Target::Column(col),
                    None if key == "TimeGenerated" => Target::TimeGenerated,
                    None => Target::Extra(key.to_string()),
                }
            };
            k += 1;
            value(c, &mut self.scratch, &mut self.arena, row, rows, state.def, target)?;
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

/// Takes back the row being built in the catalog's table `built`, if any.
fn discard(buffers: &mut Buffers, built: Option<usize>) {
    if let Some(t) = built {
        buffers.table(t).discard_row();
    }
}

/// One property value into its target: a column of the row `rows` is building, or `row`.
fn value(c: &mut Cursor, scratch: &mut String, arena: &mut TextArena, row: &mut Staged, rows: &mut TableRows, table: &'static TableDef, target: Target) -> Result<(), JsonError> {
    let (col, ty) = match &target {
        Target::Column(col) => (*col, table.columns[*col].ty),
        Target::TimeGenerated => return time_generated(c, scratch, row),
        Target::Extra(_) => (0, KustoType::Dynamic),
    };
    if let Target::Extra(name) = target {
        if let Some(json) = extra_json(c, scratch)? {
            row.extra.push((name, json));
        }
        return Ok(());
    }
    let cell = match c.peek() {
        Some(b'"') => match c.string(scratch)? {
            // Most values: copied from the record's text into the column, and set here
            // rather than through a `Result`, whose copy through the stack was a stall.
            Str::Raw(s) if values::kept_as_text(ty, s) => {
                rows.set_text(col, s);
                return Ok(());
            }
            Str::Scratch if values::kept_as_text(ty, scratch) => {
                rows.set_text(col, scratch);
                return Ok(());
            }
            Str::Raw(s) => values::from_text(ty, s, arena),
            Str::Scratch => values::from_text(ty, scratch.as_str(), arena),
        },
        Some(b'-' | b'0'..=b'9') => match c.number()? {
            Number::Int(v) => values::from_i64(ty, v, arena),
            Number::Big(v) => values::from_u64(ty, v, arena),
            Number::Float(v) => values::from_f64(ty, v, arena),
            Number::Huge(v) => values::from_huge(ty, v, arena),
        },
        Some(b't' | b'f' | b'n') => match c.literal()? {
            Literal::True => values::from_bool(ty, true, arena),
            Literal::False => values::from_bool(ty, false, arena),
            Literal::Null => Ok(Cell::Null),
        },
        Some(b'{' | b'[') => {
            let raw = c.skip(scratch)?;
            let json = compact(c, raw)?;
            values::from_json(ty, &json, arena)
        }
        Some(_) => return Err(c.error(ErrorKind::Syntax, "expected a value")),
        None => return Err(c.error(ErrorKind::Eof, "the text ends before a value")),
    };
    match cell {
        Ok(cell) => rows.set(col, cell, arena),
        Err(error) => row.fail(RowFault::WrongType { column: table.columns[col].name, error }),
    }
    Ok(())
}

/// `TimeGenerated` stands in for a missing Timestamp (see [`Staged::finish`]); a value that
/// is not a datetime is kept in `_extra`.
fn time_generated(c: &mut Cursor, scratch: &mut String, row: &mut Staged) -> Result<(), JsonError> {
    // A key given twice: the last value wins, but null is no value (see `extra_json`),
    // so it leaves an earlier one in place.
    if c.peek() == Some(b'"') {
        let text = c.string(scratch)?.text(scratch);
        row.time_generated = values::parse_datetime(text);
        if row.time_generated.is_some() {
            // An earlier value that was no datetime, kept in `_extra`, is replaced.
            row.extra.retain(|(key, _)| key != "TimeGenerated");
        } else {
            row.extra.push(("TimeGenerated".into(), serde_json::Value::from(text).to_string()));
        }
    } else if let Some(json) = extra_json(c, scratch)? {
        row.time_generated = None;
        row.extra.push(("TimeGenerated".into(), json));
    }
    Ok(())
}

/// A value as `_extra` keeps it: compact JSON text, `None` for null. The reader takes
/// some text JSON does not allow (a tab inside a string, a number such as `01` or `1.`);
/// kept as written, that would make the whole `_extra` object unreadable. So a string is
/// written anew from its value, and a number JSON does not allow becomes the string of
/// its text.
fn extra_json(c: &mut Cursor, scratch: &mut String) -> Result<Option<String>, JsonError> {
    let json = match c.peek() {
        Some(b'"') => serde_json::Value::from(c.string(scratch)?.text(scratch)).to_string(),
        Some(b'{' | b'[') => {
            let raw = c.skip(scratch)?;
            compact(c, raw)?
        }
        Some(b'n') => {
            c.literal()?;
            return Ok(None);
        }
        _ => {
            let raw = c.skip(scratch)?;
            match serde_json::from_str::<serde_json::Value>(raw) {
                Ok(_) => raw.to_string(),
                Err(_) => serde_json::Value::from(raw).to_string(),
            }
        }
    };
    Ok(Some(json))
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
    use datafusion::arrow::array::RecordBatch;
    use datafusion::arrow::util::display::array_value_to_string;

    fn stream() -> JsonParser {
        JsonParser::new(JsonShape::Stream)
    }

    /// Every buffered row of `table`, taken out as one batch (the tests use one day).
    fn take(buffers: &mut Buffers, table: &str) -> Option<RecordBatch> {
        let rows = buffers.tables().into_iter().find(|t| t.table().name == table)?;
        let mut days = rows.take_days().expect("batches");
        assert!(days.len() <= 1, "one day");
        days.pop().map(|(_, b)| b)
    }

    /// The values of `column`, as text (null as `null`).
    fn values(batch: &RecordBatch, column: &str) -> Vec<String> {
        let array = batch.column_by_name(column).expect("column");
        (0..array.len()).map(|i| if array.is_null(i) { "null".into() } else { array_value_to_string(array, i).expect("text") }).collect()
    }

    #[test]
    fn an_envelope_becomes_one_row_of_its_category() {
        let (mut p, mut buffers) = (stream(), Buffers::default());
        p.parse(br#"{"time":"x","category":"AdvancedHunting-DeviceProcessEvents","properties":{"Timestamp":"2021-04-14T18:49:17.7849324Z","ReportId":301234567890123456,"ProcessId":"40288","MachineGroup":"Servers","Unset":null,"AdditionalFields":{"a":[1,2]},"FileName":"a.exe","FolderPath":"C:\\x"}}"#, 3, &mut buffers)
            .expect("parses");
        let rows = p.rows();
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.fault, None);
        assert_eq!(row.table.map(|t| t.name), Some("DeviceProcessEvents"));
        assert_eq!(row.extra, vec![("MachineGroup".to_string(), "\"Servers\"".to_string())]);
        assert_eq!(row.line, 3);
        assert_eq!(buffers.rows(), 1);
        let batch = take(&mut buffers, "DeviceProcessEvents").expect("rows");
        assert_eq!(values(&batch, "ReportId"), ["301234567890123456"]);
        assert_eq!(values(&batch, "ProcessId"), ["40288"]);
        assert_eq!(values(&batch, "AdditionalFields"), [r#"{"a":[1,2]}"#]);
        assert_eq!(values(&batch, "FileName"), ["a.exe"]);
        // An escaped string is unescaped.
        assert_eq!(values(&batch, "FolderPath"), ["C:\\x"]);
        // Columns the record did not name: "" for a string, null otherwise.
        assert_eq!(values(&batch, "AccountName"), [""]);
        assert_eq!(values(&batch, "LogonId"), ["null"]);
        assert_eq!(values(&batch, "_extra"), [r#"{"MachineGroup":"Servers"}"#]);
    }

    #[test]
    fn keys_are_found_however_the_record_is_spaced() {
        let (mut p, mut buffers) = (stream(), Buffers::default());
        let compact = r#"{"category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2021-01-01T00:00:00Z","DeviceName":"a","OSPlatform":"w"}}"#;
        // The second record's keys are predicted from the first's but spaced otherwise:
        // before the colon, around it, and around the commas.
        let spaced = "{\"category\":\"AdvancedHunting-DeviceInfo\",\"properties\":{ \"Timestamp\" : \"2021-01-01T00:00:00Z\" ,\n\t\"DeviceName\"\t: \"b\",\"OSPlatform\":\r\n\"x\" }}";
        for (line, text) in [compact, spaced, compact].into_iter().enumerate() {
            p.parse(text.as_bytes(), line as u64 + 1, &mut buffers).expect("parses");
            assert_eq!(p.rows()[0].fault, None, "{text}");
        }
        let batch = take(&mut buffers, "DeviceInfo").expect("rows");
        assert_eq!(values(&batch, "DeviceName"), ["a", "b", "a"]);
        assert_eq!(values(&batch, "OSPlatform"), ["w", "x", "w"]);
        assert!(batch.column_by_name("_extra").is_none(), "no key was unknown");
    }

    #[test]
    fn unknown_keys_keep_valid_json_whatever_the_reader_let_through() {
        let (mut p, mut buffers) = (stream(), Buffers::default());
        // A tab inside strings, numbers JSON does not allow, an escaped slash, and a
        // TimeGenerated that is no datetime.
        let text = "{\"category\":\"AdvancedHunting-DeviceInfo\",\"properties\":{\"Timestamp\":\"2021-01-01T00:00:00Z\",\"A\":\"x\ty\",\"B\":01,\"C\":1.,\"D\":\"\\/ok\",\"E\":-2.5e3,\"F\":null,\"G\":[1, {\"h\": true}],\"TimeGenerated\":\"soon\ty\"}}";
        p.parse(text.as_bytes(), 1, &mut buffers).expect("parses");
        assert_eq!(p.rows()[0].fault, None);
        let batch = take(&mut buffers, "DeviceInfo").expect("rows");
        let extra = values(&batch, "_extra");
        let parsed: serde_json::Value = serde_json::from_str(&extra[0]).expect("_extra is JSON");
        let expected = serde_json::json!({"A": "x\ty", "B": "01", "C": "1.", "D": "/ok", "E": -2500.0, "G": [1, {"h": true}], "TimeGenerated": "soon\ty"});
        assert_eq!(parsed, expected);
    }

    #[test]
    fn envelopes_whose_keys_change_order_from_one_record_to_the_next() {
        let (mut p, mut buffers) = (stream(), Buffers::default());
        let props = |name: &str| format!(r#""properties":{{"Timestamp":"2021-01-01T00:00:00Z","DeviceName":"{name}"}}"#);
        let info = r#""category":"AdvancedHunting-DeviceInfo""#;
        let texts = [
            format!(r#"{{"time":"t",{info},{}}}"#, props("a")),
            format!(r#"{{{},{info}}}"#, props("b")),
            format!(r#"{{{info},"time":"t",{}}}"#, props("c")),
            format!(r#"{{"records":[{{{info},{}}}]}}"#, props("d")),
            // A key spelt with an escape is the same key, read the general way.
            format!(r#"{{"time":"t","categ\u006fry":"AdvancedHunting-DeviceInfo",{}}}"#, props("e")),
            format!(r#"{{"time":"t",{info},{}}}"#, props("f")),
        ];
        for (line, text) in texts.iter().enumerate() {
            p.parse(text.as_bytes(), line as u64 + 1, &mut buffers).expect("parses");
            assert_eq!(p.rows()[0].fault, None, "{text}");
        }
        let batch = take(&mut buffers, "DeviceInfo").expect("rows");
        assert_eq!(values(&batch, "DeviceName"), ["a", "b", "c", "d", "e", "f"]);
    }

    #[test]
    fn properties_before_category_and_batches() {
        let (mut p, mut buffers) = (stream(), Buffers::default());
        p.parse(br#"{"records":[{"properties":{"Timestamp":"2021-01-01T00:00:00Z","DeviceName":"dev1"},"category":"AdvancedHunting-DeviceInfo"},{"category":"AdvancedHunting-Nope","properties":{}},{"category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2021-01-01T00:00:00Z","DeviceName":"dev3","IsAzureADJoined":"maybe"}}]}"#, 1, &mut buffers)
            .expect("parses");
        let rows = p.rows();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].fault, None);
        assert_eq!(rows[1].fault, Some(RowFault::UnknownCategory("AdvancedHunting-Nope".into())));
        assert!(matches!(&rows[2].fault, Some(RowFault::WrongType { column: "IsAzureADJoined", .. })), "{:?}", rows[2].fault);
        // Only the good record is a row; properties read after the category (deferred)
        // reach it too.
        assert_eq!(buffers.rows(), 1);
        let batch = take(&mut buffers, "DeviceInfo").expect("rows");
        assert_eq!(values(&batch, "DeviceName"), ["dev1"]);
    }

    #[test]
    fn missing_timestamp_and_missing_category() {
        let (mut p, mut buffers) = (stream(), Buffers::default());
        p.parse(br#"{"category":"AdvancedHunting-DeviceInfo","properties":{"DeviceName":"a"}}"#, 1, &mut buffers).expect("parses");
        assert_eq!(p.rows()[0].fault, Some(RowFault::MissingTimestamp));
        p.parse(br#"{"properties":{"Timestamp":"2021-01-01T00:00:00Z"}}"#, 1, &mut buffers).expect("parses");
        assert_eq!(p.rows()[0].fault, Some(RowFault::NoCategory));
        assert_eq!(buffers.rows(), 0);
        // Neither left a value behind for the next row.
        p.parse(br#"{"category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2021-01-01T00:00:00Z"}}"#, 2, &mut buffers).expect("parses");
        let batch = take(&mut buffers, "DeviceInfo").expect("rows");
        assert_eq!(values(&batch, "DeviceName"), [""]);
    }

    #[test]
    fn a_broken_value_takes_back_all_its_rows() {
        let (mut p, mut buffers) = (stream(), Buffers::default());
        let good = r#"{"category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2021-01-01T00:00:00Z","DeviceName":"kept"}}"#;
        p.parse(good.as_bytes(), 1, &mut buffers).expect("parses");
        // A batch whose second record breaks off inside a value: its first record, already
        // a row, is taken back, and so is the second's half-built row.
        let broken = r#"{"records":[{"category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2021-01-01T00:00:00Z","DeviceName":"lost"}},{"category":"AdvancedHunting-DeviceInfo","properties":{"OSPlatform":"half","DeviceName":tru"#;
        assert!(p.parse(broken.as_bytes(), 2, &mut buffers).is_err());
        assert_eq!(buffers.rows(), 1);
        p.parse(br#"{"category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2021-01-01T00:00:01Z"}}"#, 3, &mut buffers).expect("parses");
        let batch = take(&mut buffers, "DeviceInfo").expect("rows");
        assert_eq!(values(&batch, "DeviceName"), ["kept", ""]);
        assert_eq!(values(&batch, "OSPlatform"), ["", ""]);
    }

    #[test]
    fn odd_envelopes_leave_no_values_behind() {
        let (mut p, mut buffers) = (stream(), Buffers::default());
        // A second category naming another table, before or after the properties: the
        // record is quarantined, and nothing stays in either table.
        for text in [
            r#"{"category":"AdvancedHunting-DeviceInfo","properties":{"TimeGenerated":"2021-01-01T00:00:00Z","DeviceName":"info","Foo":1},"category":"AdvancedHunting-DeviceLogonEvents"}"#,
            r#"{"category":"AdvancedHunting-DeviceInfo","category":"AdvancedHunting-DeviceLogonEvents","properties":{"Timestamp":"2021-01-01T00:00:00Z","DeviceName":"info"}}"#,
        ] {
            p.parse(text.as_bytes(), 1, &mut buffers).expect("parses");
            let two = RowFault::TwoCategories("AdvancedHunting-DeviceInfo".into(), "AdvancedHunting-DeviceLogonEvents".into());
            assert_eq!(p.rows()[0].fault, Some(two), "{text}");
            assert_eq!(p.rows()[0].table.map(|t| t.name), Some("DeviceInfo"), "{text}");
        }
        // The same category twice is one category; one spelt with escapes is read unescaped.
        p.parse(br#"{"category":"AdvancedHunting-DeviceInfo","category":"AdvancedHunting-Device\u0049nfo","properties":{"Timestamp":"2021-01-01T00:00:00Z","DeviceName":"twice"}}"#, 1, &mut buffers).expect("parses");
        assert_eq!(p.rows()[0].fault, None);
        assert_eq!(buffers.rows(), 1);
        assert_eq!(take(&mut buffers, "DeviceInfo").map(|b| values(&b, "DeviceName")), Some(vec!["twice".to_string()]));
        // Properties, then records: the envelope's own row is quarantined, and its values,
        // set before the batch showed, are taken back.
        p.parse(br#"{"category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2021-01-01T00:00:00Z","OSPlatform":"envelope"},"records":[{"category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2021-01-01T00:00:00Z","DeviceName":"in batch"}}]}"#, 2, &mut buffers).expect("parses");
        assert_eq!(p.rows().iter().map(|r| r.fault.clone()).collect::<Vec<_>>(), [Some(RowFault::RowBesideBatch), None]);
        // A wrong type, after other values were set: the record is quarantined whole.
        p.parse(br#"{"category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2021-01-01T00:00:00Z","DeviceName":"bad","IsAzureADJoined":"maybe","OSPlatform":"bad"}}"#, 3, &mut buffers).expect("parses");
        p.parse(br#"{"category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2021-01-01T00:00:00Z"}}"#, 4, &mut buffers).expect("parses");
        assert_eq!(buffers.rows(), 2);
        let batch = take(&mut buffers, "DeviceInfo").expect("rows");
        assert_eq!(values(&batch, "DeviceName"), ["in batch", ""]);
        assert_eq!(values(&batch, "OSPlatform"), ["", ""]);
        assert!(take(&mut buffers, "DeviceLogonEvents").is_none());
    }

    #[test]
    fn a_batch_with_a_row_of_its_own_keeps_its_records_and_quarantines_its_row() {
        let (mut p, mut buffers) = (stream(), Buffers::default());
        let record = r#"{"category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2021-01-01T00:00:00Z","DeviceName":"in-batch"}}"#;
        let own = r#""category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2021-01-01T00:00:00Z","DeviceName":"own"}"#;
        for text in [format!(r#"{{{own},"records":[{record}]}}"#), format!(r#"{{"records":[{record}],{own}}}"#)] {
            p.parse(text.as_bytes(), 1, &mut buffers).expect("parses");
            let rows = p.rows();
            assert_eq!(rows.iter().map(|r| r.fault.clone()).collect::<Vec<_>>(), [Some(RowFault::RowBesideBatch), None], "{text}");
            assert_eq!(text.get(rows[0].span.clone()), Some(text.as_str()), "the quarantine keeps the whole envelope");
        }
        p.parse(br#"{"records":[],"category":"AdvancedHunting-DeviceInfo"}"#, 1, &mut buffers).expect("parses");
        assert_eq!(p.rows().iter().map(|r| r.fault.clone()).collect::<Vec<_>>(), [Some(RowFault::RowBesideBatch)]);
        let batch = take(&mut buffers, "DeviceInfo").expect("rows");
        assert_eq!(values(&batch, "DeviceName"), ["in-batch", "in-batch"]);
    }

    #[test]
    fn lists_of_records_nest_two_deep_at_most() {
        let (mut p, mut buffers) = (stream(), Buffers::default());
        let record = r#"{"category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2021-01-01T00:00:00Z"}}"#;
        p.parse(format!(r#"[{{"records":[{record}]}}]"#).as_bytes(), 1, &mut buffers).expect("an array of batches");
        assert_eq!(p.rows().len(), 1);
        let deeper = format!(r#"[{{"records":[{{"records":[{record}]}}]}}]"#);
        assert!(p.parse(deeper.as_bytes(), 1, &mut buffers).is_err_and(|e| e.kind == ErrorKind::NotARecord));
        // Nesting deep enough to overflow the stack were it followed is refused, not a crash.
        let crafted = r#"{"records":["#.repeat(200_000);
        assert!(p.parse(crafted.as_bytes(), 1, &mut buffers).is_err());
        assert_eq!(buffers.rows(), 1);
    }

    #[test]
    fn plain_rows_and_time_generated() {
        let table = Catalog.table("DeviceLogonEvents").expect("catalog");
        let (mut p, mut buffers) = (JsonParser::new(JsonShape::Rows(table)), Buffers::default());
        p.parse(br#"{"TimeGenerated":"2021-01-01T00:00:00Z","AccountName":"x"}"#, 1, &mut buffers).expect("parses");
        let rows = p.rows();
        assert_eq!(rows[0].fault, None);
        assert_eq!(rows[0].timestamp(), Some(1_609_459_200_000_000_000));
        // A null given after it is no value, and leaves it in place.
        p.parse(br#"{"TimeGenerated":"2021-01-01T00:00:00Z","TimeGenerated":null,"AccountName":"y"}"#, 2, &mut buffers).expect("parses");
        assert_eq!(p.rows()[0].timestamp(), Some(1_609_459_200_000_000_000));
        // A value that is no datetime, then one that is: the last wins, and `_extra` keeps
        // neither (the row's Timestamp is that datetime).
        p.parse(br#"{"TimeGenerated":"soon","TimeGenerated":"2021-01-01T00:00:00Z","AccountName":"z"}"#, 3, &mut buffers).expect("parses");
        assert_eq!((p.rows()[0].timestamp(), &p.rows()[0].extra), (Some(1_609_459_200_000_000_000), &vec![]));
        assert!(p.parse(br#"{"AccountName":"x""#, 1, &mut buffers).is_err_and(|e| e.is_eof()));
        assert!(p.parse(b"42", 1, &mut buffers).is_err_and(|e| e.kind == ErrorKind::NotARecord));
        assert!(p.parse(b"{\"a\":1} x", 1, &mut buffers).is_err_and(|e| e.kind == ErrorKind::Syntax));
        let batch = take(&mut buffers, "DeviceLogonEvents").expect("rows");
        assert_eq!(values(&batch, "AccountName"), ["x", "y", "z"]);
        assert_eq!(values(&batch, "Timestamp"), ["2021-01-01T00:00:00Z"; 3]);
    }
}
