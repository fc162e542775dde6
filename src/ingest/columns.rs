//! A table's buffered rows, column by column ([`TableRows`]), in plain vectors that are
//! cleared rather than freed at each flush, and gathered into Arrow arrays in Timestamp
//! order when they are written.
//!
//! Arrow's builders give their memory away with every batch, so each flush grew them again
//! from nothing (reallocating and copying as they doubled) and then copied every value once
//! more to sort the batch. Here the vectors keep their capacity, and the sort and the copy
//! into Arrow are one pass into arrays allocated at their exact size.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray, TimestampNanosecondArray};
use datafusion::arrow::buffer::{BooleanBuffer, NullBuffer, OffsetBuffer};
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::arrow::error::ArrowError;

use super::buffer::Staged;
use super::values::{Cell, DAY_NANOS, TextArena};
use crate::catalog::{KustoType, TableDef, extra_field};

/// Text bytes one written batch holds at most, summed over its columns: Arrow's string
/// offsets are 32-bit, so a column must stay under 2 GiB, and a day with more text than
/// this is written as several files.
const BATCH_TEXT_BYTES: u64 = 1 << 30;

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

    /// The values of rows `order`, and their nulls (`None` when there are none).
    fn gather(&self, order: &[u32]) -> (Vec<T>, Option<NullBuffer>) {
        let values = order.iter().map(|&i| self.values[i as usize]).collect();
        (values, nulls(&self.present, order))
    }

    fn clear(&mut self) {
        self.values.clear();
        self.present.clear();
    }
}

/// Text values laid end to end.
struct Text {
    data: Vec<u8>,
    ends: Vec<usize>,
    present: Vec<bool>,
}

impl Text {
    fn new() -> Self {
        Text { data: Vec::new(), ends: Vec::new(), present: Vec::new() }
    }

    fn push(&mut self, value: Option<&str>) {
        self.data.extend_from_slice(value.unwrap_or("").as_bytes());
        self.ends.push(self.data.len());
        self.present.push(value.is_some());
    }

    /// The bytes of value `i`.
    fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.data.get(start..self.ends[i]).unwrap_or_default()
    }

    /// Values `order` as a string array: their bytes copied end to end, then checked as
    /// UTF-8 once for the whole array (each value was a `str`, so this cannot fail).
    fn gather(&self, order: &[u32]) -> Result<ArrayRef, ArrowError> {
        let bytes = order.iter().map(|&i| self.get(i as usize).len()).sum();
        let mut values = Vec::with_capacity(bytes);
        let mut offsets = Vec::with_capacity(order.len() + 1);
        offsets.push(0i32);
        for &i in order {
            values.extend_from_slice(self.get(i as usize));
            // A batch holds under BATCH_TEXT_BYTES (1 GiB) of text, below i32::MAX.
            offsets.push(i32::try_from(values.len()).map_err(|_| ArrowError::ComputeError("over 2 GiB of text in one column".into()))?);
        }
        // The offsets start at 0 and never decrease, which is all `OffsetBuffer::new` asks.
        let offsets = OffsetBuffer::new(offsets.into());
        Ok(Arc::new(StringArray::try_new(offsets, values.into(), nulls(&self.present, order))?))
    }

    fn any_present(&self, order: &[u32]) -> bool {
        order.iter().any(|&i| self.present[i as usize])
    }

    fn clear(&mut self) {
        self.data.clear();
        self.ends.clear();
        self.present.clear();
    }
}

fn nulls(present: &[bool], order: &[u32]) -> Option<NullBuffer> {
    if order.iter().all(|&i| present[i as usize]) {
        return None;
    }
    Some(NullBuffer::new(order.iter().map(|&i| present[i as usize]).collect::<BooleanBuffer>()))
}

/// One column of a table, by the Kusto type of the catalog column.
enum Column {
    /// `string` (never null: a missing string is `""`), or `dynamic`/`guid`/`timespan`.
    Text(Text, bool),
    Long(Fixed<i64>),
    Int(Fixed<i32>),
    Real(Fixed<f64>),
    Bool(Fixed<bool>),
    Time(Fixed<i64>),
}

impl Column {
    fn new(ty: KustoType) -> Self {
        match ty {
            KustoType::String => Column::Text(Text::new(), true),
            KustoType::Dynamic | KustoType::Guid | KustoType::TimeSpan => Column::Text(Text::new(), false),
            KustoType::Long => Column::Long(Fixed::new()),
            KustoType::Int => Column::Int(Fixed::new()),
            KustoType::Real => Column::Real(Fixed::new()),
            KustoType::Bool => Column::Bool(Fixed::new()),
            KustoType::DateTime => Column::Time(Fixed::new()),
        }
    }

