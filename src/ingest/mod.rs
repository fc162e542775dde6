//! `ingest`: Defender exports (Streaming API JSON, Advanced Hunting CSV, JSON lines, any
//! of them gzip'd) into the lake of DESIGN.md §3, with nothing lost ([`ingest`]). Records
//! are parsed straight into column vectors per table ([`columns`]); a record's values are
//! kept once the record, and the JSON value around it, proved good. The columns are
//! flushed to sorted Parquet files per (table, day) when [`FLUSH_ROWS`] rows (or
//! [`IngestConfig::flush_rows`]) or a GiB of text are buffered, and published together
//! when the run commits ([`txn`]). Bad records go to the run's quarantine file with their
//! reason; unknown columns go to `_extra`; a file whose bytes were ingested before is
//! skipped.

mod buffer;
mod columns;
pub mod compact;
mod csv_rows;
pub mod export;
mod json_lex;
mod json_record;
pub mod memory;
pub mod publish;
mod quarantine;
mod records;
mod source;
pub mod txn;
mod values;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use buffer::{Buffers, Staged};
use json_record::{JsonParser, JsonShape};
use quarantine::{Origin, Quarantine, Reason};
use records::{LineReader, Placed, RowSink};
pub use source::Format;
use source::Detected;
use txn::{LakeWriter, Run, SourceRecord, TxnError};

use crate::catalog::TableDef;

pub use values::parse_datetime;

/// Rows buffered across all tables before they are written out, by default. Bounds memory
/// on any input size: measured, a 10.2 GB export peaks at 225 MB resident, as does a
/// 2.3 GB one; a 1.1 GB one at 223 MB.
pub const FLUSH_ROWS: usize = 100_000;

/// The most rows [`IngestConfig::flush_rows`] may be: a flush numbers its rows with `u32`.
pub const MAX_FLUSH_ROWS: usize = 10_000_000;

/// What to ingest, validated from the command line.
#[derive(Debug, Clone)]
pub struct IngestConfig {
    /// The lake.
    pub lake: PathBuf,
    /// The format of every file, or `None` to detect each file's.
    pub format: Option<Format>,
    /// The table of CSV and plain JSON rows.
    pub table: Option<&'static TableDef>,
    /// Files, directories and globs.
    pub paths: Vec<PathBuf>,
    /// Rows buffered before they are written out ([`FLUSH_ROWS`] unless told; 1 to
    /// [`MAX_FLUSH_ROWS`], and a value outside is taken as the nearer bound).
    pub flush_rows: usize,
}

/// Why an ingest could not run at all (a bad file is reported, not an error).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The lake could not be opened or changed.
    #[error(transparent)]
    Lake(#[from] TxnError),
    /// The quarantine file could not be written.
    #[error("{path}: writing the quarantine: {source}")]
    Quarantine {
        /// The quarantine file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A file was read, but the rest of its bytes could not be hashed: its rows cannot be
    /// logged as ingested, so the run keeps none.
    #[error("{path}: hashing the rest of the file: {source}")]
    Hash {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// An Arrow batch could not be built (a bug).
    #[error("building a batch of {table}: {source}")]
    Arrow {
        /// The table.
        table: String,
        /// Arrow's error.
        #[source]
        source: datafusion::arrow::error::ArrowError,
    },
}

/// What happened to one input file.
#[derive(Debug, Clone, PartialEq)]
pub enum FileOutcome {
    /// Read: rows taken and records quarantined.
    Ingested {
        /// Rows taken.
        rows: u64,
        /// Records quarantined.
        quarantined: u64,
    },
    /// Its bytes were ingested before, by the run named.
    AlreadyIngested(String),
    /// The same bytes came earlier in this run (under another name).
    Duplicate(PathBuf),
    /// It could not be read at all.
    Failed(String),
    /// Found under a directory, but its name is not that of an export file.
    NotAnExport,
    /// Nothing but white space: no records, and no format to tell.
    Empty,
}

/// One input file's report.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// Its format, and how it was chosen (`detected: ...` or `--format`).
    pub format: Option<(Format, String)>,
    /// What happened.
    pub outcome: FileOutcome,
}

/// Rows added to one table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableCounts {
    /// Rows.
    pub rows: u64,
    /// Days that received rows.
    pub days: BTreeSet<String>,
    /// Parquet files written.
    pub files: u64,
}

