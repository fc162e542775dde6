//! [`write_sorted_file`]: one lake file, sorted by `Timestamp`, zstd-compressed, with page
//! statistics, row groups cut at hour boundaries, written to a temporary name and renamed
//! into place.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::{Array, RecordBatch, StringArray, TimestampNanosecondArray, UInt32Array};
use datafusion::arrow::compute::take_record_batch;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::error::ArrowError;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::errors::ParquetError;
use datafusion::parquet::file::metadata::SortingColumn;
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};
use datafusion::parquet::schema::types::ColumnPath;

/// Nanoseconds in one hour: the span of one row group.
const HOUR_NANOS: i64 = 3_600_000_000_000;
/// Rows per data page; small pages let the page index skip within a row group.
const PAGE_ROWS: usize = 4096;
/// Fewest rows a row group gathers before it may end at an hour boundary: four pages, so
/// that within a group of a quiet table's hours the page index still skips most pages of
/// a one-hour query. Each column of each group starts its own zstd compressor and
/// decompressor, and each start runs `cpuid` three times, which in a virtual machine traps
/// to the host (measured: 5 µs each). With groups of at least 2,048 rows, a 16-device day
/// made 2,753 column chunks, and starting their codecs was 5% of ingest's time.
const MIN_GROUP_ROWS: usize = 16_384;
/// Upper bound on rows per row group, for very busy hours.
const MAX_GROUP_ROWS: usize = 1 << 20;

/// The text columns that keep min/max statistics. Min/max of free text (paths, command
/// lines, hashes) prunes nothing, since hunts match it with `has`/`contains`/`=~`, yet
/// computing it compares every value and was a tenth of `gen`'s time; identifiers and
/// action types are what equality filters and joins name.
const STRING_KEYS: [&str; 4] = ["DeviceId", "DeviceName", "ActionType", "AccountName"];

/// Why a lake file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The batch has no usable `Timestamp` column.
    #[error("{path}: the batch has no Timestamp column of type Timestamp(ns, UTC)")]
    NoTimestamp {
        /// The file being written.
        path: PathBuf,
    },
    /// A `Timestamp` is null; lake rows are partitioned and sorted by it.
    #[error("{path}: row {row} has a null Timestamp")]
    NullTimestamp {
        /// The file being written.
        path: PathBuf,
        /// The row (0-based, in the input batch).
        row: usize,
    },
    /// Sorting failed.
    #[error("{path}: sorting rows: {source}")]
    Arrow {
        /// The file being written.
        path: PathBuf,
        /// Arrow's error.
        #[source]
        source: ArrowError,
    },
    /// Encoding failed.
    #[error("{path}: writing Parquet: {source}")]
    Parquet {
        /// The file being written.
        path: PathBuf,
        /// The Parquet writer's error.
        #[source]
        source: ParquetError,
    },
    /// The file system refused.
    #[error("{path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
}

/// What one write produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    /// Rows written.
    pub rows: usize,
    /// Row groups written.
    pub row_groups: usize,
    /// Bytes of the final file.
    pub bytes: u64,
}

/// Writes `batch` to `path` as one lake file: rows sorted by `Timestamp` (ties keep their
/// input order, so output is deterministic), row groups cut at hour boundaries, zstd,
/// statistics and a page index. The file appears under its name only once complete: it is written
/// as `.<name>.tmp` in the same directory, synced, then renamed.
pub fn write_sorted_file(path: &Path, batch: &RecordBatch) -> Result<WriteStats, WriteError> {
    let err_io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| WriteError::Io { path: p.clone(), source }
    };
    let sorted = sort_by_timestamp(path, batch)?;
    let times = timestamps(path, &sorted)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    create_dirs_durably(dir).map_err(err_io(dir))?;
    let tmp = temp_path(path);
    let file = File::create(&tmp).map_err(err_io(&tmp))?;
    let result = write_groups(path, file, &sorted, times).and_then(|groups| {
        let f = File::open(&tmp).map_err(err_io(&tmp))?;
        f.sync_all().map_err(err_io(&tmp))?;
        std::fs::rename(&tmp, path).map_err(err_io(path))?;
        sync_dir(dir);
        let bytes = std::fs::metadata(path).map_err(err_io(path))?.len();
        Ok(WriteStats { rows: sorted.num_rows(), row_groups: groups, bytes })
    });
    if result.is_err() {
        // Leave nothing half-written behind; the original error is the one to report.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The temporary name a file is written under: hidden, and without the `.parquet`
/// extension, so no reader lists it.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("part");
    path.with_file_name(format!(".{name}.tmp"))
}

