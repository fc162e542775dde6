//! Changing a lake safely ([`LakeWriter`], [`Run`]). New files are written under hidden
//! `.<name>.pending` names that no reader lists. A run commits by writing its record to
//! `<lake>/_ingest/log/<run>.json` (atomically: temp file, sync, rename); only then are its
//! pending files renamed into place and the files it replaces removed. Whoever opens the lake
//! for writing next finishes a committed run's renames and deletes an uncommitted run's
//! files, so a `kill -9` at any point leaves every run applied wholly or not at all; a reader
//! waits while a run puts its files in place, and finishes one that was cut off
//! ([`super::publish`]). The log also holds the content hash of every ingested file, which
//! makes ingest idempotent.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};

use super::publish::{self, Publishing};
use crate::catalog::{Catalog, LakeLayout, WriteError, WriteStats, write_sorted_file};

/// Suffix of a file written by a run that has not committed.
const PENDING: &str = ".pending";

/// Why the lake could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum TxnError {
    /// A file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Another ingest or compaction holds the lake.
    #[error("{0}: another `lakehunt ingest` or `compact` is writing to this lake; wait for it to finish")]
    Busy(PathBuf),
    /// A log record is not readable.
    #[error("{path}: not a readable run record: {message}")]
    BadLog {
        /// The record's file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A Parquet file could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// A run's publish was cut off, and a reader could not finish it.
    #[error("{path}: an ingest or compact was cut off while it put its files in place; finishing that needs the lake opened for writing, which failed ({message}); the next `lakehunt ingest` or `compact` of the lake finishes it")]
    Unfinished {
        /// The lake.
        path: PathBuf,
        /// Why not.
        message: String,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> TxnError + '_ {
    move |source| TxnError::Io { path: path.to_path_buf(), source }
}

/// One ingested source file, as the log keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SourceRecord {
    /// The path as given (or as found under a directory).
    pub path: String,
    /// BLAKE3 of the file's bytes, in hex.
    pub blake3: String,
    /// The file's size.
    pub bytes: u64,
    /// The format it was read as.
    pub format: String,
    /// Rows taken into the lake.
    pub rows: u64,
    /// Records quarantined.
    pub quarantined: u64,
    /// The file's canonical path, when it is a file (not a pipe): a file is known for the
    /// same file however its path was spelt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real_path: Option<String>,
    /// The table of CSV and plain JSON rows (`--table`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// Where reading began: 0, or where an earlier run's read of the file, before it grew,
    /// left off (see `resume`; in the decompressed text, for gzip). Absent from the records of versions that did not read a
    /// grown file on, whose end may cut a record: those are not read on from.
    #[serde(default)]
    pub from: Option<u64>,
    /// Where a longer copy of the file is to be read on from, when not at `bytes`: the
    /// start of a record that the end of the file cut short (the file was still being
    /// written), so that the record is read whole once it is; for gzip, always (a
    /// download cut short, or gzip members appended later, make a longer copy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<Prefix>,
}

/// The first bytes of a file, by length and BLAKE3.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Prefix {
    /// Their number.
    pub bytes: u64,
    /// Their BLAKE3, in hex.
    pub blake3: String,
    /// For gzip, where in the decompressed text reading goes on (the bytes themselves
    /// cannot be read on from).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<u64>,
}

impl SourceRecord {
    /// The prefix a longer copy of the file must begin with to be read on from its end.
    pub fn resume_point(&self) -> Prefix {
        self.resume.clone().unwrap_or_else(|| Prefix { bytes: self.bytes, blake3: self.blake3.clone(), text: None })
    }
}

/// A committed run: `_ingest/log/<run>.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LogRecord {
    /// The run's id.
    pub run: String,
    /// `ingest` or `compact`.
    pub kind: String,
    /// When the run started (RFC 3339 UTC).
    pub started: String,
    /// The files read (ingest).
    #[serde(default)]
    pub sources: Vec<SourceRecord>,
    /// The files the run added, relative to the lake root.
    #[serde(default)]
    pub files: Vec<String>,
    /// The files the run removes (compaction), relative to the lake root.
    #[serde(default)]
    pub replaces: Vec<String>,
}

/// A lake opened for writing: locked against other writers, and recovered.
pub struct LakeWriter {
    layout: LakeLayout,
    _lock: File,
    log: Vec<LogRecord>,
}

