//! Tabular expressions: names of tables and `let` bindings, pipelines, and the dispatch of
//! each operator to its planner; the small row operators (`where`, `take`, `sort`, `top`,
//! `distinct`, `count`, `getschema`) live here too.

use datafusion::common::{Column, ScalarValue};
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, SortExpr, lit};

use super::{Binding, PlanError, Planner};
use crate::kql::Span;
use crate::kql::ast::{Expr as Ast, OpKind, Operator, SortKey, Statement};

impl Planner<'_> {
    /// Plans a tabular expression.
    pub(crate) fn tabular(&mut self, e: &Ast) -> Result<LogicalPlan, PlanError> {
        self.enter(e.span())?;
        let out = self.tabular_inner(e);
        self.leave();
        out
    }

    fn tabular_inner(&mut self, e: &Ast) -> Result<LogicalPlan, PlanError> {
        match e {
            Ast::Name(id) => self.named_table(&id.name, id.span),
            Ast::Paren(inner, _) => self.tabular(inner),
            Ast::Pipe { input, op, .. } => {
                if let Some(plan) = self.where_below_innerunique(input, op)? {
                    return Ok(plan);
                }
                let input = self.tabular(input)?;
                self.operator(input, op)
            }
            Ast::Source(op) => self.source(op),
            Ast::Call { name, args, span } => self.tabular_call(&name.name, args, *span),
            Ast::MethodCall { span, .. } => Err(self.unsupported(*span, "cross-cluster and cross-workspace references")),
            other => Err(self.invalid(other.span(), "expected a table or a tabular expression here")),
        }
    }

    /// `L | join R on k | where p`, where `p` reads only left columns: Kusto applies `p`
    /// before the innerunique join takes one left row per key, so the rows that pass `p`
    /// are the ones that survive (documented; reference notes §2.3). `None` when the
    /// pattern does not apply.
    fn where_below_innerunique(&mut self, input: &Ast, op: &Operator) -> Result<Option<LogicalPlan>, PlanError> {
        let OpKind::Where(p) = &op.kind else { return Ok(None) };
        let Ast::Pipe { input: left, op: join, .. } = input else { return Ok(None) };
        let OpKind::Join { params, right, on } = &join.kind else { return Ok(None) };
        if !matches!(self.param_word(params, "kind")?.as_deref(), None | Some("innerunique")) || matches!(p, Ast::NamedArg { .. }) {
            return Ok(None);
        }
        let left = self.tabular(left)?;
        // A predicate that names a right column does not plan over the left side alone.
        let Ok(pred) = self.predicate(p, left.schema()) else { return Ok(None) };
        let filtered = LogicalPlanBuilder::from(left).filter(pred).and_then(|b| b.build()).map_err(self.df(op.span))?;
        self.join(filtered, params, right, on, join.span).map(Some)
    }

    /// Whether `e` denotes a table (as opposed to a scalar), judged from its shape and the
    /// names in scope.
    pub(crate) fn is_tabular(&self, e: &Ast) -> bool {
        match e {
            Ast::Pipe { .. } | Ast::Source(_) => true,
            Ast::Paren(inner, _) => self.is_tabular(inner),
            Ast::Name(id) => match self.lookup(&id.name) {
                Some(Binding::Table(_)) => true,
                Some(Binding::Function(f)) => f.params.is_empty() && self.body_is_tabular(f),
                Some(Binding::Scalar(_)) => false,
                None => self.cx.table(&id.name).is_some(),
            },
            Ast::Call { name, .. } => match name.name.as_str() {
                "materialize" | "view" | "table" => true,
                n => matches!(self.lookup(n), Some(Binding::Function(f)) if self.body_is_tabular(f)),
            },
            _ => false,
        }
    }

    fn body_is_tabular(&self, f: &crate::kql::ast::Function) -> bool {
        f.body.iter().rev().find_map(|s| match s {
            Statement::Query(e) => Some(matches!(e, Ast::Pipe { .. } | Ast::Source(_)) || self.is_tabular(e)),
            _ => None,
        }) == Some(true)
    }

    fn named_table(&mut self, name: &str, span: Span) -> Result<LogicalPlan, PlanError> {
        match self.lookup(name).cloned() {
            Some(Binding::Table(plan)) => return Ok(plan),
            Some(Binding::Function(f)) if f.params.is_empty() => return self.tabular_function(name, &f, &[], span),
            Some(Binding::Function(_)) => return Err(self.invalid(span, format!("`{name}` is a function with parameters: call it"))),
            Some(Binding::Scalar(_)) => return Err(self.invalid(span, format!("`{name}` is a scalar, not a table"))),
            None => {}
        }
        if name.contains('*') {
            return Err(self.unsupported(span, "a table wildcard outside `union`"));
        }
        let Some(source) = self.cx.table(name) else {
            let names: Vec<&str> = self.cx.table_names().collect();
            let mut msg = format!("unknown table `{name}`");
            if let Some(best) = crate::kql::error::did_you_mean(name, &names) {
                msg.push_str(&format!(" (did you mean `{best}`?)"));
            }
            return Err(self.invalid(span, msg));
        };
        let scan = LogicalPlanBuilder::scan(datafusion::common::TableReference::bare(name), source, None).map_err(self.df(span))?;
        let scan = within_window(scan, self.cx.window).map_err(self.df(span))?;
        let plan = with_time_generated(scan).and_then(|b| b.build()).map_err(self.df(span))?;
        if matches!(plan, LogicalPlan::Projection(_)) { self.boxed(plan, span) } else { Ok(plan) }
    }

    fn tabular_call(&mut self, name: &str, args: &[Ast], span: Span) -> Result<LogicalPlan, PlanError> {
        if let Some(Binding::Function(f)) = self.lookup(name).cloned() {
            return self.tabular_function(name, &f, args, span);
        }
        match (name, args) {
            // Plans are values here: a materialized result is the same plan.
            ("materialize", [arg]) => self.tabular(arg),
            ("table", [Ast::Literal(crate::kql::ast::Literal::String(t), s)]) => self.named_table(t, *s),
            ("cluster" | "database" | "workspace" | "app" | "adx", _) => {
                Err(self.unsupported(span, format!("`{name}()` (lakehunt reads only the lake)")))
            }
            _ => Err(self.unsupported(span, format!("the tabular function `{name}()`"))),
        }
    }

    fn tabular_function(&mut self, name: &str, f: &crate::kql::ast::Function, args: &[Ast], span: Span) -> Result<LogicalPlan, PlanError> {
        self.call_function(name, f, None, args, span)
    }

    /// `input | invoke f(args)`: `input` is `f`'s first (tabular) parameter.
    fn invoke(&mut self, input: LogicalPlan, call: &Ast) -> Result<LogicalPlan, PlanError> {
        let Ast::Call { name, args, span: call_span } = call else {
            return Err(self.invalid(call.span(), "invoke takes a function call"));
        };
        match self.lookup(&name.name).cloned() {
            Some(Binding::Function(f)) if f.params.first().is_some_and(|p| matches!(p.ty, crate::kql::ast::ParamType::Tabular { .. })) => {
                self.call_function(&name.name, &f, Some(input), args, *call_span)
            }
            Some(_) => Err(self.invalid(name.span, format!("`{}` is not a function whose first parameter is a table", name.name))),
            None if DEFENDER_FUNCTIONS.contains(&name.name.as_str()) => {
                Err(self.unsupported(name.span, format!("`{}()`, a function of the Defender cloud service (lakehunt reads only the lake),", name.name)))
            }
            None => Err(self.invalid(name.span, format!("invoke: unknown function `{}` (define it with `let` first)", name.name))),
        }
    }

    /// Calls the `let`-bound function `f`; `first`, when given, binds its first parameter.
    fn call_function(&mut self, name: &str, f: &crate::kql::ast::Function, first: Option<LogicalPlan>, args: &[Ast], span: Span) -> Result<LogicalPlan, PlanError> {
        let skip = usize::from(first.is_some());
        if args.len() + skip > f.params.len() {
            return Err(self.invalid(span, format!("{name}() takes at most {} argument(s)", f.params.len() - skip)));
        }
        let mut scope = std::collections::BTreeMap::new();
        if let (Some(plan), Some(p)) = (first, f.params.first()) {
            scope.insert(p.name.name.clone(), Binding::Table(plan));
        }
        for (i, p) in f.params.iter().enumerate().skip(skip) {
            let binding = match (args.get(i - skip), &p.default) {
                (Some(a), _) if matches!(p.ty, crate::kql::ast::ParamType::Tabular { .. }) => Binding::Table(self.tabular(a)?),
                (Some(a), _) => Binding::Scalar(self.constant(a)?),
                (None, Some(d)) => Binding::Scalar(self.constant(d)?),
                (None, None) => return Err(self.invalid(span, format!("{name}() needs its parameter `{}`", p.name.name))),
            };
            scope.insert(p.name.name.clone(), binding);
        }
        self.enter(span)?;
        self.scopes.push(scope);
        let mut out = Err(self.invalid(f.span, "the function has no result expression"));
        for st in &f.body {
            match st {
                Statement::Let { name, value, .. } => {
                    if let Err(e) = self.bind(&name.name, value) {
                        out = Err(e);
                        break;
                    }
                }
                Statement::Query(e) => out = self.tabular(e),
                _ => {}
            }
        }
        self.scopes.pop();
        self.leave();
        out
    }

    fn operator(&mut self, input: LogicalPlan, op: &Operator) -> Result<LogicalPlan, PlanError> {
        let span = op.span;
        match &op.kind {
            OpKind::Where(Ast::NamedArg { span, .. }) => {
                Err(self.unsupported(*span, "`where Name = value` (a naming expression; use `==` to compare)"))
            }
            OpKind::Where(p) => {
                let pred = self.predicate(p, input.schema())?;
                LogicalPlanBuilder::from(input).filter(pred).and_then(|b| b.build()).map_err(self.df(span))
            }
            OpKind::Project(items) => self.project(input, items, span),
            OpKind::Extend(items) => self.extend(input, items, span),
            OpKind::ProjectAway(names) => self.project_away(input, names, span),
            OpKind::ProjectKeep(names) => self.project_keep(input, names, span),
            OpKind::ProjectRename(pairs) => self.project_rename(input, pairs, span),
            OpKind::ProjectReorder(items) => self.project_reorder(input, items, span),
            OpKind::Summarize { aggs, by, .. } => self.summarize(input, aggs, by, span),
            OpKind::Join { params, right, on } => self.join(input, params, right, on, span),
            OpKind::Lookup { params, right, on } => self.lookup_op(input, params, right, on, span),
            OpKind::Union { params, tables } => self.union(Some(input), params, tables, span),
            OpKind::Take(n) => {
                let n = self.count_arg(n)?;
                LogicalPlanBuilder::from(input).limit(0, Some(n)).and_then(|b| b.build()).map_err(self.df(span))
            }
            OpKind::Sort(keys) => {
                let sort = self.sort_keys(&input, keys)?;
                LogicalPlanBuilder::from(input).sort(sort).and_then(|b| b.build()).map_err(self.df(span))
            }
            OpKind::Top { count, by } => {
                let n = self.count_arg(count)?;
                let sort = self.sort_keys(&input, by)?;
                LogicalPlanBuilder::from(input).sort_with_limit(sort, Some(n)).and_then(|b| b.limit(0, Some(n))).and_then(|b| b.build()).map_err(self.df(span))
            }
            OpKind::Distinct(items) => self.distinct(input, items, span),
            OpKind::MvExpand { params, items, limit } => self.mv_expand(input, params, items, limit.as_ref(), span),
            OpKind::Count => {
                let count = datafusion::functions_aggregate::expr_fn::count(lit(1i64)).alias("Count");
                LogicalPlanBuilder::from(input).aggregate(Vec::<Expr>::new(), vec![count]).and_then(|b| b.build()).map_err(self.df(span))
            }
            OpKind::GetSchema => self.getschema(&input, span),
            OpKind::Invoke(call) => self.invoke(input, call),
            OpKind::Parse { filter, params, source, pattern } => self.parse_op(input, *filter, params, source, pattern, span),
            OpKind::ParseKv { source, columns, with } => self.parse_kv(input, source, columns, with, span),
            // `as` names a result for `union withsource`; `render` only draws.
            OpKind::As { name, .. } => {
                if let Some(scope) = self.scopes.last_mut() {
                    scope.insert(name.name.clone(), Binding::Table(input.clone()));
                }
                Ok(input)
            }
            OpKind::Render { .. } => Ok(input),
            // `serialize` marks the rows as numbered in the order they come.
            OpKind::Serialize(items) => {
                let serial = self.serialized(input, span)?;
                if items.is_empty() { Ok(serial) } else { self.extend(serial, items, span) }
            }
            other => Err(self.unsupported(span, format!("the `{}` operator", operator_name(other)))),
        }
    }

    /// A row count: a constant, non-negative long.
    pub(crate) fn count_arg(&mut self, e: &Ast) -> Result<usize, PlanError> {
        match self.constant(e)? {
            Expr::Literal(ScalarValue::Int64(Some(n)), _) if n >= 0 => Ok(n as usize),
            Expr::Literal(ScalarValue::Int32(Some(n)), _) if n >= 0 => Ok(n as usize),
            _ => Err(self.invalid(e.span(), "expected a constant, non-negative row count")),
        }
    }

    /// Sort keys: descending unless `asc`; nulls first when ascending and last when
    /// descending unless written (reference notes §1, item 10).
    pub(crate) fn sort_keys(&mut self, input: &LogicalPlan, keys: &[SortKey]) -> Result<Vec<SortExpr>, PlanError> {
        let mut out = Vec::new();
        for k in keys {
            let e = self.scalar(&k.expr, input.schema())?;
            let asc = k.asc.unwrap_or(false);
            out.push(e.sort(asc, k.nulls_first.unwrap_or(asc)));
        }
        Ok(out)
    }

    fn distinct(&mut self, input: LogicalPlan, items: &[crate::kql::ast::NamedExpr], span: Span) -> Result<LogicalPlan, PlanError> {
        let star = matches!(items, [one] if matches!(one.expr, Ast::Star(_)) && one.names.is_empty());
        let projected = if star { input } else { self.project(input, items, span)? };
        LogicalPlanBuilder::from(projected).distinct().and_then(|b| b.build()).map_err(self.df(span))
    }

    fn getschema(&self, input: &LogicalPlan, span: Span) -> Result<LogicalPlan, PlanError> {
        let rows: Vec<Vec<ScalarValue>> = input
            .schema()
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let ty = super::types::field_type(f);
                let text = |s: &str| ScalarValue::Utf8(Some(s.to_string()));
                vec![text(f.name()), ScalarValue::Int32(Some(i as i32)), text(dotnet_type(ty)), text(ty.name())]
            })
            .collect();
        use crate::catalog::KustoType as K;
        let names: Vec<String> = ["ColumnName", "ColumnOrdinal", "DataType", "ColumnType"].iter().map(|s| s.to_string()).collect();
        self.rows_plan(&names, &[K::String, K::Int, K::String, K::String], rows, span)
    }

    /// The plan to return: the last tabular statement's.
    pub(crate) fn finish(&self, plan: LogicalPlan) -> Result<LogicalPlan, PlanError> {
        Ok(plan)
    }
}

