//! Finding the records of a JSON export: a line reader that never holds more than
//! [`MAX_RECORD_BYTES`] of one line ([`LineReader`]), and [`read_json`], which takes one
//! JSON value per line and gathers pretty-printed values that span lines. A value still
//! open where a line starts another in its first column was cut short there, unless the
//! lines after close and parse with it (a list of records one to a line, a value printed
//! without indentation); after a broken value reading resumes at that line, so one bad
//! record costs only itself.

use std::collections::VecDeque;
use std::io::{self, BufRead};

use super::buffer::{Buffers, Staged};
use super::json_lex::{ErrorKind, JsonError};
use super::json_record::JsonParser;
use super::quarantine::Reason;

/// The longest record (a line, or a value over several lines) that is parsed; a longer one
/// is quarantined, with its first bytes and its position. An Event Hub message is at most
/// 1 MB, a Storage line is one row: 16 MiB leaves ample room.
pub const MAX_RECORD_BYTES: usize = 16 << 20;

/// Where the reader puts rows, and what it is told of each record.
pub trait RowSink {
    /// The buffers that records' values are parsed into.
    fn buffers(&mut self) -> &mut Buffers;
    /// A parsed record: its row is in the buffers, or it carries its fault. `placed` gives
    /// the record's own text and place, which are only needed (and only worked out) when
    /// the record goes to quarantine.
    fn row(&mut self, row: &Staged, placed: &mut dyn FnMut() -> Placed);
    /// Text that is not a record, with the line and byte offset where it starts.
    fn bad(&mut self, line: u64, offset: u64, text: &[u8], reason: Reason);
    /// Whether the run has failed (a flush or the quarantine could not be written): no
    /// more rows can be kept, so reading stops rather than buffer the rest of the input.
    fn stopped(&self) -> bool;
}

/// A record's own text, and its first line and byte offset in its file.
pub struct Placed {
    /// The text.
    pub text: String,
    /// The line.
    pub line: u64,
    /// The offset.
    pub offset: u64,
}

/// Reads lines of at most [`MAX_RECORD_BYTES`], counting lines and bytes.
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    /// 1-based number of the line in `buf`.
    line: u64,
    /// Byte offset (in the decompressed stream) where the line in `buf` starts.
    offset: u64,
    next_offset: u64,
    /// The full length of the line in `buf`, when it was longer than the limit.
    cut: Option<u64>,
    replay: bool,
    /// The current line lies whole in the reader's buffer: its length there (without the
    /// line ending). Most lines do, and are parsed in place instead of copied.
    in_place: Option<usize>,
    /// Bytes of the reader's buffer to consume before the next line.
    to_consume: usize,
    /// The current line ends with CR LF.
    crlf: bool,
    /// Lines put back, to be read again before the input goes on.
    back: VecDeque<Line>,
    /// Bytes gathered so far past a point where a record may have been cut short.
    looked_ahead: u64,
}

/// How many bytes, beyond those of the input read, may be gathered past points where a
/// record may have been cut short (see [`LineReader::may_look_ahead`]).
const LOOKAHEAD_ALLOWANCE: u64 = MAX_RECORD_BYTES as u64;

/// A line taken out of a [`LineReader`], to keep or put back.
#[derive(Debug, Clone)]
pub struct Line {
    /// Its 1-based number.
    pub line: u64,
    /// Its byte offset.
    pub offset: u64,
    /// Its text, without its line ending (the head of it, when it was over the limit).
    pub text: Vec<u8>,
    /// Its full length, when it was over the limit.
    pub cut: Option<u64>,
    /// Whether it ended with CR LF.
    pub crlf: bool,
}

impl<R: BufRead> LineReader<R> {
    /// A reader of text that begins `offset` bytes into its file, after `lines` lines.
    pub fn starting_at(inner: R, lines: u64, offset: u64) -> Self {
        LineReader { inner, buf: Vec::new(), line: lines, offset, next_offset: offset, cut: None, replay: false, in_place: None, to_consume: 0, crlf: false, back: VecDeque::new(), looked_ahead: 0 }
    }

