//! The KQL syntax tree. Every node carries a [`Span`]; spans never affect equality.
//!
//! Tabular and scalar expressions share one [`Expr`] type, as in the official parser: a
//! name may be a table, a `let` binding or a column, and only the planner (which knows
//! the catalog and the bindings) can tell which.

use super::span::Span;

/// A whole query text: statements separated by `;`.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    /// The statements, in order.
    pub statements: Vec<Statement>,
    /// The whole text.
    pub span: Span,
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `let name = value`.
    Let {
        /// The bound name.
        name: Ident,
        /// What it is bound to.
        value: LetValue,
        /// The statement.
        span: Span,
    },
    /// `set name [= value]`.
    Set {
        /// The option name (dotted names allowed).
        name: String,
        /// The value, if any.
        value: Option<Expr>,
        /// The statement.
        span: Span,
    },
    /// `declare query_parameters(name: type [= default], ...)`.
    DeclareQueryParameters {
        /// The parameters.
        params: Vec<Param>,
        /// The statement.
        span: Span,
    },
    /// A tabular expression whose result is the query's output.
    Query(Expr),
}

/// The right-hand side of a `let`.
#[derive(Debug, Clone, PartialEq)]
pub enum LetValue {
    /// A scalar or tabular expression.
    Expr(Expr),
    /// A function: `(params) { body }`.
    Function(Function),
}

/// A user function: `(a: string, b: long = 1) { let x = ...; expr }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// Parameters.
    pub params: Vec<Param>,
    /// `let` statements inside the body, then the result expression.
    pub body: Vec<Statement>,
    /// The whole function.
    pub span: Span,
}

/// A typed parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Its name.
    pub name: Ident,
    /// Its type: a scalar type name, or a tabular schema `(*)` / `(a: string, ...)`.
    pub ty: ParamType,
    /// Its default value.
    pub default: Option<Expr>,
}

/// The type of a parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamType {
    /// A scalar type: `string`, `long`, `dynamic`, ...
    Scalar(Ident),
    /// A table: `(*)` or `(col: type, ...)`; `star` when it ends with `*`.
    Tabular {
        /// Columns required.
        columns: Vec<(Ident, Ident)>,
        /// Whether other columns are allowed.
        star: bool,
    },
}

/// A name: a column, table, function, binding or parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The name, unquoted.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

