//! `lakehunt gen`: deterministic synthetic Defender telemetry with planted attacks and
//! near-miss decoys ([`generate`]). The same [`GenConfig`] gives byte-identical files.
//!
//! Devices are simulated one day at a time, in chunks of [`CHUNK_DEVICES`], so memory
//! depends on the chunk, never on the number of days or devices.

mod background;
mod boot;
mod content;
mod device;
mod rng;
mod row;
pub mod scenarios;
mod world;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{BooleanArray, RecordBatch, TimestampNanosecondArray};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::error::ArrowError;
use serde_json::{Map, Value, json};

use crate::catalog::Catalog;
use crate::catalog::{LakeLayout, LayoutError, WriteError, write_sorted_file};
use crate::output::format_datetime;
use background::{Day, Volume, fill_day};
use boot::{boot, log_on};
use device::{Ctx, DAY, Device, DeviceKind, HOUR, MINUTE, Sinks};
use row::Sink;
use scenarios::{Env, Kind, Placement, QUIET_AFTER, QUIET_BEFORE, SCENARIOS};
use world::Account;

pub use device::DAY as DAY_NANOS;
pub use rng::Rng;

/// Devices simulated together before their rows are written.
pub const CHUNK_DEVICES: usize = 8;

/// The tables `gen` writes.
pub const GENERATED_TABLES: [&str; 8] = [
    "DeviceProcessEvents",
    "DeviceNetworkEvents",
    "DeviceFileEvents",
    "DeviceRegistryEvents",
    "DeviceLogonEvents",
    "DeviceImageLoadEvents",
    "DeviceEvents",
    "DeviceInfo",
];

