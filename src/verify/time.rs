//! The host's clock (issue #11 check 8; the guides are silent, docs/decisions.md
//! D47): `time.ntp-synchronised` from `chronyc tracking` or, without chrony,
//! `ntpq -p`; `time.clock-skew` from `date -u +%s` on the host against the
//! controller's clock. Tokens, SAML assertions and certificates are checked
//! against the clock: a host off by minutes fails sign-ins in ways hard to see.
use std::time::{SystemTime, UNIX_EPOCH};

use crate::live::link::{HostLink, LinkError, ShellRead};
use crate::report::{CheckId, Finding, Verdict};

/// The largest difference between the host's clock and the controller's that
/// passes, in seconds (the host's clock is read to the second, over SSH).
pub const MAX_SKEW_SECS: i64 = 5;

/// What a time daemon's output says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncState {
    /// Synchronised, with the line that says so.
    Synchronised(String),
    /// Not synchronised, with the line that says so.
    Unsynchronised(String),
    /// The output is not one of the known forms.
    Unknown,
}

/// `chronyc tracking`: its `Leap status` line (`Normal`, `Insert second`,
/// `Delete second`: synchronised; `Not synchronised`).
pub fn parse_chrony(text: &str) -> SyncState {
    let Some(line) = text
        .lines()
        .find(|l| l.trim_start().starts_with("Leap status"))
    else {
        return SyncState::Unknown;
    };
    let value = line.split_once(':').map(|(_, v)| v.trim()).unwrap_or("");
    match value {
        "Normal" | "Insert second" | "Delete second" => SyncState::Synchronised(line.trim().into()),
        "Not synchronised" | "Not synchronized" => SyncState::Unsynchronised(line.trim().into()),
        _ => SyncState::Unknown,
    }
}

/// `ntpq -p`: the peer table; a peer marked `*` (system peer) or `o` (PPS peer)
/// is the one the clock follows. `No association ID's returned`: no peer at all.
pub fn parse_ntpq(text: &str) -> SyncState {
    if text.contains("No association ID's returned") {
        return SyncState::Unsynchronised("No association ID's returned".into());
    }
    let mut lines = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("remote"));
    if lines.next().is_none() {
        return SyncState::Unknown;
    }
    let peers: Vec<&str> = lines
        .filter(|l| !l.starts_with("===") && !l.trim().is_empty())
        .collect();
    match peers
        .iter()
        .find(|l| l.starts_with('*') || l.starts_with('o'))
    {
        Some(p) => SyncState::Synchronised(p.trim_end().to_string()),
        None => {
            SyncState::Unsynchronised(format!("no peer marked `*` among {} peer(s)", peers.len()))
        }
    }
}

/// `time.ntp-synchronised` of a host.
pub fn synchronised(host: &str, link: &mut dyn HostLink) -> Finding {
    let expected = "the clock synchronised to NTP (chrony or ntpd)";
    let about = |status, observed: String| {
        Finding::about(
            host,
            CheckId::TimeNtpSynchronised,
            "clock",
            status,
            expected,
            observed,
        )
    };
    let mut evidence = Vec::new();
    for (read, parse) in [
        (
            ShellRead::ChronyTracking,
            parse_chrony as fn(&str) -> SyncState,
        ),
        (ShellRead::NtpPeers, parse_ntpq),
    ] {
        let command = read.command_line();
        let text = match link.shell_read(read) {
            Ok(t) => t,
            Err(LinkError::Shell { status: 127, .. }) => {
                evidence.push(format!("{command}: not installed"));
                continue;
            }
            Err(e) => {
                evidence.push(format!("{command}: {e}"));
                return about(Verdict::Fail, format!("`{command}` failed: {e}"))
                    .with_evidence(evidence)
                    .with_fix("start the time daemon (`systemctl enable --now chronyd` or ntpd) and configure NTP servers");
            }
        };
        evidence.extend(text.lines().map(|l| format!("{command}: {l}")));
        return match parse(&text) {
            SyncState::Synchronised(line) => {
                about(Verdict::Pass, format!("synchronised ({line})")).with_evidence(evidence)
            }
            SyncState::Unsynchronised(line) => about(Verdict::Fail, format!("not synchronised ({line})"))
                .with_evidence(evidence)
                .with_fix("configure reachable NTP servers (chrony.conf `server` lines, or ntp.conf) and check `chronyc sources` / `ntpq -p` until one is selected"),
            SyncState::Unknown => about(
                Verdict::Fail,
                format!(
                    "`{command}` printed something verify does not know: {}",
                    first_line(&text)
                ),
            )
            .with_evidence(evidence)
            .with_fix("run the command on the host and check the time daemon by hand; report the output form so that verify learns it"),
        };
    }
    about(
        Verdict::Fail,
        "neither `chronyc` nor `ntpq` is installed: no time daemon is known to run".into(),
    )
    .with_evidence(evidence)
    .with_fix("install and enable chrony (`chronyd`) with the site's NTP servers")
}

