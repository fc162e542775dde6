//! Publishing a run's files so that no reader sees half of them: [`Publishing`], a
//! writer's side, and [`ReadGuard`], a reader's.
//!
//! A run publishes by writing its log record, then renaming its files into place and
//! removing the files it replaces (see [`super::txn`]). Readers list the files, so one
//! that listed in the middle would see some of a run's files and not others, or, of a
//! compaction, the old files and the new ones together (every row twice); and a file it
//! listed could be removed before it read it. `<lake>/_ingest/publish.lock` keeps them
//! apart: a run holds it alone while it publishes, and readers share it for as long as
//! they read (from the listing to the last read of a file). `<lake>/_ingest/publishing`
//! is there from before a run's log record is written until its files are all in place:
//! found while no one publishes, it says that a publish was cut off (`kill -9`), and the
//! reader finishes it, as the next writer would, before it reads.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::txn::{LakeWriter, TxnError};

/// How often a reader that finds a publish cut off, while another writer holds the lake,
/// waits for that writer to finish it (which it does as it opens the lake).
const ATTEMPTS: usize = 200;

/// The lock file.
fn lock_path(root: &Path) -> PathBuf {
    root.join("_ingest").join("publish.lock")
}

/// The marker of a publish in progress.
fn marker_path(root: &Path) -> PathBuf {
    root.join("_ingest").join("publishing")
}

/// Whether a publish began and did not finish, as far as the marker tells.
pub fn interrupted(root: &Path) -> bool {
    marker_path(root).exists()
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> TxnError + '_ {
    move |source| TxnError::Io { path: path.to_path_buf(), source }
}

/// A writer's hold on the publish lock, with the marker in place.
pub struct Publishing {
    _lock: File,
    marker: PathBuf,
}

impl Publishing {
    /// Waits until no reader reads, takes the lock, and puts the marker in place (durably,
    /// before the log record that commits the run).
    pub fn begin(root: &Path) -> Result<Publishing, TxnError> {
        let publishing = Publishing::lock(root)?;
        let marker = &publishing.marker;
        File::create(marker).and_then(|f| f.sync_all()).map_err(io_err(marker))?;
        sync_parent(marker);
        Ok(publishing)
    }

    /// Waits until no reader reads and takes the lock, to finish a publish that was cut
    /// off (its marker is in place).
    pub fn lock(root: &Path) -> Result<Publishing, TxnError> {
        let path = lock_path(root);
        let lock = File::options().create(true).truncate(false).write(true).open(&path).map_err(io_err(&path))?;
        lock.lock().map_err(io_err(&path))?;
        Ok(Publishing { _lock: lock, marker: marker_path(root) })
    }

    /// Every file is in place: removes the marker and lets readers in.
    pub fn finish(self) -> Result<(), TxnError> {
        match std::fs::remove_file(&self.marker) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(TxnError::Io { path: self.marker.clone(), source: e }),
            _ => {}
        }
        // Were the removal lost in a crash, the next reader would only finish a publish
        // that is finished.
        sync_parent(&self.marker);
        Ok(())
    }
}

/// A reader's share of the publish lock: while it lives, no run publishes, and no publish
/// is half done. Hold it from before the lake's files are listed until the last is read.
pub struct ReadGuard {
    _lock: Option<File>,
}

impl ReadGuard {
    /// Waits while a run publishes, and finishes a publish that was cut off. A lake that
    /// no writer has opened gets no guard: a writer that opens it while this reader reads
    /// may publish meanwhile. A writer whose publish failed midway (a rename refused) and
    /// that still holds the lake makes readers wait until it exits, then its publish is
    /// finished; after ten seconds a reader gives up with an error. The lock is `flock`'s,
    /// which lets new readers in while a publish waits: a stream of overlapping readers
    /// holds a publish back until they pause.
    pub fn acquire(root: &Path) -> Result<ReadGuard, TxnError> {
        let path = lock_path(root);
        for _ in 0..ATTEMPTS {
            let lock = match File::open(&path) {
                Ok(lock) => lock,
                // Made here when a writer has opened the lake (it has `_ingest`), so that
                // its first publish waits for this reader too. A lake no writer has opened
                // (made by `gen`), or one this user cannot write, is left as it is.
                Err(e) if e.kind() == io::ErrorKind::NotFound => match File::options().write(true).create(true).truncate(false).open(&path) {
                    Ok(lock) => lock,
                    Err(_) => return Ok(ReadGuard { _lock: None }),
                },
                Err(source) => return Err(TxnError::Io { path, source }),
            };
            lock.lock_shared().map_err(io_err(&path))?;
            if !interrupted(root) {
                return Ok(ReadGuard { _lock: Some(lock) });
            }
            drop(lock);
            match LakeWriter::open(root) {
                Ok(_) => {}
                // A writer opened the lake in the meantime, and finishes the publish first.
                Err(TxnError::Busy(_)) => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => return Err(TxnError::Unfinished { path: root.to_path_buf(), message: e.to_string() }),
            }
        }
        Err(TxnError::Unfinished { path: root.to_path_buf(), message: "another ingest or compact holds the lake and has not finished it".into() })
    }
}

/// Makes a change to `path`'s directory entry durable; best effort.
fn sync_parent(path: &Path) {
    if let Some(d) = path.parent().and_then(|p| File::open(p).ok()) {
        let _ = d.sync_all();
    }
}
