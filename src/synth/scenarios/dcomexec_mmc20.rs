//! Planted: impacket dcomexec through MMC20.Application. DCOM (`svchost.exe -k DcomLaunch`)
//! starts `mmc.exe -Embedding` as the attacker's account; mmc.exe accepts the attacker's
//! connection and starts `cmd.exe /Q /c …`.

use serde_json::{Map, Value};

use super::impacket::{self, Attacker};
use super::{Env, Kind, Scenario};
use crate::synth::device::{Ctx, MINUTE, Spawn, tick};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct DcomexecMmc20;

impl Scenario for DcomexecMmc20 {
    fn name(&self) -> &'static str {
        "dcomexec_mmc20"
    }

    fn kind(&self) -> Kind {
        Kind::Attack
    }

    fn technique(&self) -> &'static str {
        "T1021.003"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let attacker = Attacker::draw(rng);
        let logon_id = impacket::connect_and_log_on(ctx, env, &attacker, at, rng);
        let mmc = ctx.spawn(
            at + 287_000_000,
            Spawn::new(&w::MMC, "C:\\Windows\\system32\\mmc.exe -Embedding")
                .parent(&env.svc.dcom_launch)
                .account(&attacker.account)
                .logon(logon_id)
                .session(0)
                .token("High", "TokenElevationTypeDefault")
                .lifetime(10 * MINUTE),
        );
        let inbound = at + 411_000_000;
        impacket::dcom_inbound(ctx, &mmc, &attacker, inbound, rng);
        let commands = impacket::run_commands(ctx, env, &mmc, &attacker.account, &attacker, at + 771_000_000, rng);
        impacket::record("MMC20.Application", &attacker, &mmc, tick(inbound), commands)
    }
}