/// The result of [`ingest`].
#[derive(Debug, Clone, Default)]
pub struct IngestReport {
    /// The run's id, when it committed anything.
    pub run: Option<String>,
    /// One report per input file, in order.
    pub files: Vec<FileReport>,
    /// Rows per table.
    pub tables: BTreeMap<&'static str, TableCounts>,
    /// Quarantined records per reason.
    pub quarantined: BTreeMap<&'static str, u64>,
    /// The quarantine file, when anything was quarantined.
    pub quarantine_file: Option<PathBuf>,
    /// Unknown columns kept in `_extra`: table → column → rows.
    pub extra: BTreeMap<&'static str, BTreeMap<String, u64>>,
}

impl IngestReport {
    /// Rows taken in all.
    pub fn rows(&self) -> u64 {
        self.tables.values().map(|t| t.rows).sum()
    }

    /// Records quarantined in all.
    pub fn quarantined_total(&self) -> u64 {
        self.quarantined.values().sum()
    }

    /// Files that could not be read.
    pub fn failed(&self) -> usize {
        self.files.iter().filter(|f| matches!(f.outcome, FileOutcome::Failed(_))).count()
    }
}

/// Progress of a long ingest, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Bytes of input files read (compressed bytes for gzip).
    pub bytes: u64,
    /// Bytes of all input files.
    pub total: u64,
    /// Rows taken so far.
    pub rows: u64,
}

/// Ingests the files of `cfg` into its lake as one run.
pub fn ingest(cfg: &IngestConfig, progress: &mut dyn FnMut(Progress)) -> Result<IngestReport, IngestError> {
    let mut lake = LakeWriter::open(&cfg.lake)?;
    let source::Expanded { files, ignored, errors } = source::expand(&cfg.paths);
    let mut report = IngestReport::default();
    for (path, message) in errors {
        report.files.push(FileReport { path, format: None, outcome: FileOutcome::Failed(message) });
    }
    for path in ignored {
        report.files.push(FileReport { path, format: None, outcome: FileOutcome::NotAnExport });
    }
    let total = files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
    let mut run = lake.begin("ingest");
    let qpath = run.quarantine_path(&lake);
    let mut work = Work { lake: &lake, run: &mut run, buffers: Buffers::default(), quarantine: Quarantine::new(qpath), report: &mut report, failure: None, done_bytes: 0, total, flush_rows: cfg.flush_rows.clamp(1, MAX_FLUSH_ROWS), progress };
    let result = work.all(cfg, &files);
    let quarantine = std::mem::replace(&mut work.quarantine, Quarantine::new(PathBuf::new()));
    let sources = match result {
        Ok(sources) => sources,
        Err(e) => {
            drop(work);
            run.abandon();
            return Err(e);
        }
    };
    drop(work);
    report.quarantined = quarantine.counts().clone();
    let qfile = quarantine.path().to_path_buf();
    let kept = quarantine.finish().map_err(|source| IngestError::Quarantine { path: qfile, source })?;
    if kept.is_none() {
        run.drop_quarantine(&lake);
    }
    if sources.is_empty() && kept.is_none() {
        run.abandon();
        return Ok(report);
    }
    report.quarantine_file = kept.map(|_| run.quarantine_target(&lake));
    report.run = Some(run.id().to_string());
    run.commit(&mut lake, sources)?;
    Ok(report)
}

/// The state of one run while it reads files.
struct Work<'a> {
    lake: &'a LakeWriter,
    run: &'a mut Run,
    buffers: Buffers,
    quarantine: Quarantine,
    report: &'a mut IngestReport,
    /// The first failure inside the row sink, which cannot return one.
    failure: Option<IngestError>,
    done_bytes: u64,
    total: u64,
    flush_rows: usize,
    progress: &'a mut dyn FnMut(Progress),
}

