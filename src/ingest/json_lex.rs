//! A JSON reader over one record's text ([`Cursor`]), hand-written for ingest's hot path:
//! strings come back borrowed from the input unless they hold escapes, the input's UTF-8 is
//! checked once for the whole record instead of per string, and nested values come back as
//! their raw span. serde_json through a visitor was a third of the issue's 150,000 records
//! per second per core; most of the gap was per-string UTF-8 checks and per-key hashing.

/// What went wrong, and where (a byte offset into the record's text).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonError {
    /// The kind of failure.
    pub kind: ErrorKind,
    /// A sentence for the quarantine.
    pub message: String,
    /// Byte offset of the fault in the text.
    pub offset: usize,
}

/// Kinds of [`JsonError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text is not JSON.
    Syntax,
    /// The text ends inside a value (it may go on on the next line).
    Eof,
    /// The text is JSON, but not an object (nor a list of objects).
    NotARecord,
}

impl JsonError {
    /// Whether the text ended inside a value.
    pub fn is_eof(&self) -> bool {
        self.kind == ErrorKind::Eof
    }

    /// 1-based line and column of the fault within `text`.
    pub fn line_col(&self, text: &[u8]) -> (u64, u64) {
        let before = &text[..self.offset.min(text.len())];
        let line = memchr::memchr_iter(b'\n', before).count() as u64 + 1;
        let col = before.len() - before.iter().rposition(|&c| c == b'\n').map_or(0, |p| p + 1) + 1;
        (line, col as u64)
    }
}

/// A string value: borrowed from the input, or unescaped into the caller's scratch buffer.
pub enum Str<'a> {
    /// No escapes: the input's own bytes.
    Raw(&'a str),
    /// Unescaped into the scratch buffer.
    Scratch,
}

impl<'a> Str<'a> {
    /// The string's text: the input's own bytes, or `scratch`, the buffer it was
    /// unescaped into.
    pub fn text<'s>(self, scratch: &'s str) -> &'s str
    where
        'a: 's,
    {
        match self {
            Str::Raw(s) => s,
            Str::Scratch => scratch,
        }
    }
}

/// Whether two slices hold the same bytes, compared sixteen at a time inline (as two
/// words): keys are short, and a call to `memcmp` for each cost more than the comparison
/// itself. The last block is compared whole, overlapping the one before it, rather than
/// one byte at a time.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    if n <= 16 {
        return word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8);
    }
    let mut at = 0;
    while at + 16 < n {
        if block(a, at) != block(b, at) {
            return false;
        }
        at += 16;
    }
    block(a, n - 16) == block(b, n - 16)
}

/// The eight bytes of `s` at `at` as one word (0 past the end, which callers never reach).
#[inline(always)]
fn word(s: &[u8], at: usize) -> u64 {
    s.get(at..at + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()).map_or(0, u64::from_ne_bytes)
}

/// The sixteen bytes of `s` at `at` as one number (0 past the end, which callers never
/// reach).
#[inline(always)]
fn block(s: &[u8], at: usize) -> u128 {
    s.get(at..at + 16).and_then(|w| <[u8; 16]>::try_from(w).ok()).map_or(0, u128::from_ne_bytes)
}

/// A key as exporters write it, ready for [`Cursor::key_is`]: `"name":`. For names that
/// hold no `"` or `\` (column names, and keys read without escapes), whose JSON text is
/// the name itself.
pub fn key_pattern(name: &str) -> Vec<u8> {
    [b"\"", name.as_bytes(), b"\":"].concat()
}

/// `bytes` as text, if they are UTF-8. Records are nearly all ASCII, which is checked 64
/// bytes at a time (an OR of the block, vectorised); the full UTF-8 check runs only from
/// the first block that holds a byte above 127.
pub fn utf8(bytes: &[u8]) -> std::result::Result<&str, std::str::Utf8Error> {
    let mut ascii = 0;
    for block in bytes.chunks_exact(64) {
        if block.iter().fold(0, |m, &c| m | c) >= 0x80 {
            break;
        }
        ascii += 64;
    }
    let Some(rest) = bytes.get(ascii..) else { return std::str::from_utf8(bytes) };
    match std::str::from_utf8(rest) {
        // SAFETY: the bytes before `rest` are ASCII (each block was checked above) and
        // `rest` is UTF-8, so `bytes`, the two end to end, is UTF-8.
        Ok(_) => Ok(unsafe { std::str::from_utf8_unchecked(bytes) }),
        // Checked again whole (only broken text comes here), for the error's offsets.
        Err(_) => std::str::from_utf8(bytes),
    }
}

