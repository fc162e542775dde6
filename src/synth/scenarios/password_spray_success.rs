//! Planted: a password spray that works. From one internal address, an attacker tries a
//! common password against many accounts over the network (NTLM), 24 failures in about
//! three minutes, then one account logs on.

use serde_json::{Map, Value, json};

use super::{Env, Kind, Scenario};
use crate::output::format_datetime;
use crate::synth::device::{Ctx, Logon, SECOND, tick};
use crate::synth::rng::Rng;
use crate::synth::world::Account;

/// See the module documentation.
pub struct PasswordSpraySuccess;

/// Where the spray comes from (a compromised internal host).
const SPRAYER: &str = "10.20.66.5";

impl Scenario for PasswordSpraySuccess {
    fn name(&self) -> &'static str {
        "password_spray_success"
    }

    fn kind(&self) -> Kind {
        Kind::Attack
    }

    fn technique(&self) -> &'static str {
        "T1110.003"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let mut t = at;
        for i in 0..24 {
            let account = Account::domain_user(rng, &format!("user{:02}", i + 10), 2100 + i, false);
            let failed = Logon {
                action: "LogonFailed",
                logon_type: "Network",
                account: &account,
                protocol: "NTLM",
                failure: "InvalidUserNameOrPassword",
                logon_id: 0,
                remote_device: "",
                remote_ip: SPRAYER,
                remote_port: rng.range(49_152, 65_535) as i32,
            };
            ctx.logon(&env.svc.lsass, t, &failed);
            t += rng.range(4, 12) * SECOND;
        }
        let victim = Account::domain_user(rng, "svc-print", 1740, false);
        let logon_id = ctx.dev.logon_id();
        let success = Logon {
            action: "LogonSuccess",
            logon_type: "Network",
            account: &victim,
            protocol: "NTLM",
            failure: "",
            logon_id,
            remote_device: "",
            remote_ip: SPRAYER,
            remote_port: rng.range(49_152, 65_535) as i32,
        };
        let success_at = t + 5 * SECOND;
        ctx.logon(&env.svc.lsass, success_at, &success);
        logon_record(SPRAYER, &victim.name, success_at)
    }
}

/// The truth record of a logon scenario: where from, who, and when the success came.
pub fn logon_record(remote_ip: &str, account: &str, t: i64) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("RemoteIP".into(), json!(remote_ip));
    m.insert("AccountName".into(), json!(account));
    m.insert("LogonTime".into(), json!(format_datetime(tick(t))));
    m
}