impl Work<'_> {
    fn all(&mut self, cfg: &IngestConfig, files: &[PathBuf]) -> Result<Vec<SourceRecord>, IngestError> {
        let ingested: BTreeMap<String, String> = self.lake.ingested().into_iter().map(|(h, r)| (h.to_string(), r.to_string())).collect();
        let mut sizes: BTreeSet<u64> = self.lake.log().iter().flat_map(|r| r.sources.iter().map(|s| s.bytes)).collect();
        let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
        let read_points = ReadPoint::by_path(self.lake.log());
        let mut sources = Vec::new();
        for path in files {
            let failed = |e: std::io::Error| FileReport { path: path.clone(), format: None, outcome: FileOutcome::Failed(e.to_string()) };
            let (mut bytes, is_file) = match std::fs::metadata(path) {
                Ok(m) => (m.len(), m.is_file()),
                Err(e) => {
                    self.report.files.push(failed(e));
                    continue;
                }
            };
            // A pipe can be read only once, and its size is not known before: it is
            // copied into the lake first, then hashed, checked and read as a file.
            let spool = if is_file {
                None
            } else {
                match Spool::copy(path, &txn::log_dir(self.lake.layout()).join(format!(".spool-{}.tmp", self.run.id()))) {
                    Ok(spool) => Some(spool),
                    Err(e) => {
                        self.report.files.push(failed(e));
                        continue;
                    }
                }
            };
            let source = spool.as_ref().map_or(path.as_path(), |s| s.path.as_path());
            if let Some(s) = &spool {
                bytes = s.bytes;
            }
            // Only a file of the size of one ingested before (or earlier in this run) can
            // repeat it, and only such a file is hashed before it is read; any other is
            // hashed as it is read, so that a new file is read once.
            let mut known = None;
            if sizes.contains(&bytes) {
                let (hash, hashed) = match source::hash_file(source) {
                    Ok(h) => h,
                    Err(e) => {
                        self.report.files.push(failed(e));
                        continue;
                    }
                };
                let repeat = match (ingested.get(&hash), seen.get(&hash)) {
                    (Some(run), _) => Some(FileOutcome::AlreadyIngested(run.clone())),
                    (None, Some(first)) => Some(FileOutcome::Duplicate(first.clone())),
                    (None, None) => None,
                };
                if let Some(outcome) = repeat {
                    self.report.files.push(FileReport { path: path.clone(), format: None, outcome });
                    self.done_bytes += bytes;
                    continue;
                }
                known = Some((hash, hashed));
            }
            let real_path = if spool.is_none() { std::fs::canonicalize(path).ok().map(|p| p.display().to_string()) } else { None };
            let earlier: Vec<&ReadPoint> = match &real_path {
                // Logged by its canonical path, or by its path as given (before that was logged).
                Some(real) => {
                    let given = path.display().to_string();
                    let by_given = read_points.get(&given).filter(|_| given != *real);
                    read_points.get(real).into_iter().chain(by_given).flatten().collect()
                }
                // A pipe has no identity: the same name is given to whatever is piped in.
                None => Vec::new(),
            };
            let grown = match Self::grown(cfg, &earlier, source, bytes) {
                Ok(g) => g,
                Err(e) => {
                    self.report.files.push(failed(e));
                    continue;
                }
            };
            let from = Some(grown.as_ref().map_or(0, |g| g.resume.text.unwrap_or(g.resume.offset)));
            let read = self.one(cfg, path, source, known.is_none(), grown)?;
            drop(spool);
            self.done_bytes += bytes;
            // The size logged is that of the bytes hashed. A file none of whose records
            // became rows is not logged: read as the wrong format or table, it can be read
            // again as the right one.
            if let (FileOutcome::Ingested { rows: rows @ 1.., quarantined }, Some((format, _)), Some((hash, hashed))) = (&read.report.outcome, &read.report.format, known.or(read.hash)) {
                sizes.insert(hashed);
                seen.insert(hash.clone(), path.clone());
                let table = cfg.table.filter(|_| *format != Format::Stream).map(|t| t.name.to_string());
                let resume = read.resume.or_else(|| read.text_end.map(|text| txn::Prefix { bytes: hashed, blake3: hash.clone(), text: Some(text) }));
                sources.push(SourceRecord { path: path.display().to_string(), real_path, blake3: hash, bytes: hashed, format: format.name().into(), rows: *rows, quarantined: *quarantined, table, from, resume });
            }
            self.report.files.push(read.report);
        }
        self.flush()?;
        Ok(sources)
    }

    /// Whether a file grew since a run read it: whether it begins with the bytes that a
    /// run read of the same file (by its path), up to where a longer copy is to be read on
    /// from (`earlier`), in a format it is read as now. If so, where to read on from: the
    /// furthest such point (a byte of a plain file, a place in a gzip file's text). Only
    /// JSON is read on from a point; a CSV file's header is at its start. `source` is the
    /// file; `size`, its size.
    fn grown(cfg: &IngestConfig, earlier: &[&ReadPoint], source: &Path, size: u64) -> std::io::Result<Option<Grown>> {
        let table = cfg.table.map(|t| t.name);
        let mut points: Vec<&ReadPoint> = earlier
            .iter()
            .copied()
            .filter(|p| p.format == Format::Stream || (p.format == Format::JsonLines && p.table.as_deref() == table))
            .filter(|p| cfg.format.is_none_or(|f| f == p.format) && (1..=size).contains(&p.point.bytes))
            .collect();
        points.sort_by_key(|p| p.point.bytes);
        let offsets: Vec<source::Point> = points.iter().map(|p| (p.point.bytes, p.point.blake3.as_str(), p.point.text)).collect();
        Ok(source::longest_prefix(source, &offsets)?.map(|(i, resume)| Grown { resume, format: points[i].format, run: points[i].run.clone() }))
    }

    /// Reads one file. Failing to open or recognise it fails only this file; a read error
    /// midway quarantines the rest of it (the rows before it are kept).
    /// With `hash`, the file's BLAKE3 is taken as it is read and returned too. The bytes
    /// are read from `source`: `path` itself, or the copy of a pipe; from the start, or
    /// where an earlier run's read of it ended when it has `grown` since.
    fn one(&mut self, cfg: &IngestConfig, path: &Path, source: &Path, hash: bool, grown: Option<Grown>) -> Result<FileRead, IngestError> {
        let failed = |format, message: String| FileRead { report: FileReport { path: path.to_path_buf(), format, outcome: FileOutcome::Failed(message) }, hash: None, resume: None, text_end: None };
        let (resume, grown) = match grown {
            Some(g) => (Some(g.resume), Some((g.format, g.run))),
            None => (None, None),
        };
        let mut opened = match source::open(source, hash, resume) {
            Ok(o) => o,
            Err(e) => return Ok(failed(None, e.to_string())),
        };
        let (format, how) = match (cfg.format, grown) {
            (_, Some((f, run))) => (f, format!("grown since run {run}: read on from byte {}{}", opened.start, if opened.gzip { " of its text" } else { "" })),
            (Some(f), None) => (f, "--format".to_string()),
            (None, None) => match source::detect(&mut *opened.reader) {
                Ok(Detected::Format(f, why)) => (f, format!("detected: {why}{}", if opened.gzip { ", gzip" } else { "" })),
                Ok(Detected::Empty) => return Ok(FileRead { report: FileReport { path: path.to_path_buf(), format: None, outcome: FileOutcome::Empty }, hash: None, resume: None, text_end: None }),
                Ok(Detected::Unknown(why)) => return Ok(failed(None, why.to_string())),
                Err(e) => return Ok(failed(None, e.to_string())),
            },
        };
        let format_info = Some((format, how));
        let table = match (format, cfg.table) {
            (Format::Stream, _) => None,
            (_, Some(t)) => Some(t),
            (_, None) => return Ok(failed(format_info, format!("{} input names no table: give --table NAME", format.name()))),
        };
        let quarantined_before = self.quarantine.total();
        let name = path.display().to_string();
        let consumed = opened.consumed.clone();
        let mut sink = FileSink { work: self, file: &name, consumed: &consumed, rows_seen: 0, rows: 0 };
        // Where the text was read to in good order: its end, or where a read error cut a
        // value short (a longer gzip copy is read on from there).
        let mut text_end = None;
        let read = match (format, table) {
            (Format::Csv, Some(t)) => csv_rows::read_csv(&mut opened.reader, opened.lines, opened.start, t, &mut sink).map(|()| None).map_err(|b| (Some((b.line, b.offset)), b.error.to_string())),
            (f, t) => {
                let shape = match (f, t) {
                    (Format::JsonLines, Some(t)) => JsonShape::Rows(t),
                    _ => JsonShape::Stream,
                };
                let mut lines = LineReader::starting_at(&mut opened.reader, opened.lines, opened.start);
                let mut parser = JsonParser::new(shape);
                let read = records::read_json(&mut lines, &mut parser, &mut sink);
                text_end = Some(read.as_ref().map_or_else(|b| b.offset, |_| lines.bytes()));
                read.map_err(|b| (Some((b.line, b.offset)), b.error.to_string()))
            }
        };
        let cut_short = match read {
            Ok(cut_short) => cut_short,
            Err((at, message)) => {
                let (line, offset) = at.unwrap_or((0, 0));
                sink.bad(line, offset, b"", Reason::Unreadable(message));
                None
            }
        };
        let rows = sink.rows;
        if let Some(e) = self.failure.take() {
            return Err(e);
        }
        let outcome = FileOutcome::Ingested { rows, quarantined: self.quarantine.total() - quarantined_before };
        // The file's rows are buffered, or written to pending files, already.
        let hash_err = |e| IngestError::Hash { path: path.to_path_buf(), source: e };
        let hash = opened.finish_hash(source).map_err(hash_err)?;
        // A record cut short by the end of a plain file that was still being written is
        // read whole from the copy the file grows into: the log says where it starts.
        let resume = match cut_short.filter(|_| !opened.gzip) {
            Some(at) => opened.prefix_hash(source, at).map_err(hash_err)?.map(|blake3| txn::Prefix { bytes: at, blake3, text: None }),
            None => None,
        };
        // A gzip file is read on from a point in its text, after the whole of its bytes.
        let text_end = text_end.filter(|_| opened.gzip).map(|end| cut_short.unwrap_or(end));
        Ok(FileRead { report: FileReport { path: path.to_path_buf(), format: format_info, outcome }, hash, resume, text_end })
    }

    /// Writes every table's buffered rows, one pending file per day, and counts the rows and
    /// days in the report (here rather than per row, which cost a map lookup each).
    fn flush(&mut self) -> Result<(), IngestError> {
        for rows in self.buffers.tables() {
            let table = rows.table().name;
            let days = rows.take_days().map_err(|source| IngestError::Arrow { table: table.to_string(), source })?;
            for (day, batch) in days {
                let day = values::day_name(day);
                self.run.write(self.lake, table, &day, &batch)?;
                let counts = self.report.tables.entry(table).or_default();
                counts.rows += batch.num_rows() as u64;
                counts.days.insert(day);
                counts.files += 1;
            }
        }
        Ok(())
    }
}