/// The position of the first `"` or `\` in `b`: where a string ends or its first escape.
/// Most strings are a few dozen bytes, for which a call to `memchr2` cost more than the
/// scan; sixteen bytes are compared at a time, inline.
#[inline]
fn quote_or_escape(b: &[u8]) -> Option<usize> {
    let mut chunks = b.chunks_exact(16);
    let mut at = 0;
    for chunk in &mut chunks {
        let mask = special16(chunk);
        if mask != 0 {
            return Some(at + mask.trailing_zeros() as usize);
        }
        at += 16;
    }
    chunks.remainder().iter().position(|&c| c == b'"' || c == b'\\').map(|p| at + p)
}

/// One bit per byte of `chunk` (16 bytes) that is `"` or `\`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn special16(chunk: &[u8]) -> u32 {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
    if chunk.len() < 16 {
        return 0;
    }
    // SAFETY: SSE2 is part of every x86_64 target, and the unaligned load reads 16 bytes,
    // which `chunk` holds (checked above).
    unsafe {
        let v = _mm_loadu_si128(chunk.as_ptr().cast());
        let hits = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8)), _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8)));
        _mm_movemask_epi8(hits) as u32
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn special16(chunk: &[u8]) -> u32 {
    chunk.iter().enumerate().fold(0, |m, (i, &c)| m | (u32::from(c == b'"' || c == b'\\') << i))
}

/// A number, as JSON spells it: integers stay integers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// Fits an i64.
    Int(i64),
    /// A positive integer above `i64::MAX`.
    Big(u64),
    /// Has a fraction or exponent.
    Float(f64),
    /// An integer beyond i64 and u64, as the nearest f64: no long's value.
    Huge(f64),
}

/// A position in one record's text, which is valid UTF-8.
pub struct Cursor<'a> {
    text: &'a str,
    b: &'a [u8],
    /// The current byte offset.
    pub i: usize,
}

type Result<T> = std::result::Result<T, JsonError>;

impl<'a> Cursor<'a> {
    /// A cursor at the start of `text`.
    pub fn new(text: &'a str) -> Self {
        Cursor { text, b: text.as_bytes(), i: 0 }
    }

    /// An error of `kind` at the cursor.
    pub fn error(&self, kind: ErrorKind, message: impl Into<String>) -> JsonError {
        JsonError { kind, message: message.into(), offset: self.i }
    }

    fn eof(&self) -> JsonError {
        self.error(ErrorKind::Eof, "the text ends inside a value")
    }