impl Ident {
    /// A name at a span.
    pub fn new(name: impl Into<String>, span: Span) -> Self {
        Self { name: name.into(), span }
    }
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `true` / `false`.
    Bool(bool),
    /// An integer (`long`).
    Long(i64),
    /// A real, as written (kept as text so that printing round-trips exactly).
    Real(String),
    /// A string.
    String(String),
    /// A timespan in 100 ns ticks.
    Timespan(i64),
    /// `type(raw text)`: `datetime(2020-01-01)`, `guid(…)`, `int(5)`, `real(nan)`, `long(null)`,
    /// `timespan(1.02:00:00)`, `typeof(string)`.
    Typed {
        /// The type keyword as written.
        ty: String,
        /// The raw text between the parentheses.
        text: String,
    },
    /// `dynamic(value)`: the value is a JSON-like literal tree.
    Dynamic(Box<Expr>),
    /// `null` inside `dynamic(...)`.
    Null,
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=` (also `<>`)
    NotEq,
    /// `and`
    And,
    /// `or`
    Or,
}

/// A string operator: `has`, `!contains_cs`, `=~`, `matches regex`, ...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrOp {
    /// The operator as KQL spells it, canonical (`has`, `!has_cs`, `=~`, `!~`, `matches regex`).
    pub name: String,
}

/// A list operator taking a parenthesised list or a tabular expression: `in`, `!in`,
/// `in~`, `!in~`, `has_any`, `has_all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOp {
    /// `in`
    In,
    /// `!in`
    NotIn,
    /// `in~`
    InCi,
    /// `!in~`
    NotInCi,
    /// `has_any`
    HasAny,
    /// `has_all`
    HasAll,
}

/// An expression: scalar or tabular.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal.
    Literal(Literal, Span),
    /// A name.
    Name(Ident),
    /// `*` (in `count(*)`, `arg_max(x, *)`, `where * has "x"`, `union *`).
    Star(Span),
    /// `$left` / `$right` qualified column in a join condition, or `a.b` member access.
    Member {
        /// The object.
        target: Box<Expr>,
        /// The member name.
        member: Ident,
        /// The whole access.
        span: Span,
    },
    /// `a[i]` / `a['k']`.
    Index {
        /// The object.
        target: Box<Expr>,
        /// The index.
        index: Box<Expr>,
        /// The whole access.
        span: Span,
    },
    /// `f(args)`; `name` may be dotted for `cluster('x').database('y')` style calls.
    Call {
        /// The function name.
        name: Ident,
        /// The arguments.
        args: Vec<Expr>,
        /// The whole call.
        span: Span,
    },
    /// `-x` / `+x`.
    Neg {
        /// `true` for `-`, `false` for `+`.
        minus: bool,
        /// The operand.
        expr: Box<Expr>,
        /// The whole expression.
        span: Span,
    },
    /// `a op b` for arithmetic, comparison and logic.
    Binary {
        /// The operator.
        op: BinOp,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
        /// The whole expression.
        span: Span,
    },
    /// `a has b`, `a =~ b`, `a matches regex b`, ...
    StrBinary {
        /// The operator.
        op: StrOp,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
        /// The whole expression.
        span: Span,
    },
    /// `a in (x, y)`, `a has_any (T)`, ...
    InList {
        /// The operator.
        op: ListOp,
        /// Left operand.
        left: Box<Expr>,
        /// The list (one element may be a tabular expression or a dynamic array).
        list: Vec<Expr>,
        /// The whole expression.
        span: Span,
    },
    /// `a between (lo .. hi)` / `a !between (lo .. hi)`.
    Between {
        /// Whether it is `!between`.
        negated: bool,
        /// The tested value.
        expr: Box<Expr>,
        /// Lower bound.
        low: Box<Expr>,
        /// Upper bound.
        high: Box<Expr>,
        /// The whole expression.
        span: Span,
    },
    /// `(expr)`, kept so that printing preserves the author's grouping.
    Paren(Box<Expr>, Span),
    /// `[a, b]` inside `dynamic(...)`, or a bracketed list elsewhere.
    Array(Vec<Expr>, Span),
    /// `{"k": v}` inside `dynamic(...)`.
    Bag(Vec<(String, Expr)>, Span),
    /// `input | operator`.
    Pipe {
        /// The input.
        input: Box<Expr>,
        /// The operator applied to it.
        op: Box<Operator>,
        /// The whole pipeline so far.
        span: Span,
    },
    /// A tabular operator that starts a pipeline by itself: `print`, `range`, `datatable`,
    /// `union`, `externaldata`, `find`, `search`, `evaluate`.
    Source(Box<Operator>),
    /// `name = value` as a function argument: `bag_unpack(col, columnsConflict='keep_source')`.
    NamedArg {
        /// The parameter name.
        name: Ident,
        /// The value.
        value: Box<Expr>,
        /// The whole argument.
        span: Span,
    },
    /// The implicit input of a subquery that starts with an operator: `mv-apply … on
    /// (where x > 1 | …)`, `partition by k (top 3 by v)`, `fork (…)`, `facet … with (…)`.
    Input(Span),
    /// `target.name(args)`: `cluster('c').database('d')`, `workspace('w').T`.
    MethodCall {
        /// The object.
        target: Box<Expr>,
        /// The method.
        name: Ident,
        /// The arguments.
        args: Vec<Expr>,
        /// The whole call.
        span: Span,
    },
}

impl Expr {
    /// The expression's span.
    pub fn span(&self) -> Span {
        match self {
            Expr::Literal(_, s) | Expr::Star(s) | Expr::Paren(_, s) | Expr::Array(_, s) | Expr::Bag(_, s) | Expr::Input(s) => *s,
            Expr::Name(i) => i.span,
            Expr::Member { span, .. }
            | Expr::Index { span, .. }
            | Expr::Call { span, .. }
            | Expr::Neg { span, .. }
            | Expr::Binary { span, .. }
            | Expr::StrBinary { span, .. }
            | Expr::InList { span, .. }
            | Expr::Between { span, .. }
            | Expr::Pipe { span, .. }
            | Expr::MethodCall { span, .. }
            | Expr::NamedArg { span, .. } => *span,
            Expr::Source(op) => op.span,
        }
    }
}

/// `name = value` operator parameters: `kind=inner`, `hint.strategy=shuffle`, `withsource=T`.
#[derive(Debug, Clone, PartialEq)]
pub struct OpParam {
    /// The parameter name (dotted for hints).
    pub name: String,
    /// Its value.
    pub value: Expr,
}

/// An item of `project`, `extend`, `summarize`, `by`, `print`, `serialize`:
/// `expr`, `Name = expr` or `(A, B) = expr`.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedExpr {
    /// The names given, if any.
    pub names: Vec<Ident>,
    /// The expression.
    pub expr: Expr,
}

/// A sort key: `expr [asc|desc] [nulls first|last]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    /// The key.
    pub expr: Expr,
    /// `Some(true)` for `asc`, `Some(false)` for `desc`, `None` when not written.
    pub asc: Option<bool>,
    /// `Some(true)` for `nulls first`, `Some(false)` for `nulls last`.
    pub nulls_first: Option<bool>,
}