/// Where a run stopped reading a file: where a longer copy of it is read on from.
struct ReadPoint {
    point: txn::Prefix,
    format: Format,
    /// The table of plain rows.
    table: Option<String>,
    run: String,
}

impl ReadPoint {
    /// The read points of the logged files, by canonical path (or by path as given, where
    /// none was logged).
    fn by_path(log: &[txn::LogRecord]) -> BTreeMap<String, Vec<ReadPoint>> {
        let mut points: BTreeMap<String, Vec<ReadPoint>> = BTreeMap::new();
        for run in log {
            for s in &run.sources {
                if let (Some(format), Some(_)) = (Format::from_name(&s.format), s.from) {
                    let point = ReadPoint { point: s.resume_point(), format, table: s.table.clone(), run: run.run.clone() };
                    points.entry(s.real_path.clone().unwrap_or_else(|| s.path.clone())).or_default().push(point);
                }
            }
        }
        points
    }
}

/// A file that grew since a run read it ([`Work::grown`]).
struct Grown {
    /// Its bytes up to where it is read on from.
    resume: source::Resume,
    /// The format the run read it as.
    format: Format,
    /// The run.
    run: String,
}

/// What reading one file gave ([`Work::one`]).
struct FileRead {
    report: FileReport,
    /// The file's BLAKE3 and size, when it was hashed as it was read.
    hash: Option<(String, u64)>,
    /// Where a longer copy of it is to be read on from, when not at its end.
    resume: Option<txn::Prefix>,
    /// For gzip JSON, where in the text a longer copy is to be read on from.
    text_end: Option<u64>,
}

