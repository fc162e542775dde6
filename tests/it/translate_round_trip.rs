//! `translate` then `query --sql` gives the rows the KQL gives: for every conformance case
//! and every corpus rule that plans (the rules over a small generated lake).
//!
//! DataFusion's unparser still mangles some plans (stacked aliases over joins, a few
//! casts). Those queries are listed in `tests/conformance/translate_known_differences.txt`
//! by key; the list may only shrink: a listed query that now round-trips fails the test
//! until it is removed, and an unlisted one that differs fails it too.
//! `LAKEHUNT_UPDATE_DIFFERENCES=1` rewrites the list (for removals).

use std::collections::BTreeSet;
use std::path::PathBuf;

use lakehunt::catalog::register_lake;
use lakehunt::conformance::{RoundTrip, round_trip, session, text_key};
use lakehunt::kql::ParseOptions;
use lakehunt::plan::PlanContext;

use super::common::{END, gen_lake, shared};

fn known_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/translate_known_differences.txt")
}

fn conformance_queries() -> Vec<String> {
    let mut out = Vec::new();
    let oracle = std::fs::read_to_string(shared().join("conformance/kusto-oracle.jsonl")).expect("oracle");
    for line in oracle.lines() {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(line)
            && let Some(q) = v["Kql"].as_str()
        {
            out.push(q.to_string());
        }
    }
    let docs: Vec<serde_yaml::Value> = serde_yaml::from_str(&std::fs::read_to_string(shared().join("conformance/docs.yaml")).expect("docs")).expect("yaml");
    for case in docs {
        let q = case.get("corrected_query").or_else(|| case.get("query")).and_then(|q| q.as_str()).map(str::to_string);
        out.extend(q);
    }
    out
}

async fn compare_all() -> (usize, Vec<(String, String)>) {
    // One device for one day: the rules' plans are what is under test, not the volume.
    let lake = tempfile::tempdir().expect("temp dir");
    gen_lake(lake.path(), 1, 1, 1);
    // One partition, so that both runs see rows in the same order: rules use `any()` and
    // unsorted `make_list`, whose results depend on that order, and a parallel plan would
    // make such a query differ from run to run.
    let ctx = datafusion::prelude::SessionContext::new_with_config(session().copied_config().with_target_partitions(1));
    lakehunt::functions::Registry::new().register(&ctx);
    register_lake(&ctx, lake.path()).expect("register");
    let lake_cx = PlanContext::from_session(&ctx, END).await.expect("tables");
    // Conformance queries are read as the engine reads them; rules as rule files are, with
    // blank lines separating the queries of a batch.
    let rule_options = ParseOptions { blank_line_separates: true };
    let mut queries: Vec<(String, ParseOptions)> = conformance_queries().into_iter().map(|q| (q, ParseOptions::default())).collect();
    for path in super::kql_corpus::corpus_files() {
        if let Ok(rule) = lakehunt::rules::load_rule(&path) {
            queries.push((rule.query, rule_options));
        }
    }
    let mut seen = BTreeSet::new();
    let (mut same, mut differs) = (0, Vec::new());
    for (q, options) in &queries {
        if !seen.insert(text_key(q)) {
            continue;
        }
        match round_trip(&ctx, &lake_cx, q, *options).await {
            RoundTrip::NotRun => {}
            RoundTrip::Same => same += 1,
            RoundTrip::Differs(m) => differs.push((text_key(q), format!("{}\n  {m}", q.replace('\n', " ")))),
        }
    }
    (same, differs)
}

#[test]
fn translated_sql_gives_the_same_rows() {
    // Deep plans recurse deeply through DataFusion's SQL planner in a debug build.
    let worker = std::thread::Builder::new().stack_size(512 << 20).spawn(|| {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(compare_all())
    });
    let (same, differs) = worker.expect("thread").join().expect("no panic");
    let known: BTreeSet<String> = std::fs::read_to_string(known_file())
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_whitespace().next().unwrap_or_default().to_string())
        .collect();
    let differing: BTreeSet<String> = differs.iter().map(|(k, _)| k.clone()).collect();
    eprintln!("{same} queries give the same rows through SQL; {} differ ({} known)", differs.len(), known.len());
    if std::env::var_os("LAKEHUNT_UPDATE_DIFFERENCES").is_some() {
        let mut text = String::from("# Queries whose translated SQL does not yet give the KQL's rows (DataFusion unparser limits). Only remove lines.\n");
        for (k, d) in &differs {
            if known.contains(k) {
                text.push_str(&format!("{k} {}\n", d.lines().nth(1).unwrap_or_default().trim().chars().take(120).collect::<String>()));
            }
        }
        std::fs::write(known_file(), text).expect("write");
    }
    assert!(same > 1000, "{same}");
    let new: Vec<String> = differs.iter().filter(|(k, _)| !known.contains(k)).map(|(k, d)| format!("{k} {d}")).collect();
    assert!(new.is_empty(), "{} queries newly differ through SQL:\n\n{}", new.len(), new.iter().take(20).cloned().collect::<Vec<_>>().join("\n\n"));
    // Reported, not failed: a few listed queries have no fixed row order or choice
    // (innerunique, take), so they may agree on one run and not on the next.
    let fixed: Vec<&String> = known.iter().filter(|k| !differing.contains(*k)).collect();
    if !fixed.is_empty() {
        eprintln!("now round-trip; remove them from the list (LAKEHUNT_UPDATE_DIFFERENCES=1): {fixed:?}");
    }
}
