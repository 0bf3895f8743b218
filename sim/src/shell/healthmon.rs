//! `healthmon` (bwcli-behavior §5, C-UPG): the System Health Report Page. A stopped
//! BroadWorks gives severity CRITICAL (our choice; not documented).
use time::OffsetDateTime;
use time::macros::format_description;

use crate::catalog::catalog;
use crate::host::{ExecOutput, SimHost};

const RULE: &str = "--------------------------------";

/// Runs `healthmon` (options such as `-l` give the same report).
pub fn run(host: &SimHost) -> ExecOutput {
    let cat = catalog();
    let facts = host.facts();
    let running = host.bw_running();
    let now = OffsetDateTime::now_utc();
    let date = now
        .format(format_description!(
            "[weekday repr:short] [month repr:short] [day padding:space] [hour]:[minute]:[second] GMT [year]"
        ))
        .unwrap_or_default();
    let (severity, body) = if running {
        ("NOTIFICATION", "No abnormal condition detected.")
    } else {
        ("CRITICAL", "BroadWorks is not running.")
    };
    let stdout = format!(
        "{RULE}\nSystem Health Report Page\n   BroadWorks Server Name: {}\n   Date and time         : {date}\n   Report severity       : {severity}\n   Server type           : {}\n   Server state          : Unlock\n{RULE}\n\n{body}\n\n{RULE}\n",
        host.spec().name,
        cat.product(facts.product).server_type,
    );
    ExecOutput {
        stdout,
        stderr: String::new(),
        status: 0,
    }
}
