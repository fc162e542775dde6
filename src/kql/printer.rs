//! The canonical printer: `Display` for the AST. Printing a parsed tree and parsing the
//! text again gives the same tree (spans aside); parentheses are printed where the tree
//! has them, plus where precedence needs them for trees built by hand.

use std::fmt::{self, Display, Formatter, Write};

use super::ast::*;

const TICKS_PER_UNIT: [(i64, &str); 7] =
    [(864_000_000_000, "d"), (36_000_000_000, "h"), (600_000_000, "m"), (10_000_000, "s"), (10_000, "ms"), (10, "microsecond"), (1, "tick")];

/// Words that must be bracket-quoted when they are names.
/// Words that name a column only when bracketed (`['from']`).
pub(crate) const RESERVED: &[&str] = &[
    "and", "or", "by", "on", "with", "of", "to", "from", "step", "in", "in~", "between", "matches", "regex",
    "asc", "desc", "nulls", "let", "set", "declare", "true", "false", "True", "False", "TRUE", "FALSE", "null",
    "limit", "default", "others", "dynamic", "view", "has_any", "has_all", "first", "last",
];

impl Display for Script {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_statements(f, &self.statements)
    }
}

fn write_statements(f: &mut Formatter<'_>, statements: &[Statement]) -> fmt::Result {
    for (i, s) in statements.iter().enumerate() {
        if i > 0 {
            f.write_str(";\n")?;
        }
        write!(f, "{s}")?;
    }
    Ok(())
}

impl Display for Statement {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Statement::Let { name, value, .. } => write!(f, "let {} = {value}", IdentOut(name)),
            Statement::Set { name, value: Some(v), .. } => write!(f, "set {name} = {v}"),
            Statement::Set { name, value: None, .. } => write!(f, "set {name}"),
            Statement::DeclareQueryParameters { params, .. } => write!(f, "declare query_parameters({})", Sep(params, ", ")),
            Statement::Query(e) => write!(f, "{e}"),
        }
    }
}

impl Display for LetValue {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            LetValue::Expr(e) => write!(f, "{e}"),
            LetValue::Function(func) => write!(f, "{func}"),
        }
    }
}

impl Display for Function {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "({}) {{ ", Sep(&self.params, ", "))?;
        write_statements(f, &self.body)?;
        f.write_str(" }")
    }
}

impl Display for Param {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", IdentOut(&self.name))?;
        match &self.ty {
            ParamType::Scalar(t) => write!(f, "{}", t.name)?,
            ParamType::Tabular { columns, star } => {
                let mut parts: Vec<String> = columns.iter().map(|(c, t)| format!("{}: {}", IdentOut(c), t.name)).collect();
                if *star {
                    parts.push("*".into());
                }
                write!(f, "({})", parts.join(", "))?;
            }
        }
        if let Some(d) = &self.default {
            write!(f, " = {d}")?;
        }
        Ok(())
    }
}

/// A name, bracket-quoted when it is not a plain identifier or is a keyword.
pub struct IdentOut<'a>(pub &'a Ident);

impl Display for IdentOut<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_name(f, &self.0.name)
    }
}

fn is_plain(name: &str) -> bool {
    let simple = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && name[1..].chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && (!name.starts_with('$') || name == "$left" || name == "$right");
    // `1abc` is an identifier too, unless its letters read as a timespan unit (`1d`): ask
    // the lexer.
    let digit_led = name.starts_with(|c: char| c.is_ascii_digit())
        && matches!(super::lexer::tokenize(name).as_deref(), Ok([t, _]) if t.kind == super::lexer::Tok::Ident(name.to_string()));
    (simple || digit_led) && !RESERVED.contains(&name) && !super::parser::is_keyword(name)
}

fn write_name(f: &mut Formatter<'_>, name: &str) -> fmt::Result {
    if is_plain(name) {
        f.write_str(name)
    } else {
        write!(f, "[{}]", Quoted(name))
    }
}

/// A string literal, double-quoted with escapes.
pub struct Quoted<'a>(pub &'a str);

impl Display for Quoted<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        for c in self.0.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c if (c as u32) < 0x20 || c == '\u{7f}' => write!(f, "\\u{:04x}", c as u32)?,
                c => f.write_char(c)?,
            }
        }
        f.write_char('"')
    }
}