    /// Moves to the next line; `false` at the end of the input.
    pub fn advance(&mut self) -> io::Result<bool> {
        if self.replay {
            self.replay = false;
            return Ok(true);
        }
        self.inner.consume(std::mem::take(&mut self.to_consume));
        self.in_place = None;
        self.cut = None;
        if let Some(back) = self.back.pop_front() {
            (self.line, self.offset, self.buf, self.cut, self.crlf) = (back.line, back.offset, back.text, back.cut, back.crlf);
            return Ok(true);
        }
        let avail = self.inner.fill_buf()?;
        if let Some(i) = memchr::memchr(b'\n', avail).filter(|&i| i < MAX_RECORD_BYTES) {
            self.crlf = i > 0 && avail[i - 1] == b'\r';
            let len = if self.crlf { i - 1 } else { i };
            self.in_place = Some(len);
            self.to_consume = i + 1;
            self.line += 1;
            self.offset = self.next_offset;
            self.next_offset += (i + 1) as u64;
            return Ok(true);
        }
        self.buf.clear();
        let mut len = 0u64;
        loop {
            let avail = self.inner.fill_buf()?;
            if avail.is_empty() {
                if len == 0 {
                    return Ok(false);
                }
                break;
            }
            let (take, done) = match memchr::memchr(b'\n', avail) {
                Some(i) => (i + 1, true),
                None => (avail.len(), false),
            };
            let room = MAX_RECORD_BYTES.saturating_sub(self.buf.len());
            self.buf.extend_from_slice(&avail[..take.min(room)]);
            self.inner.consume(take);
            len += take as u64;
            if done {
                break;
            }
        }
        self.line += 1;
        self.offset = self.next_offset;
        self.next_offset += len;
        if len > MAX_RECORD_BYTES as u64 {
            self.cut = Some(len);
        }
        // The line ending, as on the fast path: LF, or CR LF.
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        }
        self.crlf = self.buf.last() == Some(&b'\r') && self.cut.is_none();
        if self.crlf {
            self.buf.pop();
        }
        Ok(true)
    }

    /// The current line, without its line ending.
    pub fn text(&mut self) -> &[u8] {
        match self.in_place {
            // The buffer still holds the line (nothing was consumed), so this reads nothing.
            Some(len) => self.inner.fill_buf().map_or(&[][..], |b| &b[..len.min(b.len())]),
            None => &self.buf,
        }
    }

    /// Its 1-based line number.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Its byte offset.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The full length of the current line when it exceeded the limit (and `text` holds
    /// only its head).
    pub fn cut(&self) -> Option<u64> {
        self.cut
    }

    /// Makes the next [`LineReader::advance`] return the current line again.
    pub fn replay(&mut self) {
        self.replay = true;
    }

    /// Whether the current line ends with CR LF (not LF alone, nor the end of the input).
    pub fn crlf(&self) -> bool {
        self.crlf
    }

    /// Whether lines may still be gathered past a point where a record may have been cut
    /// short, to see whether it was. Lines gathered so and put back are read again, so
    /// all such gathering in one input is held to the bytes read plus an allowance: reading
    /// stays linear however the input is broken.
    pub fn may_look_ahead(&self) -> bool {
        self.looked_ahead <= self.next_offset + LOOKAHEAD_ALLOWANCE
    }

    /// Counts `bytes` gathered past such a point.
    pub fn look_ahead(&mut self, bytes: usize) {
        self.looked_ahead += bytes as u64;
    }

    /// The current line, copied out.
    pub fn take_line(&mut self) -> Line {
        let text = self.text().to_vec();
        Line { line: self.line, offset: self.offset, text, cut: self.cut, crlf: self.crlf }
    }

    /// Puts `lines` back, in their order, to be read again before the rest of the input
    /// (and before lines put back earlier).
    pub fn put_back(&mut self, lines: Vec<Line>) {
        for line in lines.into_iter().rev() {
            self.back.push_front(line);
        }
    }

    /// Bytes read so far.
    pub fn bytes(&self) -> u64 {
        self.next_offset
    }
}

/// A read error, and where the text it cut short starts: a value's first line and offset.
#[derive(Debug)]
pub struct Broken {
    /// The error.
    pub error: io::Error,
    /// The line.
    pub line: u64,
    /// The offset.
    pub offset: u64,
}