/// The copy of a pipe's bytes, removed when dropped (or, after a crash, by the next
/// writer's recovery, which removes hidden `.tmp` files from the log directory).
struct Spool {
    path: PathBuf,
    bytes: u64,
}

impl Spool {
    fn copy(from: &Path, to: &Path) -> std::io::Result<Spool> {
        let mut input = std::fs::File::open(from)?;
        let mut output = std::fs::File::create(to)?;
        // Created, so removed on a failure below too.
        let mut spool = Spool { path: to.to_path_buf(), bytes: 0 };
        spool.bytes = std::io::copy(&mut input, &mut output)?;
        Ok(spool)
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Routes one file's rows: good ones to the buffers, bad ones to the quarantine.
struct FileSink<'w, 'a> {
    work: &'w mut Work<'a>,
    file: &'w str,
    consumed: &'w std::rc::Rc<std::cell::Cell<u64>>,
    rows_seen: u64,
    /// Rows of this file taken.
    rows: u64,
}

impl FileSink<'_, '_> {
    fn tick(&mut self) {
        self.rows_seen += 1;
        if self.rows_seen.is_multiple_of(16_384) {
            let w = &mut *self.work;
            (w.progress)(Progress { bytes: w.done_bytes + self.consumed.get(), total: w.total, rows: w.report.rows() + w.buffers.rows() as u64 });
        }
    }

    fn quarantine(&mut self, line: u64, offset: u64, table: Option<&str>, reason: &Reason, record: &str) {
        let origin = Origin { file: self.file, line, offset, table };
        if let Err(source) = self.work.quarantine.add(&origin, reason, record) {
            let path = self.work.quarantine.path().to_path_buf();
            self.work.failure.get_or_insert(IngestError::Quarantine { path, source });
        }
    }
}

impl RowSink for FileSink<'_, '_> {
    fn buffers(&mut self) -> &mut Buffers {
        &mut self.work.buffers
    }

    fn row(&mut self, row: &Staged, placed: &mut dyn FnMut() -> Placed) {
        self.tick();
        let (Some(table), None, Some(_)) = (row.table, &row.fault, row.timestamp()) else {
            let reason = Reason::Row(row.fault.clone().unwrap_or(buffer::RowFault::MissingTimestamp));
            let Placed { text, line, offset } = placed();
            self.quarantine(line, offset, row.table.map(|t| t.name), &reason, &text);
            return;
        };
        let w = &mut *self.work;
        self.rows += 1;
        if !row.extra.is_empty() {
            let per_table = w.report.extra.entry(table.name).or_default();
            for (key, _) in &row.extra {
                match per_table.get_mut(key.as_str()) {
                    Some(n) => *n += 1,
                    None => {
                        per_table.insert(key.clone(), 1);
                    }
                }
            }
        }
        if (w.buffers.rows() >= w.flush_rows || w.buffers.text_bytes() >= columns::FLUSH_TEXT_BYTES) && w.failure.is_none() {
            match w.flush() {
                // More rows follow; the run's last flush, in `Work::all`, makes no room.
                Ok(()) => w.buffers.make_room(),
                Err(e) => w.failure = Some(e),
            }
        }
    }

    fn bad(&mut self, line: u64, offset: u64, text: &[u8], reason: Reason) {
        self.tick();
        self.quarantine(line, offset, None, &reason, &String::from_utf8_lossy(text));
    }

    fn stopped(&self) -> bool {
        self.work.failure.is_some()
    }
}
