//! Rows of the generated tables: [`F`] names the columns the generator fills, [`Row`]
//! collects one row's values, and [`Sink`] appends rows to Arrow builders of one table.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Int32Builder, Int64Builder, RecordBatch, StringBuilder,
    TimestampNanosecondBuilder,
};
use datafusion::arrow::error::ArrowError;

use crate::catalog::{KustoType, TableDef};

macro_rules! fields {
    ($($name:ident),* $(,)?) => {
        /// A column the generator fills, by its Defender name.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms, missing_docs)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum F { $($name),* }

        impl F {
            /// Every field, in declaration order.
            pub const ALL: &'static [F] = &[$(F::$name),*];

            /// The column name.
            pub fn name(self) -> &'static str {
                match self { $(F::$name => stringify!($name)),* }
            }
        }
    };
}

fields! {
    Timestamp, DeviceId, DeviceName, ActionType, ReportId,
    FileName, FolderPath, SHA1, SHA256, MD5, FileSize,
    ProcessVersionInfoCompanyName, ProcessVersionInfoProductName, ProcessVersionInfoProductVersion,
    ProcessVersionInfoInternalFileName, ProcessVersionInfoOriginalFileName, ProcessVersionInfoFileDescription,
    ProcessId, ProcessCommandLine, ProcessIntegrityLevel, ProcessTokenElevation, ProcessCreationTime,
    AccountDomain, AccountName, AccountSid, AccountUpn, AccountObjectId, LogonId,
    InitiatingProcessAccountDomain, InitiatingProcessAccountName, InitiatingProcessAccountSid,
    InitiatingProcessAccountUpn, InitiatingProcessAccountObjectId, InitiatingProcessLogonId,
    InitiatingProcessIntegrityLevel, InitiatingProcessTokenElevation,
    InitiatingProcessSHA1, InitiatingProcessSHA256, InitiatingProcessMD5, InitiatingProcessFileName,
    InitiatingProcessFileSize, InitiatingProcessVersionInfoCompanyName, InitiatingProcessVersionInfoProductName,
    InitiatingProcessVersionInfoProductVersion, InitiatingProcessVersionInfoInternalFileName,
    InitiatingProcessVersionInfoOriginalFileName, InitiatingProcessVersionInfoFileDescription,
    InitiatingProcessId, InitiatingProcessCommandLine, InitiatingProcessCreationTime, InitiatingProcessFolderPath,
    InitiatingProcessParentId, InitiatingProcessParentFileName, InitiatingProcessParentCreationTime,
    InitiatingProcessSignerType, InitiatingProcessSignatureStatus, InitiatingProcessSessionId,
    IsInitiatingProcessRemoteSession, InitiatingProcessUniqueId, CreatedProcessSessionId, IsProcessRemoteSession,
    ProcessUniqueId, AdditionalFields,
    RemoteIP, RemotePort, RemoteUrl, LocalIP, LocalPort, Protocol, LocalIPType, RemoteIPType,
    FileOriginUrl, FileOriginIP, PreviousFolderPath, PreviousFileName,
    RequestProtocol, RequestSourceIP, RequestSourcePort, RequestAccountName, RequestAccountDomain, ShareName,
    RegistryKey, RegistryValueType, RegistryValueName, RegistryValueData, PreviousRegistryValueData,
    LogonType, FailureReason, IsLocalAdmin, RemoteDeviceName,
    ClientVersion, PublicIP, OSArchitecture, OSPlatform, OSBuild, IsAzureADJoined, JoinType, LoggedOnUsers,
    OSVersion, OnboardingStatus, DeviceCategory, DeviceType, OSDistribution, OSVersionInfo, SensorHealthState,
    ExposureLevel, Model, Vendor, IsInternetFacing,
}

/// One value of a row.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    /// The column's missing value: `""` for strings, null otherwise.
    Default,
    /// A string.
    Str(&'a str),
    /// A `long`.
    Long(i64),
    /// An `int`.
    Int(i32),
    /// A `bool`.
    Bool(bool),
    /// A `datetime`, in nanoseconds since the epoch.
    Time(i64),
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(s: &'a str) -> Self {
        Cell::Str(s)
    }
}

impl<'a> From<&'a String> for Cell<'a> {
    fn from(s: &'a String) -> Self {
        Cell::Str(s)
    }
}

impl From<i64> for Cell<'_> {
    fn from(v: i64) -> Self {
        Cell::Long(v)
    }
}

impl From<i32> for Cell<'_> {
    fn from(v: i32) -> Self {
        Cell::Int(v)
    }
}

impl From<bool> for Cell<'_> {
    fn from(v: bool) -> Self {
        Cell::Bool(v)
    }
}

/// Most values a row sets; the widest table fills fewer than this.
const ROW_CAPACITY: usize = 96;

