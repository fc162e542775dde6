//! Planted: dcomexec through ShellWindows on a session whose explorer.exe reports its name
//! in another letter case (`EXPLORER.EXE`, `Explorer.EXE`). A hunt that compares names
//! case-sensitively misses it; KQL's `=~` does not.

use serde_json::{Map, Value};

use super::dcomexec_shellwindows::run_via_explorer;
use super::{Env, Kind, Scenario};
use crate::synth::device::Ctx;
use crate::synth::rng::Rng;

/// See the module documentation.
pub struct DcomexecCaseVariant;

impl Scenario for DcomexecCaseVariant {
    fn name(&self) -> &'static str {
        "dcomexec_case_variant"
    }

    fn kind(&self) -> Kind {
        Kind::Attack
    }

    fn technique(&self) -> &'static str {
        "T1021.003"
    }

    fn odd_case_explorer(&self) -> bool {
        true
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        run_via_explorer(ctx, env, at, rng, "ShellWindows")
    }
}
