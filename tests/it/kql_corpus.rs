//! Every public hunting rule in ../shared/corpus parses, and printing round-trips.

use std::collections::BTreeMap;
use std::path::PathBuf;

use lakehunt::kql::parse;
use lakehunt::rules::load_rule;

use super::common::shared;

pub fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = super::common::files_under(&shared().join("corpus"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// The files listed in `corpus_invalid.tsv`, by path under the corpus directory.
fn known_invalid() -> BTreeMap<String, String> {
    let text = include_str!("corpus_invalid.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(p, r)| (p.to_string(), r.to_string()))
        .collect()
}

#[test]
fn every_valid_corpus_rule_parses_and_prints_back_to_the_same_tree() {
    let root = shared().join("corpus");
    let files = corpus_files();
    assert!(files.len() > 900, "{}", files.len());
    let mut failed = BTreeMap::new();
    let mut roundtrip_failed = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&root).expect("under corpus").to_string_lossy().into_owned();
        let parsed = load_rule(f).and_then(|rule| rule.parse());
        match parsed {
            Ok(script) => {
                let printed = script.to_string();
                match parse(&printed) {
                    Ok(again) if again == script => {}
                    Ok(_) => roundtrip_failed.push(format!("{rel}: the printed text parses to another tree\n{printed}")),
                    Err(e) => roundtrip_failed.push(format!("{rel}: the printed text does not parse: {e}\n{printed}")),
                }
            }
            Err(e) => {
                failed.insert(rel, e.to_string());
            }
        }
    }
    assert!(roundtrip_failed.is_empty(), "{}", roundtrip_failed.join("\n\n"));
    let known = known_invalid();
    let unexpected: Vec<String> = failed.iter().filter(|(p, _)| !known.contains_key(*p)).map(|(p, e)| format!("{p}: {e}")).collect();
    assert!(unexpected.is_empty(), "corpus rules that should parse but do not:\n{}", unexpected.join("\n\n"));
    let stale: Vec<&String> = known.keys().filter(|p| !failed.contains_key(*p)).collect();
    assert!(stale.is_empty(), "listed as invalid but parse now: {stale:?}");
}

/// Every query the real engine accepted (kusto-oracle.jsonl) and every documented example
/// (docs.yaml) parses and prints back to the same tree.
#[test]
fn every_accepted_conformance_query_parses_and_round_trips() {
    let oracle = std::fs::read_to_string(shared().join("conformance/kusto-oracle.jsonl")).expect("oracle");
    let mut queries: Vec<String> = Vec::new();
    for line in oracle.lines() {
        let case: serde_json::Value = serde_json::from_str(line).expect("oracle line is JSON");
        if case["Kusto"].get("Error").is_none() {
            queries.push(case["Kql"].as_str().unwrap_or_default().to_string());
        }
    }
    let docs: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(shared().join("conformance/docs.yaml")).expect("docs")).expect("docs is YAML");
    for case in docs.as_sequence().into_iter().flatten() {
        queries.push(case["corrected_query"].as_str().or(case["query"].as_str()).unwrap_or_default().to_string());
    }
    assert!(queries.len() > 1400, "{}", queries.len());
    let mut failed = Vec::new();
    for kql in &queries {
        match parse(kql) {
            Ok(script) => {
                let printed = script.to_string();
                if parse(&printed).ok().as_ref() != Some(&script) {
                    failed.push(format!("round trip:\n{kql}\n=> {printed}"));
                }
            }
            Err(e) => failed.push(format!("{kql}\n{e}")),
        }
    }
    assert!(failed.is_empty(), "{} of {} fail:\n{}", failed.len(), queries.len(), failed.join("\n\n"));
}
