//! Decoy: a user who mistypes a password. Three failed network logons from the file
//! server for one account within a minute, then the right password: failures followed by
//! a success, but few, and one account.

use serde_json::{Map, Value};

use super::password_spray_success::logon_record;
use super::{Env, Kind, Scenario};
use crate::synth::content as c;
use crate::synth::device::{Ctx, Logon, SECOND};
use crate::synth::rng::Rng;

/// See the module documentation.
pub struct DecoyMistypedPassword;

impl Scenario for DecoyMistypedPassword {
    fn name(&self) -> &'static str {
        "decoy_mistyped_password"
    }

    fn kind(&self) -> Kind {
        Kind::Decoy
    }

    fn technique(&self) -> &'static str {
        "T1110.003"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let user = env.session.user.clone();
        let mut t = at;
        for _ in 0..3 {
            let failed = Logon {
                action: "LogonFailed",
                logon_type: "Network",
                account: &user,
                protocol: "NTLM",
                failure: "InvalidUserNameOrPassword",
                logon_id: 0,
                remote_device: "",
                remote_ip: c::FILE_SERVER_IP,
                remote_port: rng.range(49_152, 65_535) as i32,
            };
            ctx.logon(&env.svc.lsass, t, &failed);
            t += rng.range(8, 15) * SECOND;
        }
        let logon_id = ctx.dev.logon_id();
        let success = Logon {
            action: "LogonSuccess",
            logon_type: "Network",
            account: &user,
            protocol: "NTLM",
            failure: "",
            logon_id,
            remote_device: "",
            remote_ip: c::FILE_SERVER_IP,
            remote_port: rng.range(49_152, 65_535) as i32,
        };
        ctx.logon(&env.svc.lsass, t, &success);
        logon_record(c::FILE_SERVER_IP, &user.name, t)
    }
}
