//! The conformance suite: every case of `../shared/conformance` runs, the report prints
//! (`cargo test conformance -- --nocapture`), and every case listed in
//! `tests/conformance/passing.txt` must pass. The list is a ratchet: it only grows.
//! `LAKEHUNT_UPDATE_PASSING=1 cargo test conformance` adds the cases that now pass, except
//! those in `tests/conformance/arbitrary.txt`: cases whose recorded rows are one of several
//! correct answers (a tie at a `top` cut), which pass or fail by chance.

use std::collections::BTreeSet;
use std::path::PathBuf;

use lakehunt::conformance::{CaseResult, Status, docs::run_docs, report, run_oracle};

use super::common::shared;

fn passing_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/passing.txt")
}

/// The keys of a list file: the first word of each line that is not a comment.
fn keys_in(file: &str) -> BTreeSet<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance").join(file);
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines().filter_map(|l| l.split_whitespace().next()).filter(|k| !k.starts_with('#')).map(str::to_string).collect()
}

fn listed() -> BTreeSet<String> {
    keys_in("passing.txt")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_ratchet() {
    let oracle = run_oracle(&shared().join("conformance/kusto-oracle.jsonl")).await.expect("oracle file");
    let docs = run_docs(&shared().join("conformance/docs.yaml")).await.expect("docs file");
    eprintln!("{}", report("kusto-oracle.jsonl", &oracle));
    eprintln!("{}", report("docs.yaml", &docs));
    let all: Vec<&CaseResult> = oracle.iter().chain(&docs).collect();
    let arbitrary = keys_in("arbitrary.txt");
    let passing: BTreeSet<String> = all.iter().filter(|r| r.status == Status::Pass && !arbitrary.contains(&r.key)).map(|r| r.key.clone()).collect();
    let listed = listed();
    let both: Vec<&String> = listed.intersection(&arbitrary).collect();
    assert!(both.is_empty(), "cases both in passing.txt and arbitrary.txt: {both:?}");
    let regressed: Vec<String> = all
        .iter()
        .filter(|r| listed.contains(&r.key) && r.status != Status::Pass)
        .map(|r| format!("{}: {:?}", r.key, r.status))
        .collect();
    let known: BTreeSet<&String> = all.iter().map(|r| &r.key).collect();
    let vanished: Vec<&String> = listed.iter().filter(|k| !known.contains(k)).collect();
    assert!(regressed.is_empty(), "cases in passing.txt now fail:\n{}", regressed.join("\n"));
    assert!(vanished.is_empty(), "cases in passing.txt no longer exist: {vanished:?}");
    if std::env::var_os("LAKEHUNT_UPDATE_PASSING").is_some() {
        let mut text = String::from("# Conformance cases that pass; CI fails if one stops passing. Only add lines.\n");
        for k in listed.union(&passing) {
            text.push_str(k);
            text.push('\n');
        }
        std::fs::write(passing_file(), text).expect("write passing.txt");
    }
    let new = passing.difference(&listed).count();
    eprintln!("{} listed in passing.txt; {new} more pass now", listed.len());
}