/// The values of one row, by field. Later values for the same field win.
pub struct Row<'a> {
    cells: [(F, Cell<'a>); ROW_CAPACITY],
    len: usize,
}

impl<'a> Row<'a> {
    /// An empty row.
    pub fn new() -> Self {
        Self { cells: [(F::Timestamp, Cell::Default); ROW_CAPACITY], len: 0 }
    }

    /// Sets a field.
    pub fn set(&mut self, field: F, value: impl Into<Cell<'a>>) -> &mut Self {
        // The capacity exceeds the widest table's column count, so only a generator bug
        // could fill it; such a value is dropped rather than panicking.
        debug_assert!(self.len < ROW_CAPACITY, "row capacity exceeded");
        if self.len < ROW_CAPACITY {
            self.cells[self.len] = (field, value.into());
            self.len += 1;
        }
        self
    }

    /// Sets a `datetime` field.
    pub fn time(&mut self, field: F, nanos: i64) -> &mut Self {
        self.set(field, Cell::Time(nanos))
    }
}

impl Default for Row<'_> {
    fn default() -> Self {
        Self::new()
    }
}

enum Builder {
    Str(StringBuilder),
    Long(Int64Builder),
    Int(Int32Builder),
    Bool(BooleanBuilder),
    Time(TimestampNanosecondBuilder),
}

/// Bytes reserved per string cell: most cells are short names, ids or empty.
const STRING_BYTES: usize = 24;

impl Builder {
    /// A builder with room for `rows` values, so that filling it does not keep
    /// reallocating and copying.
    fn with_capacity(ty: KustoType, rows: usize) -> Self {
        match ty {
            KustoType::Long => Builder::Long(Int64Builder::with_capacity(rows)),
            KustoType::Int => Builder::Int(Int32Builder::with_capacity(rows)),
            KustoType::Bool => Builder::Bool(BooleanBuilder::with_capacity(rows)),
            KustoType::DateTime => Builder::Time(TimestampNanosecondBuilder::with_capacity(rows).with_timezone("UTC")),
            _ => Builder::Str(StringBuilder::with_capacity(rows, rows * STRING_BYTES)),
        }
    }

    fn append(&mut self, cell: Cell<'_>) {
        match (self, cell) {
            (Builder::Str(b), Cell::Str(s)) => b.append_value(s),
            (Builder::Str(b), _) => b.append_value(""),
            (Builder::Long(b), Cell::Long(v)) => b.append_value(v),
            (Builder::Long(b), Cell::Int(v)) => b.append_value(i64::from(v)),
            (Builder::Long(b), _) => b.append_null(),
            (Builder::Int(b), Cell::Int(v)) => b.append_value(v),
            (Builder::Int(b), _) => b.append_null(),
            (Builder::Bool(b), Cell::Bool(v)) => b.append_value(v),
            (Builder::Bool(b), _) => b.append_null(),
            (Builder::Time(b), Cell::Time(v)) => b.append_value(v),
            (Builder::Time(b), _) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Str(b) => Arc::new(b.finish()),
            Builder::Long(b) => Arc::new(b.finish()),
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::Time(b) => Arc::new(b.finish()),
        }
    }
}

/// Accumulates rows of one table.
pub struct Sink {
    table: &'static TableDef,
    /// Column index of each field in [`F::ALL`] order, if the table has that column.
    layout: Vec<Option<usize>>,
    builders: Vec<Builder>,
    rows: usize,
}

impl Sink {
    /// An empty sink for `table`, with room for about `rows` rows.
    pub fn new(table: &'static TableDef, rows: usize) -> Self {
        let layout = F::ALL.iter().map(|f| table.column_index(f.name())).collect();
        // A row's slot map has ROW_CAPACITY entries and indexes values with a u8.
        debug_assert!(table.columns.len() <= ROW_CAPACITY && ROW_CAPACITY < usize::from(u8::MAX));
        let builders = table.columns.iter().map(|c| Builder::with_capacity(c.ty, rows)).collect();
        Self { table, layout, builders, rows: 0 }
    }

    /// The table this sink fills.
    pub fn table(&self) -> &'static TableDef {
        self.table
    }

    /// Rows so far.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// True when no row was pushed since the last [`Sink::finish`].
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Appends a row. Fields the table lacks are ignored, so shared helpers can set the
    /// union of what related tables carry.
    pub fn push(&mut self, row: &Row<'_>) {
        // Which of the row's values lands in each column; a small map is cheaper to reset
        // per row than a full array of cells.
        let mut slot = [u8::MAX; ROW_CAPACITY];
        for (i, (field, _)) in row.cells[..row.len].iter().enumerate() {
            if let Some(col) = self.layout[*field as usize] {
                slot[col] = i as u8;
            }
        }
        for (builder, &s) in self.builders.iter_mut().zip(&slot) {
            let cell = if s == u8::MAX { Cell::Default } else { row.cells[usize::from(s)].1 };
            builder.append(cell);
        }
        self.rows += 1;
    }

    /// Takes the rows pushed so far as one batch of the table's file schema.
    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let columns: Vec<ArrayRef> = self.builders.iter_mut().map(Builder::finish).collect();
        self.rows = 0;
        RecordBatch::try_new(self.table.file_schema(), columns)
    }
}
