//! Decoy: explorer.exe accepts an inbound connection, and the user opens Notepad two
//! minutes later: outside the one-minute window that ties a start to the connection.

use serde_json::{Map, Value, json};

use super::decoy_explorer_inbound_only::explorer_inbound;
use super::{Env, Kind, Scenario};
use crate::output::format_datetime;
use crate::synth::device::{Ctx, MINUTE, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct DecoyExplorerLateChild;

impl Scenario for DecoyExplorerLateChild {
    fn name(&self) -> &'static str {
        "decoy_explorer_late_child"
    }

    fn kind(&self) -> Kind {
        Kind::Decoy
    }

    fn technique(&self) -> &'static str {
        "T1021.003"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let remote = format!("10.20.{}.{}", rng.range(10, 20), rng.range(2, 250));
        let mut m = explorer_inbound(ctx, env, at, &remote, rng);
        let user = &env.session.user.name;
        let child = ctx.spawn(
            at + 2 * MINUTE,
            Spawn::new(&w::NOTEPAD, format!("\"C:\\Windows\\system32\\NOTEPAD.EXE\" C:\\Users\\{user}\\Desktop\\todo.txt"))
                .parent(&env.session.explorer)
                .lifetime(10 * MINUTE),
        );
        m.insert("ChildProcessId".into(), json!(child.pid));
        m.insert("ChildCreationTime".into(), json!(format_datetime(child.created)));
        m
    }
}
