//! lakehunt's integration tests, in one binary: every extra file under `tests/` would
//! link all of DataFusion again.

mod catalog;
mod cli_help;
mod common;
mod conformance;
mod gen_lake;
mod hunt;
mod ingest;
mod kql_corpus;
mod kql_mutations;
mod lake_writer;
mod pruning;
mod query_cli;
mod rules_lint;
mod seed_rule;
mod slt;
mod translate_round_trip;
