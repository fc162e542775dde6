//! Rows on their way to Parquet: a record staged column by column ([`Staged`]), and the
//! Arrow builders of each (table, day) partition ([`Buffers`]) that staged rows are
//! appended to once the whole record is known to be good.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, RecordBatch, StringBuilder,
    TimestampNanosecondBuilder,
};
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::arrow::error::ArrowError;

use super::values::{Cell, TextArena, TypeError};
use crate::catalog::{KustoType, TableDef, extra_field};

/// Why a record cannot become a row (the parse itself succeeded).
#[derive(Debug, Clone, PartialEq)]
pub enum RowFault {
    /// No `Timestamp` (nor `TimeGenerated`), or a null one.
    MissingTimestamp,
    /// A value does not fit its column.
    WrongType {
        /// The column.
        column: &'static str,
        /// What was wrong.
        error: TypeError,
    },
    /// The record names no table: no `category` key.
    NoCategory,
    /// The `category` is not `AdvancedHunting-<a catalog table>`.
    UnknownCategory(String),
}

/// One record's values, in catalog column order, plus its unknown keys.
#[derive(Debug, Default, Clone)]
pub struct Staged {
    /// The table, once known.
    pub table: Option<&'static TableDef>,
    /// One cell per catalog column.
    pub cells: Vec<Cell>,
    /// The text of the text cells.
    pub arena: TextArena,
    /// Unknown keys and their values as JSON text, in record order.
    pub extra: Vec<(String, String)>,
    /// `TimeGenerated` (Log Analytics copies), the Timestamp when there is none.
    pub time_generated: Option<i64>,
    /// The first fault found; the record goes to quarantine.
    pub fault: Option<RowFault>,
    /// The row's Timestamp, set by [`Staged::finish`].
    time: Option<i64>,
    /// The first line of the record in its file.
    pub line: u64,
}

impl Staged {
    /// Clears the record and sets its table (when known).
    pub fn reset(&mut self, table: Option<&'static TableDef>, line: u64) {
        self.table = table;
        self.cells.clear();
        if let Some(t) = table {
            self.cells.resize(t.columns.len(), Cell::Null);
        }
        self.arena.clear();
        self.extra.clear();
        self.time_generated = None;
        self.fault = None;
        self.time = None;
        self.line = line;
    }

    /// Sets the table after the record began (the category came after other keys).
    pub fn set_table(&mut self, table: &'static TableDef) {
        self.table = Some(table);
        self.cells.resize(table.columns.len(), Cell::Null);
    }

    /// Records a fault; the first one is the one reported.
    pub fn fail(&mut self, fault: RowFault) {
        self.fault.get_or_insert(fault);
    }

    /// Checks what only the whole record can tell: that it has a Timestamp. `TimeGenerated`
    /// stands in for a missing one; when both exist and differ, it is kept in `_extra`.
    pub fn finish(&mut self) {
        let Some(table) = self.table else {
            self.fail(RowFault::NoCategory);
            return;
        };
        let Some(ts) = table.column_index("Timestamp") else {
            self.fail(RowFault::MissingTimestamp);
            return;
        };
        self.time = match (self.cells[ts], self.time_generated) {
            (Cell::Time(t), Some(g)) if t != g => {
                self.extra.push(("TimeGenerated".into(), format!("\"{}\"", crate::output::format_datetime(g))));
                Some(t)
            }
            (Cell::Time(t), _) => Some(t),
            (_, Some(g)) => {
                self.cells[ts] = Cell::Time(g);
                Some(g)
            }
            (_, None) => {
                self.fail(RowFault::MissingTimestamp);
                None
            }
        };
    }

    /// The row's Timestamp (after [`Staged::finish`] found one).
    pub fn timestamp(&self) -> Option<i64> {
        self.time
    }

