//! The KQL front end: [`lexer`], [`parser`] (a hand-written Pratt parser with a recursion
//! limit), the spanned [`ast`], the canonical [`printer`] (`parse(print(ast)) == ast`) and
//! [`ParseError`]s with caret excerpts.

pub mod ast;
pub mod builtins;
pub mod error;
pub mod lexer;
pub mod parser;
pub mod printer;
pub mod span;
pub mod visit;

pub use error::ParseError;
pub use parser::{ParseOptions, parse, parse_with};
pub use span::Span;