struct Sep<'a, T>(&'a [T], &'a str);

impl<T: Display> Display for Sep<'_, T> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, x) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(self.1)?;
            }
            write!(f, "{x}")?;
        }
        Ok(())
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Long(v) => write!(f, "{v}"),
            Literal::Real(text) => f.write_str(text),
            Literal::String(s) => write!(f, "{}", Quoted(s)),
            Literal::Timespan(ticks) => {
                let (unit, suffix) = TICKS_PER_UNIT.iter().copied().find(|(u, _)| ticks % u == 0).unwrap_or((1, "tick"));
                write!(f, "{}{suffix}", ticks / unit)
            }
            Literal::Typed { ty, text } => write!(f, "{ty}({text})"),
            Literal::Dynamic(v) => write!(f, "dynamic({v})"),
            Literal::Null => f.write_str("null"),
        }
    }
}

/// How tightly an expression binds, matching the parser's levels (higher is tighter).
fn level(e: &Expr) -> u8 {
    match e {
        Expr::Binary { op, .. } => match op {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq | BinOp::NotEq => 3,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 4,
            BinOp::Add | BinOp::Sub => 5,
            BinOp::Mul | BinOp::Div | BinOp::Mod => 6,
        },
        Expr::InList { .. } | Expr::Between { .. } => 3,
        Expr::StrBinary { .. } => 7,
        Expr::Neg { .. } => 8,
        Expr::Pipe { .. } => 0,
        _ => 9,
    }
}

/// `e`, in parentheses when it binds looser than `min`.
struct At<'a>(&'a Expr, u8);

impl Display for At<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if level(self.0) < self.1 { write!(f, "({})", self.0) } else { write!(f, "{}", self.0) }
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Literal(l, _) => write!(f, "{l}"),
            // A wildcard table name (`union Device*`) prints as written.
            Expr::Name(i) if is_pattern(&i.name) => f.write_str(&i.name),
            Expr::Name(i) => write!(f, "{}", IdentOut(i)),
            Expr::Star(_) => f.write_str("*"),
            Expr::Input(_) => Ok(()),
            Expr::NamedArg { name, value, .. } => write!(f, "{} = {value}", IdentOut(name)),
            Expr::Member { target, member, .. } => {
                write!(f, "{}{}.", At(target, 9), number_gap(target))?;
                write_name(f, &member.name)
            }
            Expr::Index { target, index, .. } => write!(f, "{}[{index}]", At(target, 9)),
            Expr::Call { name, args, .. } => write!(f, "{}({})", name.name, Sep(args, ", ")),
            Expr::MethodCall { target, name, args, .. } => {
                write!(f, "{}{}.{}({})", At(target, 9), number_gap(target), name.name, Sep(args, ", "))
            }
            Expr::Neg { minus, expr, .. } => write!(f, "{}{}", if *minus { "-" } else { "+" }, At(expr, 8)),
            Expr::Binary { op, left, right, .. } => {
                let l = level(self);
                let assoc = matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod | BinOp::And | BinOp::Or);
                let left_min = if assoc { l } else { l + 1 };
                write!(f, "{} {} {}", At(left, left_min), bin_op(*op), At(right, l + 1))
            }
            Expr::StrBinary { op, left, right, .. } => write!(f, "{} {} {}", At(left, 8), op.name, At(right, 8)),
            Expr::InList { op, left, list, .. } => write!(f, "{} {} ({})", At(left, 4), list_op(*op), Sep(list, ", ")),
            Expr::Between { negated, expr, low, high, .. } => {
                write!(f, "{} {}between ({low} .. {high})", At(expr, 4), if *negated { "!" } else { "" })
            }
            Expr::Paren(inner, _) => write!(f, "({inner})"),
            Expr::Array(items, _) => write!(f, "[{}]", Sep(items, ", ")),
            Expr::Bag(pairs, _) => {
                f.write_char('{')?;
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}: {v}", Quoted(k))?;
                }
                f.write_char('}')
            }
            Expr::Pipe { input, op, .. } => {
                if matches!(**input, Expr::Input(_)) { write!(f, "{op}") } else { write!(f, "{input}\n| {op}") }
            }
            Expr::Source(op) => write!(f, "{op}"),
        }
    }
}

