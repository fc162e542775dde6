//! [`walk_script`]: calls a function on every expression of a script, operators'
//! arguments and nested subqueries included, in source order.

use super::ast::*;

/// Visits every expression of every statement.
pub fn walk_script(script: &Script, f: &mut dyn FnMut(&Expr)) {
    for s in &script.statements {
        walk_statement(s, f);
    }
}

fn walk_statement(s: &Statement, f: &mut dyn FnMut(&Expr)) {
    match s {
        Statement::Let { value: LetValue::Expr(e), .. } | Statement::Query(e) => walk_expr(e, f),
        Statement::Let { value: LetValue::Function(func), .. } => {
            for p in &func.params {
                walk_opt(p.default.as_ref(), f);
            }
            for s in &func.body {
                walk_statement(s, f);
            }
        }
        Statement::Set { value, .. } => walk_opt(value.as_ref(), f),
        Statement::DeclareQueryParameters { params, .. } => {
            for p in params {
                walk_opt(p.default.as_ref(), f);
            }
        }
    }
}

fn walk_opt(e: Option<&Expr>, f: &mut dyn FnMut(&Expr)) {
    if let Some(e) = e {
        walk_expr(e, f);
    }
}

fn walk_all<'a>(es: impl IntoIterator<Item = &'a Expr>, f: &mut dyn FnMut(&Expr)) {
    for e in es {
        walk_expr(e, f);
    }
}

fn walk_named<'a>(items: impl IntoIterator<Item = &'a NamedExpr>, f: &mut dyn FnMut(&Expr)) {
    walk_all(items.into_iter().map(|n| &n.expr), f);
}

fn walk_params(ps: &[OpParam], f: &mut dyn FnMut(&Expr)) {
    walk_all(ps.iter().map(|p| &p.value), f);
}

/// Visits `e` and everything inside it.
pub fn walk_expr(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match e {
        Expr::Literal(Literal::Dynamic(inner), _) => walk_expr(inner, f),
        Expr::Literal(..) | Expr::Name(_) | Expr::Star(_) | Expr::Input(_) => {}
        Expr::Member { target, .. } => walk_expr(target, f),
        Expr::Index { target, index, .. } => {
            walk_expr(target, f);
            walk_expr(index, f);
        }
        Expr::Call { args, .. } => walk_all(args, f),
        Expr::MethodCall { target, args, .. } => {
            walk_expr(target, f);
            walk_all(args, f);
        }
        Expr::NamedArg { value, .. } => walk_expr(value, f),
        Expr::Neg { expr, .. } | Expr::Paren(expr, _) => walk_expr(expr, f),
        Expr::Binary { left, right, .. } | Expr::StrBinary { left, right, .. } => {
            walk_expr(left, f);
            walk_expr(right, f);
        }
        Expr::InList { left, list, .. } => {
            walk_expr(left, f);
            walk_all(list, f);
        }
        Expr::Between { expr, low, high, .. } => walk_all([&**expr, &**low, &**high], f),
        Expr::Array(items, _) => walk_all(items, f),
        Expr::Bag(pairs, _) => walk_all(pairs.iter().map(|(_, v)| v), f),
        Expr::Pipe { input, op, .. } => {
            walk_expr(input, f);
            walk_operator(op, f);
        }
        Expr::Source(op) => walk_operator(op, f),
    }
}