    /// Appends a cell that [`super::values`] converted for this column's type; a cell of
    /// another kind cannot arise and is stored as null. `source` is the text that
    /// [`Cell::Source`] ranges index. Returns the text bytes added.
    fn push(&mut self, cell: Cell, arena: &TextArena, source: &str) -> usize {
        match (self, cell) {
            (Column::Text(t, _), Cell::Text(s, e)) => {
                let value = arena.get(s, e);
                t.push(Some(value));
                return value.len();
            }
            (Column::Text(t, _), Cell::Source(s, e)) => {
                let value = source.get(s as usize..e as usize).unwrap_or("");
                t.push(Some(value));
                return value.len();
            }
            (Column::Text(t, true), _) => t.push(Some("")),
            (Column::Text(t, false), _) => t.push(None),
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

    fn gather(&self, order: &[u32]) -> Result<ArrayRef, ArrowError> {
        Ok(match self {
            Column::Text(t, _) => t.gather(order)?,
            Column::Long(c) => {
                let (values, nulls) = c.gather(order);
                Arc::new(Int64Array::try_new(values.into(), nulls)?)
            }
            Column::Int(c) => {
                let (values, nulls) = c.gather(order);
                Arc::new(Int32Array::try_new(values.into(), nulls)?)
            }
            Column::Real(c) => {
                let (values, nulls) = c.gather(order);
                Arc::new(Float64Array::try_new(values.into(), nulls)?)
            }
            Column::Bool(c) => {
                let (values, nulls) = c.gather(order);
                Arc::new(BooleanArray::new(values.into_iter().collect(), nulls))
            }
            Column::Time(c) => {
                let (values, nulls) = c.gather(order);
                Arc::new(TimestampNanosecondArray::try_new(values.into(), nulls)?.with_timezone("UTC"))
            }
        })
    }

    fn clear(&mut self) {
        match self {
            Column::Text(t, _) => t.clear(),
            Column::Long(c) | Column::Time(c) => c.clear(),
            Column::Int(c) => c.clear(),
            Column::Real(c) => c.clear(),
            Column::Bool(c) => c.clear(),
        }
    }
}

/// The rows of one table not yet written, of any days.
pub struct TableRows {
    table: &'static TableDef,
    columns: Vec<Column>,
    extra: Text,
    times: Vec<i64>,
    /// Text bytes of each row, to cut batches under [`BATCH_TEXT_BYTES`].
    text_bytes: Vec<u32>,
}

impl TableRows {
    /// No rows of `table`.
    pub fn new(table: &'static TableDef) -> Self {
        let columns = table.columns.iter().map(|c| Column::new(c.ty)).collect();
        TableRows { table, columns, extra: Text::new(), times: Vec::new(), text_bytes: Vec::new() }
    }

    /// The table.
    pub fn table(&self) -> &'static TableDef {
        self.table
    }

    /// Appends a good row whose Timestamp is `time`; `source` is the text it was parsed
    /// from.
    pub fn push(&mut self, row: &Staged, time: i64, source: &str) {
        let mut bytes = 0;
        for (column, cell) in self.columns.iter_mut().zip(&row.cells) {
            bytes += column.push(*cell, &row.arena, source);
        }
        let extra = row.extra_json();
        bytes += extra.as_ref().map_or(0, String::len);
        self.extra.push(extra.as_deref());
        self.times.push(time);
        self.text_bytes.push(u32::try_from(bytes).unwrap_or(u32::MAX));
    }

    /// The rows in Timestamp order (a stable sort: equal times keep their input order), cut
    /// into runs of one day each, and a run into several when its text is over
    /// [`BATCH_TEXT_BYTES`]. Each run is (days since 1970, row numbers).
    pub fn runs(&self) -> Vec<(i64, Vec<u32>)> {
        self.runs_within(BATCH_TEXT_BYTES)
    }

    fn runs_within(&self, text_bytes: u64) -> Vec<(i64, Vec<u32>)> {
        // A flush holds at most `MAX_FLUSH_ROWS` rows, far below u32::MAX.
        let mut order: Vec<u32> = (0..self.times.len() as u32).collect();
        if !self.times.is_sorted() {
            order.sort_by_key(|&i| self.times[i as usize]);
        }
        let mut runs: Vec<(i64, Vec<u32>)> = Vec::new();
        let mut bytes = 0u64;
        for i in order {
            let day = self.times[i as usize].div_euclid(DAY_NANOS);
            let row_bytes = u64::from(self.text_bytes[i as usize]);
            match runs.last_mut() {
                Some((d, rows)) if *d == day && bytes + row_bytes <= text_bytes => {
                    rows.push(i);
                    bytes += row_bytes;
                }
                _ => {
                    runs.push((day, vec![i]));
                    bytes = row_bytes;
                }
            }
        }
        runs
    }

    /// Rows `order` as a batch of the table's file schema, with `_extra` only when one of
    /// them has unknown keys.
    pub fn batch(&self, order: &[u32]) -> Result<RecordBatch, ArrowError> {
        let mut arrays = self.columns.iter().map(|c| c.gather(order)).collect::<Result<Vec<_>, _>>()?;
        let mut fields: Vec<Field> = self.table.file_schema().fields().iter().map(|f| f.as_ref().clone()).collect();
        if self.extra.any_present(order) {
            fields.push(extra_field());
            arrays.push(self.extra.gather(order)?);
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
    }

    /// Forgets every row, keeping the memory for the next ones.
    pub fn clear(&mut self) {
        self.columns.iter_mut().for_each(Column::clear);
        self.extra.clear();
        self.times.clear();
        self.text_bytes.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::TimestampNanosecondType;

    fn staged(table: &'static TableDef, time: i64, name: &str, extra: bool) -> Staged {
        let mut row = Staged::default();
        row.reset(Some(table), 1);
        let ts = table.column_index("Timestamp").expect("column");
        let dn = table.column_index("DeviceName").expect("column");
        row.cells[ts] = Cell::Time(time);
        row.cells[dn] = row.arena.push(name);
        if extra {
            row.extra.push(("Unknown".into(), "1".into()));
        }
        row
    }

    #[test]
    fn rows_come_out_sorted_split_by_day_and_reusable() {
        let table = Catalog.table("DeviceInfo").expect("catalog");
        let mut rows = TableRows::new(table);
        let day = DAY_NANOS;
        rows.push(&staged(table, day + 5, "b", false), day + 5, "");
        rows.push(&staged(table, 3, "a", true), 3, "");
        rows.push(&staged(table, day + 1, "c", false), day + 1, "");
        rows.push(&staged(table, day + 1, "d", false), day + 1, "");
        let runs = rows.runs();
        assert_eq!(runs, vec![(0, vec![1]), (1, vec![2, 3, 0])]);
        let first = rows.batch(&runs[0].1).expect("batch");
        assert!(first.schema().field_with_name("_extra").is_ok(), "the day with unknown keys has _extra");
        let second = rows.batch(&runs[1].1).expect("batch");
        assert!(second.schema().field_with_name("_extra").is_err(), "the other day does not");
        let names = second.column_by_name("DeviceName").expect("column").as_string::<i32>();
        assert_eq!(names.iter().collect::<Vec<_>>(), vec![Some("c"), Some("d"), Some("b")]);
        let times = second.column_by_name("Timestamp").expect("column").as_primitive::<TimestampNanosecondType>();
        assert_eq!(times.values().to_vec(), vec![day + 1, day + 1, day + 5]);
        // A string column never holds null; other columns do when the value is missing.
        let os = second.column_by_name("OSPlatform").expect("column");
        assert_eq!((os.null_count(), os.as_string::<i32>().value(0)), (0, ""));
        let joined = second.column_by_name("IsAzureADJoined").expect("column");
        assert_eq!(joined.null_count(), 3);
        rows.clear();
        assert_eq!(rows.runs(), vec![]);
        rows.push(&staged(table, 7, "e", false), 7, "");
        assert_eq!(rows.runs(), vec![(0, vec![0])]);
    }

    #[test]
    fn a_day_with_more_text_than_a_batch_holds_is_cut() {
        let table = Catalog.table("DeviceInfo").expect("catalog");
        let mut rows = TableRows::new(table);
        for (t, name) in [(1, "aaaa"), (2, "bbbb"), (3, "cccc"), (4, "dd")] {
            rows.push(&staged(table, t, name, false), t, "");
        }
        // Four bytes of text a row (two for the last): two rows fit in ten bytes, not three.
        assert_eq!(rows.runs_within(10), vec![(0, vec![0, 1]), (0, vec![2, 3])]);
        assert_eq!(rows.runs_within(3), vec![(0, vec![0]), (0, vec![1]), (0, vec![2]), (0, vec![3])]);
    }
}
