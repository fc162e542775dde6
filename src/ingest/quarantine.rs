//! The quarantine: every record that could not become a row, written whole to
//! `<lake>/_quarantine/<run>.jsonl` with its source file, line, byte offset and reason
//! ([`Quarantine`]), and counted per reason for the summary.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::buffer::RowFault;

/// Why a record was quarantined.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// Not JSON.
    InvalidJson {
        /// serde's message.
        message: String,
        /// The file line of the fault.
        line: u64,
        /// Its column.
        column: u64,
    },
    /// JSON, but not a record (a number, a string, a list of numbers...).
    NotARecord(String),
    /// The input ends, or the next record starts, before this one closes.
    Truncated,
    /// Longer than [`super::records::MAX_RECORD_BYTES`].
    TooLong {
        /// Its full length.
        bytes: u64,
    },
    /// A CSV row with another number of fields than the header.
    FieldCount {
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// A CSV line where a quoted field opens that does not close before the end of the
    /// file (nor within [`super::records::MAX_RECORD_BYTES`]).
    UnclosedQuote,
    /// A CSV field that is not UTF-8.
    NotUtf8 {
        /// The column.
        column: String,
    },
    /// The rest of a file that could not be read (a corrupt gzip stream, say).
    Unreadable(String),
    /// The record parsed, but is not a valid row.
    Row(RowFault),
}

impl Reason {
    /// The reason's name in summaries and in the quarantine file's `reason` key.
    pub fn kind(&self) -> &'static str {
        match self {
            Reason::InvalidJson { .. } => "invalid JSON",
            Reason::NotARecord(_) => "not a record",
            Reason::Truncated => "truncated record",
            Reason::TooLong { .. } => "record too long",
            Reason::FieldCount { .. } => "wrong number of CSV fields",
            Reason::UnclosedQuote => "unclosed quote",
            Reason::NotUtf8 { .. } => "not UTF-8",
            Reason::Unreadable(_) => "unreadable input",
            Reason::Row(RowFault::MissingTimestamp) => "missing Timestamp",
            Reason::Row(RowFault::WrongType { .. }) => "wrong type",
            Reason::Row(RowFault::NoCategory) => "no category",
            Reason::Row(RowFault::UnknownCategory(_)) => "unknown category",
            Reason::Row(RowFault::TwoCategories(..)) => "two categories",
            Reason::Row(RowFault::RowBesideBatch) => "row beside a batch",
        }
    }

    /// The particulars, in a sentence.
    pub fn detail(&self) -> String {
        match self {
            Reason::InvalidJson { message, line, column } => format!("{message} at line {line} column {column}"),
            Reason::NotARecord(m) => m.clone(),
            Reason::Truncated => "the record does not close before the next record or the end of the file".into(),
            Reason::TooLong { bytes } => {
                format!("{bytes} bytes, more than the {} MiB limit; the first 64 KiB are kept here", super::records::MAX_RECORD_BYTES >> 20)
            }
            Reason::FieldCount { expected, found } => format!("{found} fields, but the header has {expected}"),
            Reason::UnclosedQuote => format!(
                "a quoted field opens on this line and does not close before the end of the file or within {} MiB; the line is kept here, and reading went on at the next one",
                super::records::MAX_RECORD_BYTES >> 20
            ),
            Reason::NotUtf8 { column } => format!("column {column} is not UTF-8 text"),
            Reason::Unreadable(m) => format!("reading stopped here: {m}"),
            Reason::Row(RowFault::MissingTimestamp) => "no Timestamp (nor TimeGenerated): a row cannot be placed in a day partition without it".into(),
            Reason::Row(RowFault::WrongType { column, error }) => format!("column {column} is {}, but found {}", error.expected.name(), error.found),
            Reason::Row(RowFault::NoCategory) => "no category key, so no table (give --format jsonl --table NAME for plain rows)".into(),
            Reason::Row(RowFault::UnknownCategory(c)) => format!("category {c:?} is not AdvancedHunting-<a Defender table lakehunt knows>"),
            Reason::Row(RowFault::TwoCategories(a, b)) => format!("category {a:?}, then category {b:?}: a record is of one table"),
            Reason::Row(RowFault::RowBesideBatch) => {
                "a batch (`records`) with a category or properties of its own: its records were read, its own row is kept here".into()
            }
        }
    }
}

/// Where a quarantined record came from.
pub struct Origin<'a> {
    /// The source file.
    pub file: &'a str,
    /// Its first line (1-based; for CSV, the record's line).
    pub line: u64,
    /// Its byte offset in the (decompressed) file.
    pub offset: u64,
    /// The table, when known.
    pub table: Option<&'a str>,
}

/// The quarantine file of one run, created on the first bad record.
pub struct Quarantine {
    path: PathBuf,
    out: Option<BufWriter<File>>,
    counts: BTreeMap<&'static str, u64>,
}

impl Quarantine {
    /// A quarantine that writes to `path` (the run's pending quarantine file).
    pub fn new(path: PathBuf) -> Self {
        Quarantine { path, out: None, counts: BTreeMap::new() }
    }

    /// Writes one record, whole (see [`Reason::TooLong`] for the exception).
    pub fn add(&mut self, origin: &Origin, reason: &Reason, record: &str) -> io::Result<()> {
        *self.counts.entry(reason.kind()).or_default() += 1;
        let mut entry = serde_json::Map::new();
        entry.insert("file".into(), origin.file.into());
        entry.insert("line".into(), origin.line.into());
        entry.insert("offset".into(), origin.offset.into());
        if let Some(table) = origin.table {
            entry.insert("table".into(), table.into());
        }
        entry.insert("reason".into(), reason.kind().into());
        entry.insert("detail".into(), reason.detail().into());
        entry.insert("record".into(), record.into());
        let out = match &mut self.out {
            Some(out) => out,
            None => {
                if let Some(dir) = self.path.parent() {
                    crate::catalog::writer::create_dirs_durably(dir)?;
                }
                self.out.insert(BufWriter::new(File::create(&self.path)?))
            }
        };
        serde_json::to_writer(&mut *out, &serde_json::Value::Object(entry))?;
        out.write_all(b"\n")
    }

    /// Records quarantined so far, per reason.
    pub fn counts(&self) -> &BTreeMap<&'static str, u64> {
        &self.counts
    }

    /// Records quarantined so far.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Flushes and syncs the file; its path when anything was quarantined.
    pub fn finish(self) -> io::Result<Option<PathBuf>> {
        let Some(out) = self.out else { return Ok(None) };
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        // The file's own entry, which the run's log names, must survive a crash too.
        if let Some(dir) = self.path.parent().and_then(|d| File::open(d).ok()) {
            let _ = dir.sync_all();
        }
        Ok(Some(self.path))
    }

    /// The file it writes.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
