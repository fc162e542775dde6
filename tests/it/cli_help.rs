//! Snapshots of `--help`, so that every change to what the tool teaches is reviewed.

use super::common::bin;

fn help(args: &[&str]) -> String {
    // A fixed width, whatever terminal the tests run under.
    let out = bin().args(args).env("COLUMNS", "100").output().expect("run lakehunt");
    assert!(out.status.success(), "{args:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn top_level_help() {
    insta::assert_snapshot!(help(&["--help"]));
}

#[test]
fn gen_help() {
    insta::assert_snapshot!(help(&["gen", "--help"]));
}

#[test]
fn query_help() {
    insta::assert_snapshot!(help(&["query", "--help"]));
}

#[test]
fn translate_help() {
    insta::assert_snapshot!(help(&["translate", "--help"]));
}

#[test]
fn rules_lint_help() {
    insta::assert_snapshot!(help(&["rules", "lint", "--help"]));
}

#[test]
fn hunt_help() {
    insta::assert_snapshot!(help(&["hunt", "--help"]));
}

#[test]
fn rules_list_help() {
    insta::assert_snapshot!(help(&["rules", "list", "--help"]));
}

#[test]
fn rules_coverage_help() {
    insta::assert_snapshot!(help(&["rules", "coverage", "--help"]));
}

#[test]
fn ingest_help() {
    insta::assert_snapshot!(help(&["ingest", "--help"]));
}

#[test]
fn compact_help() {
    insta::assert_snapshot!(help(&["compact", "--help"]));
}