/// Reads every JSON value of `lines` and reports rows and bad text to `sink`. Returns the
/// offset of a last value that the end of the input cut short, if there is one: the
/// input may have been a file still being written, whose next copy completes the value.
pub fn read_json<R: BufRead>(lines: &mut LineReader<R>, parser: &mut JsonParser, sink: &mut dyn RowSink) -> Result<Option<u64>, Broken> {
    let mut acc = Vec::new();
    let mut cut_short = None;
    while !sink.stopped() {
        if !lines.advance().map_err(|error| Broken { error, line: lines.line() + 1, offset: lines.bytes() })? {
            break;
        }
        let (line, offset) = (lines.line(), lines.offset());
        if let Some(len) = lines.cut() {
            sink.bad(line, offset, head(lines.text()), Reason::TooLong { bytes: len });
            continue;
        }
        let text = lines.text();
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parser.parse(text, line, sink.buffers()) {
            Ok(source) => emit(parser, source, line, offset, sink),
            Err(e) if e.is_eof() && starts_value(text) => {
                acc.clear();
                acc.extend_from_slice(text);
                cut_short = gather(lines, parser, sink, &mut acc, line, offset).map_err(|error| Broken { error, line, offset })?.or(cut_short);
            }
            Err(e) => sink.bad(line, offset, text, invalid(&e, text, line)),
        }
    }
    Ok(cut_short)
}

/// Gathers the lines of a value that began on `line` (already in `acc`) until it closes,
/// then parses it. A line that opens a value in column one may be where this one was cut
/// short, or a part of it (a list of records one to a line, a value printed without
/// indentation): the lines go on being gathered, and only if the value does not close
/// and parse is it quarantined as truncated up to that line, which is read again. Without
/// such a line, a value the end of the input cuts short is truncated, and its offset is
/// returned.
fn gather<R: BufRead>(lines: &mut LineReader<R>, parser: &mut JsonParser, sink: &mut dyn RowSink, acc: &mut Vec<u8>, line: u64, offset: u64) -> io::Result<Option<u64>> {
    let mut depth = Depth::default();
    depth.scan(acc);
    // Where the first line that opens a value in column one starts in `acc`, and the
    // lines from it on.
    let mut opener: Option<(usize, Vec<Line>)> = None;
    // The line breaks joined into `acc` are those of the file, so that offsets in it are.
    let mut crlf = lines.crlf();
    loop {
        if !lines.advance()? {
            if let Some((at, taken)) = opener {
                cut_at_opener(lines, sink, acc, line, offset, at, taken);
                return Ok(None);
            }
            sink.bad(line, offset, acc, Reason::Truncated);
            return Ok(Some(offset));
        }
        let cut = lines.cut().is_some();
        let text = lines.text();
        let too_long = acc.len() + text.len() >= MAX_RECORD_BYTES;
        if cut || too_long {
            if let Some((at, mut taken)) = opener {
                taken.push(lines.take_line());
                cut_at_opener(lines, sink, acc, line, offset, at, taken);
            } else if cut {
                sink.bad(line, offset, acc, Reason::Truncated);
                lines.replay();
            } else {
                sink.bad(line, offset, head(acc), Reason::TooLong { bytes: (acc.len() + text.len()) as u64 });
                // A line that opens a value is the next record's.
                if opens_value(text) {
                    lines.replay();
                } else {
                    skip_to_next_value(lines)?;
                }
            }
            return Ok(None);
        }
        if opens_value(text) && opener.is_none() {
            // A value of its own on the line is the next record, and this one was cut
            // short; unless the value before ended in a comma (the next of a list). So is
            // any line once looking ahead has had its share of the input.
            let next_of_list = acc.trim_ascii_end().ends_with(b",");
            if (closes_on_its_line(text) && !next_of_list) || !lines.may_look_ahead() {
                sink.bad(line, offset, acc, Reason::Truncated);
                lines.replay();
                return Ok(None);
            }
            opener = Some((acc.len(), Vec::new()));
        }
        let look_ahead = lines.may_look_ahead();
        if let Some((at, mut taken)) = opener.take_if(|(at, _)| acc.len() - *at > OPENER_LOOKAHEAD || !look_ahead) {
            taken.push(lines.take_line());
            cut_at_opener(lines, sink, acc, line, offset, at, taken);
            return Ok(None);
        }
        if let Some((_, taken)) = &mut opener {
            let line = lines.take_line();
            lines.look_ahead(line.text.len());
            taken.push(line);
        }
        acc.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        crlf = lines.crlf();
        let text = lines.text();
        acc.extend_from_slice(text);
        depth.scan(text);
        if !depth.closed() {
            continue;
        }
        match (parser.parse(acc, line, sink.buffers()), opener) {
            (Ok(source), _) => emit(parser, source, line, offset, sink),
            (Err(_), Some((at, taken))) => cut_at_opener(lines, sink, acc, line, offset, at, taken),
            (Err(e), None) => broken_value(lines, sink, acc, line, offset, &e)?,
        }
        return Ok(None);
    }
}