/// Sentinel's copies of the Defender tables carry `TimeGenerated` beside `Timestamp`, and
/// rules written for Sentinel filter on it; in the lake it is the same instant. The alias
/// comes last, and filters on it still prune by `Timestamp` (DataFusion rewrites them
/// through the projection).
/// `scan` limited to the rows whose `Timestamp` falls in `window` (`[from, to)`, Unix
/// nanoseconds), when there is one: a hunt's `--from`/`--to` bound every table a rule
/// reads, join sides included, and the bound prunes the lake's day partitions and row
/// groups.
fn within_window(scan: LogicalPlanBuilder, window: Option<(i64, i64)>) -> datafusion::common::Result<LogicalPlanBuilder> {
    let Some((from, to)) = window else { return Ok(scan) };
    let Some((q, f)) = scan.schema().iter().find(|(_, f)| f.name() == "Timestamp") else { return Ok(scan) };
    let ts = Expr::Column(Column::new(q.cloned(), f.name()));
    let at = |n: i64| datafusion::logical_expr::lit(ScalarValue::TimestampNanosecond(Some(n), Some("UTC".into())));
    scan.filter(ts.clone().gt_eq(at(from)).and(ts.lt(at(to))))
}

fn with_time_generated(scan: LogicalPlanBuilder) -> datafusion::common::Result<LogicalPlanBuilder> {
    let schema = scan.schema().clone();
    let has = |n: &str| schema.fields().iter().any(|f| f.name() == n);
    if !has("Timestamp") || has("TimeGenerated") {
        return Ok(scan);
    }
    let mut exprs: Vec<Expr> = schema.iter().map(|(q, f)| Expr::Column(Column::new(q.cloned(), f.name()))).collect();
    let ts = schema.iter().find(|(_, f)| f.name() == "Timestamp").map(|(q, f)| Expr::Column(Column::new(q.cloned(), f.name())));
    if let Some(ts) = ts {
        exprs.push(ts.alias("TimeGenerated"));
    }
    scan.project(exprs)
}