impl LakeWriter {
    /// Opens (or creates) the lake at `root`, takes its write lock, and finishes or undoes
    /// any run that was interrupted.
    pub fn open(root: &Path) -> Result<Self, TxnError> {
        let layout = LakeLayout::create(root).map_err(|e| TxnError::Io { path: root.to_path_buf(), source: io::Error::other(e.to_string()) })?;
        let dir = log_dir(&layout);
        crate::catalog::writer::create_dirs_durably(&dir).map_err(io_err(&dir))?;
        let lock_path = layout.root().join("_ingest").join("lock");
        let lock = File::options().create(true).truncate(false).write(true).open(&lock_path).map_err(io_err(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(TxnError::Busy(layout.root().to_path_buf())),
            Err(std::fs::TryLockError::Error(source)) => return Err(TxnError::Io { path: lock_path, source }),
        }
        let log = read_log(&dir)?;
        let writer = LakeWriter { layout, _lock: lock, log };
        // A publish that was cut off is finished while no reader reads. Without the
        // marker, recovery removes what no run committed, which no reader sees (and
        // finishes a publish cut off before the marker existed, as it always did).
        if publish::interrupted(writer.layout.root()) {
            let publishing = Publishing::lock(writer.layout.root())?;
            writer.recover()?;
            publishing.finish()?;
        } else {
            writer.recover()?;
        }
        Ok(writer)
    }

    /// The lake's layout.
    pub fn layout(&self) -> &LakeLayout {
        &self.layout
    }

    /// Every committed run, oldest first.
    pub fn log(&self) -> &[LogRecord] {
        &self.log
    }

    /// The content hashes of every ingested file, with the run that took each.
    pub fn ingested(&self) -> BTreeMap<&str, &str> {
        self.log.iter().flat_map(|r| r.sources.iter().map(move |s| (s.blake3.as_str(), r.run.as_str()))).collect()
    }

    /// Starts a run of `kind` (`ingest` or `compact`).
    pub fn begin(&self, kind: &str) -> Run {
        let now = chrono::Utc::now();
        let mut id = format!("{}-{}", now.format("%Y%m%dT%H%M%S%.9fZ"), std::process::id());
        // Two runs in one nanosecond of one process would share an id.
        while self.log.iter().any(|r| r.run == id) {
            id.push('x');
        }
        Run { id, kind: kind.to_string(), started: crate::output::format_datetime(now.timestamp_nanos_opt().unwrap_or_default()), seq: 0, files: Vec::new(), replaces: Vec::new() }
    }

    /// Completes every committed run (renames its pending files, removes what it replaced)
    /// and removes whatever an uncommitted run left: pending files and temporary files.
    fn recover(&self) -> Result<(), TxnError> {
        let committed: BTreeSet<&str> = self.log.iter().flat_map(|r| r.files.iter().map(String::as_str)).collect();
        for dir in self.data_dirs()? {
            for entry in entries(&dir)? {
                let Some(name) = entry.file_name().and_then(|n| n.to_str()).map(str::to_string) else { continue };
                if let Some(final_name) = name.strip_prefix('.').and_then(|n| n.strip_suffix(PENDING)) {
                    let target = dir.join(final_name);
                    if committed.contains(self.relative(&target).as_str()) {
                        std::fs::rename(&entry, &target).map_err(io_err(&entry))?;
                    } else {
                        remove(&entry)?;
                    }
                } else if name.starts_with('.') && name.ends_with(".tmp") {
                    remove(&entry)?;
                }
            }
        }
        for record in &self.log {
            for old in &record.replaces {
                remove(&self.layout.root().join(old))?;
            }
        }
        Ok(())
    }

    /// The directories that hold files a run writes: every partition of every catalog
    /// table, the quarantine and the log.
    fn data_dirs(&self) -> Result<Vec<PathBuf>, TxnError> {
        let mut dirs = vec![quarantine_dir(&self.layout), log_dir(&self.layout)];
        for table in Catalog.tables() {
            let table_dir = self.layout.table_dir(table.name);
            dirs.extend(entries(&table_dir)?.into_iter().filter(|p| p.is_dir()));
        }
        Ok(dirs)
    }

    /// `path` relative to the lake root, with `/` separators.
    pub fn relative(&self, path: &Path) -> String {
        let rel = path.strip_prefix(self.layout.root()).unwrap_or(path);
        rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
    }
}

/// A run in progress: the files it has written (pending) and those it will remove.
pub struct Run {
    id: String,
    kind: String,
    started: String,
    seq: u32,
    files: Vec<(PathBuf, PathBuf)>,
    replaces: Vec<PathBuf>,
}

impl Run {
    /// The run's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Writes one sorted Parquet file into the partition of `table` for `day`, pending
    /// until the run commits.
    pub fn write(&mut self, lake: &LakeWriter, table: &str, day: &str, batch: &RecordBatch) -> Result<WriteStats, TxnError> {
        let dir = lake.layout.partition_dir(table, day);
        let name = format!("part-{}-{:05}.parquet", self.id, self.seq);
        self.seq += 1;
        let target = dir.join(&name);
        let pending = pending_path(&target);
        let stats = write_sorted_file(&pending, batch)?;
        self.files.push((pending, target));
        Ok(stats)
    }