/// A space between a number and a following `.`: `5 .x`, since `5.x` would lex as `5.`.
fn number_gap(target: &Expr) -> &'static str {
    match target {
        Expr::Literal(Literal::Long(_) | Literal::Real(_), _) => " ",
        _ => "",
    }
}

fn bin_op(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Mod => "%",
        BinOp::Lt => "<",
        BinOp::Le => "<=",
        BinOp::Gt => ">",
        BinOp::Ge => ">=",
        BinOp::Eq => "==",
        BinOp::NotEq => "!=",
        BinOp::And => "and",
        BinOp::Or => "or",
    }
}

fn list_op(op: ListOp) -> &'static str {
    match op {
        ListOp::In => "in",
        ListOp::NotIn => "!in",
        ListOp::InCi => "in~",
        ListOp::NotInCi => "!in~",
        ListOp::HasAny => "has_any",
        ListOp::HasAll => "has_all",
    }
}

impl Display for NamedExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.names.as_slice() {
            [] => write!(f, "{}", self.expr),
            [one] => write!(f, "{} = {}", IdentOut(one), self.expr),
            many => {
                let names: Vec<String> = many.iter().map(|n| IdentOut(n).to_string()).collect();
                write!(f, "({}) = {}", names.join(", "), self.expr)
            }
        }
    }
}

impl Display for OpParam {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value)
    }
}

impl Display for SortKey {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.expr)?;
        match self.asc {
            Some(true) => f.write_str(" asc")?,
            Some(false) => f.write_str(" desc")?,
            None => {}
        }
        match self.nulls_first {
            Some(true) => f.write_str(" nulls first"),
            Some(false) => f.write_str(" nulls last"),
            None => Ok(()),
        }
    }
}

impl Display for MvExpandItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.item)?;
        if let Some(t) = &self.to_type {
            write!(f, " to typeof({t})")?;
        }
        Ok(())
    }
}

fn params(f: &mut Formatter<'_>, ps: &[OpParam]) -> fmt::Result {
    for p in ps {
        write!(f, " {p}")?;
    }
    Ok(())
}

fn schema(cols: &[(Ident, Ident)]) -> String {
    let parts: Vec<String> = cols.iter().map(|(c, t)| format!("{}: {}", IdentOut(c), t.name)).collect();
    format!("({})", parts.join(", "))
}

/// A name with `*` wildcards and otherwise plain characters: `Device*`, `*Id`.
fn is_pattern(name: &str) -> bool {
    name.contains('*') && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '*')
}

fn names(ids: &[Ident]) -> String {
    ids.iter().map(|i| if is_pattern(&i.name) { i.name.clone() } else { IdentOut(i).to_string() }).collect::<Vec<_>>().join(", ")
}