    /// Skips whitespace and returns the next byte, if any.
    #[inline]
    pub fn peek(&mut self) -> Option<u8> {
        while let Some(&c) = self.b.get(self.i) {
            if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(c);
            }
            self.i += 1;
        }
        None
    }

    /// Expects `c` (after whitespace) and steps over it.
    #[inline]
    pub fn expect(&mut self, c: u8) -> Result<()> {
        match self.peek() {
            Some(found) if found == c => {
                self.i += 1;
                Ok(())
            }
            found => Err(self.unexpected(c, false, found)),
        }
    }

    /// After a member: `true` for `,` (another follows), `false` for `close`.
    #[inline]
    pub fn next_member(&mut self, close: u8) -> Result<bool> {
        match self.peek() {
            Some(b',') => {
                self.i += 1;
                Ok(true)
            }
            Some(c) if c == close => {
                self.i += 1;
                Ok(false)
            }
            found => Err(self.unexpected(close, true, found)),
        }
    }

    /// The error for finding `found` (or the end) where `wanted` (or a comma, with
    /// `or_comma`) belongs. Kept out of line, with all its formatting, so that its callers,
    /// which are on every record's path, stay small enough to be inlined.
    #[cold]
    #[inline(never)]
    fn unexpected(&self, wanted: u8, or_comma: bool, found: Option<u8>) -> JsonError {
        let wanted = if or_comma { format!("`,` or `{}`", wanted as char) } else { format!("`{}`", wanted as char) };
        match found {
            Some(c) => self.error(ErrorKind::Syntax, format!("expected {wanted}, found `{}`", c as char)),
            None => self.eof(),
        }
    }

    /// Steps over `pattern`, a key as the exporter writes it with its `:` (`"name":`, see
    /// [`key_pattern`]), when it comes next, which the exporter's fixed key order predicts:
    /// one comparison instead of a scan for the closing quote, a lookup and a check for
    /// the colon. `false`, with the cursor where it was, otherwise; a key with whitespace
    /// before its colon is then read the general way.
    #[inline]
    pub fn key_is(&mut self, pattern: &[u8]) -> bool {
        self.peek();
        let at = self.i;
        // A pattern's name holds no `"` or `\` (see `key_pattern`), so equal bytes mean
        // an equal JSON string.
        match self.b.get(at..at + pattern.len()) {
            Some(w) if same(w, pattern) => {
                self.i = at + pattern.len();
                true
            }
            _ => false,
        }
    }

    /// Steps into an object or array opened by `open`; `false` when it is empty (and closed).
    pub fn open(&mut self, open: u8) -> Result<bool> {
        self.expect(open)?;
        let close = if open == b'{' { b'}' } else { b']' };
        if self.peek() == Some(close) {
            self.i += 1;
            return Ok(false);
        }
        Ok(true)
    }

    /// Reads a string (the cursor is at its opening quote, after whitespace). Escaped
    /// strings are unescaped into `scratch`. Inline for the common string without escapes;
    /// the rest is out of line ([`Cursor::escaped`]).
    #[inline(always)]
    pub fn string(&mut self, scratch: &mut String) -> Result<Str<'a>> {
        self.expect(b'"')?;
        let start = self.i;
        match quote_or_escape(&self.b[start..]) {
            Some(n) if self.b[start + n] == b'"' => {
                self.i = start + n + 1;
                // SAFETY: `text` is UTF-8 and the bytes at `start - 1` (the opening quote)
                // and `start + n` (the closing one) are ASCII, so both ends of the range
                // are character boundaries within the text. The checked slice's boundary
                // tests were a tenth of the string's cost.
                Ok(Str::Raw(unsafe { self.text.get_unchecked(start..start + n) }))
            }
            found => self.escaped(start, found, scratch),
        }
    }

    /// The rest of a string that began at `start`, at `found`: its first escape, or the
    /// end of the text (`None`).
    #[inline(never)]
    fn escaped(&mut self, start: usize, found: Option<usize>, scratch: &mut String) -> Result<Str<'a>> {
        let Some(n) = found else {
            self.i = self.b.len();
            return Err(self.eof());
        };
        scratch.clear();
        // SAFETY: what is appended is the string's unescaped value: whole runs of the
        // UTF-8 text between `"`/`\` (ASCII, so character boundaries) and the characters
        // of escapes, which is UTF-8 once complete. A failure leaves a part, which may end
        // inside a character, so the scratch is cleared before the error is returned.
        let out = unsafe { scratch.as_mut_vec() };
        out.extend_from_slice(&self.b[start..start + n]);
        self.i = start + n;
        if let Err(e) = self.unescape(out) {
            out.clear();
            return Err(e);
        }
        Ok(Str::Scratch)
    }

    /// Reads a key and the `:` after it.
    pub fn key(&mut self, scratch: &mut String) -> Result<Str<'a>> {
        // A key is read at an object's start (after a check for `}`) or after a comma.
        if self.peek() == Some(b'}') {
            return Err(self.error(ErrorKind::Syntax, "trailing comma before `}`"));
        }
        let key = self.string(scratch)?;
        self.expect(b':')?;
        Ok(key)
    }

    /// Unescapes the rest of a string (the cursor is at a backslash) onto `out`. On an
    /// error, `out` may end inside a character.
    fn unescape(&mut self, out: &mut Vec<u8>) -> Result<()> {
        loop {
            self.copy_plain(out)?;
            if self.b[self.i] == b'"' {
                self.i += 1;
                return Ok(());
            }
            let Some(&esc) = self.b.get(self.i + 1) else {
                self.i = self.b.len();
                return Err(self.eof());
            };
            self.i += 2;
            let byte = match esc {
                b'"' => b'"',
                b'\\' => b'\\',
                b'/' => b'/',
                b'b' => 0x08,
                b'f' => 0x0c,
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'u' => {
                    let c = self.unicode_escape()?;
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                    continue;
                }
                _ => return Err(self.error(ErrorKind::Syntax, format!("invalid escape `\\{}`", esc as char))),
            };
            out.push(byte);
        }
    }

    /// Copies the text from the cursor up to the next `"` or `\` onto `out`, and moves the
    /// cursor there. Paths and command lines hold an escape every few bytes, so the runs
    /// are short: each 16-byte block is copied whole (a fixed-size copy, inline) and the
    /// part past the run cut off, instead of a call to copy each run's exact length.
    #[inline(always)]
    fn copy_plain(&mut self, out: &mut Vec<u8>) -> Result<()> {
        while let Some(block) = self.b.get(self.i..self.i + 16).and_then(|w| <&[u8; 16]>::try_from(w).ok()) {
            let mask = special16(block);
            let len = out.len();
            out.extend_from_slice(block);
            if mask != 0 {
                let n = mask.trailing_zeros() as usize;
                out.truncate(len + n);
                self.i += n;
                return Ok(());
            }
            self.i += 16;
        }
        let rest = &self.b[self.i..];
        match rest.iter().position(|&c| c == b'"' || c == b'\\') {
            Some(n) => {
                out.extend_from_slice(&rest[..n]);
                self.i += n;
                Ok(())
            }
            None => {
                self.i = self.b.len();
                Err(self.eof())
            }
        }
    }

    /// The character of a `\uXXXX` escape (the cursor is after the `u`), with a following
    /// low surrogate when this is a high one.
    fn unicode_escape(&mut self) -> Result<char> {
        let high = self.hex4()?;
        if !(0xD800..0xDC00).contains(&high) {
            return char::from_u32(high).ok_or_else(|| self.error(ErrorKind::Syntax, "lone low surrogate in a \\u escape"));
        }
        if self.b.get(self.i..self.i + 2) != Some(b"\\u") {
            // The text may end where the low surrogate's `\u` would begin.
            if b"\\u".starts_with(&self.b[self.i..]) {
                self.i = self.b.len();
                return Err(self.eof());
            }
            return Err(self.error(ErrorKind::Syntax, "lone high surrogate in a \\u escape"));
        }
        self.i += 2;
        let low = self.hex4()?;
        if !(0xDC00..0xE000).contains(&low) {
            return Err(self.error(ErrorKind::Syntax, "high surrogate without a low one in a \\u escape"));
        }
        char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)).ok_or_else(|| self.error(ErrorKind::Syntax, "invalid \\u escape"))
    }

    fn hex4(&mut self) -> Result<u32> {
        let Some(digits) = self.b.get(self.i..self.i + 4) else {
            // Only hex digits up to the end can go on on the next line; `\u1"` cannot.
            if self.b[self.i..].iter().all(u8::is_ascii_hexdigit) {
                self.i = self.b.len();
                return Err(self.eof());
            }
            return Err(self.error(ErrorKind::Syntax, "invalid \\u escape"));
        };
        let mut v = 0;
        for &d in digits {
            let x = (d as char).to_digit(16).ok_or_else(|| self.error(ErrorKind::Syntax, "invalid \\u escape"))?;
            v = v * 16 + x;
        }
        self.i += 4;
        Ok(v)
    }

    /// Reads a number (the cursor is at its first character).
    pub fn number(&mut self) -> Result<Number> {
        let start = self.i;
        let mut float = false;
        let negative = self.b.get(self.i) == Some(&b'-');
        if negative {
            self.i += 1;
        }
        let digits_start = self.i;
        // The value is read as the digits go by; below 19 digits it cannot overflow.
        let mut value = 0u64;
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'0'..=b'9' => value = value.wrapping_mul(10).wrapping_add(u64::from(c - b'0')),
                b'.' | b'e' | b'E' | b'+' | b'-' => float = true,
                _ => break,
            }
            self.i += 1;
        }
        if self.i == digits_start {
            return Err(if self.i == self.b.len() { self.eof() } else { self.error(ErrorKind::Syntax, "expected a value") });
        }
        if !float && self.i - digits_start < 19 {
            // Under 10^18, so it fits an i64 either way round.
            let v = value as i64;
            return Ok(Number::Int(if negative { -v } else { v }));
        }
        let text = &self.text[start..self.i];
        if !float {
            if let Ok(v) = text.parse::<i64>() {
                return Ok(Number::Int(v));
            }
            if let Ok(v) = text.parse::<u64>() {
                return Ok(Number::Big(v));
            }
            // The grammar was checked as the digits were read.
            return text.parse::<f64>().map(Number::Huge).map_err(|_| JsonError { kind: ErrorKind::Syntax, message: format!("invalid number `{text}`"), offset: start });
        }
        // Rust's float parsing is exact (correctly rounded); it also checks the grammar.
        text.parse::<f64>().map(Number::Float).map_err(|_| {
            // `1.`, `1e`, `1e-` at the end of the text: a number the line goes on with.
            if self.i == self.b.len() && text.ends_with(['.', 'e', 'E', '+', '-']) {
                return self.eof();
            }
            JsonError { kind: ErrorKind::Syntax, message: format!("invalid number `{text}`"), offset: start }
        })
    }

    /// Steps over `true`, `false` or `null` (the cursor is at its first letter).
    pub fn literal(&mut self) -> Result<Literal> {
        let rest = &self.b[self.i..];
        for (word, lit) in [(&b"true"[..], Literal::True), (&b"false"[..], Literal::False), (&b"null"[..], Literal::Null)] {
            if rest.starts_with(word) {
                self.i += word.len();
                return Ok(lit);
            }
            if word.starts_with(rest) {
                self.i = self.b.len();
                return Err(self.eof());
            }
        }
        Err(self.error(ErrorKind::Syntax, "expected a value"))
    }

    /// Steps over any value and returns its text. Nested values are checked only for
    /// balance here; a caller that keeps one parses it fully.
    pub fn skip(&mut self, scratch: &mut String) -> Result<&'a str> {
        let start = match self.peek() {
            Some(_) => self.i,
            None => return Err(self.eof()),
        };
        match self.b[self.i] {
            b'"' => {
                self.string(scratch)?;
            }
            b'{' | b'[' => self.skip_nested()?,
            b't' | b'f' | b'n' => {
                self.literal()?;
            }
            _ => {
                self.number()?;
            }
        }
        Ok(&self.text[start..self.i])
    }

    fn skip_nested(&mut self) -> Result<()> {
        let mut depth = 0usize;
        let mut sink = String::new();
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'"' => {
                    self.string(&mut sink)?;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.checked_sub(1).ok_or_else(|| self.error(ErrorKind::Syntax, format!("unbalanced `{}`", c as char)))?;
                    if depth == 0 {
                        self.i += 1;
                        return Ok(());
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
        Err(self.eof())
    }

    /// Whether only whitespace is left.
    pub fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }
}