/// How far a value is gathered past a line that opens another in column one before it is
/// taken to be cut short there: an Event Hub message, printed, is about 1 MB.
const OPENER_LOOKAHEAD: usize = 4 << 20;

/// Whether a line that opens a value closes it, with nothing but white space after.
fn closes_on_its_line(text: &[u8]) -> bool {
    Depth::default().scan(text).is_some_and(|i| text[i + 1..].iter().all(u8::is_ascii_whitespace))
}

/// The value was cut short where a line opened another in column one (at `at` in `acc`):
/// it is quarantined up to there, and the lines from there on are read again.
fn cut_at_opener<R: BufRead>(lines: &mut LineReader<R>, sink: &mut dyn RowSink, acc: &[u8], line: u64, offset: u64, at: usize, taken: Vec<Line>) {
    sink.bad(line, offset, &acc[..at], Reason::Truncated);
    lines.put_back(taken);
}

/// A value that closed but does not parse: quarantined with the rest of it, the lines up
/// to the next that opens a value in column one.
fn broken_value<R: BufRead>(lines: &mut LineReader<R>, sink: &mut dyn RowSink, acc: &mut Vec<u8>, line: u64, offset: u64, e: &JsonError) -> io::Result<()> {
    let reason = invalid(e, acc, line);
    while lines.advance()? {
        if lines.cut().is_some() || opens_value(lines.text()) {
            lines.replay();
            break;
        }
        if acc.len() + lines.text().len() < MAX_RECORD_BYTES {
            acc.push(b'\n');
            acc.extend_from_slice(lines.text());
        }
    }
    sink.bad(line, offset, acc, reason);
    Ok(())
}

fn skip_to_next_value<R: BufRead>(lines: &mut LineReader<R>) -> io::Result<()> {
    while lines.advance()? {
        if opens_value(lines.text()) {
            lines.replay();
            break;
        }
    }
    Ok(())
}

/// Hands a parsed value's rows to the sink, with the text of each: the value's, or for a
/// list of records, the record's own part of it.
fn emit(parser: &JsonParser, text: &str, line: u64, offset: u64, sink: &mut dyn RowSink) {
    let batch = parser.was_batch();
    for row in parser.rows() {
        let mut placed = || match text.get(row.span.clone()).filter(|_| batch) {
            // A record of a list: its place is where its text starts in the value's.
            Some(own) => {
                let before = &text.as_bytes()[..row.span.start];
                Placed { text: own.to_string(), line: line + memchr::memchr_iter(b'\n', before).count() as u64, offset: offset + row.span.start as u64 }
            }
            None => Placed { text: text.to_string(), line, offset },
        };
        sink.row(row, &mut placed);
    }
}

/// Whether a line starts a new value in column one: where reading resumes after a broken
/// value, and where a value still open is taken to be truncated.
fn opens_value(text: &[u8]) -> bool {
    matches!(text.first(), Some(b'{' | b'['))
}

fn starts_value(text: &[u8]) -> bool {
    matches!(text.trim_ascii_start().first(), Some(b'{' | b'['))
}

/// What is kept of an over-long record: its first 64 KiB (its offset and length locate the
/// rest in the source file).
pub fn head(text: &[u8]) -> &[u8] {
    &text[..text.len().min(64 << 10)]
}

fn invalid(e: &JsonError, text: &[u8], first_line: u64) -> Reason {
    let (line, column) = e.line_col(text);
    match e.kind {
        ErrorKind::NotARecord => Reason::NotARecord(e.message.clone()),
        ErrorKind::Eof => Reason::Truncated,
        ErrorKind::Syntax => Reason::InvalidJson { message: e.message.clone(), line: first_line + line - 1, column },
    }
}

/// Nesting depth of brackets outside strings, to tell when a multi-line value closes
/// without parsing it again for every line.
#[derive(Default)]
struct Depth {
    depth: i64,
    opened: bool,
    in_string: bool,
    escaped: bool,
}