fn dotnet_type(ty: crate::catalog::KustoType) -> &'static str {
    use crate::catalog::KustoType as K;
    match ty {
        K::String => "System.String",
        K::Long => "System.Int64",
        K::Int => "System.Int32",
        K::Bool => "System.SByte",
        K::DateTime => "System.DateTime",
        K::Dynamic => "System.Object",
        K::Real => "System.Double",
        K::Guid => "System.Guid",
        K::TimeSpan => "System.TimeSpan",
    }
}

/// The operator's keyword, for refusals.
/// Functions that Advanced Hunting provides and that read the Defender service's own data
/// (documented on the Advanced Hunting function pages), so no lake can answer them.
const DEFENDER_FUNCTIONS: [&str; 4] = ["AssignedIPAddresses", "DeviceFromIP", "FileProfile", "SeenBy"];

pub(crate) fn operator_name(k: &OpKind) -> &'static str {
    match k {
        OpKind::Where(_) => "where",
        OpKind::Project(_) => "project",
        OpKind::ProjectAway(_) => "project-away",
        OpKind::ProjectKeep(_) => "project-keep",
        OpKind::ProjectRename(_) => "project-rename",
        OpKind::ProjectByNames(_) => "project-by-names",
        OpKind::ProjectReorder(_) => "project-reorder",
        OpKind::Extend(_) => "extend",
        OpKind::Summarize { .. } => "summarize",
        OpKind::Join { .. } => "join",
        OpKind::Lookup { .. } => "lookup",
        OpKind::Union { .. } => "union",
        OpKind::MvExpand { .. } => "mv-expand",
        OpKind::MvApply { .. } => "mv-apply",
        OpKind::Parse { filter: false, .. } => "parse",
        OpKind::Parse { filter: true, .. } => "parse-where",
        OpKind::ParseKv { .. } => "parse-kv",
        OpKind::Take(_) => "take",
        OpKind::Top { .. } => "top",
        OpKind::TopNested(_) => "top-nested",
        OpKind::TopHitters { .. } => "top-hitters",
        OpKind::Sort(_) => "sort",
        OpKind::Distinct(_) => "distinct",
        OpKind::Count => "count",
        OpKind::As { .. } => "as",
        OpKind::Serialize(_) => "serialize",
        OpKind::Invoke(_) => "invoke",
        OpKind::Evaluate { .. } => "evaluate",
        OpKind::MakeSeries { .. } => "make-series",
        OpKind::Render { .. } => "render",
        OpKind::GetSchema => "getschema",
        OpKind::Sample(_) => "sample",
        OpKind::SampleDistinct { .. } => "sample-distinct",
        OpKind::Facet { .. } => "facet",
        OpKind::Fork(_) => "fork",
        OpKind::Partition { .. } => "partition",
        OpKind::Scan { .. } => "scan",
        OpKind::Print(_) => "print",
        OpKind::Range { .. } => "range",
        OpKind::Datatable { .. } => "datatable",
        OpKind::ExternalData { .. } => "externaldata",
        OpKind::Search { .. } => "search",
        OpKind::Find { .. } => "find",
        OpKind::Consume => "consume",
    }
}
