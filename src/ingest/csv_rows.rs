//! Advanced Hunting CSV exports ([`read_csv`]): a header row of column names, then one row
//! per record (RFC 4180 quoting). An empty cell is `""` in a string column and null
//! elsewhere; columns the catalog does not know go to `_extra`.

use std::io::{self, BufRead};

use super::buffer::{Buffers, RowFault, Staged};
use super::columns::TableRows;
use super::quarantine::Reason;
use super::records::{Broken, Line, LineReader, MAX_RECORD_BYTES, Placed, RowSink, head};
use super::values::{self, TextArena};
use crate::catalog::TableDef;

enum Target {
    Column(usize),
    TimeGenerated,
    Extra(String),
}

/// Reads every row of a CSV export of `table`. A row with another number of fields than
/// the header, or with bytes that are not UTF-8, is quarantined, as is the line where a
/// quoted field opens that does not close (a file cut short or garbled): reading goes on
/// at the next line. The text begins `start` bytes into its file, after `lines` lines, so
/// that lines and offsets are the file's.
pub fn read_csv(input: &mut dyn BufRead, lines: u64, start: u64, table: &'static TableDef, sink: &mut dyn RowSink) -> Result<(), Broken> {
    let mut lines = CsvLines { lines: LineReader::starting_at(input, lines, start) };
    let mut parser = RecordParser::new();
    let mut record = csv::ByteRecord::new();
    let (header, header_at) = loop {
        match lines.next_record()? {
            Next::End => return Ok(()),
            Next::Record { line, offset, text } => break (parser.parse(&text, &mut record).clone(), (line, offset)),
            Next::TooLong { line, offset, .. } | Next::Unclosed { line, offset, .. } => {
                sink.bad(line, offset, b"", Reason::Unreadable("the header row is unreadable (a quote that does not close, or over 16 MiB)".into()));
                return Ok(());
            }
        }
    };
    let names: Vec<String> = header.iter().map(|h| String::from_utf8_lossy(h).trim().to_string()).collect();
    // Lines that end in a CR alone are one line here: the header would swallow the file.
    if names.iter().any(|n| n.contains('\r')) {
        sink.bad(header_at.0, header_at.1, b"", Reason::Unreadable("the header holds a carriage return: lines that end in CR alone are not read; convert them to LF or CR LF".into()));
        return Ok(());
    }
    // A column named twice has no one value per row: which one to keep would be a guess.
    if let Some(name) = names.iter().enumerate().find_map(|(i, n)| names[..i].contains(n).then_some(n)) {
        sink.bad(header_at.0, header_at.1, b"", Reason::Unreadable(format!("the header names the column {name:?} twice")));
        return Ok(());
    }
    let targets: Vec<Target> = names
        .into_iter()
        .map(|name| match table.column_index(&name) {
            Some(i) => Target::Column(i),
            None if name == "TimeGenerated" => Target::TimeGenerated,
            None => Target::Extra(name),
        })
        .collect();
    let Some(index) = Buffers::index_of(table) else {
        sink.bad(0, 0, b"", Reason::Unreadable(format!("{} is not a table of the catalog", table.name)));
        return Ok(());
    };
    let mut row = Staged::default();
    let mut arena = TextArena::default();
    while !sink.stopped() {
        let (line, offset, text) = match lines.next_record()? {
            Next::End => break,
            Next::Record { line, offset, text } => (line, offset, text),
            Next::TooLong { line, offset, head, bytes } => {
                sink.bad(line, offset, &head, Reason::TooLong { bytes });
                continue;
            }
            Next::Unclosed { line, offset, text } => {
                sink.bad(line, offset, &text, Reason::UnclosedQuote);
                continue;
            }
        };
        let record = parser.parse(&text, &mut record);
        if record.len() != header.len() {
            sink.bad(line, offset, &text, Reason::FieldCount { expected: header.len(), found: record.len() });
            continue;
        }
        row.reset(Some(table), line);
        arena.clear();
        let buffers = sink.buffers();
        if let Some(reason) = fill(&mut row, buffers.table(index), &mut arena, &targets, record) {
            buffers.table(index).discard_row();
            sink.bad(line, offset, &text, reason);
            continue;
        }
        buffers.finish(index, &mut row);
        buffers.commit();
        sink.row(&row, &mut || Placed { text: String::from_utf8_lossy(&text).into_owned(), line, offset });
    }
    Ok(())
}

