//! The built-in catalog of Defender tables ([`Catalog`]): Kusto column types, their Arrow
//! mapping (DESIGN.md §3), the lake's layout on disk and its atomic file writer (shared
//! by `gen` and `ingest`), and registration of a lake's tables in a DataFusion session.

mod lake_table;
mod layout;
mod register;
mod tables;
pub mod writer;

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

pub use layout::{LakeLayout, LayoutError, TRUTH_DIR};
pub use register::{RegisterError, RegisteredLake, TableStatus, register_lake};
pub use writer::{WriteError, WriteStats, write_sorted_file};

/// The name of the Hive partition column every lake table carries.
pub const PARTITION_COLUMN: &str = "date";

/// Arrow field metadata key holding a column's Kusto type, so that writers can tell a
/// `dynamic` column (JSON text in the lake) from a plain string.
pub const KUSTO_TYPE_KEY: &str = "kusto_type";

/// The column that ingest adds to a lake file when records carry keys the catalog does not
/// know (schema drift): a JSON object of those keys and their values, per row.
pub const EXTRA_COLUMN: &str = "_extra";

/// The `_extra` field: dynamic (JSON text), so KQL's accessors read it.
pub fn extra_field() -> Field {
    Field::new(EXTRA_COLUMN, DataType::Utf8, true).with_metadata([(KUSTO_TYPE_KEY.to_string(), "dynamic".to_string())].into_iter().collect())
}

/// The column types that Kusto tables use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KustoType {
    /// `string`
    String,
    /// `long` (64-bit)
    Long,
    /// `int` (32-bit)
    Int,
    /// `bool`
    Bool,
    /// `datetime` (100 ns ticks, UTC)
    DateTime,
    /// `dynamic` (JSON value), stored as JSON text
    Dynamic,
    /// `real` (64-bit float)
    Real,
    /// `guid`, stored as text
    Guid,
    /// `timespan`
    TimeSpan,
}

impl KustoType {
    /// The Kusto name of the type, as `getschema` prints it.
    pub fn name(self) -> &'static str {
        match self {
            KustoType::String => "string",
            KustoType::Long => "long",
            KustoType::Int => "int",
            KustoType::Bool => "bool",
            KustoType::DateTime => "datetime",
            KustoType::Dynamic => "dynamic",
            KustoType::Real => "real",
            KustoType::Guid => "guid",
            KustoType::TimeSpan => "timespan",
        }
    }

    /// Parses a Kusto type name (`string`, `long`, ...); `None` for anything else.
    pub fn from_name(name: &str) -> Option<KustoType> {
        const ALL: [KustoType; 9] = [
            KustoType::String,
            KustoType::Long,
            KustoType::Int,
            KustoType::Bool,
            KustoType::DateTime,
            KustoType::Dynamic,
            KustoType::Real,
            KustoType::Guid,
            KustoType::TimeSpan,
        ];
        ALL.into_iter().find(|t| t.name() == name)
    }

    /// The Arrow type a column of this Kusto type has in the lake (DESIGN.md §3).
    pub fn arrow_type(self) -> DataType {
        match self {
            // dynamic and guid are text in the lake; accessors parse the JSON on demand.
            KustoType::String | KustoType::Dynamic | KustoType::Guid => DataType::Utf8,
            KustoType::Long => DataType::Int64,
            KustoType::Int => DataType::Int32,
            KustoType::Bool => DataType::Boolean,
            // Nanoseconds keep all 7 fractional digits of a Kusto datetime.
            KustoType::DateTime => DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
            KustoType::Real => DataType::Float64,
            KustoType::TimeSpan => DataType::Duration(TimeUnit::Nanosecond),
        }
    }
}

/// One column of a catalog table.
#[derive(Debug, Clone, Copy)]
pub struct ColumnDef {
    /// Column name, case-sensitive as Kusto spells it.
    pub name: &'static str,
    /// Kusto type.
    pub ty: KustoType,
    /// One-line description.
    pub description: &'static str,
}

/// One Advanced Hunting table.
#[derive(Debug, Clone, Copy)]
pub struct TableDef {
    /// Table name, e.g. `DeviceProcessEvents`.
    pub name: &'static str,
    /// The Streaming API `category` of its records, e.g. `AdvancedHunting-DeviceProcessEvents`.
    pub streaming_category: &'static str,
    /// Columns in Advanced Hunting order.
    pub columns: &'static [ColumnDef],
}

