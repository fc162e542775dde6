//! A table's buffered rows, column by column ([`TableRows`]), handed to Arrow without a
//! copy when they are written.
//!
//! Each column is a plain vector that a flush moves into its Arrow array as it is (a
//! vector becomes an Arrow buffer without a copy); once every table's batch is written
//! and freed, the columns make room for as many rows again ([`TableRows::make_room`]).
//! Exports list each table's records nearly in time order, so usually the rows need no
//! reordering, and each day's batch is a slice of those arrays; otherwise the arrays are
//! sorted by Timestamp once, with Arrow's `take`. Copying every value into new arrays in
//! sorted order was a quarter of the time spent on buffered rows.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray, TimestampNanosecondArray, UInt32Array};
use datafusion::arrow::buffer::{BooleanBuffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use datafusion::arrow::compute::take_arrays;
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::arrow::error::ArrowError;

use super::values::{Cell, DAY_NANOS, TextArena};
use crate::catalog::{KustoType, TableDef, extra_field};

/// Text bytes buffered in all tables that cause a flush, whatever the row count. Arrow's
/// string offsets are 32-bit, so a column must stay under 2 GiB: flushing at 1 GiB keeps
/// every column under that by more than the largest record (16 MiB) that can come after
/// the last check.
pub const FLUSH_TEXT_BYTES: usize = 1 << 30;

/// Which values are present, as Arrow nulls (`None` when all are).
fn nulls(present: &[bool]) -> Option<NullBuffer> {
    if present.iter().all(|&p| p) {
        return None;
    }
    Some(NullBuffer::new(BooleanBuffer::from_iter(present.iter().copied())))
}

/// Values of one fixed-width type and whether each is present.
struct Fixed<T> {
    values: Vec<T>,
    present: Vec<bool>,
}

impl<T: Copy + Default> Fixed<T> {
    fn new() -> Self {
        Fixed { values: Vec::new(), present: Vec::new() }
    }

    fn push(&mut self, value: Option<T>) {
        self.values.push(value.unwrap_or_default());
        self.present.push(value.is_some());
    }

    fn truncate(&mut self, len: usize) {
        self.values.truncate(len);
        self.present.truncate(len);
    }

    /// The value of row `i`, when it is present.
    fn get(&self, i: usize) -> Option<T> {
        self.present.get(i).copied().filter(|&p| p).and_then(|_| self.values.get(i).copied())
    }

    /// The values and their nulls, taken out.
    fn take(&mut self) -> (Vec<T>, Option<NullBuffer>) {
        let nulls = nulls(&self.present);
        self.present.clear();
        (std::mem::take(&mut self.values), nulls)
    }
}

/// Text values laid end to end.
struct Text {
    data: Vec<u8>,
    /// Arrow's offsets: 0, then where each value ends.
    offsets: Vec<i32>,
    /// Whether each value is present; empty for a column that is never null.
    present: Vec<bool>,
    nullable: bool,
}

impl Text {
    fn new(nullable: bool) -> Self {
        Text { data: Vec::new(), offsets: vec![0], present: Vec::new(), nullable }
    }

    #[inline]
    fn push(&mut self, value: Option<&str>) {
        self.data.extend_from_slice(value.unwrap_or("").as_bytes());
        // Flushes keep a table's text under FLUSH_TEXT_BYTES plus one record, far below
        // i32::MAX; were a column longer, its offset would saturate and `take` refuse it
        // (the data would then be at least i32::MAX bytes long).
        self.offsets.push(i32::try_from(self.data.len()).unwrap_or(i32::MAX));
        if self.nullable {
            self.present.push(value.is_some());
        }
    }

    fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    fn truncate(&mut self, len: usize) {
        if len >= self.len() {
            return;
        }
        self.offsets.truncate(len + 1);
        // `len` is below the old length, so `offsets` still has an entry at `len`. A
        // saturated offset (a column over i32::MAX) keeps the data, at least i32::MAX
        // bytes, which `take` refuses.
        let end = self.offsets[len];
        if end < i32::MAX {
            self.data.truncate(end as usize);
        }
        self.present.truncate(len);
    }

    /// The values as a string array, taken out. Arrow's check of every offset and of the
    /// bytes' UTF-8 is skipped: both hold by construction (see the SAFETY note).
    fn take(&mut self) -> Result<ArrayRef, ArrowError> {
        // A saturated offset leaves the data at i32::MAX bytes or more, and so does the
        // truncation at one; below that, every offset is exact.
        if self.data.len() >= i32::MAX as usize || self.offsets.last().is_some_and(|&end| end as usize != self.data.len()) {
            return Err(ArrowError::ComputeError("over 2 GiB of text in one column".into()));
        }
        if self.nullable && self.present.len() != self.len() {
            return Err(ArrowError::ComputeError("a text column's nulls do not match its values".into()));
        }
        let nulls = nulls(&self.present);
        self.present.clear();
        let offsets = std::mem::replace(&mut self.offsets, vec![0]);
        // SAFETY: `OffsetBuffer` asks for a first offset of at least 0 and offsets that
        // never decrease. They start at 0 (the vector is never empty: `new` and this
        // function leave a 0, `truncate` keeps entry 0), and each `push` appends the
        // data's new length, saturated at i32::MAX, which only grows. Checking it again,
        // one comparison per value, was nearly half the cost of handing rows to Arrow.
        let offsets = unsafe { OffsetBuffer::new_unchecked(ScalarBuffer::from(offsets)) };
        let data = std::mem::take(&mut self.data);
        // SAFETY: the offsets start at 0, never decrease, and end at the data's length
        // (checked above). Each range between two offsets is a `str` that `push` appended
        // whole (`truncate` cuts only at an offset), so it is UTF-8 and the offsets fall on
        // character boundaries. Nulls, when there are any, are one per value (checked
        // above).
        Ok(Arc::new(unsafe { StringArray::new_unchecked(offsets, data.into(), nulls) }))
    }

    fn any_present(&self) -> bool {
        self.present.iter().any(|&p| p)
    }

    /// Room for `rows` values of `bytes` in all.
    fn make_room(&mut self, rows: usize, bytes: usize) {
        self.offsets.reserve(rows);
        self.data.reserve(bytes);
    }
}

/// One column of a table, by the Kusto type of the catalog column.
enum Column {
    /// `string` (never null: a missing string is `""`), or `dynamic`/`guid`/`timespan`.
    Text(Text),
    Long(Fixed<i64>),
    Int(Fixed<i32>),
    Real(Fixed<f64>),
    Bool(Fixed<bool>),
    Time(Fixed<i64>),
}

impl Column {
    fn new(ty: KustoType) -> Self {
        match ty {
            KustoType::String => Column::Text(Text::new(false)),
            KustoType::Dynamic | KustoType::Guid | KustoType::TimeSpan => Column::Text(Text::new(true)),
            KustoType::Long => Column::Long(Fixed::new()),
            KustoType::Int => Column::Int(Fixed::new()),
            KustoType::Real => Column::Real(Fixed::new()),
            KustoType::Bool => Column::Bool(Fixed::new()),
            KustoType::DateTime => Column::Time(Fixed::new()),
        }
    }

    /// Appends a cell that [`super::values`] converted for this column's type; a cell of
    /// another kind cannot arise and is stored as null. Returns the text bytes added.
    fn push(&mut self, cell: Cell, arena: &TextArena) -> usize {
        match (self, cell) {
            (Column::Text(t), Cell::Text(s, e)) => {
                let value = arena.get(s, e);
                t.push(Some(value));
                return value.len();
            }
            (Column::Text(t), _) if !t.nullable => t.push(Some("")),
            (Column::Text(t), _) => t.push(None),
            (Column::Long(c), Cell::Long(v)) => c.push(Some(v)),
            // The converter checked the range.
            (Column::Int(c), Cell::Long(v)) => c.push(i32::try_from(v).ok()),
            (Column::Real(c), Cell::Real(v)) => c.push(Some(v)),
            (Column::Bool(c), Cell::Bool(v)) => c.push(Some(v)),
            (Column::Time(c), Cell::Time(v)) => c.push(Some(v)),
            (Column::Long(c), _) => c.push(None),
            (Column::Int(c), _) => c.push(None),
            (Column::Real(c), _) => c.push(None),
            (Column::Bool(c), _) => c.push(None),
            (Column::Time(c), _) => c.push(None),
        }
        0
    }

    /// Rows held.
    fn len(&self) -> usize {
        match self {
            Column::Text(t) => t.len(),
            Column::Long(c) | Column::Time(c) => c.values.len(),
            Column::Int(c) => c.values.len(),
            Column::Real(c) => c.values.len(),
            Column::Bool(c) => c.values.len(),
        }
    }

    fn truncate(&mut self, len: usize) {
        match self {
            Column::Text(t) => t.truncate(len),
            Column::Long(c) | Column::Time(c) => c.truncate(len),
            Column::Int(c) => c.truncate(len),
            Column::Real(c) => c.truncate(len),
            Column::Bool(c) => c.truncate(len),
        }
    }

    /// Text bytes held, for a text column.
    fn text_len(&self) -> usize {
        match self {
            Column::Text(t) => t.data.len(),
            _ => 0,
        }
    }

    /// Room for `rows` values of `bytes` of text in all (see [`TableRows::make_room`]).
    fn make_room(&mut self, rows: usize, bytes: usize) {
        match self {
            Column::Text(t) => t.make_room(rows, bytes),
            Column::Long(c) | Column::Time(c) => c.values.reserve(rows),
            Column::Int(c) => c.values.reserve(rows),
            Column::Real(c) => c.values.reserve(rows),
            Column::Bool(c) => c.values.reserve(rows),
        }
    }

    /// The column's values as an array, taken out.
    fn take(&mut self) -> Result<ArrayRef, ArrowError> {
        Ok(match self {
            Column::Text(t) => t.take()?,
            Column::Long(c) => {
                let (values, nulls) = c.take();
                Arc::new(Int64Array::try_new(values.into(), nulls)?)
            }
            Column::Int(c) => {
                let (values, nulls) = c.take();
                Arc::new(Int32Array::try_new(values.into(), nulls)?)
            }
            Column::Real(c) => {
                let (values, nulls) = c.take();
                Arc::new(Float64Array::try_new(values.into(), nulls)?)
            }
            Column::Bool(c) => {
                let (values, nulls) = c.take();
                Arc::new(BooleanArray::new(values.into_iter().collect(), nulls))
            }
            Column::Time(c) => {
                let (values, nulls) = c.take();
                Arc::new(TimestampNanosecondArray::try_new(values.into(), nulls)?.with_timezone("UTC"))
            }
        })
    }
}

/// The rows of one table not yet written, of any days, and the row being built.
///
/// A record's values go straight into the columns as they are parsed ([`TableRows::set`],
/// [`TableRows::set_text`]), in whatever order its keys come; [`TableRows::finish_row`] then
/// gives every column the record did not name its empty value. Rows are kept only once
/// committed ([`TableRows::commit`]): a value that turns out broken is taken back whole
/// ([`TableRows::rollback`]), a bad record alone ([`TableRows::discard_row`]).
pub struct TableRows {
    table: &'static TableDef,
    columns: Vec<Column>,
    extra: Text,
    times: Vec<i64>,
    /// The Timestamp column, if the table has one.
    timestamp: Option<usize>,
    /// Rows kept whatever happens to the value being parsed.
    committed: usize,
    /// Columns the row being built has given a value; when that is all of them, as in
    /// most exports, finishing the row has none to fill.
    named: usize,
    /// Text bytes appended since the last take, counting values later taken back: an
    /// overestimate, which only makes a flush come sooner.
    text_bytes: usize,
    /// Rows, and each column's text bytes (then `_extra`'s), of the last take.
    taken: (usize, Vec<usize>),
}

impl TableRows {
    /// No rows of `table`.
    pub fn new(table: &'static TableDef) -> Self {
        let columns = table.columns.iter().map(|c| Column::new(c.ty)).collect();
        let timestamp = table.column_index("Timestamp");
        TableRows { table, columns, extra: Text::new(true), times: Vec::new(), timestamp, committed: 0, named: 0, text_bytes: 0, taken: (0, Vec::new()) }
    }

    /// The table.
    pub fn table(&self) -> &'static TableDef {
        self.table
    }

    /// Finished rows (committed or not).
    pub fn rows(&self) -> usize {
        self.times.len()
    }

    /// Text bytes appended since the last take.
    pub fn text_bytes(&self) -> usize {
        self.text_bytes
    }

    /// Gives column `col` the value `cell` in the row being built, replacing one the row
    /// already gave it (a key that comes twice: the last one wins, as when the record is
    /// read into a map).
    pub fn set(&mut self, col: usize, cell: Cell, arena: &TextArena) {
        let row = self.times.len();
        let Some(column) = self.columns.get_mut(col) else { return };
        if column.len() > row {
            column.truncate(row);
        } else {
            self.named += 1;
        }
        self.text_bytes += column.push(cell, arena);
    }

    /// Gives text column `col` the text `s` in the row being built (see [`TableRows::set`]).
    /// The column must be a text column ([`super::values::kept_as_text`]); for any other,
    /// this does nothing and the column stays empty in this row.
    #[inline]
    pub fn set_text(&mut self, col: usize, s: &str) {
        let row = self.times.len();
        if let Some(Column::Text(t)) = self.columns.get_mut(col) {
            if t.len() > row {
                t.truncate(row);
            } else {
                self.named += 1;
            }
            t.push(Some(s));
            self.text_bytes += s.len();
        }
    }

    /// Ends the row being built: the Timestamp (or `time_generated` when the record has
    /// none; when both exist and differ, `TimeGenerated` joins `extra`), the empty value
    /// for every column the record did not name, and `extra` (unknown keys and their JSON
    /// values) as `_extra`. Returns the row's Timestamp; without one, the row is discarded.
    pub fn finish_row(&mut self, time_generated: Option<i64>, extra: &mut Vec<(String, String)>) -> Option<i64> {
        let row = self.times.len();
        let Some(ts) = self.timestamp else {
            self.discard_row();
            return None;
        };
        let time = match (self.time_at(ts, row), time_generated) {
            (Some(t), Some(g)) if t != g => {
                extra.push(("TimeGenerated".into(), format!("\"{}\"", crate::output::format_datetime(g))));
                t
            }
            (Some(t), _) => t,
            (None, Some(g)) => {
                self.set(ts, Cell::Time(g), &TextArena::default());
                g
            }
            (None, None) => {
                self.discard_row();
                return None;
            }
        };
        if self.named < self.columns.len() {
            for column in &mut self.columns {
                if column.len() == row {
                    self.text_bytes += column.push(Cell::Null, &TextArena::default());
                }
            }
        }
        self.named = 0;
        last_of_each_key(extra);
        let extra = extra_json(extra);
        self.text_bytes += extra.as_ref().map_or(0, String::len);
        self.extra.push(extra.as_deref());
        self.times.push(time);
        Some(time)
    }

    /// The Timestamp column's value in row `row`, if set.
    fn time_at(&self, ts: usize, row: usize) -> Option<i64> {
        match self.columns.get(ts) {
            Some(Column::Time(c)) => c.get(row),
            _ => None,
        }
    }

    /// Takes back the values of the row being built.
    pub fn discard_row(&mut self) {
        let row = self.times.len();
        for column in &mut self.columns {
            column.truncate(row);
        }
        self.named = 0;
    }

    /// Keeps every finished row.
    pub fn commit(&mut self) {
        self.committed = self.times.len();
    }

    /// Takes back every row since the last commit, and the row being built; returns how
    /// many finished rows that was.
    pub fn rollback(&mut self) -> usize {
        let (rows, keep) = (self.times.len(), self.committed);
        for column in &mut self.columns {
            column.truncate(keep);
        }
        self.extra.truncate(keep);
        self.times.truncate(keep);
        self.named = 0;
        rows - keep
    }

    /// Takes every row out, in Timestamp order (a stable sort: equal times keep their
    /// input order), as one batch of the table's file schema per day (days since 1970),
    /// with `_extra` only on a day where a row has unknown keys. The table is left empty,
    /// holding no memory of the rows: see [`TableRows::make_room`]. An error (a column over
    /// 2 GiB, which the flush threshold rules out) leaves the table half taken: the run is
    /// abandoned.
    pub fn take_days(&mut self) -> Result<Vec<(i64, RecordBatch)>, ArrowError> {
        let bytes = self.columns.iter().map(Column::text_len).chain([self.extra.data.len()]).collect();
        self.taken = (self.times.len(), bytes);
        let mut arrays = self.columns.iter_mut().map(Column::take).collect::<Result<Vec<_>, _>>()?;
        let with_extra = self.extra.any_present();
        let extra = self.extra.take()?;
        if with_extra {
            arrays.push(extra);
        }
        let mut times = std::mem::take(&mut self.times);
        if !times.is_sorted() {
            // A flush holds at most `MAX_FLUSH_ROWS` rows, far below u32::MAX.
            let mut order: Vec<u32> = (0..times.len() as u32).collect();
            order.sort_by_key(|&i| times[i as usize]);
            arrays = take_arrays(&arrays, &UInt32Array::from(order), None)?;
            times.sort();
        }
        let mut days = Vec::new();
        for (day, start, len) in day_runs(&times) {
            let mut columns: Vec<ArrayRef> = arrays.iter().map(|a| a.slice(start, len)).collect();
            let mut fields: Vec<Field> = self.table.file_schema().fields().iter().map(|f| f.as_ref().clone()).collect();
            if with_extra && columns.last().is_some_and(|e| e.null_count() < len) {
                fields.push(extra_field());
            } else if with_extra {
                columns.pop();
            }
            days.push((day, RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?));
        }
        times.clear();
        self.times = times;
        self.committed = 0;
        self.text_bytes = 0;
        Ok(days)
    }

    /// Makes room in every column for as many rows, and as much text, as the last take.
    /// Call it once the batches of every table's take are written and dropped: the room
    /// is then the memory they held, which the process has touched already. Keeping room
    /// while the batches were held put the next rows in memory never touched before (a
    /// page fault each 4 KiB), and taking the batches' own vectors back (Arrow gives a
    /// buffer held by nothing else back as its vector) left the Parquet writer of the
    /// tables after to fault in memory of its own.
    pub fn make_room(&mut self) {
        let (rows, bytes) = std::mem::take(&mut self.taken);
        let mut bytes = bytes.into_iter();
        for column in &mut self.columns {
            column.make_room(rows, bytes.next().unwrap_or(0));
        }
        self.extra.make_room(rows, bytes.next().unwrap_or(0));
    }
}