/// A parser of one record's text at a time (its lines, quoted line breaks included),
/// made once: making a csv reader builds its state machine, which costs more than
/// parsing a row. Records end at line feeds only: a CR alone is text, as the lines were
/// found.
struct RecordParser {
    reader: csv::Reader<Feed>,
    more: csv::ByteRecord,
}

impl RecordParser {
    fn new() -> Self {
        let mut builder = csv::ReaderBuilder::new();
        builder.flexible(true).has_headers(false).terminator(csv::Terminator::Any(b'\n'));
        RecordParser { reader: builder.from_reader(Feed::default()), more: csv::ByteRecord::new() }
    }

    /// The fields of one record's text (none, if it has none). Text that the parser reads
    /// as more than one record (its quotes read otherwise than [`Quote`] reads them) gives
    /// the fields of them all, which no header has.
    fn parse<'r>(&mut self, text: &[u8], record: &'r mut csv::ByteRecord) -> &'r csv::ByteRecord {
        let feed = self.reader.get_mut();
        feed.text.clear();
        feed.text.extend_from_slice(text);
        feed.at = 0;
        // Text in memory has no read or UTF-8 error to give (nor a seek one).
        let read = self.reader.seek_raw(io::SeekFrom::Start(0), csv::Position::new()).and_then(|()| self.reader.read_byte_record(record));
        if !read.unwrap_or(false) {
            record.clear();
        }
        while self.reader.read_byte_record(&mut self.more).unwrap_or(false) {
            for field in &self.more {
                record.push_field(field);
            }
        }
        record
    }
}

/// The text the record parser reads: one record's, replaced for each.
#[derive(Default)]
struct Feed {
    text: Vec<u8>,
    at: usize,
}

impl io::Read for Feed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = io::Read::read(&mut self.text.get(self.at..).unwrap_or_default(), buf)?;
        self.at += n;
        Ok(n)
    }
}

impl io::Seek for Feed {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        match to {
            io::SeekFrom::Start(at) => {
                self.at = usize::try_from(at).unwrap_or(usize::MAX).min(self.text.len());
                Ok(self.at as u64)
            }
            _ => Err(io::Error::new(io::ErrorKind::Unsupported, "the record text is read from its start")),
        }
    }
}

/// What comes next in a CSV file.
enum Next {
    /// A record: the lines from its first (number and offset), joined by line feeds.
    Record { line: u64, offset: u64, text: Vec<u8> },
    /// A line over [`MAX_RECORD_BYTES`]: its head and length.
    TooLong { line: u64, offset: u64, head: Vec<u8>, bytes: u64 },
    /// A line where a quoted field opens that does not close before the end of the file,
    /// within [`MAX_RECORD_BYTES`], or before a line over that (or before looking ahead has
    /// had its share of the input: [`LineReader::may_look_ahead`]).
    Unclosed { line: u64, offset: u64, text: Vec<u8> },
    End,
}

/// The lines of a CSV file.
struct CsvLines<R> {
    lines: LineReader<R>,
}

impl<R: BufRead> CsvLines<R> {
    fn next(&mut self) -> Result<Option<Line>, Broken> {
        let lines = &mut self.lines;
        match lines.advance() {
            Ok(true) => Ok(Some(lines.take_line())),
            Ok(false) => Ok(None),
            Err(error) => Err(Broken { error, line: lines.line() + 1, offset: lines.bytes() }),
        }
    }