    /// Where the run's quarantine file goes once the run commits.
    pub fn quarantine_target(&self, lake: &LakeWriter) -> PathBuf {
        quarantine_dir(&lake.layout).join(format!("{}.jsonl", self.id))
    }

    /// The pending path of the run's quarantine file, added to the run's files.
    pub fn quarantine_path(&mut self, lake: &LakeWriter) -> PathBuf {
        let target = self.quarantine_target(lake);
        let pending = pending_path(&target);
        self.files.push((pending.clone(), target));
        pending
    }

    /// Forgets the quarantine file: nothing was quarantined.
    pub fn drop_quarantine(&mut self, lake: &LakeWriter) {
        let target = self.quarantine_target(lake);
        self.files.retain(|(_, t)| t != &target);
    }

    /// Marks a file for removal when the run commits.
    pub fn replace(&mut self, old: PathBuf) {
        self.replaces.push(old);
    }

    /// The final paths of the files written so far.
    pub fn written(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|(_, t)| t.as_path())
    }

    /// Commits: writes the log record (the commit point), then renames the pending files into
    /// place and removes the replaced ones; all while no reader reads (see [`publish`]).
    pub fn commit(self, lake: &mut LakeWriter, sources: Vec<SourceRecord>) -> Result<LogRecord, TxnError> {
        let publishing = Publishing::begin(lake.layout.root())?;
        let record = LogRecord {
            run: self.id.clone(),
            kind: self.kind.clone(),
            started: self.started.clone(),
            sources,
            files: self.files.iter().map(|(_, t)| lake.relative(t)).collect(),
            replaces: self.replaces.iter().map(|p| lake.relative(p)).collect(),
        };
        let dir = log_dir(&lake.layout);
        let path = dir.join(format!("{}.json", self.id));
        let tmp = dir.join(format!(".{}.json.tmp", self.id));
        let text = serde_json::to_vec_pretty(&record).map_err(|e| TxnError::Io { path: path.clone(), source: io::Error::other(e) })?;
        write_synced(&tmp, &text)?;
        std::fs::rename(&tmp, &path).map_err(io_err(&path))?;
        sync_dir(&dir);
        lake.log.push(record.clone());
        let mut dirs = BTreeSet::new();
        for (pending, target) in &self.files {
            std::fs::rename(pending, target).map_err(io_err(pending))?;
            dirs.extend(target.parent().map(Path::to_path_buf));
        }
        for old in &self.replaces {
            remove(old)?;
        }
        dirs.iter().for_each(|d| sync_dir(d));
        publishing.finish()?;
        Ok(record)
    }

    /// Removes everything the run wrote (it is not committed).
    pub fn abandon(self) {
        for (pending, _) in &self.files {
            let _ = std::fs::remove_file(pending);
        }
    }
}

/// `<dir>/.<name>.pending`.
fn pending_path(target: &Path) -> PathBuf {
    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("part");
    target.with_file_name(format!(".{name}{PENDING}"))
}

/// The directory of the lake's log of committed runs.
pub fn log_dir(layout: &LakeLayout) -> PathBuf {
    layout.root().join("_ingest").join("log")
}

/// `<lake>/_quarantine`.
fn quarantine_dir(layout: &LakeLayout) -> PathBuf {
    layout.root().join("_quarantine")
}

fn read_log(dir: &Path) -> Result<Vec<LogRecord>, TxnError> {
    let mut log = Vec::new();
    for path in entries(dir)? {
        let is_record = path.extension().is_some_and(|e| e == "json") && !path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
        if !is_record {
            continue;
        }
        let text = std::fs::read(&path).map_err(io_err(&path))?;
        let record: LogRecord = serde_json::from_slice(&text).map_err(|e| TxnError::BadLog { path: path.clone(), message: e.to_string() })?;
        log.push(record);
    }
    // Run ids begin with their start time, so name order is time order.
    log.sort_by(|a, b| a.run.cmp(&b.run));
    Ok(log)
}

fn entries(dir: &Path) -> Result<Vec<PathBuf>, TxnError> {
    let read = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(TxnError::Io { path: dir.to_path_buf(), source }),
    };
    let mut out = Vec::new();
    for entry in read {
        out.push(entry.map_err(io_err(dir))?.path());
    }
    out.sort();
    Ok(out)
}

fn remove(path: &Path) -> Result<(), TxnError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(TxnError::Io { path: path.to_path_buf(), source: e }),
        _ => Ok(()),
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), TxnError> {
    use std::io::Write;
    let mut f = File::create(path).map_err(io_err(path))?;
    f.write_all(bytes).map_err(io_err(path))?;
    f.sync_all().map_err(io_err(path))
}

/// Makes renames in `dir` durable; best effort, as not every file system syncs directories.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