/// One part of a `parse` pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsePart {
    /// A string literal to match.
    Text(String),
    /// A column to extract, with an optional type.
    Column {
        /// The new column.
        name: Ident,
        /// Its type, if given.
        ty: Option<Ident>,
    },
    /// `*`: skip anything.
    Star,
}

/// One item of `mv-expand`: `[Name =] expr [to typeof(type)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MvExpandItem {
    /// The expanded value (and its new name).
    pub item: NamedExpr,
    /// The target type, if given.
    pub to_type: Option<String>,
}

/// A tabular operator with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Operator {
    /// What operator.
    pub kind: OpKind,
    /// From the keyword to the end of its arguments.
    pub span: Span,
}

/// The tabular operators.
#[derive(Debug, Clone, PartialEq)]
pub enum OpKind {
    /// `where` / `filter`. The official parser also reads `where Name = expr` (a naming
    /// expression, not a comparison); it arrives here as [`Expr::NamedArg`].
    Where(Expr),
    /// `project`.
    Project(Vec<NamedExpr>),
    /// `project-away` (names may hold wildcards).
    ProjectAway(Vec<Ident>),
    /// `project-keep`.
    ProjectKeep(Vec<Ident>),
    /// `project-rename New = Old, ...`.
    ProjectRename(Vec<(Ident, Ident)>),
    /// `project-by-names expr, ...` (names as strings, wildcards allowed).
    ProjectByNames(Vec<Expr>),
    /// `project-reorder a [asc|desc], ...`.
    ProjectReorder(Vec<(Ident, Option<bool>)>),
    /// `extend`.
    Extend(Vec<NamedExpr>),
    /// `summarize [params] aggs [by keys]`.
    Summarize {
        /// Parameters (`hint.shufflekey=…`).
        params: Vec<OpParam>,
        /// Aggregates.
        aggs: Vec<NamedExpr>,
        /// Grouping keys.
        by: Vec<NamedExpr>,
    },
    /// `join [params] (right) on keys` (or `on` a condition list with `$left`/`$right`).
    Join {
        /// `kind=…`, hints.
        params: Vec<OpParam>,
        /// The right side.
        right: Expr,
        /// The `on` clause: names or `$left.a == $right.b` conditions.
        on: Vec<Expr>,
    },
    /// `lookup [params] (right) on keys`.
    Lookup {
        /// `kind=…`.
        params: Vec<OpParam>,
        /// The dimension table.
        right: Expr,
        /// The `on` clause.
        on: Vec<Expr>,
    },
    /// `union [params] tables` (also as a pipeline source).
    Union {
        /// `kind=`, `withsource=`, `isfuzzy=`.
        params: Vec<OpParam>,
        /// The tables (names, wildcards, parenthesised pipelines).
        tables: Vec<Expr>,
    },
    /// `mv-expand [params] items [limit n]`.
    MvExpand {
        /// `bagexpansion=`, `with_itemindex=`, `kind=`.
        params: Vec<OpParam>,
        /// What to expand.
        items: Vec<MvExpandItem>,
        /// `limit n`.
        limit: Option<Expr>,
    },
    /// `mv-apply [params] items on (subquery)`.
    MvApply {
        /// Parameters.
        params: Vec<OpParam>,
        /// What to expand.
        items: Vec<MvExpandItem>,
        /// `limit n`.
        limit: Option<Expr>,
        /// The subquery applied to each row's expansion.
        on: Expr,
    },
    /// `parse` / `parse-where [kind=… flags=…] expr with pattern`.
    Parse {
        /// `true` for `parse-where`.
        filter: bool,
        /// `kind=simple|regex|relaxed`, `flags=`.
        params: Vec<OpParam>,
        /// The parsed value.
        source: Expr,
        /// The pattern.
        pattern: Vec<ParsePart>,
    },
    /// `parse-kv expr as (cols) with (params)`.
    ParseKv {
        /// The parsed value.
        source: Expr,
        /// The output columns and types.
        columns: Vec<(Ident, Ident)>,
        /// `pair_delimiter=`, `kv_delimiter=`, `quote=`, `greedy=`, ...
        with: Vec<OpParam>,
    },
    /// `take n` / `limit n`.
    Take(Expr),
    /// `top n by keys`.
    Top {
        /// How many.
        count: Expr,
        /// Ordering.
        by: Vec<SortKey>,
    },
    /// `top-nested … , top-nested …`.
    TopNested(Vec<TopNestedClause>),
    /// `top-hitters n of expr [by expr]`.
    TopHitters {
        /// How many.
        count: Expr,
        /// Of what.
        of: Expr,
        /// Summed by.
        by: Option<Expr>,
    },
    /// `sort by` / `order by`.
    Sort(Vec<SortKey>),
    /// `distinct cols` / `distinct *` (items may be named: `distinct a, n = 1`).
    Distinct(Vec<NamedExpr>),
    /// `count`.
    Count,
    /// `as [hint.materialized=true] Name`.
    As {
        /// Parameters.
        params: Vec<OpParam>,
        /// The name.
        name: Ident,
    },
    /// `serialize [cols]`.
    Serialize(Vec<NamedExpr>),
    /// `invoke f(args)`.
    Invoke(Expr),
    /// `evaluate [params] plugin(args) [: (output schema)]`.
    Evaluate {
        /// Parameters.
        params: Vec<OpParam>,
        /// The plugin call.
        call: Expr,
        /// The declared output schema, if given.
        output: Option<ParamType>,
    },
    /// `make-series …` (kept whole: aggregates, `on`, range and `by`).
    MakeSeries {
        /// Parameters (`kind=nonempty`).
        params: Vec<OpParam>,
        /// Aggregates with optional `default=`.
        aggs: Vec<(NamedExpr, Option<Expr>)>,
        /// The axis column.
        on: Expr,
        /// `from … to … step …` or `in range(…)`.
        range: Vec<(String, Expr)>,
        /// Grouping keys.
        by: Vec<NamedExpr>,
    },
    /// `render chart [with (props)]`.
    Render {
        /// The visualization.
        chart: Ident,
        /// Properties.
        with: Vec<OpParam>,
    },
    /// `getschema`.
    GetSchema,
    /// `sample n`.
    Sample(Expr),
    /// `sample-distinct n of col`.
    SampleDistinct {
        /// How many.
        count: Expr,
        /// Of which column.
        of: Expr,
    },
    /// `facet by cols [with (subquery)]`.
    Facet {
        /// Columns.
        by: Vec<Ident>,
        /// The `with` subquery (operators applied to the input).
        with: Option<Expr>,
    },
    /// `fork (subquery) (subquery) …`.
    Fork(Vec<NamedExpr>),
    /// `partition [params] by col (subquery)`.
    Partition {
        /// Parameters.
        params: Vec<OpParam>,
        /// The partitioning column.
        by: Ident,
        /// The subquery.
        body: Expr,
    },
    /// `scan …` (kept as its clauses; planning refuses it).
    Scan {
        /// Parameters.
        params: Vec<OpParam>,
        /// `declare (…)` columns.
        declare: Vec<Param>,
        /// Steps: name, optional `output=`, condition, assignments.
        steps: Vec<ScanStep>,
    },
    /// `print [Name =] expr, ...` (a source).
    Print(Vec<NamedExpr>),
    /// `range col from a to b step c` (a source).
    Range {
        /// The column.
        column: Ident,
        /// Start.
        from: Expr,
        /// End (inclusive).
        to: Expr,
        /// Step.
        step: Expr,
    },
    /// `datatable(schema) [values]` (a source).
    Datatable {
        /// Column names and types.
        columns: Vec<(Ident, Ident)>,
        /// The values, row-major.
        values: Vec<Expr>,
    },
    /// `externaldata(schema) [urls] [with (props)]` (a source; planning refuses it).
    ExternalData {
        /// Column names and types.
        columns: Vec<(Ident, Ident)>,
        /// The URLs.
        urls: Vec<Expr>,
        /// Properties.
        with: Vec<OpParam>,
    },
    /// `search [params] [in (tables)] predicate`.
    Search {
        /// Parameters.
        params: Vec<OpParam>,
        /// `in (tables)`.
        tables: Vec<Expr>,
        /// The predicate.
        predicate: Expr,
    },
    /// `find [params] [in (tables)] where predicate [project …]`.
    Find {
        /// Parameters.
        params: Vec<OpParam>,
        /// `in (tables)`.
        tables: Vec<Expr>,
        /// The predicate.
        predicate: Expr,
        /// `project` / `project-smart` columns.
        project: Vec<Expr>,
    },
    /// `consume`.
    Consume,
}

/// One level of `top-nested`.
#[derive(Debug, Clone, PartialEq)]
pub struct TopNestedClause {
    /// How many (`None` for "all").
    pub count: Option<Expr>,
    /// `of expr`.
    pub of: NamedExpr,
    /// `with others = expr`.
    pub others: Option<Expr>,
    /// `by [Name =] aggregate`.
    pub by: NamedExpr,
    /// `asc` / `desc`, if written.
    pub asc: Option<bool>,
}

/// One `step` of `scan`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanStep {
    /// Step name.
    pub name: Ident,
    /// `optional`, `output=all|last|none`.
    pub params: Vec<OpParam>,
    /// The match condition.
    pub condition: Expr,
    /// Assignments `=>` after the condition.
    pub assignments: Vec<NamedExpr>,
}