fn write_groups(
    path: &Path,
    file: File,
    batch: &RecordBatch,
    times: &TimestampNanosecondArray,
) -> Result<usize, WriteError> {
    let perr = |source| WriteError::Parquet { path: path.to_path_buf(), source };
    let ts_idx = batch
        .schema()
        .index_of("Timestamp")
        .map_err(|_| WriteError::NoTimestamp { path: path.to_path_buf() })?;
    let mut props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_data_page_row_count_limit(PAGE_ROWS)
        .set_max_row_group_row_count(Some(MAX_GROUP_ROWS))
        .set_sorting_columns(Some(vec![SortingColumn {
            column_idx: ts_idx as i32,
            descending: false,
            nulls_first: false,
        }]))
        .set_created_by(format!("lakehunt {}", env!("CARGO_PKG_VERSION")));
    for (field, array) in batch.schema().fields().iter().zip(batch.columns()) {
        let column = ColumnPath::from(field.name().as_str());
        let text = field.data_type() == &DataType::Utf8;
        // A dictionary of timestamps, ids and counts is as large as the values themselves:
        // they are nearly all distinct, and plain encoding is cheaper to write and smaller
        // after zstd. A text column that is empty in every row (a sixth of a Defender
        // export's text values) needs none either: looking each value up in the
        // dictionary is the costliest part of writing text, and zstd makes the plain
        // zero lengths as small.
        if !text || without_text(array.as_ref()) {
            props = props.set_column_dictionary_enabled(column.clone(), false);
        }
        if text && !STRING_KEYS.contains(&field.name().as_str()) {
            props = props.set_column_statistics_enabled(column, EnabledStatistics::None);
        }
    }
    let props = props.build();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props)).map_err(perr)?;
    let mut groups = 0;
    for (start, len) in hour_runs(times) {
        writer.write(&batch.slice(start, len)).map_err(perr)?;
        writer.flush().map_err(perr)?;
        groups += 1;
    }
    writer.close().map_err(perr)?;
    Ok(groups)
}

/// Whether a text column holds no text at all: every value empty or null.
fn without_text(array: &dyn Array) -> bool {
    // The offsets, not the value buffer: a day's batch is a slice of a larger array.
    array.as_any().downcast_ref::<StringArray>().is_some_and(|a| a.value_offsets().first() == a.value_offsets().last())
}

/// Row groups as (offset, length): whole clock hours, several hours together while a
/// group has fewer than [`MIN_GROUP_ROWS`] rows. Every column of every row group costs a
/// compressor and page bookkeeping, so small groups make writing slow and files large;
/// hour boundaries keep a one-hour query over a busy table to a few groups.
fn hour_runs(times: &TimestampNanosecondArray) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let values = times.values();
    let mut start = 0;
    for i in 1..values.len() {
        let new_hour = values[i].div_euclid(HOUR_NANOS) != values[i - 1].div_euclid(HOUR_NANOS);
        if new_hour && i - start >= MIN_GROUP_ROWS {
            runs.push((start, i - start));
            start = i;
        }
    }
    if !values.is_empty() {
        runs.push((start, values.len() - start));
    }
    runs
}

fn timestamps<'a>(path: &Path, batch: &'a RecordBatch) -> Result<&'a TimestampNanosecondArray, WriteError> {
    let column = batch
        .column_by_name("Timestamp")
        .ok_or_else(|| WriteError::NoTimestamp { path: path.to_path_buf() })?;
    let times = column
        .as_any()
        .downcast_ref::<TimestampNanosecondArray>()
        .ok_or_else(|| WriteError::NoTimestamp { path: path.to_path_buf() })?;
    if let Some(row) = (0..times.len()).find(|&i| times.is_null(i)) {
        return Err(WriteError::NullTimestamp { path: path.to_path_buf(), row });
    }
    Ok(times)
}

fn sort_by_timestamp(path: &Path, batch: &RecordBatch) -> Result<RecordBatch, WriteError> {
    let times = timestamps(path, batch)?.values();
    if times.windows(2).all(|w| w[0] <= w[1]) {
        return Ok(batch.clone());
    }
    let mut order: Vec<u32> = (0..batch.num_rows() as u32).collect();
    // A stable sort: rows with equal timestamps keep their input order.
    order.sort_by_key(|&i| times[i as usize]);
    take_record_batch(batch, &UInt32Array::from(order))
        .map_err(|source| WriteError::Arrow { path: path.to_path_buf(), source })
}

/// Makes a rename durable. Best effort: not every file system lets a directory be synced.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Creates `dir` and its missing parents, and syncs the parent of each directory it
/// creates: a file synced and renamed into a new directory is lost in a crash with the
/// directory, unless the directory's own entry is durable too.
pub fn create_dirs_durably(dir: &Path) -> std::io::Result<()> {
    let missing: Vec<&Path> = dir.ancestors().take_while(|d| !d.as_os_str().is_empty() && !d.exists()).collect();
    std::fs::create_dir_all(dir)?;
    for created in missing {
        if let Some(parent) = created.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent);
        }
    }
    Ok(())
}
