//! The KQL lexer ([`tokenize`]): identifiers (with dashed operator keywords and `!`-negated
//! string operators as single tokens), numbers and timespans, every string literal form,
//! the raw typed literals `datetime(…)`, `guid(…)`, … and punctuation.

use super::span::Span;

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: Tok,
    /// Where it is.
    pub span: Span,
}

/// Token kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name or keyword: `where`, `DeviceName`, `project-away`, `!has`, `in~`, `$left`.
    Ident(String),
    /// An integer literal (a `long`).
    Long(i64),
    /// A real literal, as written.
    Real(String),
    /// A timespan literal, in 100 ns ticks.
    Timespan(i64),
    /// A string literal's value (escapes resolved).
    Str(String),
    /// A typed literal whose parentheses hold raw text: `datetime(2020-01-01 10:00)`.
    Typed {
        /// The type keyword as written (`datetime`, `guid`, `time`, ...).
        ty: String,
        /// The raw text between the parentheses, trimmed.
        text: String,
    },
    /// `|`
    Pipe,
    /// `;`
    Semi,
    /// `,`
    Comma,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `.`
    Dot,
    /// `..`
    DotDot,
    /// `:`
    Colon,
    /// `=`
    Assign,
    /// `==`
    EqEq,
    /// `!=` or `<>`
    NotEq,
    /// `=~`
    EqTilde,
    /// `!~`
    BangTilde,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `%`
    Percent,
    /// `=>`
    Arrow,
    /// `?`
    Question,
    /// End of input.
    Eof,
}

/// A lexical error.
#[derive(Debug, Clone, PartialEq)]
pub struct LexError {
    /// What went wrong.
    pub message: String,
    /// Where.
    pub span: Span,
}

/// Operator keywords written with a dash, lexed as one identifier.
const DASHED: &[&str] = &[
    "mv-expand", "mv-apply", "project-away", "project-keep", "project-rename", "project-reorder",
    "project-by-names", "parse-where", "parse-kv", "make-series", "top-nested", "top-hitters",
    "sample-distinct", "make-graph", "graph-match", "macro-expand",
];

/// Keywords whose parentheses hold raw text rather than an expression.
const RAW_TYPED: &[&str] = &[
    "datetime", "date", "time", "timespan", "guid", "uuid", "uniqueid", "int", "long", "real",
    "double", "decimal", "bool", "boolean", "typeof",
];

/// Ticks (100 ns) per timespan unit, by suffix.
pub(crate) fn timespan_unit(suffix: &str) -> Option<f64> {
    const TICK: f64 = 1.0;
    const MICRO: f64 = 10.0;
    const MILLI: f64 = 10_000.0;
    const SEC: f64 = 10_000_000.0;
    Some(match suffix {
        "d" | "day" | "days" => 86_400.0 * SEC,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600.0 * SEC,
        "m" | "min" | "minute" | "minutes" => 60.0 * SEC,
        "s" | "sec" | "second" | "seconds" => SEC,
        "ms" | "milli" | "millis" | "millisec" | "millisecond" | "milliseconds" => MILLI,
        "microsec" | "microsecond" | "microseconds" => MICRO,
        "nanosec" | "nanosecond" | "nanoseconds" => TICK / 100.0,
        "tick" | "ticks" => TICK,
        _ => return None,
    })
}

