//! Input files: paths, directories and globs expanded into files ([`expand`]), gzip
//! recognised by its magic bytes ([`open`]), content hashes ([`hash_file`]), the point to
//! read a grown file on from ([`longest_prefix`]) and the format of each file guessed
//! from its first bytes ([`detect`]).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, VecDeque};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Read buffer of an input file.
const READ_BUFFER: usize = 256 << 10;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Streaming API records: JSON lines, Event Hub batches, or pretty-printed records.
    Stream,
    /// An Advanced Hunting CSV export (needs `--table`).
    Csv,
    /// JSON lines of one table's rows (needs `--table`).
    JsonLines,
}

impl Format {
    /// The name used on the command line and in summaries.
    pub fn name(self) -> &'static str {
        match self {
            Format::Stream => "mde-stream",
            Format::Csv => "csv",
            Format::JsonLines => "jsonl",
        }
    }

    /// The format of a [`Format::name`].
    pub fn from_name(name: &str) -> Option<Format> {
        [Format::Stream, Format::Csv, Format::JsonLines].into_iter().find(|f| f.name() == name)
    }
}

/// The file name endings taken from a directory: exports, plain or gzip'd.
const EXPORT_ENDINGS: [&str; 5] = [".json", ".jsonl", ".ndjson", ".csv", ".gz"];

/// Input files found on the command line.
#[derive(Debug, Default)]
pub struct Expanded {
    /// Files to read, in order.
    pub files: Vec<PathBuf>,
    /// Files under a directory whose names are not those of exports (see [`EXPORT_ENDINGS`]).
    pub ignored: Vec<PathBuf>,
    /// Paths that yield nothing, with the reason.
    pub errors: Vec<(PathBuf, String)>,
}

/// Expands the paths given on the command line: a file is itself, a directory is every
/// export file under it (recursively, hidden ones skipped, in name order) and a path that
/// does not exist but holds `*`, `?` or `[` is a glob. Each path that yields no file gives
/// an error instead.
pub fn expand(paths: &[PathBuf]) -> Expanded {
    let mut found = Expanded::default();
    let Expanded { files, ignored, errors } = &mut found;
    for path in paths {
        let before = files.len();
        let text = path.to_string_lossy();
        if path.is_dir() {
            walk(path, &mut Walk { files, ignored, errors, visited: BTreeSet::new() });
        } else if path.exists() {
            files.push(path.clone());
        } else if text.contains(['*', '?', '[']) {
            match glob::glob(&text) {
                Ok(matches) => {
                    for m in matches {
                        match m {
                            Ok(p) if p.is_dir() => walk(&p, &mut Walk { files, ignored, errors, visited: BTreeSet::new() }),
                            Ok(p) => files.push(p),
                            Err(e) => errors.push((e.path().to_path_buf(), e.error().to_string())),
                        }
                    }
                }
                Err(e) => errors.push((path.clone(), format!("not a valid glob: {e}"))),
            }
        } else {
            errors.push((path.clone(), "no such file or directory".into()));
            continue;
        }
        if files.len() == before && !errors.iter().any(|(p, _)| p == path) {
            errors.push((path.clone(), "no export files (.json, .jsonl, .ndjson, .csv, .gz) found".into()));
        }
    }
    found
}

/// What a walk of a directory finds.
struct Walk<'a> {
    files: &'a mut Vec<PathBuf>,
    ignored: &'a mut Vec<PathBuf>,
    errors: &'a mut Vec<(PathBuf, String)>,
    /// Directories walked, by their canonical path: a symbolic link back up the tree is
    /// walked once, not until the path grows too long.
    visited: BTreeSet<PathBuf>,
}

/// Every export file under `dir`. A directory that cannot be read is an error of its own;
/// the walk goes on with the rest.
fn walk(dir: &Path, w: &mut Walk) {
    match std::fs::canonicalize(dir) {
        Ok(canonical) => {
            if !w.visited.insert(canonical) {
                return;
            }
        }
        Err(e) => {
            w.errors.push((dir.to_path_buf(), e.to_string()));
            return;
        }
    }
    let entries = std::fs::read_dir(dir).and_then(|d| d.map(|e| e.map(|e| e.path())).collect::<Result<Vec<_>, _>>());
    let mut entries = match entries {
        Ok(entries) => entries,
        Err(e) => {
            w.errors.push((dir.to_path_buf(), e.to_string()));
            return;
        }
    };
    entries.sort();
    for path in entries {
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')) {
            continue;
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_ascii_lowercase();
        if path.is_dir() {
            walk(&path, w);
        } else if EXPORT_ENDINGS.iter().any(|e| name.ends_with(e)) {
            w.files.push(path);
        } else {
            w.ignored.push(path);
        }
    }
}

