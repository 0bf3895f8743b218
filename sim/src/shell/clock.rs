//! The host's clock and time daemon: `chronyc tracking` (chrony), `ntpq -p`
//! (ntpd) and `date -u +%s`, answering from [`crate::host::SimHost::clock`]. The
//! daemon not installed answers `command not found` (status 127), as bash does.
use std::time::{SystemTime, UNIX_EPOCH};

use crate::host::{ExecOutput, SimHost, TimeDaemon};

fn out(stdout: String) -> ExecOutput {
    ExecOutput {
        stdout,
        stderr: String::new(),
        status: 0,
    }
}

fn fail(stderr: String, status: u32) -> ExecOutput {
    ExecOutput {
        stdout: String::new(),
        stderr,
        status,
    }
}

fn not_found(name: &str) -> ExecOutput {
    fail(format!("bash: {name}: command not found\n"), 127)
}

/// `chronyc tracking`, as chrony 4 prints it.
pub fn chronyc(host: &SimHost, args: &[String]) -> ExecOutput {
    let clock = host.clock();
    if clock.daemon != TimeDaemon::Chrony {
        return not_found("chronyc");
    }
    if args.first().map(String::as_str) != Some("tracking") {
        return fail("Unrecognized command\n".into(), 1);
    }
    let text = if clock.synchronised {
        "Reference ID    : C0000201 (ntp1.lab.xspctl.test)\n\
         Stratum         : 3\n\
         Ref time (UTC)  : Wed Dec 02 13:50:00 2026\n\
         System time     : 0.000012345 seconds slow of NTP time\n\
         Last offset     : -0.000004112 seconds\n\
         RMS offset      : 0.000021544 seconds\n\
         Frequency       : 12.345 ppm slow\n\
         Residual freq   : -0.001 ppm\n\
         Skew            : 0.021 ppm\n\
         Root delay      : 0.012345678 seconds\n\
         Root dispersion : 0.000456789 seconds\n\
         Update interval : 64.2 seconds\n\
         Leap status     : Normal\n"
    } else {
        "Reference ID    : 00000000 ()\n\
         Stratum         : 0\n\
         Ref time (UTC)  : Thu Jan 01 00:00:00 1970\n\
         System time     : 0.000000000 seconds fast of NTP time\n\
         Last offset     : +0.000000000 seconds\n\
         RMS offset      : 0.000000000 seconds\n\
         Frequency       : 0.000 ppm slow\n\
         Residual freq   : +0.000 ppm\n\
         Skew            : 0.000 ppm\n\
         Root delay      : 1.000000000 seconds\n\
         Root dispersion : 1.000000000 seconds\n\
         Update interval : 0.0 seconds\n\
         Leap status     : Not synchronised\n"
    };
    out(text.to_string())
}

/// `ntpq -p`, as ntpd 4.2 prints it: `*` marks the peer the clock follows.
pub fn ntpq(host: &SimHost, args: &[String]) -> ExecOutput {
    let clock = host.clock();
    if clock.daemon != TimeDaemon::Ntpd {
        return not_found("ntpq");
    }
    if args.first().map(String::as_str) != Some("-p") {
        return fail("ntpq: only -p is simulated\n".into(), 1);
    }
    let mark = if clock.synchronised { '*' } else { ' ' };
    out(format!(
        "     remote           refid      st t when poll reach   delay   offset  jitter\n\
         ==============================================================================\n\
         {mark}ntp1.lab.xspctl 192.0.2.123      2 u   33   64  377    0.512   -0.123   0.045\n \
         ntp2.lab.xspctl 192.0.2.124      2 u   35   64  377    0.611    0.201   0.052\n"
    ))
}

/// `date -u +%s`: the host's clock (the real time plus its offset).
pub fn date(host: &SimHost, args: &[String]) -> ExecOutput {
    let format = args.iter().find(|a| a.starts_with('+'));
    if format.map(String::as_str) != Some("+%s") {
        return fail("date: only `date -u +%s` is simulated\n".into(), 1);
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    out(format!("{}\n", now + host.clock().offset_secs))
}
