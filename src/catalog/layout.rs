//! The lake on disk ([`LakeLayout`]): `<lake>/<Table>/date=YYYY-MM-DD/part-<n>.parquet`.

use std::io;
use std::path::{Path, PathBuf};

/// Directory under the lake root with the ground truth of a generated lake.
pub const TRUTH_DIR: &str = "_truth";

/// Why a lake path could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// No such directory.
    #[error("{0}: no such directory")]
    NotFound(PathBuf),
    /// The path is a file.
    #[error("{0}: not a directory")]
    NotADirectory(PathBuf),
    /// Any other failure to read or create it.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
}

/// Paths within one lake.
#[derive(Debug, Clone)]
pub struct LakeLayout {
    root: PathBuf,
}

impl LakeLayout {
    /// Opens an existing lake directory.
    pub fn open(root: &Path) -> Result<Self, LayoutError> {
        match std::fs::metadata(root) {
            Ok(m) if m.is_dir() => Ok(Self { root: root.to_path_buf() }),
            Ok(_) => Err(LayoutError::NotADirectory(root.to_path_buf())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(LayoutError::NotFound(root.to_path_buf())),
            Err(source) => Err(LayoutError::Io { path: root.to_path_buf(), source }),
        }
    }

    /// Opens a lake directory, creating it (and its parents) if needed.
    pub fn create(root: &Path) -> Result<Self, LayoutError> {
        std::fs::create_dir_all(root).map_err(|source| match source.kind() {
            io::ErrorKind::AlreadyExists | io::ErrorKind::NotADirectory => {
                LayoutError::NotADirectory(root.to_path_buf())
            }
            _ => LayoutError::Io { path: root.to_path_buf(), source },
        })?;
        Self::open(root)
    }

    /// The lake's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<lake>/<table>`.
    pub fn table_dir(&self, table: &str) -> PathBuf {
        self.root.join(table)
    }

    /// `<lake>/<table>/date=<day>`, with `day` as `YYYY-MM-DD`.
    pub fn partition_dir(&self, table: &str, day: &str) -> PathBuf {
        self.table_dir(table).join(format!("date={day}"))
    }

    /// `<lake>/_truth`.
    pub fn truth_dir(&self) -> PathBuf {
        self.root.join(TRUTH_DIR)
    }

    /// The visible Parquet files of a table, sorted by path. Temporary files (names starting
    /// with `.`) and anything outside a `date=` directory are not part of the table.
    pub fn table_files(&self, table: &str) -> Result<Vec<PathBuf>, (PathBuf, io::Error)> {
        let dir = self.table_dir(table);
        let mut files = Vec::new();
        for part in sorted_entries(&dir)? {
            let is_partition = part
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("date="));
            if !is_partition || !part.is_dir() {
                continue;
            }
            files.extend(sorted_entries(&part)?.into_iter().filter(|f| is_visible_parquet(f)));
        }
        Ok(files)
    }
}

fn is_visible_parquet(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    !name.starts_with('.') && !name.starts_with('_') && name.ends_with(".parquet") && path.is_file()
}

/// Entries of a directory, sorted; a missing directory has none.
fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, (PathBuf, io::Error)> {
    let read = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err((dir.to_path_buf(), e)),
    };
    let mut out = Vec::new();
    for entry in read {
        out.push(entry.map_err(|e| (dir.to_path_buf(), e))?.path());
    }
    out.sort();
    Ok(out)
}
