//! The conformance runner: runs the cases of `../shared/conformance` (the real engine's
//! results in `kusto-oracle.jsonl`, the documented examples in `docs.yaml`) and compares
//! our rows with theirs by type, with each case's ordering rules and a float tolerance.
//!
//! Expected values only ever come from those files.

pub mod cell;
pub mod docs;
pub mod oracle;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use datafusion::arrow::array::RecordBatch;
use datafusion::prelude::SessionContext;

use self::cell::{Cell, Tolerance, batches_to_cells};
use crate::catalog::KustoType;
use crate::plan::{PlanContext, PlanErrorKind, QueryError, plan_kql};

/// `now()` for every case: the cases that read it have no fixed answer anyway.
const NOW: i64 = 1_767_225_600_000_000_000; // 2026-01-01T00:00:00Z

/// What became of one case.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Our result agrees.
    Pass,
    /// It does not; why.
    Fail(String),
    /// We refused a construct we do not support (the message names it).
    Unsupported(String),
}

/// One case's result.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// `oracle:<hash>` or `docs:<id>`: stable across runs and edits of other cases.
    pub key: String,
    /// The topic, for grouping failures.
    pub category: String,
    /// The outcome.
    pub status: Status,
}

/// What running a query gave: columns with types and rows, or an error.
pub(crate) enum Outcome {
    Rows { names: Vec<String>, types: Vec<KustoType>, rows: Vec<Vec<Cell>> },
    Unsupported(String),
    Error(String),
}

/// A session with the KQL functions, shared by all cases.
pub fn session() -> SessionContext {
    let ctx = crate::catalog::new_session();
    crate::functions::Registry::new().register(&ctx);
    ctx
}

/// Plans and runs `kql`; a panic anywhere is caught and reported as an error.
pub(crate) async fn execute(ctx: &SessionContext, kql: &str) -> Outcome {
    let ctx = ctx.clone();
    let text = kql.to_string();
    let task = tokio::spawn(async move {
        let cx = PlanContext::in_memory(NOW);
        let plan = match plan_kql(&text, &cx) {
            Ok(p) => p,
            Err(QueryError::Plan(e)) if e.kind == PlanErrorKind::Unsupported => return Outcome::Unsupported(e.message),
            Err(e) => return Outcome::Error(first_line(&e.to_string())),
        };
        let schema = plan.schema().as_arrow().clone();
        let batches: Vec<RecordBatch> = match ctx.execute_logical_plan(plan).await {
            Ok(df) => match df.collect().await {
                Ok(b) => b,
                Err(e) => return Outcome::Error(first_line(&e.strip_backtrace())),
            },
            Err(e) => return Outcome::Error(first_line(&e.strip_backtrace())),
        };
        let names = schema.fields().iter().map(|f| f.name().clone()).collect();
        let types: Vec<KustoType> = schema.fields().iter().map(|f| crate::plan::types::field_type(f)).collect();
        let (_, rows) = batches_to_cells(&batches);
        Outcome::Rows { names, types, rows }
    });
    match task.await {
        Ok(o) => o,
        Err(e) => Outcome::Error(format!("panicked: {e}")),
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().chars().take(200).collect()
}

/// What `translate` and `query --sql` make of a query, against running the plan itself.
#[derive(Debug, Clone, PartialEq)]
pub enum RoundTrip {
    /// The query does not plan or run as KQL: nothing to compare.
    NotRun,
    /// The SQL gives the same rows.
    Same,
    /// It does not; why.
    Differs(String),
}

/// Plans `kql` (read with `options`) with `cx`; for each result set of the batch, runs the
/// plan, unparses it to SQL, runs the SQL in the same session, and compares the rows (as
/// multisets; reals must be equal, NaN equals NaN). The first difference is reported.
pub async fn round_trip(ctx: &SessionContext, cx: &PlanContext, kql: &str, options: crate::kql::ParseOptions) -> RoundTrip {
    let Ok(plans) = crate::plan::plan_kql_batch(kql, cx, options) else { return RoundTrip::NotRun };
    let mut outcome = RoundTrip::NotRun;
    for plan in plans {
        match round_trip_plan(ctx, plan, kql).await {
            RoundTrip::Same => outcome = RoundTrip::Same,
            other => return other,
        }
    }
    outcome
}

/// [`round_trip`] for one statement's plan.
async fn round_trip_plan(ctx: &SessionContext, plan: datafusion::logical_expr::LogicalPlan, kql: &str) -> RoundTrip {
    let sql = match crate::plan::to_sql(&plan) {
        Ok(s) => s,
        Err(e) => return RoundTrip::Differs(format!("cannot unparse: {}", first_line(&e.strip_backtrace()))),
    };
    let direct = match ctx.execute_logical_plan(plan).await {
        Ok(df) => df.collect().await,
        Err(e) => Err(e),
    };
    let Ok(direct) = direct else { return RoundTrip::NotRun };
    let via_sql = match ctx.sql(&sql).await {
        Ok(df) => df.collect().await,
        Err(e) => Err(e),
    };
    let via_sql = match via_sql {
        Ok(b) => b,
        Err(e) => return RoundTrip::Differs(format!("the SQL fails: {}\n{sql}", first_line(&e.strip_backtrace()))),
    };
    let a = batches_to_cells(&direct).1;
    // SQL carries no field metadata, so a dynamic column comes back as its JSON text: read
    // it back as JSON where the direct rows hold dynamic values.
    let dynamic: Vec<bool> = (0..a.first().map_or(0, Vec::len)).map(|i| a.iter().any(|r| matches!(r.get(i), Some(Cell::Dyn(_))))).collect();
    let b: Vec<Vec<Cell>> = batches_to_cells(&via_sql)
        .1
        .into_iter()
        .map(|r| {
            r.into_iter()
                .enumerate()
                .map(|(i, c)| match c {
                    Cell::Str(t) if dynamic.get(i) == Some(&true) => serde_json::from_str(&t).map_or(Cell::Str(t), Cell::Dyn),
                    other => other,
                })
                .collect()
        })
        .collect();
    // Lists built from unordered rows may come in another order (as in the oracle runs).
    let rules = RowRules { ordered: false, partial: false, tol: Tolerance { real: 1e-12, unordered_arrays: tolerance(kql).unordered_arrays } };
    match compare_rows(&b, &a, rules) {
        Ok(()) => RoundTrip::Same,
        Err(m) => RoundTrip::Differs(format!("{m}\n{sql}")),
    }
}

/// How expected rows are compared with ours.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowRules {
    /// Rows compare in order.
    pub ordered: bool,
    /// The expected rows are only some of the rows (a prefix when ordered).
    pub partial: bool,
    /// Cell tolerance.
    pub tol: Tolerance,
}

