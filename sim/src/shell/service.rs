//! `stopbw`, `startbw`, `restartbw`, `bwrestart`: BroadWorks stops and starts; a
//! start copies the configured configuration into the running one, which is when
//! changes that need a restart reach the TLS endpoints. The messages are ours.
use crate::host::{ExecOutput, SimHost};
use crate::state::ops;

/// Runs one of the service commands.
pub fn run(host: &SimHost, name: &str) -> ExecOutput {
    let result = host.update(|st| {
        let text = match name {
            "stopbw" => {
                if ops::stop(st) {
                    "Stopping BroadWorks...\nBroadWorks has been stopped.\n"
                } else {
                    "BroadWorks is not running.\n"
                }
            }
            "startbw" => {
                if ops::start(st) {
                    "Starting BroadWorks...\nBroadWorks has been started.\n"
                } else {
                    "BroadWorks is already running.\n"
                }
            }
            _ => {
                ops::restart(st);
                "Stopping BroadWorks...\nBroadWorks has been stopped.\nStarting BroadWorks...\nBroadWorks has been started.\n"
            }
        };
        Ok::<_, std::convert::Infallible>(text)
    });
    match result {
        Ok(Ok(text)) => ExecOutput {
            stdout: text.to_string(),
            stderr: String::new(),
            status: 0,
        },
        Ok(Err(never)) => match never {},
        Err(e) => ExecOutput {
            stdout: String::new(),
            stderr: format!("{name}: {e}\n"),
            status: 1,
        },
    }
}