/// BLAKE3 of a file's bytes (hex) and its size.
pub fn hash_file(path: &Path) -> io::Result<(String, u64)> {
    let mut hasher = blake3::Hasher::new();
    let bytes = hash_from(path, 0, &mut hasher)?;
    Ok((hasher.finalize().to_hex().to_string(), bytes))
}

/// Feeds the file's bytes from `start` on to `hasher`; returns how many there were.
fn hash_from(path: &Path, start: u64, hasher: &mut blake3::Hasher) -> io::Result<u64> {
    let mut file = File::open(path)?;
    io::Seek::seek(&mut file, io::SeekFrom::Start(start))?;
    io::copy(&mut BufReader::with_capacity(1 << 20, file), hasher)
}

/// A file opened for reading, decompressed when it is gzip, with a leading UTF-8
/// byte-order mark removed. `consumed` counts the file's (compressed) bytes read so far,
/// from its start.
pub struct Opened {
    /// The decompressed text.
    pub reader: Box<dyn BufRead>,
    /// Whether the file is gzip.
    pub gzip: bool,
    /// Bytes of the file read so far.
    pub consumed: Rc<Cell<u64>>,
    /// Where the text starts: after a byte-order mark, or where a read was resumed
    /// ([`Resume`]); an offset in the file, or in its decompressed text for gzip.
    pub start: u64,
    /// The lines before `start`.
    pub lines: u64,
    /// Whether reading reached the file's end.
    eof: Rc<Cell<bool>>,
    hasher: Option<Rc<RefCell<Hashing>>>,
}

impl Opened {
    /// The BLAKE3 of the whole file, when it is hashed (opened with hashing, or resumed):
    /// the bytes read so far were hashed as they went by (those before a resume point,
    /// before it was opened), and the rest, if reading stopped before the end, is read
    /// now. Only then is the file opened again, which a pipe cannot be; and bytes added to
    /// a file after its end was read are neither read nor hashed.
    /// Returns the hash and the number of bytes hashed.
    pub fn finish_hash(&self, path: &Path) -> io::Result<Option<(String, u64)>> {
        let Some(hashing) = &self.hasher else { return Ok(None) };
        let mut hashing = hashing.borrow_mut();
        let mut bytes = self.consumed.get();
        if !self.eof.get() {
            bytes += hash_from(path, bytes, &mut hashing.hasher)?;
        }
        Ok(Some((hashing.hasher.finalize().to_hex().to_string(), bytes)))
    }

    /// The BLAKE3 (hex) of the file's first `len` bytes, which were read: from the state
    /// kept at a recent read when the file is hashed and `len` is near enough the end of
    /// what was read, else by reading them again. `None` if the file is now shorter.
    pub fn prefix_hash(&self, path: &Path, len: u64) -> io::Result<Option<String>> {
        let kept = self.hasher.as_ref().and_then(|h| h.borrow().at_or_before(len));
        let (mut hasher, from) = kept.unwrap_or_else(|| (blake3::Hasher::new(), 0));
        let mut file = File::open(path)?;
        io::Seek::seek(&mut file, io::SeekFrom::Start(from))?;
        let read = io::copy(&mut BufReader::with_capacity(READ_BUFFER, file.take(len - from)), &mut hasher)?;
        Ok((from + read == len).then(|| hasher.finalize().to_hex().to_string()))
    }
}

/// A file's hash as it is read, with its states at the starts of recent reads: enough to
/// take the hash of a prefix that ends in the last [`KEPT_STATES_SPAN`] bytes read without
/// reading the file again (see [`Opened::prefix_hash`]).
struct Hashing {
    hasher: blake3::Hasher,
    /// (offset, state there), oldest first.
    kept: VecDeque<(u64, blake3::Hasher)>,
}

/// How far back states are kept: a record cut short by the end of a file starts at most
/// one record's length before the end.
const KEPT_STATES_SPAN: u64 = super::records::MAX_RECORD_BYTES as u64 + 2 * READ_BUFFER as u64;

impl Hashing {
    fn new(hasher: blake3::Hasher) -> Self {
        // All the room the states take, at once: grown as reads came, the queue's blocks
        // fell among the column vectors' and kept the heap from reusing their room.
        let room = usize::try_from(KEPT_STATES_SPAN).unwrap_or(usize::MAX) / READ_BUFFER + 2;
        Hashing { hasher, kept: VecDeque::with_capacity(room) }
    }