/// Compares rows; `Err` says how they differ.
pub(crate) fn compare_rows(ours: &[Vec<Cell>], expected: &[Vec<Cell>], rules: RowRules) -> Result<(), String> {
    let row_eq = |a: &Vec<Cell>, b: &Vec<Cell>| a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.matches(y, rules.tol));
    if !rules.partial && ours.len() != expected.len() {
        return Err(format!("{} rows, expected {}", ours.len(), expected.len()));
    }
    if rules.ordered {
        for (i, e) in expected.iter().enumerate() {
            match ours.get(i) {
                Some(o) if row_eq(o, e) => {}
                Some(o) => return Err(format!("row {i}: got {o:?}, expected {e:?}")),
                None => return Err(format!("row {i} missing: expected {e:?}")),
            }
        }
        return Ok(());
    }
    let mut unused: Vec<&Vec<Cell>> = ours.iter().collect();
    for e in expected {
        match unused.iter().position(|o| row_eq(o, e)) {
            Some(i) => {
                unused.remove(i);
            }
            None => return Err(format!("expected row {e:?} not found (got {:?})", ours.iter().take(3).collect::<Vec<_>>())),
        }
    }
    Ok(())
}

/// Whether a query's output order is defined: it sorts (or takes a top) and nothing after
/// that reorders rows.
pub(crate) fn defines_order(kql: &str) -> bool {
    let segments: Vec<String> = kql.split('|').map(|s| s.split_whitespace().next().unwrap_or_default().to_ascii_lowercase()).collect();
    let Some(last_sort) = segments.iter().rposition(|w| matches!(w.as_str(), "sort" | "order" | "top" | "serialize")) else {
        return false;
    };
    segments[last_sort + 1..].iter().all(|w| {
        matches!(w.as_str(), "project" | "extend" | "take" | "limit" | "where" | "project-away" | "project-keep" | "project-rename" | "project-reorder")
    })
}

/// Tolerance for a query: reals to 1e-9 relative; arrays unordered where the query builds
/// sets, or lists from input whose order nothing fixes (make_list "follows the input order
/// only if the input is sorted", make-list docs).
pub(crate) fn tolerance(kql: &str) -> Tolerance {
    let sets = ["make_set", "set_union", "set_intersect", "set_difference", "bag_keys", "makeset"];
    let ordered_input = ["sort ", "order by", "serialize"].iter().any(|s| kql.contains(s));
    let loose_lists = kql.contains("make_list") && !ordered_input;
    Tolerance { real: 1e-9, unordered_arrays: loose_lists || sets.iter().any(|s| kql.contains(s)) }
}

