//! [`Span`]: a byte range in the query text, with line and column lookup for messages.

use std::fmt;

/// A half-open byte range `start..end` in the source text.
///
/// Spans never take part in AST equality: two trees that differ only in where their nodes
/// sat in the text are the same query (this is what makes `parse(print(ast)) == ast`
/// meaningful).
#[derive(Clone, Copy, Default, Eq, Hash)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    /// The 1-based line and column (in characters) of the span's start in `src`.
    pub fn line_col(self, src: &str) -> (usize, usize) {
        line_col(src, self.start)
    }
}

impl PartialEq for Span {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// The 1-based line and column (in characters) of byte `offset` in `src`.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(src, offset.min(src.len()));
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = src[line_start..offset].chars().count() + 1;
    (line, col)
}

/// The line of `src` holding byte `offset`, and a caret line under the span's first
/// character, for error messages.
pub fn excerpt(src: &str, span: Span) -> String {
    let offset = floor_char_boundary(src, span.start.min(src.len()));
    let line_start = src[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[offset..].find('\n').map_or(src.len(), |i| offset + i);
    let line = src[line_start..line_end].trim_end_matches('\r');
    let width = src[offset..floor_char_boundary(src, span.end.clamp(offset, line_end))].chars().count().max(1);
    let pad: String = src[line_start..offset].chars().map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
    format!("{line}\n{pad}{}", "^".repeat(width))
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let src = "T\n| where x == 'é' and y";
        assert_eq!(line_col(src, 0), (1, 1));
        let y = src.rfind('y').unwrap_or_default();
        // `y` is the 22nd character of the second line.
        assert_eq!(line_col(src, y), (2, 22));
        assert_eq!(excerpt(src, Span::new(y, y + 1)), format!("| where x == 'é' and y\n{}^", " ".repeat(21)));
    }
}