impl Depth {
    /// Reads on through `text`; where in it the value first closed, if it did.
    fn scan(&mut self, text: &[u8]) -> Option<usize> {
        let mut closed_at = None;
        for (i, &c) in text.iter().enumerate() {
            if self.in_string {
                match c {
                    _ if self.escaped => self.escaped = false,
                    b'\\' => self.escaped = true,
                    b'"' => self.in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                b'"' => self.in_string = true,
                b'{' | b'[' => {
                    self.depth += 1;
                    self.opened = true;
                }
                b'}' | b']' => {
                    self.depth -= 1;
                    if closed_at.is_none() && self.closed() {
                        closed_at = Some(i);
                    }
                }
                _ => {}
            }
        }
        closed_at
    }

    fn closed(&self) -> bool {
        self.opened && self.depth <= 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::json_record::JsonShape;

    /// Keeps what it is given, and stops after `stop_after` rows.
    struct Kept {
        buffers: Buffers,
        rows: Vec<(u64, Option<String>)>,
        stop_after: usize,
    }

    impl RowSink for Kept {
        fn buffers(&mut self) -> &mut Buffers {
            &mut self.buffers
        }

        fn row(&mut self, row: &Staged, placed: &mut dyn FnMut() -> Placed) {
            self.rows.push((row.line, row.fault.as_ref().map(|_| placed().text)));
        }

        fn bad(&mut self, line: u64, _offset: u64, _text: &[u8], _reason: Reason) {
            self.rows.push((line, None));
        }

        fn stopped(&self) -> bool {
            self.rows.len() >= self.stop_after
        }
    }

    fn read(text: &str, stop_after: usize) -> Vec<(u64, Option<String>)> {
        let mut sink = Kept { buffers: Buffers::default(), rows: Vec::new(), stop_after };
        let mut lines = LineReader::starting_at(text.as_bytes(), 0, 0);
        read_json(&mut lines, &mut JsonParser::new(JsonShape::Stream), &mut sink).expect("reads");
        sink.rows
    }

    #[test]
    fn a_quarantined_record_of_a_batch_is_its_own_text_wherever_the_batch_is() {
        let good = r#"{"category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2021-01-01T00:00:00Z"}}"#;
        let bad = |n: u32| format!(r#"{{"category":"AdvancedHunting-DeviceInfo","properties":{{"DeviceName":"bad{n}"}}}}"#);
        let (b1, b2, b3) = (bad(1), bad(2), bad(3));
        // An array holding a batch and a plain record, and a batch of batches' records.
        let text = format!("[{{\"records\":[{good},{b1}]}},{b2}]\n{{\"records\":[{b3},{good}]}}\n");
        let quarantined: Vec<String> = read(&text, usize::MAX).into_iter().filter_map(|(_, t)| t).collect();
        assert_eq!(quarantined, [b1, b2, b3]);
        // As written, even where serde_json would refuse the batch (a raw tab, a number
        // such as `01`).
        let odd = format!("{{\"records\":[{good},{{\"category\":\"AdvancedHunting-DeviceInfo\",\"properties\":{{\"DeviceName\":\"a\tb\",\"X\":01}}}}]}}\n");
        let quarantined: Vec<String> = read(&odd, usize::MAX).into_iter().filter_map(|(_, t)| t).collect();
        assert_eq!(quarantined, ["{\"category\":\"AdvancedHunting-DeviceInfo\",\"properties\":{\"DeviceName\":\"a\tb\",\"X\":01}}"]);
    }

    /// The offset that [`read_json`] gives for `text` read from byte `start` of its file.
    fn cut_short(text: &str, start: u64) -> Option<u64> {
        let mut sink = Kept { buffers: Buffers::default(), rows: Vec::new(), stop_after: usize::MAX };
        let mut lines = LineReader::starting_at(text.as_bytes(), 7, start);
        read_json(&mut lines, &mut JsonParser::new(JsonShape::Stream), &mut sink).expect("reads")
    }

    #[test]
    fn only_a_value_that_the_end_of_the_input_cuts_short_is_given_as_cut_short() {
        let record = r#"{"category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2021-01-01T00:00:00Z"}}"#;
        let head = &record[..30];
        let first = record.len() as u64 + 1;
        assert_eq!(cut_short(&format!("{record}\n{head}"), 100), Some(100 + first));
        // Over several lines, and with blank lines after it.
        assert_eq!(cut_short(&format!("{record}\n{{\n  \"category\": \"x\",\n\n"), 0), Some(first));
        // Complete, though without a line feed; or cut short, but not by the end.
        assert_eq!(cut_short(record, 0), None);
        assert_eq!(cut_short(&format!("{head}\n{record}\n"), 0), None);
        // Text that is no value at all.
        assert_eq!(cut_short(&format!("{record}\nnot json"), 0), None);
    }

    /// The lines of the rows taken, and of the text quarantined, of `text`.
    fn taken_and_bad(text: &str) -> (Vec<u64>, Vec<u64>) {
        struct Lines(Buffers, Vec<u64>, Vec<u64>);
        impl RowSink for Lines {
            fn buffers(&mut self) -> &mut Buffers {
                &mut self.0
            }
            fn row(&mut self, row: &Staged, _: &mut dyn FnMut() -> Placed) {
                if row.fault.is_none() { self.1.push(row.line) } else { self.2.push(row.line) }
            }
            fn bad(&mut self, line: u64, _: u64, _: &[u8], _: Reason) {
                self.2.push(line);
            }
            fn stopped(&self) -> bool {
                false
            }
        }
        let mut sink = Lines(Buffers::default(), Vec::new(), Vec::new());
        read_json(&mut LineReader::starting_at(text.as_bytes(), 0, 0), &mut JsonParser::new(JsonShape::Stream), &mut sink).expect("reads");
        (sink.1, sink.2)
    }

    #[test]
    fn a_line_that_opens_a_value_in_column_one_may_belong_to_the_value_before() {
        let record = |n: u32| format!(r#"{{"category":"AdvancedHunting-DeviceInfo","properties":{{"Timestamp":"2021-01-01T00:00:0{n}Z"}}}}"#);
        let (r1, r2, r3) = (record(1), record(2), record(3));
        // A list of records, one to a line; a batch printed without indentation.
        assert_eq!(taken_and_bad(&format!("[{r1},\n{r2},\n{r3}]\n")), (vec![1, 1, 1], vec![]));
        // A whole record on its line after a comma is the next of the list, not a new value.
        assert_eq!(taken_and_bad(&format!("[{r1},\n{r2}\n]\n")), (vec![1, 1], vec![]));
        let flat = format!("{{\n\"records\": [\n{}\n]\n}}\n", r1.replace(",\"properties\":{", ",\n\"properties\": {\n"));
        assert_eq!(taken_and_bad(&flat), (vec![1], vec![]));
        // A record cut short, then whole ones: the cut one alone is quarantined.
        let cut = &r1[..40];
        assert_eq!(taken_and_bad(&format!("{cut}\n{r2}\n{r3}\n")), (vec![2, 3], vec![1]));
        assert_eq!(taken_and_bad(&format!("{cut}\n[{r2},\n{r3}]\n")), (vec![2, 2], vec![1]));
        // Cut short, then a value that does not close either: each is quarantined, the
        // last as cut short by the end.
        assert_eq!(cut_short(&format!("{cut}\n{cut}"), 0), Some(cut.len() as u64 + 1));
    }

    #[test]
    fn a_bad_record_of_a_printed_batch_is_placed_at_its_own_line_and_offset() {
        struct Places(Buffers, Vec<(u64, u64, String)>);
        impl RowSink for Places {
            fn buffers(&mut self) -> &mut Buffers {
                &mut self.0
            }
            fn row(&mut self, row: &Staged, placed: &mut dyn FnMut() -> Placed) {
                if row.fault.is_some() {
                    let p = placed();
                    self.1.push((p.line, p.offset, p.text));
                }
            }
            fn bad(&mut self, _: u64, _: u64, _: &[u8], _: Reason) {}
            fn stopped(&self) -> bool {
                false
            }
        }
        let good = r#"{"category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2021-01-01T00:00:00Z"}}"#;
        let bad = r#"{"category":"AdvancedHunting-DeviceInfo","properties":{"DeviceName":"no time"}}"#;
        let text = format!("{good}\n{{\"records\": [\n  {good},\n  {bad}\n]}}\n");
        let mut sink = Places(Buffers::default(), Vec::new());
        read_json(&mut LineReader::starting_at(text.as_bytes(), 10, 1000), &mut JsonParser::new(JsonShape::Stream), &mut sink).expect("reads");
        let at = text.find(bad).expect("in the text") as u64;
        assert_eq!(sink.1, [(14, 1000 + at, bad.to_string())]);
    }

    #[test]
    fn reading_stops_once_the_run_has_failed() {
        let record = r#"{"category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2021-01-01T00:00:00Z"}}"#;
        let text = format!("{record}\n").repeat(5);
        let rows = read(&text, 2);
        assert_eq!(rows.iter().map(|(line, _)| *line).collect::<Vec<_>>(), [1, 2]);
    }
}
