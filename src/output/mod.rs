//! Result writers shared by `query`, `hunt` and the REPL: [`OutputFormat`] and
//! [`write_results`], plus the atomic `--out` file ([`AtomicFile`]).

mod table;
pub mod value;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;

use crate::catalog::{KustoType, field_kusto_type};
pub use value::{cell_json, cell_text, format_datetime, format_timespan};

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// An aligned text table for people.
    Table,
    /// One JSON object per row, keys in column order (DESIGN.md §5).
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
    /// A Parquet file (needs --out).
    Parquet,
}

/// Why results could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// Writing failed.
    #[error("writing results: {0}")]
    Io(#[from] io::Error),
    /// Encoding CSV failed.
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
    /// Encoding Parquet failed.
    #[error("writing Parquet: {0}")]
    Parquet(#[from] datafusion::parquet::errors::ParquetError),
}

/// Writes `batches` (all of schema `schema`) to `out` in `format`.
pub fn write_results<W: Write>(
    format: OutputFormat,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    out: W,
) -> Result<(), OutputError> {
    match format {
        OutputFormat::Table => table::write_table(schema, batches, out),
        OutputFormat::Jsonl => write_jsonl(schema, batches, out),
        OutputFormat::Csv => write_csv(schema, batches, out),
        OutputFormat::Parquet => write_parquet(schema, batches, out),
    }
}

fn kusto_types(schema: &SchemaRef) -> Vec<Option<KustoType>> {
    schema.fields().iter().map(|f| field_kusto_type(f)).collect()
}

fn write_jsonl<W: Write>(schema: &SchemaRef, batches: &[RecordBatch], out: W) -> Result<(), OutputError> {
    let mut out = BufWriter::new(out);
    for batch in batches {
        for obj in row_objects(schema, batch) {
            serde_json::to_writer(&mut out, &serde_json::Value::Object(obj)).map_err(io::Error::from)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Each row of `batch` as a JSON object, keys in column order (DESIGN.md §5).
pub fn row_objects(schema: &SchemaRef, batch: &RecordBatch) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let kinds = kusto_types(schema);
    (0..batch.num_rows())
        .map(|row| schema.fields().iter().enumerate().map(|(i, field)| (field.name().clone(), cell_json(batch.column(i), row, kinds[i]))).collect())
        .collect()
}

fn write_csv<W: Write>(schema: &SchemaRef, batches: &[RecordBatch], out: W) -> Result<(), OutputError> {
    let mut w = csv::Writer::from_writer(out);
    let kinds = kusto_types(schema);
    w.write_record(schema.fields().iter().map(|f| f.name().as_str()))?;
    for batch in batches {
        for row in 0..batch.num_rows() {
            w.write_record((0..batch.num_columns()).map(|i| cell_text(batch.column(i), row, kinds[i])))?;
        }
    }
    w.flush()?;
    Ok(())
}

fn write_parquet<W: Write>(schema: &SchemaRef, batches: &[RecordBatch], mut out: W) -> Result<(), OutputError> {
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    // The Parquet writer needs a `Send` sink; results are in memory already, so the file
    // is encoded into a buffer first.
    let mut buffer = Vec::new();
    let mut w = ArrowWriter::try_new(&mut buffer, schema.clone(), Some(props))?;
    for batch in batches {
        w.write(batch)?;
    }
    w.close()?;
    out.write_all(&buffer)?;
    out.flush()?;
    Ok(())
}

/// A file that appears under its name only when complete: written as a hidden temporary
/// beside it and renamed by [`AtomicFile::commit`]. Dropped uncommitted, it is removed.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `path`.
    pub fn create(path: &Path) -> io::Result<Self> {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
        let tmp = path.with_file_name(format!(".{name}.tmp"));
        let file = BufWriter::new(File::create(&tmp)?);
        Ok(Self { path: path.to_path_buf(), tmp, file: Some(file) })
    }

    /// Syncs and renames the file into place.
    pub fn commit(mut self) -> io::Result<()> {
        if let Some(file) = self.file.take() {
            let file = file.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            std::fs::rename(&self.tmp, &self.path)?;
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}