    /// Hashes `bytes`, which start at `offset` in the file.
    fn update(&mut self, offset: u64, bytes: &[u8]) {
        while self.kept.front().is_some_and(|(at, _)| at + KEPT_STATES_SPAN < offset) {
            self.kept.pop_front();
        }
        self.kept.push_back((offset, self.hasher.clone()));
        self.hasher.update(bytes);
    }

    /// The latest kept state at or before `offset`, and where it is.
    fn at_or_before(&self, offset: u64) -> Option<(blake3::Hasher, u64)> {
        self.kept.iter().rev().find(|(at, _)| *at <= offset).map(|(at, h)| (h.clone(), *at))
    }
}

/// A file's first bytes, read and hashed, to read the rest of the file from there
/// ([`longest_prefix`], [`open`]): a plain file from their end, a gzip file from a point
/// in its text, which is decompressed from the start again.
pub struct Resume {
    /// Their number: where reading goes on in a plain file.
    pub offset: u64,
    /// Where reading goes on in the text of a gzip file.
    pub text: Option<u64>,
    /// The lines they end (their line feeds; in a plain file).
    lines: u64,
    /// Their hash so far.
    hasher: blake3::Hasher,
    /// The file, open: the one whose first bytes these are, even if its path is given to
    /// another file meanwhile.
    file: File,
}

/// How far a read of a file's first bytes has come.
#[derive(Clone)]
struct ReadSoFar {
    offset: u64,
    lines: u64,
    hasher: blake3::Hasher,
}

/// A point to read a longer copy of a file on from: the number of its first bytes, their
/// BLAKE3 in hex, and for gzip where in the text reading goes on.
pub type Point<'a> = (u64, &'a str, Option<u64>);

/// Which of `points` (ascending) the file begins with: the last that it does, read and
/// hashed to read on from there. Reads the file once, up to the last point. A gzip
/// file's bytes cannot be read on from an arbitrary point, so only points with a place
/// in the text count for it, and only points without one for a plain file.
pub fn longest_prefix(path: &Path, points: &[Point]) -> io::Result<Option<(usize, Resume)>> {
    if points.is_empty() {
        return Ok(None);
    }
    let mut reader = BufReader::with_capacity(READ_BUFFER, File::open(path)?);
    let gzip = reader.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let mut at = ReadSoFar { offset: 0, lines: 0, hasher: blake3::Hasher::new() };
    let mut found = None;
    for (i, &(offset, hex, text)) in points.iter().enumerate() {
        if text.is_some() != gzip {
            continue;
        }
        if at.offset < offset {
            let want = offset - at.offset;
            let (hasher, lines) = (&mut at.hasher, &mut at.lines);
            at.offset += read_through(&mut reader, want, |part| {
                hasher.update(part);
                *lines += memchr::memchr_iter(b'\n', part).count() as u64;
            })?;
            if at.offset < offset {
                break;
            }
        }
        if at.hasher.finalize().to_hex().as_str() == hex {
            found = Some((i, at.clone()));
        }
    }
    let file = reader.into_inner();
    Ok(found.map(|(i, r): (usize, ReadSoFar)| (i, Resume { offset: r.offset, text: points[i].2, lines: r.lines, hasher: r.hasher, file })))
}

/// Opens `path`; with `hash`, its bytes are hashed as they are read (see
/// [`Opened::finish_hash`]). With `resume`, the file is the one already open there, and
/// it is hashed: a plain file's reading, and hashing, go on from the end of its first
/// bytes, which are not read again; a gzip file is read from the start, and its text
/// up to the point is passed over.
pub fn open(path: &Path, hash: bool, resume: Option<Resume>) -> io::Result<Opened> {
    let (start, lines, skip) = match &resume {
        Some(r) if r.text.is_none() => (r.offset, r.lines, 0),
        Some(r) => (0, 0, r.text.unwrap_or(0)),
        None => (0, 0, 0),
    };
    let consumed = Rc::new(Cell::new(start));
    let eof = Rc::new(Cell::new(false));
    let (file, hasher) = match resume {
        Some(r) => {
            let mut file = r.file;
            io::Seek::seek(&mut file, io::SeekFrom::Start(start))?;
            (file, Some(if start > 0 { r.hasher } else { blake3::Hasher::new() }))
        }
        None => (File::open(path)?, hash.then(blake3::Hasher::new)),
    };
    let hasher = hasher.map(|h| Rc::new(RefCell::new(Hashing::new(h))));
    let file = Counting { inner: file, count: Rc::clone(&consumed), eof: Rc::clone(&eof), hasher: hasher.clone() };
    let mut raw = BufReader::with_capacity(READ_BUFFER, file);
    let gzip = start == 0 && raw.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let mut reader: Box<dyn BufRead> = if gzip {
        Box::new(BufReader::with_capacity(READ_BUFFER, flate2::bufread::MultiGzDecoder::new(raw)))
    } else {
        Box::new(raw)
    };
    if skip > 0 {
        let lines = pass_over(&mut reader, skip)?;
        return Ok(Opened { reader, gzip, consumed, start: skip, lines, eof, hasher });
    }
    let mut start = start;
    if start == 0 && reader.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
        start = 3;
    }
    Ok(Opened { reader, gzip, consumed, start, lines, eof, hasher })
}