impl Display for Operator {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            OpKind::Where(e) => write!(f, "where {e}"),
            OpKind::Project(items) => write!(f, "project {}", Sep(items, ", ")),
            OpKind::Extend(items) => write!(f, "extend {}", Sep(items, ", ")),
            OpKind::ProjectAway(ids) => write!(f, "project-away {}", names(ids)),
            OpKind::ProjectKeep(ids) => write!(f, "project-keep {}", names(ids)),
            OpKind::ProjectByNames(items) => write!(f, "project-by-names {}", Sep(items, ", ")),
            OpKind::ProjectRename(pairs) => {
                let parts: Vec<String> = pairs.iter().map(|(n, o)| format!("{} = {}", IdentOut(n), IdentOut(o))).collect();
                write!(f, "project-rename {}", parts.join(", "))
            }
            OpKind::ProjectReorder(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .map(|(n, o)| format!("{}{}", names(std::slice::from_ref(n)), match o { Some(true) => " asc", Some(false) => " desc", None => "" }))
                    .collect();
                write!(f, "project-reorder {}", parts.join(", "))
            }
            OpKind::Summarize { params: ps, aggs, by } => {
                f.write_str("summarize")?;
                params(f, ps)?;
                if !aggs.is_empty() {
                    write!(f, " {}", Sep(aggs, ", "))?;
                }
                if !by.is_empty() {
                    write!(f, " by {}", Sep(by, ", "))?;
                }
                Ok(())
            }
            OpKind::Join { params: ps, right, on } | OpKind::Lookup { params: ps, right, on } => {
                f.write_str(if matches!(self.kind, OpKind::Join { .. }) { "join" } else { "lookup" })?;
                params(f, ps)?;
                write!(f, " {right}")?;
                if !on.is_empty() {
                    write!(f, " on {}", Sep(on, ", "))?;
                }
                Ok(())
            }
            OpKind::Union { params: ps, tables } => {
                f.write_str("union")?;
                params(f, ps)?;
                write!(f, " {}", Sep(tables, ", "))
            }
            OpKind::MvExpand { params: ps, items, limit } => {
                f.write_str("mv-expand")?;
                params(f, ps)?;
                write!(f, " {}", Sep(items, ", "))?;
                if let Some(l) = limit {
                    write!(f, " limit {l}")?;
                }
                Ok(())
            }
            OpKind::MvApply { params: ps, items, limit, on } => {
                f.write_str("mv-apply")?;
                params(f, ps)?;
                write!(f, " {}", Sep(items, ", "))?;
                if let Some(l) = limit {
                    write!(f, " limit {l}")?;
                }
                write!(f, " on {on}")
            }
            OpKind::Parse { filter, params: ps, source, pattern } => {
                f.write_str(if *filter { "parse-where" } else { "parse" })?;
                params(f, ps)?;
                write!(f, " {source} with")?;
                for part in pattern {
                    match part {
                        ParsePart::Text(s) => write!(f, " {}", Quoted(s))?,
                        ParsePart::Star => f.write_str(" *")?,
                        ParsePart::Column { name, ty: Some(t) } => write!(f, " {}: {}", IdentOut(name), t.name)?,
                        ParsePart::Column { name, ty: None } => write!(f, " {}", IdentOut(name))?,
                    }
                }
                Ok(())
            }
            OpKind::ParseKv { source, columns, with } => {
                write!(f, "parse-kv {source} as {}", schema(columns))?;
                if !with.is_empty() {
                    write!(f, " with ({})", Sep(with, ", "))?;
                }
                Ok(())
            }
            OpKind::Take(e) => write!(f, "take {e}"),
            OpKind::Top { count, by } => write!(f, "top {count} by {}", Sep(by, ", ")),
            OpKind::TopNested(clauses) => {
                for (i, c) in clauses.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str("top-nested")?;
                    if let Some(n) = &c.count {
                        write!(f, " {n}")?;
                    }
                    write!(f, " of {}", c.of)?;
                    if let Some(o) = &c.others {
                        write!(f, " with others = {o}")?;
                    }
                    write!(f, " by {}", c.by)?;
                    match c.asc {
                        Some(true) => f.write_str(" asc")?,
                        Some(false) => f.write_str(" desc")?,
                        None => {}
                    }
                }
                Ok(())
            }
            OpKind::TopHitters { count, of, by } => {
                write!(f, "top-hitters {count} of {of}")?;
                if let Some(b) = by {
                    write!(f, " by {b}")?;
                }
                Ok(())
            }
            OpKind::Sort(keys) => write!(f, "sort by {}", Sep(keys, ", ")),
            OpKind::Distinct(cols) => write!(f, "distinct {}", Sep(cols, ", ")),
            OpKind::Count => f.write_str("count"),
            OpKind::GetSchema => f.write_str("getschema"),
            OpKind::Consume => f.write_str("consume"),
            OpKind::As { params: ps, name } => {
                f.write_str("as")?;
                params(f, ps)?;
                write!(f, " {}", IdentOut(name))
            }
            OpKind::Serialize(items) if items.is_empty() => f.write_str("serialize"),
            OpKind::Serialize(items) => write!(f, "serialize {}", Sep(items, ", ")),
            OpKind::Invoke(e) => write!(f, "invoke {e}"),
            OpKind::Evaluate { params: ps, call, output } => {
                f.write_str("evaluate")?;
                params(f, ps)?;
                write!(f, " {call}")?;
                if let Some(ParamType::Tabular { columns, star }) = output {
                    let mut parts: Vec<String> = Vec::new();
                    if *star {
                        parts.push("*".into());
                    }
                    parts.extend(columns.iter().map(|(c, t)| format!("{}: {}", IdentOut(c), t.name)));
                    write!(f, " : ({})", parts.join(", "))?;
                }
                Ok(())
            }
            OpKind::MakeSeries { params: ps, aggs, on, range, by } => {
                f.write_str("make-series")?;
                params(f, ps)?;
                for (i, (agg, default)) in aggs.iter().enumerate() {
                    write!(f, "{}{agg}", if i > 0 { ", " } else { " " })?;
                    if let Some(d) = default {
                        write!(f, " default = {d}")?;
                    }
                }
                write!(f, " on {on}")?;
                for (word, e) in range {
                    write!(f, " {word} {e}")?;
                }
                if !by.is_empty() {
                    write!(f, " by {}", Sep(by, ", "))?;
                }
                Ok(())
            }
            OpKind::Render { chart, with } => {
                write!(f, "render {}", IdentOut(chart))?;
                if !with.is_empty() {
                    write!(f, " with ({})", Sep(with, ", "))?;
                }
                Ok(())
            }
            OpKind::Sample(e) => write!(f, "sample {e}"),
            OpKind::SampleDistinct { count, of } => write!(f, "sample-distinct {count} of {of}"),
            OpKind::Facet { by, with } => {
                write!(f, "facet by {}", names(by))?;
                if let Some(w) = with {
                    write!(f, " with {w}")?;
                }
                Ok(())
            }
            OpKind::Fork(branches) => {
                f.write_str("fork")?;
                for b in branches {
                    match b.names.first() {
                        Some(n) => write!(f, " {} = {}", IdentOut(n), b.expr)?,
                        None => write!(f, " {}", b.expr)?,
                    }
                }
                Ok(())
            }
            OpKind::Partition { params: ps, by, body } => {
                f.write_str("partition")?;
                params(f, ps)?;
                write!(f, " by {} {body}", IdentOut(by))
            }
            OpKind::Scan { params: ps, declare, steps } => {
                f.write_str("scan")?;
                params(f, ps)?;
                if !declare.is_empty() {
                    write!(f, " declare ({})", Sep(declare, ", "))?;
                }
                f.write_str(" with (")?;
                for s in steps {
                    write!(f, " step {}", IdentOut(&s.name))?;
                    for p in &s.params {
                        if p.name == "optional" {
                            f.write_str(" optional")?;
                        } else {
                            write!(f, " {p}")?;
                        }
                    }
                    write!(f, ": {}", s.condition)?;
                    if !s.assignments.is_empty() {
                        write!(f, " => {}", Sep(&s.assignments, ", "))?;
                    }
                    f.write_str(";")?;
                }
                f.write_str(" )")
            }
            OpKind::Print(items) => write!(f, "print {}", Sep(items, ", ")),
            OpKind::Range { column, from, to, step } => write!(f, "range {} from {from} to {to} step {step}", IdentOut(column)),
            OpKind::Datatable { columns, values } => write!(f, "datatable{} [{}]", schema(columns), Sep(values, ", ")),
            OpKind::ExternalData { columns, urls, with } => {
                write!(f, "externaldata{} [{}]", schema(columns), Sep(urls, ", "))?;
                if !with.is_empty() {
                    write!(f, " with ({})", Sep(with, ", "))?;
                }
                Ok(())
            }
            OpKind::Search { params: ps, tables, predicate } => {
                f.write_str("search")?;
                params(f, ps)?;
                if !tables.is_empty() {
                    write!(f, " in ({})", Sep(tables, ", "))?;
                }
                write!(f, " {predicate}")
            }
            OpKind::Find { params: ps, tables, predicate, project } => {
                f.write_str("find")?;
                params(f, ps)?;
                if !tables.is_empty() {
                    write!(f, " in ({})", Sep(tables, ", "))?;
                }
                write!(f, " where {predicate}")?;
                if !project.is_empty() {
                    write!(f, " project {}", Sep(project, ", "))?;
                }
                Ok(())
            }
        }
    }
}