fn first_line(text: &str) -> String {
    match text.lines().find(|l| !l.trim().is_empty()) {
        Some(l) => format!("{:?}", l.trim()),
        None => "nothing".into(),
    }
}

fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// `time.clock-skew` of a host: its clock against the controller's, read between
/// two readings of the controller's clock.
pub fn skew(host: &str, link: &mut dyn HostLink) -> Finding {
    let expected = format!("the host's clock within {MAX_SKEW_SECS}s of the controller's");
    let command = ShellRead::Clock.command_line();
    let before = now_secs();
    let read = link.shell_read(ShellRead::Clock);
    let after = now_secs();
    let about = |status, observed: String| {
        Finding::about(
            host,
            CheckId::TimeClockSkew,
            "clock",
            status,
            expected.clone(),
            observed,
        )
    };
    let text = match read {
        Ok(t) => t,
        Err(e) => {
            return about(Verdict::Fail, format!("`{command}` failed: {e}"))
                .with_fix("check the SSH connection and that `date` runs on the host");
        }
    };
    let Ok(theirs) = text.trim().parse::<i64>() else {
        return about(
            Verdict::Fail,
            format!("`{command}` printed {}, not seconds", first_line(&text)),
        )
        .with_fix("run `date -u +%s` on the host by hand: it must print the seconds since 1970");
    };
    // The host read its clock, to the second, between `before` and `after`: its
    // offset lies in [theirs - after, theirs + 1 - before]; the smallest counts.
    let (lo, hi) = (theirs as f64 - after, theirs as f64 + 1.0 - before);
    let off = if lo > 0.0 {
        lo
    } else if hi < 0.0 {
        hi
    } else {
        0.0
    };
    let evidence = vec![
        format!("{command}: {theirs}"),
        format!("controller: {before:.3} .. {after:.3}"),
    ];
    let observed = if off > 0.0 {
        format!("the host is {off:.0}s ahead")
    } else if off < 0.0 {
        format!("the host is {:.0}s behind", -off)
    } else {
        "the clocks agree".to_string()
    };
    if off.abs() <= MAX_SKEW_SECS as f64 {
        about(Verdict::Pass, observed).with_evidence(evidence)
    } else {
        about(Verdict::Fail, observed)
            .with_evidence(evidence)
            .with_fix("synchronise the host's clock with NTP (see time.ntp-synchronised), and the controller's too if it is the one off")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chrony_leap_status_says_whether_it_is_synchronised() {
        let ok =
            "Reference ID    : C0000201 (ntp1)\nStratum         : 3\nLeap status     : Normal\n";
        assert!(matches!(parse_chrony(ok), SyncState::Synchronised(_)));
        let no = "Reference ID    : 00000000 ()\nLeap status     : Not synchronised\n";
        assert_eq!(
            parse_chrony(no),
            SyncState::Unsynchronised("Leap status     : Not synchronised".into())
        );
        assert_eq!(
            parse_chrony("506 Cannot talk to daemon\n"),
            SyncState::Unknown
        );
        assert_eq!(parse_chrony("Leap status : Sideways\n"), SyncState::Unknown);
    }

    #[test]
    fn ntpq_follows_the_peer_marked_with_a_star() {
        let table = "     remote           refid      st t when poll reach   delay   offset  jitter\n==============================================================================\n";
        let synced = format!(
            "{table}*ntp1.example 192.0.2.1 2 u 33 64 377 0.5 -0.1 0.04\n+ntp2.example 192.0.2.2 2 u 33 64 377 0.5 -0.1 0.04\n"
        );
        assert!(
            matches!(parse_ntpq(&synced), SyncState::Synchronised(l) if l.starts_with("*ntp1"))
        );
        let unsynced = format!("{table} ntp1.example 192.0.2.1 2 u 33 64 377 0.5 -0.1 0.04\n");
        assert!(matches!(
            parse_ntpq(&unsynced),
            SyncState::Unsynchronised(_)
        ));
        assert!(matches!(
            parse_ntpq("No association ID's returned\n"),
            SyncState::Unsynchronised(_)
        ));
        assert_eq!(
            parse_ntpq("ntpq: read: Connection refused\n"),
            SyncState::Unknown
        );
    }
}