/// `true`, `false` or `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Literal {
    /// `true`
    True,
    /// `false`
    False,
    /// `null`
    Null,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_borrow_unless_escaped() {
        let mut scratch = String::new();
        let mut c = Cursor::new(r#" "plain" "C:\\Windows\u00e9\ud83d\ude00\"" "#);
        assert!(matches!(c.string(&mut scratch), Ok(Str::Raw("plain"))));
        assert!(matches!(c.string(&mut scratch), Ok(Str::Scratch)));
        assert_eq!(scratch, "C:\\Windows\u{e9}\u{1F600}\"");
        assert!(c.at_end());
        assert!(Cursor::new(r#""abc"#).string(&mut scratch).is_err_and(|e| e.is_eof()));
        assert!(Cursor::new(r#""\ud83d x""#).string(&mut scratch).is_err_and(|e| e.kind == ErrorKind::Syntax));
        // A `\u` escape cut short by the text's end may go on; one cut short by a quote may not.
        assert!(Cursor::new(r#""\u00"#).string(&mut scratch).is_err_and(|e| e.is_eof()));
        assert!(Cursor::new(r#""\u1"}"#).string(&mut scratch).is_err_and(|e| e.kind == ErrorKind::Syntax));
        for cut in [r#""\ud83d"#, r#""\ud83d\"#, r#""\ud83d\u"#, r#""\ud83d\ude0"#] {
            assert!(Cursor::new(cut).string(&mut scratch).is_err_and(|e| e.is_eof()), "{cut}");
        }
    }

    #[test]
    fn the_end_of_a_string_is_found_at_any_offset() {
        // Every position within and across the 16-byte blocks, and in the tail after them.
        for len in 0..48 {
            for at in 0..len {
                for special in [b'"', b'\\'] {
                    let mut text = vec![b'a'; len];
                    text[at] = special;
                    if at + 1 < len {
                        text[len - 1] = b'"';
                    }
                    assert_eq!(quote_or_escape(&text), Some(at), "{len} {at} {}", special as char);
                }
            }
            assert_eq!(quote_or_escape(&vec![b'\xff'; len]), None, "{len}");
        }
        let mut scratch = String::new();
        let long = format!("\"{}\\\"{}\" ", "x".repeat(37), "y".repeat(21));
        let mut c = Cursor::new(&long);
        assert!(matches!(c.string(&mut scratch), Ok(Str::Scratch)));
        assert_eq!(scratch, format!("{}\"{}", "x".repeat(37), "y".repeat(21)));
    }

    #[test]
    fn escaped_strings_unescape_like_serde_json_for_runs_of_any_length() {
        // Runs of 0 to 40 characters between escapes (so within, at and across the 16-byte
        // blocks that are copied whole), with a two-byte character among them, and a string
        // that ends within 16 bytes of the text's end.
        let mut scratch = String::new();
        for run in 0..40 {
            let plain: String = (0..run).map(|i| if i % 7 == 3 { 'é' } else { 'a' }).collect();
            for escapes in [r"\\", r#"\""#, r"\n\t", r"\u00e9", r"\ud83d\ude00"] {
                let json = format!("\"{escapes}{plain}{escapes}{plain}{escapes}\"");
                for text in [format!("{json}{}", " ".repeat(20)), json.clone()] {
                    let mut c = Cursor::new(&text);
                    let expected: String = serde_json::from_str(&json).expect("valid JSON");
                    assert!(matches!(c.string(&mut scratch), Ok(Str::Scratch)), "{json}");
                    assert_eq!(scratch, expected, "{json}");
                    assert_eq!(c.i, json.len(), "{json}");
                }
            }
        }
        // A string cut short or broken after an escape leaves nothing behind, even when the
        // text it had copied ends inside a character.
        for broken in ["\"a\\\\ééééééééééééé", "\"a\\\\éééééééé\\x\"", "\"\\u12\""] {
            scratch.push_str("old");
            assert!(Cursor::new(broken).string(&mut scratch).is_err(), "{broken}");
            assert_eq!(scratch, "", "{broken}");
        }
    }

    #[test]
    fn keys_compare_at_every_length() {
        let key = "InitiatingProcessVersionInfoOriginalFileName";
        for n in 0..=key.len() {
            let a = &key.as_bytes()[..n];
            assert!(same(a, a), "{n}");
            for i in 0..n {
                let mut b = a.to_vec();
                b[i] ^= 0x20;
                assert!(!same(a, &b), "{n} {i}");
            }
            assert!(!same(a, &key.as_bytes()[..(n + 1).min(key.len())]) || n == key.len(), "{n}");
        }
    }

    #[test]
    fn utf8_is_checked_past_the_ascii_blocks() {
        let ascii = "a".repeat(130);
        assert_eq!(utf8(ascii.as_bytes()), Ok(ascii.as_str()));
        for at in [0, 5, 63, 64, 100, 128, 129] {
            let mut text = ascii.clone().into_bytes();
            text.splice(at..at + 1, "é".bytes());
            assert_eq!(utf8(&text), std::str::from_utf8(&text), "{at}");
            assert!(utf8(&text).is_ok());
            // A broken sequence anywhere: the same error as the standard check's.
            let mut broken = ascii.clone().into_bytes();
            broken[at] = 0xC3;
            let e = utf8(&broken).expect_err("not UTF-8");
            assert_eq!(Err(e), std::str::from_utf8(&broken), "{at}");
            assert_eq!(e.valid_up_to(), at);
        }
    }

    #[test]
    fn utf8_agrees_with_the_standard_check_around_every_block_edge() {
        // Characters of two to four bytes, whole or cut short, at every offset across
        // three blocks, alone and after another non-ASCII block.
        for ch in ["é", "€", "😀"] {
            for at in 0..200 {
                for prefix in [String::new(), "®".repeat(40)] {
                    let mut text = format!("{prefix}{}", "a".repeat(200)).into_bytes();
                    let at = at + prefix.len();
                    text.splice(at..at, ch.bytes());
                    assert_eq!(utf8(&text), std::str::from_utf8(&text), "{ch} at {at}");
                    assert!(utf8(&text).is_ok());
                    let mut cut = text.clone();
                    cut.remove(at + 1);
                    assert_eq!(utf8(&cut), std::str::from_utf8(&cut), "{ch} cut at {at}");
                    assert!(utf8(&cut).is_err());
                    cut.truncate(at + 1);
                    assert_eq!(utf8(&cut), std::str::from_utf8(&cut), "{ch} cut at the end, {at}");
                }
            }
        }
    }

    #[test]
    fn numbers_keep_integers_exact() {
        let n = |s: &str| Cursor::new(s).number();
        assert_eq!(n("301234567890123456"), Ok(Number::Int(301_234_567_890_123_456)));
        assert_eq!(n("-7,"), Ok(Number::Int(-7)));
        assert_eq!(n("18446744073709551615"), Ok(Number::Big(u64::MAX)));
        // Up to 18 digits are read as they go by, longer ones parsed: both exact.
        assert_eq!(n("999999999999999999"), Ok(Number::Int(999_999_999_999_999_999)));
        assert_eq!(n("-999999999999999999"), Ok(Number::Int(-999_999_999_999_999_999)));
        assert_eq!(n("9223372036854775807"), Ok(Number::Int(i64::MAX)));
        assert_eq!(n("-9223372036854775808"), Ok(Number::Int(i64::MIN)));
        assert_eq!(n("9223372036854775808"), Ok(Number::Big(1 << 63)));
        // Beyond both: as a float, but known for an integer no long holds (the nearest f64
        // of the first is -2^63, i64::MIN itself).
        assert_eq!(n("-9223372036854775809"), Ok(Number::Huge(-9.223_372_036_854_775_808e18)));
        assert_eq!(n("18446744073709551616"), Ok(Number::Huge(1.844_674_407_370_955_2e19)));
        assert_eq!(n("0"), Ok(Number::Int(0)));
        assert_eq!(n("-0"), Ok(Number::Int(0)));
        assert_eq!(n("1.5e3"), Ok(Number::Float(1500.0)));
        assert!(n("1.2.3").is_err());
        assert!(n("-").is_err_and(|e| e.is_eof()));
        // Cut short by the end of the text, a number may go on; inside it, it is wrong.
        for cut in ["-1.5e", "3e-", "2E+"] {
            assert!(n(cut).is_err_and(|e| e.is_eof()), "{cut}");
        }
        assert!(n("1e,").is_err_and(|e| e.kind == ErrorKind::Syntax));
    }

    #[test]
    fn nested_values_are_skipped_whole() {
        let mut scratch = String::new();
        let mut c = Cursor::new(r#"{"a":[1,{"b":"}]"}],"c":[[2],[]]} tail"#);
        assert_eq!(c.skip(&mut scratch), Ok(r#"{"a":[1,{"b":"}]"}],"c":[[2],[]]}"#));
        let mut c = Cursor::new("[[1, 2], [3]],");
        assert_eq!(c.skip(&mut scratch), Ok("[[1, 2], [3]]"));
        assert!(Cursor::new(r#"{"a":[1,"#).skip(&mut scratch).is_err_and(|e| e.is_eof()));
        let e = Cursor::new("{\n  \"a\": x}").skip(&mut scratch);
        assert!(e.is_ok(), "balance only: {e:?}");
    }

    #[test]
    fn errors_know_their_line_and_column() {
        let text = b"{\n  \"a\": 1,\n  }";
        let e = JsonError { kind: ErrorKind::Syntax, message: String::new(), offset: 14 };
        assert_eq!(e.line_col(text), (3, 3));
    }
}
