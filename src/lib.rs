//! lakehunt runs KQL threat-hunting rules over a Parquet lake of Defender telemetry.
//!
//! The pipeline (DESIGN.md §1): [`catalog`] knows the Defender tables and registers a
//! lake's files in DataFusion; [`lake`] lays the lake out on disk and writes it; [`synth`]
//! generates realistic telemetry with planted attacks; [`output`] writes results; [`cli`]
//! is the command line.
#![warn(missing_docs)]

pub mod catalog;
pub mod cli;
pub mod lake;
pub mod output;
pub mod synth;
