//! `compact`: the small files of a partition (each ingest run adds some) rewritten as
//! fewer, larger files sorted by `Timestamp` ([`compact`]). All rewrites of one call are one
//! run of [`super::txn`]: the new files appear and the old ones go when it commits.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch, new_null_array};
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::arrow::error::ArrowError;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::errors::ParquetError;

use super::txn::{LakeWriter, TxnError};
use crate::catalog::{Catalog, EXTRA_COLUMN, TableDef, extra_field};

/// Files at least this large are left as they are.
pub const SMALL_FILE_BYTES: u64 = 32 << 20;
/// The most bytes of input files merged into one output file; bounds memory, as a group is
/// read whole to be sorted.
pub const GROUP_BYTES: u64 = 128 << 20;

/// What to compact.
#[derive(Debug, Clone)]
pub struct CompactConfig {
    /// The lake.
    pub lake: PathBuf,
    /// Only this table.
    pub table: Option<&'static TableDef>,
    /// Only this day (`YYYY-MM-DD`).
    pub date: Option<String>,
}

/// Why compaction failed; the lake is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum CompactError {
    /// The lake could not be opened or changed.
    #[error(transparent)]
    Lake(#[from] TxnError),
    /// A file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The Parquet reader's error.
        #[source]
        source: ParquetError,
    },
    /// A file could not be opened.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A file's columns are not the catalog's: compacting it would drop or null data.
    /// Its group is left as it is ([`CompactReport::left`]).
    #[error("{path}: {detail}")]
    Schema {
        /// The file.
        path: PathBuf,
        /// The column that differs, and how.
        detail: String,
    },
    /// Batches could not be combined.
    #[error("{path}: {source}")]
    Arrow {
        /// A file of the group.
        path: PathBuf,
        /// Arrow's error.
        #[source]
        source: ArrowError,
    },
}

/// One partition's rewrite.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionCompaction {
    /// The table.
    pub table: &'static str,
    /// The day.
    pub date: String,
    /// Files before.
    pub files_before: usize,
    /// Files after.
    pub files_after: usize,
    /// Rows rewritten.
    pub rows: usize,
}

/// The result of [`compact`].
#[derive(Debug, Clone, Default)]
pub struct CompactReport {
    /// The run's id, when anything was rewritten.
    pub run: Option<String>,
    /// Partitions rewritten.
    pub partitions: Vec<PartitionCompaction>,
    /// Groups of files left as they are, by a file whose columns are not the table's: the
    /// file, and which column differs how.
    pub left: Vec<(PathBuf, String)>,
}

/// Rewrites the small files of each selected partition that has more than one.
pub fn compact(cfg: &CompactConfig) -> Result<CompactReport, CompactError> {
    let mut lake = LakeWriter::open(&cfg.lake)?;
    let mut run = lake.begin("compact");
    let mut report = CompactReport::default();
    let tables: Vec<&'static TableDef> = match cfg.table {
        Some(t) => vec![t],
        None => Catalog.tables().iter().collect(),
    };
    let result = (|| {
        for table in tables {
            for (date, files) in partitions(&lake, table, cfg.date.as_deref())? {
                let before = files.len();
                let mut after = before;
                let mut rows = 0;
                for group in groups(&files) {
                    let batch = match read_group(table, &group) {
                        Ok(batch) => batch,
                        Err(CompactError::Schema { path, detail }) => {
                            report.left.push((path, detail));
                            continue;
                        }
                        Err(e) => return Err(e),
                    };
                    rows += batch.num_rows();
                    run.write(&lake, table.name, &date, &batch)?;
                    group.iter().for_each(|(p, _)| run.replace(p.clone()));
                    after -= group.len() - 1;
                }
                if after < before {
                    report.partitions.push(PartitionCompaction { table: table.name, date, files_before: before, files_after: after, rows });
                }
            }
        }
        Ok::<(), CompactError>(())
    })();
    if let Err(e) = result {
        run.abandon();
        return Err(e);
    }
    if report.partitions.is_empty() {
        run.abandon();
        return Ok(report);
    }
    report.run = Some(run.id().to_string());
    run.commit(&mut lake, Vec::new())?;
    Ok(report)
}