/// The marker file that says a lake directory was made by `gen` (and may be rewritten).
const MARKER: &str = "gen.json";

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenConfig {
    /// Lake root.
    pub lake: PathBuf,
    /// Number of devices (at least 1; every fifth is a server).
    pub devices: usize,
    /// Number of days (at least 1).
    pub days: u32,
    /// End of the window, ns since the epoch (exclusive).
    pub end: i64,
    /// Random seed.
    pub seed: u64,
    /// Worker threads for encoding files (at least 1).
    pub threads: usize,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// The lake path is unusable.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// The directory has content that `gen` did not write.
    #[error("{0}: not empty and not made by `lakehunt gen` (no _truth/gen.json); choose an empty or new directory")]
    NotAGenLake(PathBuf),
    /// The lake was made by `gen`, then ingested into or compacted: its log would name
    /// files a new generation replaces, and hashes of rows it removes.
    #[error("{0}: made by `lakehunt gen`, then ingested into or compacted (it has _ingest/log); generate into a new directory")]
    HasHistory(PathBuf),
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// Building a batch failed.
    #[error("building rows: {0}")]
    Arrow(#[from] ArrowError),
    /// The file system refused.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct GenSummary {
    /// Rows per table, in [`GENERATED_TABLES`] order.
    pub rows: Vec<(&'static str, usize)>,
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
    /// Planted attacks.
    pub planted: usize,
    /// Decoys.
    pub decoys: usize,
    /// Time spent simulating (summed over workers).
    pub simulate: std::time::Duration,
    /// Time spent sorting, encoding and writing files (summed over workers).
    pub write: std::time::Duration,
}

impl GenSummary {
    /// All rows.
    pub fn total_rows(&self) -> usize {
        self.rows.iter().map(|(_, n)| n).sum()
    }
}

/// Progress of a run, reported after each simulated day.
#[derive(Debug, Clone, Copy)]
pub struct GenProgress {
    /// Days done.
    pub days_done: u32,
    /// Days in all.
    pub days: u32,
    /// Rows written so far.
    pub rows: usize,
    /// Time since the start.
    pub elapsed: std::time::Duration,
}

/// Generates the lake described by `cfg`, calling `progress` after each day.
///
/// Within a day, chunks of devices are independent: each worker simulates whole chunks
/// and encodes their files. Which worker takes which chunk does not change any byte of
/// the output, because a chunk's files and truth records depend on the chunk alone.
pub fn generate(cfg: &GenConfig, progress: &mut dyn FnMut(GenProgress)) -> Result<GenSummary, GenError> {
    let started = Instant::now();
    let layout = prepare_lake(cfg)?;
    let mut estate = Estate::build(cfg);
    let plan = scenarios::plan(cfg.seed, &estate.workstations(), cfg.days);
    let start = cfg.end - i64::from(cfg.days) * DAY;
    let chunks = cfg.devices.div_ceil(CHUNK_DEVICES);
    let mut summary = GenSummary { rows: GENERATED_TABLES.iter().map(|t| (*t, 0)).collect(), ..Default::default() };
    let mut truth: Vec<(Kind, Value)> = Vec::new();
    for day in 0..cfg.days {
        let shared = DayJob { day, day_start: start + i64::from(day) * DAY, plan: &plan, seed: cfg.seed, layout: &layout, chunks, users: &estate.users, peers: &estate.peers };
        let outputs = run_day(&shared, &mut estate.devices, cfg.threads)?;
        for out in outputs {
            for (total, n) in summary.rows.iter_mut().zip(out.rows) {
                total.1 += n;
            }
            summary.files += out.files;
            summary.bytes += out.bytes;
            summary.simulate += out.simulate;
            summary.write += out.write;
            truth.extend(out.truth);
        }
        progress(GenProgress { days_done: day + 1, days: cfg.days, rows: summary.total_rows(), elapsed: started.elapsed() });
    }
    summary.planted = truth.iter().filter(|(k, _)| *k == Kind::Attack).count();
    summary.decoys = truth.len() - summary.planted;
    write_truth(&layout, &truth)?;
    Ok(summary)
}

/// What every chunk of one day shares.
struct DayJob<'a> {
    day: u32,
    day_start: i64,
    plan: &'a [Placement],
    seed: u64,
    layout: &'a LakeLayout,
    chunks: usize,
    users: &'a [Arc<Account>],
    peers: &'a [String],
}

/// What one chunk produced.
struct ChunkOutput {
    rows: [usize; 8],
    files: usize,
    bytes: u64,
    truth: Vec<(Kind, Value)>,
    simulate: std::time::Duration,
    write: std::time::Duration,
}

/// Simulates and writes every chunk of one day on `threads` workers; outputs come back in
/// chunk order.
fn run_day(job: &DayJob<'_>, devices: &mut [Device], threads: usize) -> Result<Vec<ChunkOutput>, GenError> {
    let threads = threads.clamp(1, job.chunks.max(1));
    let mut groups: Vec<Vec<(usize, &mut [Device])>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, chunk) in devices.chunks_mut(CHUNK_DEVICES).enumerate() {
        groups[i % threads].push((i, chunk));
    }
    let mut results: Vec<(usize, Result<ChunkOutput, GenError>)> = std::thread::scope(|s| {
        let workers: Vec<_> = groups
            .into_iter()
            .map(|group| s.spawn(move || group.into_iter().map(|(i, chunk)| (i, run_chunk(job, i, chunk))).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                // A worker that panicked is a bug; report it as an error rather than crash.
                w.join().unwrap_or_else(|_| vec![(usize::MAX, Err(GenError::Io { path: PathBuf::new(), source: std::io::Error::other("a gen worker panicked") }))])
            })
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

fn run_chunk(job: &DayJob<'_>, chunk: usize, devices: &mut [Device]) -> Result<ChunkOutput, GenError> {
    let started = Instant::now();
    let mut sinks = new_sinks(devices.len());
    let mut truth = Vec::new();
    for dev in devices.iter_mut() {
        simulate_device_day(job, dev, &mut sinks, &mut truth);
    }
    let simulate = started.elapsed();
    let part = job.day as usize * job.chunks + chunk;
    let mut out = ChunkOutput { rows: [0; 8], files: 0, bytes: 0, truth, simulate, write: Default::default() };
    for (i, sink) in sinks.all_mut().into_iter().enumerate() {
        if sink.is_empty() {
            continue;
        }
        let table = sink.table().name;
        let batch = sink.finish()?;
        out.rows[i] = batch.num_rows();
        for (day, rows) in split_by_day(&batch)? {
            let path = job.layout.partition_dir(table, &day).join(format!("part-{part:05}.parquet"));
            out.bytes += write_sorted_file(&path, &rows)?.bytes;
            out.files += 1;
        }
    }
    out.write = started.elapsed() - simulate;
    Ok(out)
}

/// Makes sure the lake may be written: new, empty, or made by `gen` before (then its
/// generated tables and truth are replaced). Writes the marker first, so that a run
/// killed midway can be re-run over its own leftovers.
fn prepare_lake(cfg: &GenConfig) -> Result<LakeLayout, GenError> {
    let layout = LakeLayout::create(&cfg.lake)?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| GenError::Io { path: path.clone(), source }
    };
    let marker = layout.truth_dir().join(MARKER);
    let empty = std::fs::read_dir(layout.root()).map_err(io(layout.root()))?.next().is_none();
    if !empty {
        if !marker.is_file() {
            return Err(GenError::NotAGenLake(cfg.lake.clone()));
        }
        // Recovery removes the files each logged compaction replaced, by name, and ingest
        // skips files whose hashes are logged: a new generation under the same names
        // would lose files to the first, and rows to the second.
        let log = crate::ingest::txn::log_dir(&layout);
        if std::fs::read_dir(&log).is_ok_and(|mut entries| entries.next().is_some()) {
            return Err(GenError::HasHistory(cfg.lake.clone()));
        }
        for table in GENERATED_TABLES {
            let dir = layout.table_dir(table);
            if dir.exists() {
                std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
            }
        }
    }
    std::fs::create_dir_all(layout.truth_dir()).map_err(io(&layout.truth_dir()))?;
    let params = json!({
        "generator": "lakehunt gen",
        "version": env!("CARGO_PKG_VERSION"),
        "devices": cfg.devices,
        "days": cfg.days,
        "end": format_datetime(cfg.end),
        "seed": cfg.seed,
    });
    write_text(&marker, &format!("{params}\n"))?;
    Ok(layout)
}

fn write_text(path: &Path, text: &str) -> Result<(), GenError> {
    let io = |source| GenError::Io { path: path.to_path_buf(), source };
    let tmp = crate::catalog::writer::temp_path(path);
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Sinks sized for `devices` devices' day at the default volume (with some headroom).
fn new_sinks(devices: usize) -> Sinks {
    let vol = Volume::default();
    let table = |name: &str, per_device: u32| {
        let rows = devices * per_device as usize * 11 / 10;
        // GENERATED_TABLES are all in the built-in catalog (tests/it/catalog.rs checks it).
        Sink::new(Catalog.table(name).expect("generated table is in the catalog"), rows)
    };
    Sinks {
        process: table("DeviceProcessEvents", vol.process),
        network: table("DeviceNetworkEvents", vol.network),
        file: table("DeviceFileEvents", vol.file),
        registry: table("DeviceRegistryEvents", vol.registry),
        logon: table("DeviceLogonEvents", 50),
        image_load: table("DeviceImageLoadEvents", vol.image_load + vol.process / 3),
        events: table("DeviceEvents", vol.events),
        info: table("DeviceInfo", 24),
    }
}

/// The devices and the people of the simulated organisation.
struct Estate {
    devices: Vec<Device>,
    users: Vec<Arc<Account>>,
    peers: Vec<String>,
}

impl Estate {
    fn build(cfg: &GenConfig) -> Self {
        let mut devices = Vec::with_capacity(cfg.devices);
        let mut users = Vec::new();
        let mut peers = Vec::new();
        let depts = ["fin", "hr", "eng", "ops", "sales"];
        for i in 0..cfg.devices {
            let mut rng = Rng::fork(cfg.seed, "device", i as u64);
            let ip = format!("10.20.{}.{}", 10 + i / 250, i % 250 + 2);
            // Every fifth device is a server; device 0 is always a workstation.
            let (kind, name, user) = if i % 5 == 4 {
                (DeviceKind::Server, format!("srv-sql-{i:03}.contoso.local"), None)
            } else {
                let base = content::USERS[i % content::USERS.len()];
                let uname = if i < content::USERS.len() { base.to_string() } else { format!("{base}{}", i / content::USERS.len()) };
                let user = Account::domain_user(&mut rng, &uname, 1100 + i as u32, false);
                users.push(user.clone());
                peers.push(ip.clone());
                (DeviceKind::Workstation, format!("wks-{}-{i:03}.contoso.local", depts[i % depts.len()]), Some(user))
            };
            devices.push(Device::new(i, kind, name, ip, user, rng));
        }
        Self { devices, users, peers }
    }

    fn workstations(&self) -> Vec<usize> {
        self.devices.iter().filter(|d| d.kind == DeviceKind::Workstation).map(|d| d.index).collect()
    }
}

fn simulate_device_day(job: &DayJob<'_>, dev: &mut Device, sinks: &mut Sinks, truth: &mut Vec<(Kind, Value)>) {
    let (day, day_start, seed, users, peers) = (job.day, job.day_start, job.seed, job.users, job.peers);
    let index = dev.index;
    let plan = job.plan;
    let mut rng = Rng::fork(seed, "day", (index as u64) << 20 | u64::from(day));
    let vol = Volume::default();
    let mut ctx = Ctx { dev, sinks };
    match ctx.dev.kind {
        DeviceKind::Server => {
            if ctx.dev.services.is_none() {
                let at = day_start + rng.range(10, 50) * MINUTE;
                ctx.dev.services = Some(boot(&mut ctx, at));
            }
            let Some(svc) = ctx.dev.services.take() else { return };
            let from = day_start.max(svc.services.created + MINUTE);
            let d = Day { svc: &svc, session: None, from, to: day_start + DAY - MINUTE, quiet: &[], users, peers };
            fill_day(&mut ctx, &d, &vol, &mut rng);
            ctx.dev.services = Some(svc);
        }
        DeviceKind::Workstation => {
            let Some(user) = ctx.dev.user.clone() else { return };
            let boot_at = day_start + 7 * HOUR + rng.range(0, 90) * MINUTE;
            let svc = boot(&mut ctx, boot_at);
            let logon_at = boot_at + rng.range(2, 8) * MINUTE;
            let end = logon_at + rng.range(510, 600) * MINUTE;
            let here: Vec<&Placement> = plan.iter().filter(|p| p.device == index && p.day == day).collect();
            let odd_case = here.iter().any(|p| SCENARIOS[p.scenario].odd_case_explorer()) || rng.chance(0.05);
            let session = log_on(&mut ctx, &svc, &user, logon_at, end, odd_case, &mut rng);
            let mut quiet = Vec::new();
            for p in here {
                let scenario = SCENARIOS[p.scenario];
                let at = logon_at + p.offset_minutes * MINUTE + rng.range(0, 59_999) * 1_000_000;
                let mut srng = Rng::fork(seed, scenario.name(), (index as u64) << 20 | u64::from(day));
                let env = Env { svc: &svc, session: &session };
                let facts = scenario.run(&mut ctx, &env, at, &mut srng);
                quiet.push((at - QUIET_BEFORE, at + QUIET_AFTER));
                truth.push((scenario.kind(), truth_record(scenario.name(), scenario.kind(), scenario.technique(), ctx.dev, facts)));
            }
            let d = Day { svc: &svc, session: Some(&session), from: logon_at + MINUTE, to: end - MINUTE, quiet: &quiet, users, peers };
            fill_day(&mut ctx, &d, &vol, &mut rng);
        }
    }
}

fn truth_record(name: &str, kind: Kind, technique: &str, dev: &Device, facts: Map<String, Value>) -> Value {
    let mut m = Map::new();
    m.insert("scenario".into(), json!(name));
    m.insert("kind".into(), json!(if kind == Kind::Attack { "attack" } else { "decoy" }));
    m.insert("technique".into(), json!(technique));
    m.insert("DeviceName".into(), json!(dev.name));
    m.insert("DeviceId".into(), json!(dev.id));
    m.extend(facts);
    Value::Object(m)
}

fn write_truth(layout: &LakeLayout, truth: &[(Kind, Value)]) -> Result<(), GenError> {
    for (kind, file) in [(Kind::Attack, "planted.jsonl"), (Kind::Decoy, "decoys.jsonl")] {
        let text: String = truth.iter().filter(|(k, _)| *k == kind).map(|(_, v)| format!("{v}\n")).collect();
        write_text(&layout.truth_dir().join(file), &text)?;
    }
    Ok(())
}

/// Splits a batch into the UTC days (`YYYY-MM-DD`) of its timestamps, in day order.
fn split_by_day(batch: &RecordBatch) -> Result<Vec<(String, RecordBatch)>, ArrowError> {
    let times = batch
        .column_by_name("Timestamp")
        .and_then(|c| c.as_any().downcast_ref::<TimestampNanosecondArray>())
        .ok_or_else(|| ArrowError::SchemaError("no Timestamp column".into()))?;
    let mut days: Vec<i64> = times.values().iter().map(|t| t.div_euclid(DAY)).collect();
    days.sort_unstable();
    days.dedup();
    let mut out = Vec::with_capacity(days.len());
    for day in days {
        // Any i64 nanosecond instant is a date chrono can print, so the text has 10+ chars.
        let text = format_datetime(day * DAY);
        let name = text.get(..10).unwrap_or(&text).to_string();
        if out.is_empty() && times.values().iter().all(|t| t.div_euclid(DAY) == day) {
            out.push((name, batch.clone()));
            break;
        }
        let mask: BooleanArray = times.values().iter().map(|t| Some(t.div_euclid(DAY) == day)).collect();
        out.push((name, filter_record_batch(batch, &mask)?));
    }
    Ok(out)
}