    /// The `_extra` JSON object text, or `None` when the record had no unknown keys.
    fn extra_json(&self) -> Option<String> {
        if self.extra.is_empty() {
            return None;
        }
        let mut out = String::from("{");
        for (i, (k, v)) in self.extra.iter().enumerate() {
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
}

enum Column {
    Text(StringBuilder, bool),
    Long(Int64Builder),
    Int(Int32Builder),
    Real(Float64Builder),
    Bool(BooleanBuilder),
    Time(TimestampNanosecondBuilder),
}

impl Column {
    fn new(ty: KustoType) -> Self {
        match ty {
            KustoType::String => Column::Text(StringBuilder::new(), true),
            KustoType::Dynamic | KustoType::Guid | KustoType::TimeSpan => Column::Text(StringBuilder::new(), false),
            KustoType::Long => Column::Long(Int64Builder::new()),
            KustoType::Int => Column::Int(Int32Builder::new()),
            KustoType::Real => Column::Real(Float64Builder::new()),
            KustoType::Bool => Column::Bool(BooleanBuilder::new()),
            KustoType::DateTime => Column::Time(TimestampNanosecondBuilder::new().with_timezone("UTC")),
        }
    }

    /// Appends a cell that [`super::values`] converted for this column's type; a cell of
    /// another kind cannot arise and is stored as null.
    fn push(&mut self, cell: Cell, arena: &TextArena) {
        match (self, cell) {
            (Column::Text(b, _), Cell::Text(s, e)) => b.append_value(arena.get(s, e)),
            // Kusto strings are never null: a missing string is "".
            (Column::Text(b, true), _) => b.append_value(""),
            (Column::Text(b, false), _) => b.append_null(),
            (Column::Long(b), Cell::Long(v)) => b.append_value(v),
            (Column::Long(b), _) => b.append_null(),
            // The converter checked the range.
            (Column::Int(b), Cell::Long(v)) => b.append_option(i32::try_from(v).ok()),
            (Column::Int(b), _) => b.append_null(),
            (Column::Real(b), Cell::Real(v)) => b.append_value(v),
            (Column::Real(b), _) => b.append_null(),
            (Column::Bool(b), Cell::Bool(v)) => b.append_value(v),
            (Column::Bool(b), _) => b.append_null(),
            (Column::Time(b), Cell::Time(v)) => b.append_value(v),
            (Column::Time(b), _) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Text(b, _) => Arc::new(b.finish()),
            Column::Long(b) => Arc::new(b.finish()),
            Column::Int(b) => Arc::new(b.finish()),
            Column::Real(b) => Arc::new(b.finish()),
            Column::Bool(b) => Arc::new(b.finish()),
            Column::Time(b) => Arc::new(b.finish()),
        }
    }
}

/// The rows of one (table, day) partition not yet written.
pub struct PartitionBuffer {
    table: &'static TableDef,
    columns: Vec<Column>,
    extra: StringBuilder,
    has_extra: bool,
    rows: usize,
}

impl PartitionBuffer {
    fn new(table: &'static TableDef) -> Self {
        let columns = table.columns.iter().map(|c| Column::new(c.ty)).collect();
        PartitionBuffer { table, columns, extra: StringBuilder::new(), has_extra: false, rows: 0 }
    }

    fn push(&mut self, row: &Staged) {
        for (column, cell) in self.columns.iter_mut().zip(&row.cells) {
            column.push(*cell, &row.arena);
        }
        let extra = row.extra_json();
        self.has_extra |= extra.is_some();
        self.extra.append_option(extra);
        self.rows += 1;
    }

    /// The buffered rows as a batch of the table's file schema, with `_extra` only when
    /// some row had unknown keys. The builders are left empty.
    pub fn take(&mut self) -> Result<RecordBatch, ArrowError> {
        let mut arrays: Vec<ArrayRef> = self.columns.iter_mut().map(Column::finish).collect();
        let mut fields: Vec<Field> = self.table.file_schema().fields().iter().map(|f| f.as_ref().clone()).collect();
        let extra = self.extra.finish();
        if self.has_extra {
            fields.push(extra_field());
            arrays.push(Arc::new(extra));
        }
        self.has_extra = false;
        self.rows = 0;
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
    }

    /// The table.
    pub fn table(&self) -> &'static TableDef {
        self.table
    }
}

/// Every partition's pending rows, keyed by (table, days since 1970).
#[derive(Default)]
pub struct Buffers {
    parts: BTreeMap<(&'static str, i64), PartitionBuffer>,
    rows: usize,
}

impl Buffers {
    /// Appends a good row (its Timestamp is set) to its partition.
    pub fn push(&mut self, row: &Staged, day: i64) {
        let Some(table) = row.table else { return };
        self.parts.entry((table.name, day)).or_insert_with(|| PartitionBuffer::new(table)).push(row);
        self.rows += 1;
    }

    /// Rows buffered in all partitions.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Takes every non-empty partition, in (table, day) order, emptying the buffers.
    pub fn drain(&mut self) -> Vec<((&'static str, i64), PartitionBuffer)> {
        self.rows = 0;
        std::mem::take(&mut self.parts).into_iter().filter(|(_, p)| p.rows > 0).collect()
    }
}
