//! lakehunt runs KQL threat-hunting rules over a Parquet lake of Defender telemetry.
//!
//! The pipeline (DESIGN.md §1): [`catalog`] knows the Defender tables, lays the lake out
//! on disk, writes its files and registers them in DataFusion; [`synth`]
//! generates realistic telemetry with planted attacks; [`ingest`] reads Defender exports
//! into a lake; [`rules`] loads Sentinel rules and
//! [`hunt`] runs them over the lake; [`output`] writes results; [`cli`]
//! is the command line.
#![warn(missing_docs)]

pub mod catalog;
pub mod kql;
pub mod cli;
pub mod conformance;
pub mod functions;
pub mod hunt;
pub mod ingest;
pub mod plan;
pub mod output;
pub mod rules;
pub mod synth;