/// Keeps only the last value of an unknown key that a record gives twice, as for a
/// column of the catalog (see [`TableRows::set`]), so that `_extra` has each key once.
fn last_of_each_key(extra: &mut Vec<(String, String)>) {
    // A record has few unknown keys, if any: a scan of the rest for each is cheapest.
    let mut i = 0;
    while i < extra.len() {
        if extra[i + 1..].iter().any(|(key, _)| *key == extra[i].0) {
            extra.remove(i);
        } else {
            i += 1;
        }
    }
}

/// Unknown keys and their JSON values as the `_extra` JSON object text; `None` when there
/// are none.
fn extra_json(extra: &[(String, String)]) -> Option<String> {
    if extra.is_empty() {
        return None;
    }
    let mut out = String::from("{");
    for (i, (k, v)) in extra.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // A key serialises as a JSON string without fail.
        out.push_str(&serde_json::to_string(k).unwrap_or_default());
        out.push(':');
        out.push_str(v);
    }
    out.push('}');
    Some(out)
}

/// Sorted times cut into days: (days since 1970, first row, rows).
fn day_runs(times: &[i64]) -> Vec<(i64, usize, usize)> {
    let mut runs: Vec<(i64, usize, usize)> = Vec::new();
    for (i, t) in times.iter().enumerate() {
        let day = t.div_euclid(DAY_NANOS);
        match runs.last_mut() {
            Some((d, _, len)) if *d == day => *len += 1,
            _ => runs.push((day, i, 1)),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::TimestampNanosecondType;

    /// Builds and finishes a row of `rows` with a Timestamp, a DeviceName and perhaps an
    /// unknown key; returns the text bytes it added.
    fn push(rows: &mut TableRows, time: i64, name: &str, extra: bool) -> usize {
        let table = rows.table();
        let before = rows.text_bytes();
        rows.set(table.column_index("Timestamp").expect("column"), Cell::Time(time), &TextArena::default());
        rows.set_text(table.column_index("DeviceName").expect("column"), name);
        let mut unknown = if extra { vec![("Unknown".to_string(), "1".to_string())] } else { Vec::new() };
        assert_eq!(rows.finish_row(None, &mut unknown), Some(time));
        rows.text_bytes() - before
    }

    fn strings<'b>(batch: &'b RecordBatch, column: &str) -> Vec<Option<&'b str>> {
        batch.column_by_name(column).expect("column").as_string::<i32>().iter().collect()
    }

    fn names(batch: &RecordBatch) -> Vec<Option<&str>> {
        strings(batch, "DeviceName")
    }

    #[test]
    fn an_unknown_key_given_twice_keeps_its_last_value() {
        let table = Catalog.table("DeviceInfo").expect("catalog");
        let mut rows = TableRows::new(table);
        rows.set(table.column_index("Timestamp").expect("column"), Cell::Time(1), &TextArena::default());
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        let mut unknown = vec![pair("A", "1"), pair("B", "2"), pair("A", "3"), pair("A", "4")];
        assert_eq!(rows.finish_row(None, &mut unknown), Some(1));
        assert_eq!(unknown, [pair("B", "2"), pair("A", "4")], "the report counts each key once");
        let days = rows.take_days().expect("batches");
        assert_eq!(strings(&days[0].1, "_extra"), [Some(r#"{"B":2,"A":4}"#)]);
    }

    #[test]
    fn rows_come_out_sorted_split_by_day_and_reusable() {
        let table = Catalog.table("DeviceInfo").expect("catalog");
        let mut rows = TableRows::new(table);
        let day = DAY_NANOS;
        assert_eq!(push(&mut rows, day + 5, "bb", false), 2, "text bytes of the row");
        push(&mut rows, 3, "a", true);
        push(&mut rows, day + 1, "c", false);
        push(&mut rows, day + 1, "d", false);
        let days = rows.take_days().expect("batches");
        assert_eq!(days.iter().map(|(d, b)| (*d, b.num_rows())).collect::<Vec<_>>(), vec![(0, 1), (1, 3)]);
        let (first, second) = (&days[0].1, &days[1].1);
        assert!(first.schema().field_with_name("_extra").is_ok(), "the day with unknown keys has _extra");
        assert_eq!(first.column_by_name("_extra").expect("column").as_string::<i32>().value(0), r#"{"Unknown":1}"#);
        assert!(second.schema().field_with_name("_extra").is_err(), "the other day does not");
        // Equal times keep their input order.
        assert_eq!(names(second), vec![Some("c"), Some("d"), Some("bb")]);
        let times = second.column_by_name("Timestamp").expect("column").as_primitive::<TimestampNanosecondType>();
        assert_eq!(times.values().to_vec(), vec![day + 1, day + 1, day + 5]);
        // A string column never holds null; other columns do when the value is missing.
        let os = second.column_by_name("OSPlatform").expect("column");
        assert_eq!((os.null_count(), os.as_string::<i32>().value(0)), (0, ""));
        let joined = second.column_by_name("IsAzureADJoined").expect("column");
        assert_eq!(joined.null_count(), 3);
        // Taking leaves the table empty and ready for new rows.
        assert!(rows.take_days().expect("batches").is_empty());
        push(&mut rows, 7, "e", false);
        let again = rows.take_days().expect("batches");
        assert_eq!(again.len(), 1);
        assert_eq!(names(&again[0].1), vec![Some("e")]);
    }

    /// Room in a text column's bytes and a time column's values.
    fn room(rows: &TableRows, text: usize, time: usize) -> (usize, usize) {
        match (&rows.columns[text], &rows.columns[time]) {
            (Column::Text(t), Column::Time(c)) => (t.data.capacity(), c.values.capacity()),
            _ => panic!("a text and a time column"),
        }
    }

    #[test]
    fn taken_rows_leave_no_memory_behind_until_room_is_made() {
        let table = Catalog.table("DeviceInfo").expect("catalog");
        let [ts, dn] = ["Timestamp", "DeviceName"].map(|c| table.column_index(c).expect("column"));
        let mut rows = TableRows::new(table);
        for (t, name) in [(3, "ccc"), (1, "a"), (DAY_NANOS, "bb")] {
            push(&mut rows, t, name, false);
        }
        let days = rows.take_days().expect("batches");
        // While the batches are being written, the columns hold no memory of their own.
        assert_eq!(room(&rows, dn, ts), (0, 0));
        drop(days);
        rows.make_room();
        let (bytes, times) = room(&rows, dn, ts);
        assert!(bytes >= 6 && times >= 3, "room for the 3 rows and 6 bytes taken: {bytes}, {times}");
        // Once: a second call, with no take between, makes no more.
        rows.make_room();
        assert_eq!(room(&rows, dn, ts), (bytes, times));
        push(&mut rows, 5, "d", false);
        assert_eq!(names(&rows.take_days().expect("batches")[0].1), vec![Some("d")]);
    }

    #[test]
    fn rows_in_order_are_sliced_by_day() {
        let table = Catalog.table("DeviceInfo").expect("catalog");
        let mut rows = TableRows::new(table);
        for (t, name) in [(1, "a"), (2, "b"), (DAY_NANOS, "c"), (3 * DAY_NANOS, "d"), (3 * DAY_NANOS + 1, "e")] {
            push(&mut rows, t, name, false);
        }
        let days = rows.take_days().expect("batches");
        assert_eq!(days.iter().map(|(d, _)| *d).collect::<Vec<_>>(), vec![0, 1, 3]);
        assert_eq!(names(&days[0].1), vec![Some("a"), Some("b")]);
        assert_eq!(names(&days[2].1), vec![Some("d"), Some("e")]);
    }

    #[test]
    fn rows_are_built_in_any_key_order_and_taken_back() {
        let table = Catalog.table("DeviceInfo").expect("catalog");
        let [ts, dn, os] = ["Timestamp", "DeviceName", "OSPlatform"].map(|c| table.column_index(c).expect("column"));
        let mut rows = TableRows::new(table);
        let none = TextArena::default();
        // Keys in any order; a key given twice keeps its last value.
        rows.set_text(os, "Windows10");
        rows.set_text(dn, "first");
        rows.set(ts, Cell::Time(5), &none);
        rows.set_text(dn, "second");
        assert_eq!(rows.finish_row(None, &mut Vec::new()), Some(5));
        rows.commit();
        // A row without a Timestamp is taken back whole: its DeviceName does not reach the
        // next row, which has none.
        rows.set_text(dn, "orphan");
        assert_eq!(rows.finish_row(None, &mut Vec::new()), None);
        // TimeGenerated stands in for a missing Timestamp.
        assert_eq!(rows.finish_row(Some(7), &mut Vec::new()), Some(7));
        // A discarded row leaves nothing either.
        rows.set_text(os, "Linux");
        rows.discard_row();
        rows.set(ts, Cell::Time(9), &none);
        assert_eq!(rows.finish_row(None, &mut Vec::new()), Some(9));
        rows.commit();
        // Rows since the last commit, finished or not, are taken back by a rollback.
        rows.set(ts, Cell::Time(11), &none);
        rows.set_text(dn, "rolled back");
        assert_eq!(rows.finish_row(None, &mut Vec::new()), Some(11));
        rows.set_text(dn, "half built");
        assert_eq!(rows.rollback(), 1);
        assert_eq!(rows.rows(), 3);
        let days = rows.take_days().expect("batches");
        let batch = &days[0].1;
        assert_eq!(names(batch), vec![Some("second"), Some(""), Some("")]);
        assert_eq!(strings(batch, "OSPlatform"), vec![Some("Windows10"), Some(""), Some("")]);
        let times = batch.column_by_name("Timestamp").expect("column").as_primitive::<TimestampNanosecondType>();
        assert_eq!(times.values().to_vec(), vec![5, 7, 9]);
    }

    #[test]
    fn rows_naming_every_column_or_all_but_one() {
        let table = Catalog.table("DeviceInfo").expect("catalog");
        let [ts, dn, os] = ["Timestamp", "DeviceName", "OSPlatform"].map(|c| table.column_index(c).expect("column"));
        let mut rows = TableRows::new(table);
        let none = TextArena::default();
        let name_all_but = |rows: &mut TableRows, skip: Option<usize>| {
            for (i, column) in table.columns.iter().enumerate().filter(|(i, _)| Some(*i) != skip) {
                match column.ty {
                    KustoType::DateTime => rows.set(i, Cell::Time(1), &none),
                    KustoType::String => rows.set_text(i, "x"),
                    _ => rows.set(i, Cell::Null, &none),
                }
            }
        };
        // Every column: nothing to fill.
        name_all_but(&mut rows, None);
        assert_eq!(rows.finish_row(None, &mut Vec::new()), Some(1));
        // All but one, and a key given twice, which must not count as the missing one.
        name_all_but(&mut rows, Some(os));
        rows.set_text(dn, "y");
        assert_eq!(rows.finish_row(None, &mut Vec::new()), Some(1));
        rows.set(ts, Cell::Time(2), &none);
        assert_eq!(rows.finish_row(None, &mut Vec::new()), Some(2));
        let days = rows.take_days().expect("every column as long as the others");
        assert_eq!(names(&days[0].1), vec![Some("x"), Some("y"), Some("")]);
        assert_eq!(strings(&days[0].1, "OSPlatform"), vec![Some("x"), Some(""), Some("")]);
    }

    #[test]
    fn a_timestamp_and_a_different_time_generated_keep_both() {
        let table = Catalog.table("DeviceInfo").expect("catalog");
        let mut rows = TableRows::new(table);
        rows.set(table.column_index("Timestamp").expect("column"), Cell::Time(0), &TextArena::default());
        let mut extra = Vec::new();
        assert_eq!(rows.finish_row(Some(1_000_000_000), &mut extra), Some(0));
        assert_eq!(extra, vec![("TimeGenerated".to_string(), "\"1970-01-01T00:00:01Z\"".to_string())]);
        let days = rows.take_days().expect("batches");
        let text = days[0].1.column_by_name("_extra").expect("column").as_string::<i32>().value(0).to_string();
        assert_eq!(text, r#"{"TimeGenerated":"1970-01-01T00:00:01Z"}"#);
    }

    #[test]
    fn a_column_over_the_offset_range_is_an_error_not_a_panic() {
        let mut text = Text::new(false);
        text.push(Some("abc"));
        // As if the column had grown past i32::MAX: the saturated offset no longer matches.
        text.offsets.push(i32::MAX);
        text.data.push(b'x');
        assert!(text.take().is_err());
    }
}