/// Passes over the first `len` bytes of `reader`, which must have them; returns the lines
/// they end.
fn pass_over(reader: &mut dyn BufRead, len: u64) -> io::Result<u64> {
    let mut lines = 0;
    if read_through(reader, len, |part| lines += memchr::memchr_iter(b'\n', part).count() as u64)? < len {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, format!("the text ends before byte {len}, where an earlier run's read ended")));
    }
    Ok(lines)
}

/// Hands the next `len` bytes of `reader` (fewer at its end) to `each`, a buffer at a time;
/// returns how many there were.
fn read_through(reader: &mut dyn BufRead, len: u64, mut each: impl FnMut(&[u8])) -> io::Result<u64> {
    let mut read = 0;
    while read < len {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        let n = chunk.len().min(usize::try_from(len - read).unwrap_or(usize::MAX));
        each(&chunk[..n]);
        reader.consume(n);
        read += n as u64;
    }
    Ok(read)
}

/// A file reader that counts (and optionally hashes) the bytes it hands out.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
    eof: Rc<Cell<bool>>,
    hasher: Option<Rc<RefCell<Hashing>>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.eof.set(true);
        }
        let offset = self.count.get();
        self.count.set(offset + n as u64);
        if let Some(h) = &self.hasher {
            h.borrow_mut().update(offset, &buf[..n]);
        }
        Ok(n)
    }
}