    /// The next record: a line, or lines while a quoted field runs on. A quote that does
    /// not close gives its first line alone, and the lines after it are read again.
    fn next_record(&mut self) -> Result<Next, Broken> {
        loop {
            let Some(first) = self.next()? else { return Ok(Next::End) };
            if let Some(bytes) = first.cut {
                return Ok(Next::TooLong { line: first.line, offset: first.offset, head: head(&first.text).to_vec(), bytes });
            }
            // An empty line is no record (as for the csv crate).
            if first.text.is_empty() {
                continue;
            }
            let mut quote = Quote::default();
            if !quote.open_after(&first.text) {
                return Ok(Next::Record { line: first.line, offset: first.offset, text: first.text });
            }
            let mut text = first.text.clone();
            // A line break inside a quoted field is part of the value, as it was written.
            let mut crlf = first.crlf;
            let mut taken = Vec::new();
            loop {
                // A read error inside the record is reported where the record starts.
                let next = self.next().map_err(|b| Broken { line: first.line, offset: first.offset, ..b })?;
                match next {
                    Some(l) if l.cut.is_none() && text.len() + l.text.len() < MAX_RECORD_BYTES && self.lines.may_look_ahead() => {
                        self.lines.look_ahead(l.text.len());
                        text.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
                        text.extend_from_slice(&l.text);
                        crlf = l.crlf;
                        let open = quote.open_after(&l.text);
                        taken.push(l);
                        if !open {
                            return Ok(Next::Record { line: first.line, offset: first.offset, text });
                        }
                    }
                    other => {
                        taken.extend(other);
                        self.lines.put_back(taken);
                        return Ok(Next::Unclosed { line: first.line, offset: first.offset, text: first.text });
                    }
                }
            }
        }
    }
}

/// Whether a quoted field is open, line after line of a record (RFC 4180: a quote opens a
/// field only at its start, and `""` inside one is a quote).
#[derive(Default)]
struct Quote {
    open: bool,
}

impl Quote {
    /// Reads a line of the record; whether a quoted field is open at its end.
    fn open_after(&mut self, text: &[u8]) -> bool {
        if !self.open && memchr::memchr(b'"', text).is_none() {
            return false;
        }
        let mut field_start = !self.open;
        let mut i = 0;
        while i < text.len() {
            let c = text[i];
            if self.open {
                if c == b'"' {
                    if text.get(i + 1) == Some(&b'"') {
                        i += 1;
                    } else {
                        self.open = false;
                    }
                }
            } else if c == b'"' && field_start {
                self.open = true;
            } else {
                field_start = c == b',';
            }
            i += 1;
        }
        self.open
    }
}

/// Converts the fields of one row into the row `rows` is building, and into `row`; a field
/// that is not UTF-8 stops it.
fn fill(row: &mut Staged, rows: &mut TableRows, arena: &mut TextArena, targets: &[Target], record: &csv::ByteRecord) -> Option<Reason> {
    let table = rows.table();
    for (target, field) in targets.iter().zip(record.iter()) {
        let Ok(text) = std::str::from_utf8(field) else {
            let column = match target {
                Target::Column(i) => table.columns[*i].name.to_string(),
                Target::TimeGenerated => "TimeGenerated".into(),
                Target::Extra(name) => name.clone(),
            };
            return Some(Reason::NotUtf8 { column });
        };
        match target {
            Target::Column(i) => match values::from_text(table.columns[*i].ty, text, arena) {
                Ok(cell) => rows.set(*i, cell, arena),
                Err(error) => row.fail(RowFault::WrongType { column: table.columns[*i].name, error }),
            },
            Target::TimeGenerated => {
                row.time_generated = values::parse_datetime(text.trim());
                // Not a datetime: kept, as the JSON reader keeps it.
                if row.time_generated.is_none() && !text.is_empty() {
                    row.extra.push(("TimeGenerated".into(), serde_json::Value::from(text).to_string()));
                }
            }
            Target::Extra(name) if !text.is_empty() => {
                // JSON text stays JSON; anything else becomes a JSON string.
                let json = match serde_json::from_str::<serde_json::Value>(text) {
                    Ok(v @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => v.to_string(),
                    _ => serde_json::Value::String(text.to_string()).to_string(),
                };
                row.extra.push((name.clone(), json));
            }
            Target::Extra(_) => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_opens_a_field_only_at_its_start_and_a_doubled_one_is_text() {
        let open_after = |lines: &[&str]| {
            let mut quote = Quote::default();
            lines.iter().map(|l| quote.open_after(l.as_bytes())).collect::<Vec<_>>()
        };
        assert_eq!(open_after(&["a,\"b"]), [true]);
        assert_eq!(open_after(&["a,b\"c", "\"a\"\"b\",c", "\"x\",y\"", "\"\""]), [false; 4]);
        assert_eq!(open_after(&["1,\"two", "still \"\" open", "end\",3"]), [true, true, false]);
        assert_eq!(open_after(&["\"a,\"\"", "\""]), [true, false]);
    }
}
