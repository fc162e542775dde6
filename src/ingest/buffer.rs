//! Rows on their way to Parquet: a record staged column by column ([`Staged`]), and the
//! tables' buffered rows ([`Buffers`]) that staged rows are appended to once the whole
//! record is known to be good.

use super::columns::TableRows;
use super::values::{Cell, TextArena, TypeError};
use crate::catalog::TableDef;

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
    pub fn extra_json(&self) -> Option<String> {
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

/// Every table's pending rows, in table name order (the order files are written in); the
/// previous row's table is tried first.
#[derive(Default)]
pub struct Buffers {
    tables: Vec<TableRows>,
    last: usize,
    rows: usize,
    text_bytes: usize,
}

impl Buffers {
    /// Appends a good row of `table` whose Timestamp is `time`, parsed from `source`.
    pub fn push(&mut self, table: &'static TableDef, row: &Staged, time: i64, source: &str) {
        let hit = |t: &TableRows| std::ptr::eq(t.table(), table);
        if !self.tables.get(self.last).is_some_and(hit) {
            self.last = match self.tables.iter().position(hit) {
                Some(i) => i,
                None => {
                    let at = self.tables.partition_point(|t| t.table().name < table.name);
                    self.tables.insert(at, TableRows::new(table));
                    at
                }
            };
        }
        self.text_bytes += self.tables[self.last].push(row, time, source);
        self.rows += 1;
    }

    /// Rows buffered in all tables.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Text bytes buffered in all tables.
    pub fn text_bytes(&self) -> usize {
        self.text_bytes
    }

    /// The tables, to take their rows out.
    pub fn tables(&mut self) -> &mut [TableRows] {
        self.rows = 0;
        self.text_bytes = 0;
        &mut self.tables
    }
}
