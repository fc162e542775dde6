//! Registration of a lake's tables in a DataFusion [`SessionContext`] ([`register_lake`]),
//! with every Parquet file's schema checked against the catalog first.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::catalog::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::common::TableReference;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::col;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::prelude::SessionContext;

use super::lake_table::LakeTable;
use super::{Catalog, EXTRA_COLUMN, PARTITION_COLUMN, TableDef, extra_field};
use super::layout::{self, LakeLayout};

/// Why a lake could not be registered. Each variant names the path at fault.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// The lake directory does not exist.
    #[error("lake {path}: no such directory (make one with `lakehunt gen --lake {path}`)")]
    LakeNotFound {
        /// The lake path as given.
        path: PathBuf,
    },
    /// The lake path exists but is not a directory.
    #[error("lake {path}: not a directory")]
    NotADirectory {
        /// The lake path as given.
        path: PathBuf,
    },
    /// A directory or file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not readable Parquet.
    #[error("{path}: not a readable Parquet file: {source}")]
    BadParquet {
        /// The file.
        path: PathBuf,
        /// The Parquet reader's error.
        #[source]
        source: datafusion::parquet::errors::ParquetError,
    },
    /// A file's column has another type than the catalog gives it.
    #[error(
        "{path}: column {column} has type {found}, but the catalog says {table}.{column} is {expected}"
    )]
    SchemaMismatch {
        /// The file.
        path: PathBuf,
        /// The table the file belongs to.
        table: String,
        /// The column.
        column: String,
        /// The Arrow type the catalog expects.
        expected: DataType,
        /// The Arrow type in the file.
        found: DataType,
    },
    /// A file lacks the `Timestamp` column that partitioning and pruning rely on.
    #[error("{path}: no Timestamp column, so it cannot belong to table {table}")]
    NoTimestamp {
        /// The file.
        path: PathBuf,
        /// The table the file belongs to.
        table: String,
    },
    /// DataFusion refused the table.
    #[error("registering table {table}: {source}")]
    DataFusion {
        /// The table.
        table: String,
        /// DataFusion's error.
        #[source]
        source: DataFusionError,
    },
}

/// What registration found for one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableStatus {
    /// Table name.
    pub name: &'static str,
    /// Parquet files found under the table's partitions; 0 for an absent table.
    pub files: usize,
}

/// The result of [`register_lake`]: one status per catalog table, in catalog order.
#[derive(Debug, Clone)]
pub struct RegisteredLake {
    /// The lake's root directory.
    pub root: PathBuf,
    /// Per-table file counts.
    pub tables: Vec<TableStatus>,
}

impl RegisteredLake {
    /// The tables with at least one file.
    pub fn present(&self) -> impl Iterator<Item = &TableStatus> {
        self.tables.iter().filter(|t| t.files > 0)
    }
}

/// Registers every catalog table of the lake at `root` in `ctx`. A table with files becomes
/// a listing table over `<root>/<Table>/date=*/*.parquet` with the `date` partition column;
/// a table absent from the lake becomes an empty table of the same schema.
pub fn register_lake(ctx: &SessionContext, root: &Path) -> Result<RegisteredLake, RegisterError> {
    let layout = LakeLayout::open(root).map_err(|e| match e {
        layout::LayoutError::NotFound(path) => RegisterError::LakeNotFound { path },
        layout::LayoutError::NotADirectory(path) => RegisterError::NotADirectory { path },
        layout::LayoutError::Io { path, source } => RegisterError::Io { path, source },
    })?;
    let mut tables = Vec::new();
    for table in Catalog.tables() {
        let files = layout
            .table_files(table.name)
            .map_err(|(path, source)| RegisterError::Io { path, source })?;
        let mut has_extra = false;
        for file in &files {
            has_extra |= check_file_schema(table, file)?;
        }
        let provider: Arc<dyn datafusion::catalog::TableProvider> = if files.is_empty() {
            empty_table(table)?
        } else {
            listing_table(table, &layout.table_dir(table.name), has_extra)?
        };
        // A bare reference: the str form would fold the name to lower case.
        ctx.register_table(TableReference::bare(table.name), provider)
            .map_err(|source| RegisterError::DataFusion { table: table.name.to_string(), source })?;
        tables.push(TableStatus { name: table.name, files: files.len() });
    }
    Ok(RegisteredLake { root: layout.root().to_path_buf(), tables })
}

/// The listing table over a table's partitions. Its schema is the catalog's, plus the
/// `_extra` column when ingest kept unknown keys in some file.
fn listing_table(
    table: &TableDef,
    dir: &Path,
    has_extra: bool,
) -> Result<Arc<dyn datafusion::catalog::TableProvider>, RegisterError> {
    let df_err = |source| RegisterError::DataFusion { table: table.name.to_string(), source };
    // A trailing separator makes the URL a directory to list rather than one object.
    let url = ListingTableUrl::parse(format!("{}/", dir.display())).map_err(df_err)?;
    let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
        .with_file_extension(".parquet")
        .with_table_partition_cols(vec![(PARTITION_COLUMN.to_string(), DataType::Utf8)])
        // Every file is written sorted by Timestamp; telling DataFusion spares it sorts.
        .with_file_sort_order(vec![vec![col("Timestamp").sort(true, false)]]);
    let mut schema = table.file_schema();
    if has_extra {
        let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        fields.push(extra_field());
        schema = Arc::new(Schema::new(fields));
    }
    let config = ListingTableConfig::new(url)
        .with_listing_options(options)
        .with_schema(schema);
    let listing = ListingTable::try_new(config).map_err(df_err)?;
    Ok(Arc::new(LakeTable::new(Arc::new(listing))))
}

fn empty_table(table: &TableDef) -> Result<Arc<dyn datafusion::catalog::TableProvider>, RegisterError> {
    let mem = MemTable::try_new(table.table_schema(), vec![vec![]])
        .map_err(|source| RegisterError::DataFusion { table: table.name.to_string(), source })?;
    Ok(Arc::new(mem))
}

/// Checks that each column of the file that the catalog knows has the catalog's type. A
/// file may lack columns (exports older than a column's first appearance do) and may carry
/// extra ones, which queries do not see, except ingest's `_extra`. Returns whether it has
/// `_extra`.
fn check_file_schema(table: &TableDef, path: &Path) -> Result<bool, RegisterError> {
    let file = File::open(path).map_err(|source| RegisterError::Io { path: path.to_path_buf(), source })?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|source| RegisterError::BadParquet { path: path.to_path_buf(), source })?;
    let schema: &Schema = builder.schema();
    if schema.field_with_name("Timestamp").is_err() {
        return Err(RegisterError::NoTimestamp { path: path.to_path_buf(), table: table.name.to_string() });
    }
    for field in schema.fields() {
        let Some(def) = table.columns.iter().find(|c| c.name == field.name()) else {
            continue;
        };
        let expected = def.ty.arrow_type();
        if field.data_type() != &expected {
            return Err(RegisterError::SchemaMismatch {
                path: path.to_path_buf(),
                table: table.name.to_string(),
                column: field.name().clone(),
                expected,
                found: field.data_type().clone(),
            });
        }
    }
    Ok(schema.field_with_name(EXTRA_COLUMN).is_ok_and(|f| f.data_type() == &DataType::Utf8))
}
