//! Planted: impacket dcomexec through ShellWindows or ShellBrowserWindow. The desktop
//! user's explorer.exe accepts the attacker's connection and, within a second, starts
//! `cmd.exe /Q /c …` as that user.

use serde_json::{Map, Value};

use super::impacket::{self, Attacker};
use super::{Env, Kind, Scenario};
use crate::synth::device::{Ctx, tick};
use crate::synth::rng::Rng;

/// See the module documentation.
pub struct DcomexecShellWindows;

impl Scenario for DcomexecShellWindows {
    fn name(&self) -> &'static str {
        "dcomexec_shellwindows"
    }

    fn kind(&self) -> Kind {
        Kind::Attack
    }

    fn technique(&self) -> &'static str {
        "T1021.003"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let object = if rng.chance(0.5) { "ShellWindows" } else { "ShellBrowserWindow" };
        run_via_explorer(ctx, env, at, rng, object)
    }
}

/// The ShellWindows/ShellBrowserWindow sequence on the session's explorer.exe; shared
/// with the letter-case variant.
pub(super) fn run_via_explorer(ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng, object: &str) -> Map<String, Value> {
    let attacker = Attacker::draw(rng);
    impacket::connect_and_log_on(ctx, env, &attacker, at, rng);
    let explorer = &env.session.explorer;
    let inbound = at + 400_000_000;
    impacket::dcom_inbound(ctx, explorer, &attacker, inbound, rng);
    let user = env.session.user.clone();
    let commands = impacket::run_commands(ctx, env, explorer, &user, &attacker, inbound + 360_000_000, rng);
    impacket::record(object, &attacker, explorer, tick(inbound), commands)
}