/// A day (`YYYY-MM-DD`) and its files with their sizes.
type Partition = (String, Vec<(PathBuf, u64)>);

/// The partitions of `table` (only `date`, if given).
fn partitions(lake: &LakeWriter, table: &TableDef, date: Option<&str>) -> Result<Vec<Partition>, CompactError> {
    let files = lake.layout().table_files(table.name).map_err(|(path, source)| CompactError::Io { path, source })?;
    let mut out: Vec<Partition> = Vec::new();
    for file in files {
        let day = file
            .parent()
            .and_then(|d| d.file_name())
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("date="))
            .unwrap_or_default()
            .to_string();
        if date.is_some_and(|d| d != day) {
            continue;
        }
        let size = std::fs::metadata(&file).map_err(|source| CompactError::Io { path: file.clone(), source })?.len();
        match out.last_mut() {
            Some((d, list)) if *d == day => list.push((file, size)),
            _ => out.push((day, vec![(file, size)])),
        }
    }
    Ok(out)
}

/// Runs of consecutive small files, each at most [`GROUP_BYTES`] and at least two files.
fn groups(files: &[(PathBuf, u64)]) -> Vec<Vec<(PathBuf, u64)>> {
    let mut groups: Vec<Vec<(PathBuf, u64)>> = Vec::new();
    let mut current: Vec<(PathBuf, u64)> = Vec::new();
    let mut bytes = 0;
    for (path, size) in files.iter().filter(|(_, s)| *s < SMALL_FILE_BYTES) {
        if bytes + size > GROUP_BYTES && !current.is_empty() {
            groups.push(std::mem::take(&mut current));
            bytes = 0;
        }
        current.push((path.clone(), *size));
        bytes += size;
    }
    groups.push(current);
    groups.retain(|g| g.len() > 1);
    groups
}

/// Reads a group's files into one batch of the table's file schema, with `_extra` when any
/// file has it.
fn read_group(table: &TableDef, group: &[(PathBuf, u64)]) -> Result<RecordBatch, CompactError> {
    let mut batches = Vec::new();
    for (path, _) in group {
        let file = File::open(path).map_err(|source| CompactError::Io { path: path.clone(), source })?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file).and_then(|b| b.build()).map_err(|source| CompactError::Read { path: path.clone(), source })?;
        for batch in reader {
            batches.push((batch.map_err(|source| CompactError::Arrow { path: path.clone(), source })?, path));
        }
    }
    let has_extra = batches.iter().any(|(b, _)| b.schema().column_with_name(EXTRA_COLUMN).is_some());
    let mut fields: Vec<_> = table.file_schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    if has_extra {
        fields.push(extra_field());
    }
    let schema: SchemaRef = Arc::new(Schema::new(fields));
    let first = group.first().map_or_else(PathBuf::new, |(p, _)| p.clone());
    let mut conformed = Vec::with_capacity(batches.len());
    for (batch, path) in &batches {
        let batch = conform(batch, &schema).map_err(|detail| CompactError::Schema { path: (*path).clone(), detail })?;
        conformed.push(batch.map_err(|source| CompactError::Arrow { path: (*path).clone(), source })?);
    }
    concat_batches(&schema, &conformed).map_err(|source| CompactError::Arrow { path: first, source })
}

/// `batch` with the columns of `schema`: its own where it has them, nulls where it lacks
/// them (`_extra`, which only some files have). A column of another type, or one `schema`
/// does not have, is refused (the message says which): a file written under another
/// catalog keeps its data rather than lose it here.
fn conform(batch: &RecordBatch, schema: &SchemaRef) -> Result<Result<RecordBatch, ArrowError>, String> {
    if let Some(f) = batch.schema().fields().iter().find(|f| schema.column_with_name(f.name()).is_none()) {
        return Err(format!("column {} is not a column of the table", f.name()));
    }
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for f in schema.fields() {
        columns.push(match batch.column_by_name(f.name()) {
            Some(c) if c.data_type() == f.data_type() => Arc::clone(c),
            Some(c) => return Err(format!("column {} is {}, but the table's is {}", f.name(), c.data_type(), f.data_type())),
            None => new_null_array(f.data_type(), batch.num_rows()),
        });
    }
    Ok(RecordBatch::try_new(Arc::clone(schema), columns))
}