/// Visits the expressions inside one operator.
pub fn walk_operator(op: &Operator, f: &mut dyn FnMut(&Expr)) {
    match &op.kind {
        OpKind::Where(e) | OpKind::Take(e) | OpKind::Invoke(e) | OpKind::Sample(e) => walk_expr(e, f),
        OpKind::Project(items) | OpKind::Extend(items) | OpKind::Serialize(items) | OpKind::Print(items) | OpKind::Distinct(items) | OpKind::Fork(items) => {
            walk_named(items, f)
        }
        OpKind::ProjectByNames(items) => walk_all(items, f),
        OpKind::ProjectAway(_) | OpKind::ProjectKeep(_) | OpKind::ProjectRename(_) | OpKind::ProjectReorder(_) => {}
        OpKind::Count | OpKind::GetSchema | OpKind::Consume => {}
        OpKind::Summarize { params, aggs, by } => {
            walk_params(params, f);
            walk_named(aggs, f);
            walk_named(by, f);
        }
        OpKind::Join { params, right, on } | OpKind::Lookup { params, right, on } => {
            walk_params(params, f);
            walk_expr(right, f);
            walk_all(on, f);
        }
        OpKind::Union { params, tables } => {
            walk_params(params, f);
            walk_all(tables, f);
        }
        OpKind::MvExpand { params, items, limit } => {
            walk_params(params, f);
            walk_named(items.iter().map(|i| &i.item), f);
            walk_opt(limit.as_ref(), f);
        }
        OpKind::MvApply { params, items, limit, on } => {
            walk_params(params, f);
            walk_named(items.iter().map(|i| &i.item), f);
            walk_opt(limit.as_ref(), f);
            walk_expr(on, f);
        }
        OpKind::Parse { params, source, .. } => {
            walk_params(params, f);
            walk_expr(source, f);
        }
        OpKind::ParseKv { source, with, .. } => {
            walk_expr(source, f);
            walk_params(with, f);
        }
        OpKind::Top { count, by } => {
            walk_expr(count, f);
            walk_all(by.iter().map(|k| &k.expr), f);
        }
        OpKind::Sort(keys) => walk_all(keys.iter().map(|k| &k.expr), f),
        OpKind::TopNested(clauses) => {
            for c in clauses {
                walk_opt(c.count.as_ref(), f);
                walk_expr(&c.of.expr, f);
                walk_opt(c.others.as_ref(), f);
                walk_expr(&c.by.expr, f);
            }
        }
        OpKind::TopHitters { count, of, by } => {
            walk_all([count, of], f);
            walk_opt(by.as_ref(), f);
        }
        OpKind::As { params, .. } => walk_params(params, f),
        OpKind::Evaluate { params, call, .. } => {
            walk_params(params, f);
            walk_expr(call, f);
        }
        OpKind::MakeSeries { params, aggs, on, range, by } => {
            walk_params(params, f);
            for (agg, default) in aggs {
                walk_expr(&agg.expr, f);
                walk_opt(default.as_ref(), f);
            }
            walk_expr(on, f);
            walk_all(range.iter().map(|(_, e)| e), f);
            walk_named(by, f);
        }
        OpKind::Render { with, .. } => walk_params(with, f),
        OpKind::SampleDistinct { count, of } => walk_all([count, of], f),
        OpKind::Facet { with, .. } => walk_opt(with.as_ref(), f),
        OpKind::Partition { params, body, .. } => {
            walk_params(params, f);
            walk_expr(body, f);
        }
        OpKind::Scan { params, declare, steps } => {
            walk_params(params, f);
            for p in declare {
                walk_opt(p.default.as_ref(), f);
            }
            for s in steps {
                walk_params(&s.params, f);
                walk_expr(&s.condition, f);
                walk_named(&s.assignments, f);
            }
        }
        OpKind::Range { from, to, step, .. } => walk_all([from, to, step], f),
        OpKind::Datatable { values, .. } => walk_all(values, f),
        OpKind::ExternalData { urls, with, .. } => {
            walk_all(urls, f);
            walk_params(with, f);
        }
        OpKind::Search { params, tables, predicate } => {
            walk_params(params, f);
            walk_all(tables, f);
            walk_expr(predicate, f);
        }
        OpKind::Find { params, tables, predicate, project } => {
            walk_params(params, f);
            walk_all(tables, f);
            walk_expr(predicate, f);
            walk_all(project, f);
        }
    }
}