impl TableDef {
    /// The position of a column, by exact (case-sensitive) name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The table's columns as an Arrow schema, without the partition column. Each field
    /// carries its Kusto type in its metadata under [`KUSTO_TYPE_KEY`].
    pub fn file_schema(&self) -> SchemaRef {
        let fields: Vec<Field> = self.columns.iter().map(column_field).collect();
        Arc::new(Schema::new(fields))
    }

    /// The schema queries see: the file columns followed by the `date` partition column.
    pub fn table_schema(&self) -> SchemaRef {
        let mut fields: Vec<Field> = self.columns.iter().map(column_field).collect();
        fields.push(Field::new(PARTITION_COLUMN, DataType::Utf8, false));
        Arc::new(Schema::new(fields))
    }
}

fn column_field(c: &ColumnDef) -> Field {
    Field::new(c.name, c.ty.arrow_type(), true).with_metadata(
        [(KUSTO_TYPE_KEY.to_string(), c.ty.name().to_string())]
            .into_iter()
            .collect(),
    )
}

/// The built-in catalog: every table of `mde_tables.yaml`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Catalog;

impl Catalog {
    /// All tables, in reference order.
    pub fn tables(&self) -> &'static [TableDef] {
        tables::TABLES
    }

    /// A table by exact name.
    pub fn table(&self, name: &str) -> Option<&'static TableDef> {
        tables::TABLES.iter().find(|t| t.name == name)
    }
}

/// The Kusto type recorded in a field's metadata, if any.
pub fn field_kusto_type(field: &Field) -> Option<KustoType> {
    field
        .metadata()
        .get(KUSTO_TYPE_KEY)
        .and_then(|n| KustoType::from_name(n))
}

/// The Kusto type of a field: its `kusto_type` metadata when that refines text (dynamic,
/// guid), else what its Arrow type stands for. Casts keep their input's metadata, so a long
/// cast from a dynamic value may still carry `kusto_type: dynamic`; the Arrow type wins then.
pub fn field_type(field: &Field) -> KustoType {
    let from_arrow = arrow_kusto(field.data_type());
    match field_kusto_type(field) {
        Some(k) if from_arrow == KustoType::String && matches!(k, KustoType::String | KustoType::Dynamic | KustoType::Guid) => k,
        _ => from_arrow,
    }
}

/// The Kusto type an Arrow type stands for.
pub fn arrow_kusto(dt: &DataType) -> KustoType {
    match dt {
        DataType::Int32 | DataType::Int16 | DataType::Int8 | DataType::UInt8 | DataType::UInt16 => KustoType::Int,
        DataType::Int64 | DataType::UInt32 | DataType::UInt64 => KustoType::Long,
        DataType::Float16 | DataType::Float32 | DataType::Float64 | DataType::Decimal128(_, _) | DataType::Decimal256(_, _) => {
            KustoType::Real
        }
        DataType::Boolean => KustoType::Bool,
        DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64 => KustoType::DateTime,
        DataType::Duration(_) | DataType::Interval(_) => KustoType::TimeSpan,
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _) | DataType::Struct(_) | DataType::Map(_, _) => {
            KustoType::Dynamic
        }
        _ => KustoType::String,
    }
}

/// How deeply `query --sql` text may nest (see [`new_session`]).
const SQL_RECURSION_LIMIT: usize = 256;

/// A DataFusion session set up for the lake: identifiers keep their case (KQL names are
/// case-sensitive), one partition per core, and the information schema on.
pub fn new_session() -> datafusion::prelude::SessionContext {
    let mut config = datafusion::prelude::SessionConfig::new().with_information_schema(true);
    config.options_mut().sql_parser.enable_ident_normalization = false;
    // `translate` nests a subquery per KQL operator, so a long rule's SQL nests deeper than
    // the parser's default of 50 levels; DataFusion's planner grows its stack as it recurses.
    if let Ok(limit) = datafusion::common::config::ConfigNonZeroUsize::try_new(SQL_RECURSION_LIMIT) {
        config.options_mut().sql_parser.recursion_limit = limit;
    }
    datafusion::prelude::SessionContext::new_with_config(config)
}
