//! Rows on their way to Parquet: what is known of a record besides its values
//! ([`Staged`]: its table, its first fault, its unknown keys), and the tables' buffered
//! rows ([`Buffers`]), which a record's values go straight into as they are parsed.

use super::columns::TableRows;
use super::values::TypeError;
use crate::catalog::{Catalog, TableDef};

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
    /// Two `category` keys that differ (the first, then the second): the record belongs to
    /// no one table.
    TwoCategories(String, String),
    /// An Event Hub batch (`records`) with a category or properties of its own: its
    /// records are rows, and whether it is meant as one too cannot be told.
    RowBesideBatch,
}

/// A record besides its values, which are in its table's [`TableRows`].
#[derive(Debug, Default, Clone)]
pub struct Staged {
    /// The table, once known.
    pub table: Option<&'static TableDef>,
    /// Unknown keys and their values as JSON text, in record order.
    pub extra: Vec<(String, String)>,
    /// `TimeGenerated` (Log Analytics copies), the Timestamp when there is none.
    pub time_generated: Option<i64>,
    /// The first fault found; the record goes to quarantine.
    pub fault: Option<RowFault>,
    /// The row's Timestamp, set by [`Buffers::finish`].
    time: Option<i64>,
    /// The first line of the record in its file.
    pub line: u64,
    /// Where the record is in the text of the value parsed: a record of a batch is a part
    /// of it, and goes to quarantine as the very bytes it was.
    pub span: std::ops::Range<usize>,
}

impl Staged {
    /// Clears the record and sets its table (when known).
    pub fn reset(&mut self, table: Option<&'static TableDef>, line: u64) {
        self.table = table;
        self.extra.clear();
        self.time_generated = None;
        self.fault = None;
        self.time = None;
        self.line = line;
        self.span = 0..0;
    }

    /// Records a fault; the first one is the one reported.
    pub fn fail(&mut self, fault: RowFault) {
        self.fault.get_or_insert(fault);
    }

    /// The row's Timestamp (after [`Buffers::finish`] kept the row).
    pub fn timestamp(&self) -> Option<i64> {
        self.time
    }
}

/// Every table's pending rows, by the table's position in the catalog.
#[derive(Default)]
pub struct Buffers {
    tables: Vec<Option<TableRows>>,
    /// Tables given rows since the last commit or rollback.
    touched: Vec<usize>,
    rows: usize,
}

impl Buffers {
    /// The position of `table` in the catalog (`None` for a table it does not name).
    pub fn index_of(table: &TableDef) -> Option<usize> {
        Catalog.tables().iter().position(|t| t.name == table.name)
    }

    /// The rows of the catalog's table `index`, to add to.
    pub fn table(&mut self, index: usize) -> &mut TableRows {
        if index >= self.tables.len() {
            self.tables.resize_with(index + 1, || None);
        }
        if !self.touched.contains(&index) {
            self.touched.push(index);
        }
        // The slot exists: the vector was just grown to hold `index`.
        let slot = &mut self.tables[index];
        slot.get_or_insert_with(|| TableRows::new(&Catalog.tables()[index]))
    }

    /// Ends the row that `row` describes, which was built in the catalog's table `index`:
    /// kept, with its Timestamp set in `row`, unless it has a fault or no Timestamp
    /// (then its fault says why, and its values are taken back).
    pub fn finish(&mut self, index: usize, row: &mut Staged) {
        let rows = self.table(index);
        if row.fault.is_some() {
            rows.discard_row();
            return;
        }
        row.time = rows.finish_row(row.time_generated, &mut row.extra);
        match row.time {
            Some(_) => self.rows += 1,
            None => row.fail(RowFault::MissingTimestamp),
        }
    }

    /// Keeps every finished row.
    pub fn commit(&mut self) {
        for i in self.touched.drain(..) {
            if let Some(Some(t)) = self.tables.get_mut(i) {
                t.commit();
            }
        }
    }

    /// Takes back every row since the last commit, and any row being built.
    pub fn rollback(&mut self) {
        for i in self.touched.drain(..) {
            if let Some(Some(t)) = self.tables.get_mut(i) {
                self.rows = self.rows.saturating_sub(t.rollback());
            }
        }
    }

    /// Finished rows buffered in all tables.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Text bytes buffered in all tables (an overestimate: see [`TableRows::text_bytes`]).
    pub fn text_bytes(&self) -> usize {
        self.tables.iter().flatten().map(TableRows::text_bytes).sum()
    }

    /// Makes room in every table for the rows of its last take ([`TableRows::make_room`]).
    pub fn make_room(&mut self) {
        self.tables.iter_mut().flatten().for_each(TableRows::make_room);
    }

    /// The tables that have rows, in table name order (the order files are written in), to
    /// take their rows out. Every row must be committed.
    pub fn tables(&mut self) -> Vec<&mut TableRows> {
        self.rows = 0;
        let mut tables: Vec<&mut TableRows> = self.tables.iter_mut().flatten().filter(|t| t.rows() > 0).collect();
        tables.sort_by_key(|t| t.table().name);
        tables
    }
}