/// What [`detect`] made of a file.
#[derive(Debug, PartialEq)]
pub enum Detected {
    /// A format, and why.
    Format(Format, &'static str),
    /// Nothing but white space (or nothing at all).
    Empty,
    /// No format lakehunt reads, and why not.
    Unknown(&'static str),
}

/// Guesses a file's format from its first bytes: JSON whose first record has a `records`
/// key, or `category` and `properties` keys, is the Streaming API, other JSON is plain
/// rows, and text that is not JSON is CSV. Binary data is none of them.
pub fn detect(reader: &mut dyn BufRead) -> io::Result<Detected> {
    let head = reader.fill_buf()?;
    let text = head.trim_ascii_start();
    if text.is_empty() {
        return Ok(Detected::Empty);
    }
    if matches!(text[0], b'{' | b'[') {
        let keys = first_record_keys(text);
        let has = |key: &[u8]| keys.contains(&key);
        return Ok(if has(b"records") {
            Detected::Format(Format::Stream, "Event Hub batches ({\"records\": [...]})")
        } else if has(b"category") && has(b"properties") {
            Detected::Format(Format::Stream, "Streaming API records")
        } else {
            Detected::Format(Format::JsonLines, "JSON rows without a category")
        });
    }
    let sample = &head[..head.len().min(8 << 10)];
    let valid_prefix = match std::str::from_utf8(sample) {
        Ok(_) => true,
        // A character cut at the end of the sample is still text.
        Err(e) => e.error_len().is_none(),
    };
    if !valid_prefix || sample.contains(&0) {
        return Ok(Detected::Unknown("binary data, not a JSON or CSV export"));
    }
    Ok(Detected::Format(Format::Csv, "CSV with a header row"))
}

/// The keys of the first record in `text` (an object, or a list's first element), as far
/// as `text` goes: only its own keys, not those of values inside it, nor words in strings.
fn first_record_keys(text: &[u8]) -> Vec<&[u8]> {
    let key_depth = if text.first() == Some(&b'[') { 2 } else { 1 };
    let (mut keys, mut depth, mut i) = (Vec::new(), 0, 0);
    while i < text.len() {
        match text[i] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth < key_depth {
                    break;
                }
            }
            b'"' => {
                let start = i + 1;
                i = start;
                while i < text.len() && text[i] != b'"' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
                let after = text.get(i + 1..).unwrap_or_default().trim_ascii_start();
                if depth == key_depth && after.first() == Some(&b':') {
                    keys.push(&text[start..i.min(text.len())]);
                }
            }
            _ => {}
        }
        i += 1;
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_is_told_by_the_first_record_s_own_keys() {
        let detect_in = |text: &str| detect(&mut text.as_bytes()).expect("reads");
        let rows = Detected::Format(Format::JsonLines, "JSON rows without a category");
        assert_eq!(detect_in(r#"{"Timestamp":"x","OSPlatform":"records"}"#), rows);
        assert_eq!(detect_in(r#"{"a":{"records":[]},"b":"\"records\": [","category":"c","properties":{}}"#), Detected::Format(Format::Stream, "Streaming API records"));
        assert_eq!(detect_in(r#"{"a":{"records":[]}}"#), rows);
        assert!(matches!(detect_in("\n{\"records\": [{\"category\""), Detected::Format(Format::Stream, _)));
        assert!(matches!(detect_in(r#"[{"category":"c","properties":{"records":1}}]"#), Detected::Format(Format::Stream, "Streaming API records")));
        assert_eq!(detect_in(" \n\t"), Detected::Empty);
        assert!(matches!(detect_in("Timestamp,DeviceName\n"), Detected::Format(Format::Csv, _)));
        assert!(matches!(detect_in("\u{0}\u{1}"), Detected::Unknown(_)));
    }

    #[test]
    fn the_longest_prefix_a_file_begins_with_is_found_in_one_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("grown.json");
        std::fs::write(&file, "abc\ndef\nghi\n").expect("write");
        let hex = |text: &str| blake3::hash(text.as_bytes()).to_hex().to_string();
        let (abc, abcdef, other) = (hex("abc\n"), hex("abc\ndef\n"), hex("abc\nxyz\n"));
        let found = |points: &[(u64, &str)]| {
            let points: Vec<Point> = points.iter().map(|&(n, h)| (n, h, None)).collect();
            longest_prefix(&file, &points).expect("reads").map(|(i, r)| (i, r.offset, r.lines, r.hasher.finalize().to_hex().to_string()))
        };
        assert_eq!(found(&[(4, &abc), (8, &abcdef)]), Some((1, 8, 2, abcdef.clone())));
        // A later point that does not match, or lies past the end, leaves the last that does.
        assert_eq!(found(&[(4, &abc), (8, &other), (100, &abcdef)]), Some((0, 4, 1, abc.clone())));
        assert_eq!(found(&[(8, &other)]), None);
        // Gzip is read on only from a point in its text; a plain file, only from one without.
        std::fs::write(&file, [0x1f, 0x8b, b'\n']).expect("write");
        let magic = blake3::hash(&[0x1f, 0x8b]).to_hex().to_string();
        assert_eq!(found(&[(2, &magic)]), None);
        let in_text = |points: &[Point]| longest_prefix(&file, points).expect("reads").map(|(i, r)| (i, r.text));
        assert_eq!(in_text(&[(2, &magic, Some(40)), (3, &other, None)]), Some((0, Some(40))));
        std::fs::write(&file, "abc\n").expect("write");
        assert_eq!(in_text(&[(4, &abc, Some(4))]), None);
    }

    #[test]
    fn the_hash_of_a_prefix_of_what_was_read_is_taken_from_a_kept_state_or_read_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("big.json");
        let bytes: Vec<u8> = (0..3 * READ_BUFFER + 5).map(|i| (i % 251) as u8).collect();
        std::fs::write(&file, &bytes).expect("write");
        for hash in [true, false] {
            let mut opened = open(&file, hash, None).expect("opens");
            io::copy(&mut opened.reader, &mut io::sink()).expect("reads");
            for len in [0, 1, READ_BUFFER, READ_BUFFER + 7, bytes.len()] {
                let expected = blake3::hash(&bytes[..len]).to_hex().to_string();
                assert_eq!(opened.prefix_hash(&file, len as u64).expect("hashes"), Some(expected), "{len} bytes, hashed as read: {hash}");
            }
            let kept = opened.hasher.as_ref().map(|h| h.borrow().at_or_before(READ_BUFFER as u64 + 7).map(|(_, at)| at));
            assert_eq!(kept, hash.then_some(Some(READ_BUFFER as u64)), "a state is kept at each read's start");
        }
    }

    #[test]
    fn a_directory_walk_follows_a_link_back_up_the_tree_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).expect("mkdir");
        std::fs::write(dir.path().join("a.json"), "{}").expect("write");
        std::fs::write(sub.join("b.json"), "{}").expect("write");
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path(), sub.join("up")).expect("symlink");
        let found = expand(&[dir.path().to_path_buf()]);
        assert_eq!(found.files, [dir.path().join("a.json"), sub.join("b.json")]);
        assert!(found.errors.is_empty(), "{:?}", found.errors);
    }
}