/// Splits `src` into tokens, ending with [`Tok::Eof`].
pub fn tokenize(src: &str) -> Result<Vec<Token>, LexError> {
    let mut lx = Lexer { src, pos: 0, out: Vec::new() };
    lx.run()?;
    Ok(lx.out)
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    out: Vec<Token>,
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}'
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }

    fn rest(&self) -> &str {
        &self.src[self.pos..]
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn push(&mut self, kind: Tok, start: usize) {
        self.out.push(Token { kind, span: Span::new(start, self.pos) });
    }

    fn err<T>(&self, message: impl Into<String>, start: usize) -> Result<T, LexError> {
        Err(LexError { message: message.into(), span: Span::new(start, self.pos.max(start + 1).min(self.src.len().max(start))) })
    }

    fn run(&mut self) -> Result<(), LexError> {
        loop {
            self.skip_trivia();
            let start = self.pos;
            let Some(c) = self.peek() else {
                self.push(Tok::Eof, start);
                return Ok(());
            };
            match c {
                '"' | '\'' => {
                    let s = self.quoted(c)?;
                    self.push(Tok::Str(s), start);
                }
                '@' if matches!(self.peek_at(1), Some('"' | '\'')) => {
                    self.bump();
                    let s = self.verbatim()?;
                    self.push(Tok::Str(s), start);
                }
                'h' | 'H' if self.obfuscated_ahead() => {
                    self.bump();
                    let s = if self.peek() == Some('@') {
                        self.bump();
                        self.verbatim()?
                    } else {
                        let q = self.peek().unwrap_or('"');
                        self.quoted(q)?
                    };
                    self.push(Tok::Str(s), start);
                }
                '`' if self.rest().starts_with("```") => {
                    let s = self.fenced("```")?;
                    self.push(Tok::Str(s), start);
                }
                '~' if self.rest().starts_with("~~~") => {
                    let s = self.fenced("~~~")?;
                    self.push(Tok::Str(s), start);
                }
                '0'..='9' => self.number(start)?,
                '.' if self.peek_at(1).is_some_and(|d| d.is_ascii_digit()) && !self.prev_is_value() => self.number(start)?,
                '!' if self.peek_at(1).is_some_and(is_ident_start) => {
                    self.bump();
                    let word = self.word();
                    let word = self.tilde_suffix(word);
                    self.push(Tok::Ident(format!("!{word}")), start);
                }
                c if is_ident_start(c) => self.ident(start)?,
                _ => self.punct(start)?,
            }
        }
    }

    /// Whether the previous token ends a value, so that `.5` after it is member access
    /// rather than a number (`x.5` does not occur; `a .5` would).
    fn prev_is_value(&self) -> bool {
        matches!(self.out.last().map(|t| &t.kind), Some(Tok::Ident(_) | Tok::RParen | Tok::RBracket))
    }

    fn obfuscated_ahead(&self) -> bool {
        matches!(self.peek_at(1), Some('"' | '\'')) || (self.peek_at(1) == Some('@') && matches!(self.peek_at(2), Some('"' | '\'')))
    }

    fn skip_trivia(&mut self) {
        loop {
            match self.peek() {
                Some(c) if is_space(c) => {
                    self.bump();
                }
                Some('/') if self.peek_at(1) == Some('/') => {
                    while let Some(c) = self.peek() {
                        if c == '\n' {
                            break;
                        }
                        self.bump();
                    }
                }
                _ => return,
            }
        }
    }

    fn word(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(|c| is_ident_char(c) || (c == '$' && self.pos == start)) {
            self.bump();
        }
        self.src[start..self.pos].to_string()
    }

    /// `in~` and `!in~` are one token each.
    fn tilde_suffix(&mut self, word: String) -> String {
        if word == "in" && self.peek() == Some('~') {
            self.bump();
            return "in~".to_string();
        }
        word
    }

    fn ident(&mut self, start: usize) -> Result<(), LexError> {
        let mut word = self.word();
        // Dashed operator keywords: `project-away` is one token, `a-b` is a subtraction.
        if self.peek() == Some('-') {
            let from_start = &self.src[start..];
            let dashed = DASHED.iter().filter(|d| {
                d.starts_with(&format!("{word}-"))
                    && from_start.starts_with(**d)
                    && !from_start[d.len()..].starts_with(is_ident_char)
            });
            if let Some(d) = dashed.max_by_key(|d| d.len()) {
                self.pos = start + d.len();
                word = (*d).to_string();
            }
        }
        let word = self.tilde_suffix(word);
        if RAW_TYPED.contains(&word.as_str()) && self.raw_paren_ahead() {
            return self.typed(word, start);
        }
        self.push(Tok::Ident(word), start);
        Ok(())
    }

    /// Whether `(` follows, possibly after spaces.
    fn raw_paren_ahead(&self) -> bool {
        self.rest().trim_start_matches(is_space).starts_with('(')
    }

    fn typed(&mut self, ty: String, start: usize) -> Result<(), LexError> {
        while self.peek().is_some_and(is_space) {
            self.bump();
        }
        self.bump(); // the `(` that raw_paren_ahead saw
        let body_start = self.pos;
        let Some(len) = self.rest().find(')') else {
            self.pos = self.src.len();
            return self.err(format!("unterminated {ty}( literal: no closing parenthesis"), start);
        };
        let text = self.src[body_start..body_start + len].trim().to_string();
        self.pos = body_start + len + 1;
        self.push(Tok::Typed { ty, text }, start);
        Ok(())
    }

    fn number(&mut self, start: usize) -> Result<(), LexError> {
        let rest = self.rest();
        if rest.starts_with("0x") || rest.starts_with("0X") {
            self.pos += 2;
            let digits_start = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                self.bump();
            }
            let digits = &self.src[digits_start..self.pos];
            return match i64::from_str_radix(digits, 16) {
                Ok(v) => {
                    self.push(Tok::Long(v), start);
                    Ok(())
                }
                Err(_) => self.err(format!("invalid hexadecimal number 0x{digits}"), start),
            };
        }
        let mut is_real = false;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
        if self.peek() == Some('.') && self.peek_at(1) != Some('.') {
            is_real = true;
            self.bump();
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.bump();
            }
        }
        if matches!(self.peek(), Some('e' | 'E'))
            && (self.peek_at(1).is_some_and(|c| c.is_ascii_digit())
                || (matches!(self.peek_at(1), Some('+' | '-')) && self.peek_at(2).is_some_and(|c| c.is_ascii_digit())))
        {
            is_real = true;
            self.bump();
            if matches!(self.peek(), Some('+' | '-')) {
                self.bump();
            }
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.bump();
            }
        }
        let text = self.src[start..self.pos].to_string();
        if self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            let unit_start = self.pos;
            let unit = self.word();
            let Some(ticks) = timespan_unit(&unit) else {
                // Digits then letters that are no unit: an identifier such as `5Minutebin`.
                if !is_real {
                    self.push(Tok::Ident(format!("{text}{unit}")), start);
                    return Ok(());
                }
                return self.err(format!("{text}{unit} is not a number or a timespan (units: d, h, m, s, ms, microsecond, tick)"), unit_start);
            };
            // Whole numbers of whole-tick units stay exact in integers; f64 would round
            // values past 2^53.
            let exact = if !is_real && ticks >= 1.0 { text.parse::<i64>().ok().and_then(|n| n.checked_mul(ticks as i64)) } else { None };
            let total = match exact {
                Some(t) => t,
                None => {
                    let value: f64 = text.parse().unwrap_or(0.0);
                    let total = (value * ticks).round();
                    if !total.is_finite() || total.abs() >= i64::MAX as f64 {
                        return self.err(format!("timespan {text}{unit} is out of range"), start);
                    }
                    total as i64
                }
            };
            self.push(Tok::Timespan(total), start);
            return Ok(());
        }
        if is_real {
            self.push(Tok::Real(text), start);
            return Ok(());
        }
        match text.parse::<i64>() {
            Ok(v) => self.push(Tok::Long(v), start),
            // Too large for a long: Kusto reads it as a real.
            Err(_) => self.push(Tok::Real(text), start),
        }
        Ok(())
    }

    fn quoted(&mut self, quote: char) -> Result<String, LexError> {
        let start = self.pos;
        self.bump();
        let mut out = String::new();
        loop {
            let Some(c) = self.bump() else {
                return self.err("unterminated string literal", start);
            };
            match c {
                c if c == quote => return Ok(out),
                '\n' => return self.err("string literal runs to the end of the line (use ``` for multi-line text)", start),
                '\\' => self.escape(&mut out, start)?,
                c => out.push(c),
            }
        }
    }

    fn escape(&mut self, out: &mut String, start: usize) -> Result<(), LexError> {
        let Some(c) = self.bump() else {
            return self.err("unterminated string literal", start);
        };
        match c {
            '\'' | '"' | '\\' => out.push(c),
            'a' => out.push('\u{07}'),
            'b' => out.push('\u{08}'),
            'f' => out.push('\u{0C}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\u{0B}'),
            'u' => out.push(self.code_point(4, start)?),
            'U' => out.push(self.code_point(8, start)?),
            'x' => out.push(self.code_point(2, start)?),
            '0'..='7' => {
                let mut v = c.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match self.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            self.bump();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(v).unwrap_or('\u{FFFD}'));
            }
            other => {
                // Kusto rejects unknown escapes; `\.` in a regex must be written `\\.` or `@"\."`.
                return self.err(format!("unknown escape \\{other} in a string (write \\\\ for a backslash, or use a verbatim @\"…\" string)"), self.pos - other.len_utf8() - 1);
            }
        }
        Ok(())
    }

    fn code_point(&mut self, digits: usize, start: usize) -> Result<char, LexError> {
        let text: String = self.rest().chars().take(digits).collect();
        if text.len() != digits || !text.chars().all(|c| c.is_ascii_hexdigit()) {
            return self.err(format!("escape needs {digits} hexadecimal digits"), start);
        }
        self.pos += digits;
        let v = u32::from_str_radix(&text, 16).unwrap_or(0xFFFD);
        Ok(char::from_u32(v).unwrap_or('\u{FFFD}'))
    }

    fn verbatim(&mut self) -> Result<String, LexError> {
        let start = self.pos;
        let Some(quote) = self.bump() else {
            return self.err("unterminated string literal", start);
        };
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return self.err("unterminated verbatim string literal", start),
                Some('\n') => return self.err("verbatim string runs to the end of the line", start),
                Some(c) if c == quote => {
                    if self.peek() == Some(quote) {
                        self.bump();
                        out.push(quote);
                    } else {
                        return Ok(out);
                    }
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn fenced(&mut self, fence: &str) -> Result<String, LexError> {
        let start = self.pos;
        self.pos += fence.len();
        let Some(end) = self.rest().find(fence) else {
            self.pos = self.src.len();
            return self.err(format!("unterminated {fence} string"), start);
        };
        let text = self.rest()[..end].to_string();
        self.pos += end + fence.len();
        Ok(text)
    }

    fn punct(&mut self, start: usize) -> Result<(), LexError> {
        let two: String = self.rest().chars().take(2).collect();
        let (kind, len) = match two.as_str() {
            ".." => (Tok::DotDot, 2),
            "==" => (Tok::EqEq, 2),
            "!=" | "<>" => (Tok::NotEq, 2),
            "=~" => (Tok::EqTilde, 2),
            "!~" => (Tok::BangTilde, 2),
            "<=" => (Tok::Le, 2),
            ">=" => (Tok::Ge, 2),
            "=>" => (Tok::Arrow, 2),
            _ => {
                let c = self.peek().unwrap_or(' ');
                let kind = match c {
                    '|' => Tok::Pipe,
                    ';' => Tok::Semi,
                    ',' => Tok::Comma,
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    '[' => Tok::LBracket,
                    ']' => Tok::RBracket,
                    '{' => Tok::LBrace,
                    '}' => Tok::RBrace,
                    '.' => Tok::Dot,
                    ':' => Tok::Colon,
                    '=' => Tok::Assign,
                    '<' => Tok::Lt,
                    '>' => Tok::Gt,
                    '+' => Tok::Plus,
                    '-' => Tok::Minus,
                    '*' => Tok::Star,
                    '/' => Tok::Slash,
                    '%' => Tok::Percent,
                    '?' => Tok::Question,
                    other => {
                        self.bump();
                        return self.err(format!("unexpected character {other:?}"), start);
                    }
                };
                (kind, c.len_utf8())
            }
        };
        self.pos += len;
        self.push(kind, start);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        tokenize(src).map(|t| t.into_iter().map(|t| t.kind).collect()).unwrap_or_default()
    }

    fn id(s: &str) -> Tok {
        Tok::Ident(s.into())
    }

    #[test]
    fn dashed_keywords_and_negated_operators_are_single_tokens() {
        assert_eq!(kinds("T | project-away a"), vec![id("T"), Tok::Pipe, id("project-away"), id("a"), Tok::Eof]);
        assert_eq!(kinds("a-b"), vec![id("a"), Tok::Minus, id("b"), Tok::Eof]);
        assert_eq!(kinds("project-by-names x"), vec![id("project-by-names"), id("x"), Tok::Eof]);
        assert_eq!(kinds("project-awayx"), vec![id("project"), Tok::Minus, id("awayx"), Tok::Eof]);
        assert_eq!(kinds("x !in~ (1)"), vec![id("x"), id("!in~"), Tok::LParen, Tok::Long(1), Tok::RParen, Tok::Eof]);
        assert_eq!(kinds("x in~ y !has z"), vec![id("x"), id("in~"), id("y"), id("!has"), id("z"), Tok::Eof]);
    }

    #[test]
    fn timespans_and_numbers() {
        // 1d = 864,000,000,000 ticks; 1.5s = 15,000,000 ticks (Kusto timespan docs).
        assert_eq!(kinds("1d 1.5s 100ms 10tick"), vec![Tok::Timespan(864_000_000_000), Tok::Timespan(15_000_000), Tok::Timespan(1_000_000), Tok::Timespan(10), Tok::Eof]);
        assert_eq!(kinds("0x1F 1e5 1. 7"), vec![Tok::Long(31), Tok::Real("1e5".into()), Tok::Real("1.".into()), Tok::Long(7), Tok::Eof]);
        assert_eq!(kinds("1..5"), vec![Tok::Long(1), Tok::DotDot, Tok::Long(5), Tok::Eof]);
    }

    #[test]
    fn string_forms() {
        assert_eq!(kinds(r#""a\"b\n" 'it''s'"#), vec![Tok::Str("a\"b\n".into()), Tok::Str("it".into()), Tok::Str("s".into()), Tok::Eof]);
        assert_eq!(kinds(r#"@"C:\x" @'it''s' h"hid""#), vec![Tok::Str("C:\\x".into()), Tok::Str("it's".into()), Tok::Str("hid".into()), Tok::Eof]);
        assert_eq!(kinds("```a\nb```"), vec![Tok::Str("a\nb".into()), Tok::Eof]);
    }

    #[test]
    fn raw_typed_literals() {
        assert_eq!(kinds("datetime(2020-01-01 10:00)"), vec![Tok::Typed { ty: "datetime".into(), text: "2020-01-01 10:00".into() }, Tok::Eof]);
        assert_eq!(kinds("datetime_diff('d', a, b)")[0], id("datetime_diff"));
    }

    #[test]
    fn errors_have_spans() {
        let e = tokenize("x == 'abc").unwrap_err();
        assert_eq!(e.span.start, 5);
        assert_eq!(kinds("5Minutebin"), vec![id("5Minutebin"), Tok::Eof]);
        assert!(tokenize("1.5week").is_err());
    }
}
