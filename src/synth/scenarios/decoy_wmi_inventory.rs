//! Decoy: a management tool's WMI process launch. The inventory agent runs
//! `cmd.exe /c ipconfig /all` through Win32_Process, so WmiPrvSE.exe starts a shell;
//! without impacket's `/Q` and its output redirected to the ADMIN$ share it is not
//! wmiexec.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, process_record};
use crate::synth::device::{Ctx, MINUTE, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct DecoyWmiInventory;

impl Scenario for DecoyWmiInventory {
    fn name(&self) -> &'static str {
        "decoy_wmi_inventory"
    }

    fn kind(&self) -> Kind {
        Kind::Decoy
    }

    fn technique(&self) -> &'static str {
        "T1047"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, _rng: &mut Rng) -> Map<String, Value> {
        let wmi = ctx.spawn(
            at,
            Spawn::new(&w::WMIPRVSE, "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding").parent(&env.svc.dcom_launch).lifetime(5 * MINUTE),
        );
        let cmd = ctx.spawn(at + SECOND, Spawn::new(&w::CMD, "cmd.exe /c ipconfig /all > C:\\Windows\\Temp\\inventory\\net.txt").parent(&wmi).lifetime(SECOND));
        ctx.spawn(at + SECOND + 20_000_000, Spawn::new(&w::IPCONFIG, "ipconfig  /all").parent(&cmd).lifetime(SECOND));
        process_record(&cmd, &wmi)
    }
}