/// A stable key for a query text (FNV-1a, 64 bits).
pub fn text_key(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Runs every case of `kusto-oracle.jsonl`.
pub async fn run_oracle(path: &Path) -> std::io::Result<Vec<CaseResult>> {
    let text = std::fs::read_to_string(path)?;
    let ctx = session();
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: oracle::OracleCase = match serde_json::from_str(line) {
            Ok(c) => c,
            Err(e) => {
                out.push(CaseResult { key: format!("oracle:line-{}", out.len() + 1), category: "unreadable".into(), status: Status::Fail(e.to_string()) });
                continue;
            }
        };
        let key = format!("oracle:{}", text_key(&case.kql));
        // The file repeats some queries; one verdict per query text.
        if !seen.insert(key.clone()) {
            continue;
        }
        let status = oracle_status(&ctx, &case).await;
        out.push(CaseResult { key, category: case.family.clone(), status });
    }
    Ok(out)
}

async fn oracle_status(ctx: &SessionContext, case: &oracle::OracleCase) -> Status {
    let outcome = execute(ctx, &case.kql).await;
    if case.kusto.error.is_some() {
        return match outcome {
            Outcome::Rows { .. } => Status::Fail("the real engine rejects this query; we returned rows".into()),
            _ => Status::Pass,
        };
    }
    let (names, types, rows) = match outcome {
        Outcome::Rows { names, types, rows } => (names, types, rows),
        Outcome::Unsupported(m) => return Status::Unsupported(m),
        Outcome::Error(m) => return Status::Fail(format!("error: {m}")),
    };
    let mut expected_types = Vec::new();
    let mut expected_names = Vec::new();
    for c in &case.kusto.columns {
        let (name, ty) = c.rsplit_once(':').unwrap_or((c, ""));
        expected_names.push(name.to_string());
        match oracle::client_type(ty) {
            Some(t) => expected_types.push(t),
            None => return Status::Fail(format!("unknown client type {ty}")),
        }
    }
    if names != expected_names {
        return Status::Fail(format!("columns {names:?}, expected {expected_names:?}"));
    }
    let ours: Vec<&str> = types.iter().map(|t| oracle::client_name(*t)).collect();
    let theirs: Vec<&str> = expected_types.iter().map(|t| oracle::client_name(*t)).collect();
    if ours != theirs {
        return Status::Fail(format!("types {ours:?}, expected {theirs:?}"));
    }
    if rows.len() != case.kusto.row_count {
        return Status::Fail(format!("{} rows, expected {}", rows.len(), case.kusto.row_count));
    }
    if case.outcome == "SkippedNondeterministic" {
        return Status::Pass;
    }
    let mut expected = Vec::new();
    for r in &case.kusto.sample_rows {
        match oracle::parse_row(r, &expected_types) {
            Some(cells) => expected.push(cells),
            None => return Status::Fail(format!("cannot split the expected row {r:?}")),
        }
    }
    let rules = RowRules { ordered: defines_order(&case.kql), partial: expected.len() < case.kusto.row_count, tol: tolerance(&case.kql) };
    match compare_rows(&rows, &expected, rules) {
        Ok(()) => Status::Pass,
        Err(m) => Status::Fail(m),
    }
}

/// Counts and failures by category, as the runner prints them.
pub fn report(file: &str, results: &[CaseResult]) -> String {
    let passed = results.iter().filter(|r| r.status == Status::Pass).count();
    let unsupported = results.iter().filter(|r| matches!(r.status, Status::Unsupported(_))).count();
    let failed = results.len() - passed - unsupported;
    let in_scope = passed + failed;
    let pct = if in_scope == 0 { 0.0 } else { 100.0 * passed as f64 / in_scope as f64 };
    let mut s = format!("{file}: {passed} passed, {failed} failed, {unsupported} unsupported ({pct:.1}% of in-scope cases pass)\n");
    let mut by_category: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
    for r in results.iter().filter(|r| matches!(r.status, Status::Fail(_))) {
        by_category.entry(r.category.as_str()).or_default().push(r);
    }
    for (category, fails) in &by_category {
        let _ = writeln!(s, "  {category}: {} failed", fails.len());
        for r in fails {
            if let Status::Fail(m) = &r.status {
                let _ = writeln!(s, "    {}: {}", r.key, m.chars().take(160).collect::<String>());
            }
        }
    }
    let mut refusals: BTreeMap<String, usize> = BTreeMap::new();
    for r in results {
        if let Status::Unsupported(m) = &r.status {
            *refusals.entry(m.clone()).or_default() += 1;
        }
    }
    let mut refusals: Vec<(String, usize)> = refusals.into_iter().collect();
    refusals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (m, n) in refusals.iter().take(15) {
        let _ = writeln!(s, "  unsupported ×{n}: {m}");
    }
    s
}
