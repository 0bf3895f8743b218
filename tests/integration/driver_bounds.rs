//! Issue #7 defect 4: a host that floods the session without a prompt, sends one
//! endless line, or drips its answer cannot hold the driver without bound. Each
//! channel here is itself bounded (it ends after a fixed amount), so a driver
//! without the bounds fails these tests with "the connection was lost" instead of
//! hanging.
use std::io;
use std::time::{Duration, Instant};

use xspctl::bwcli::{Channel, CliCommand, Driver, DriverError, DriverOptions};

/// A CLI that shows its prompt, then answers any command with `pattern` repeated,
/// `per_read` bytes per read with `pause` before each, until `total` bytes.
struct Runaway {
    prompt: Option<Vec<u8>>,
    commanded: bool,
    pattern: Vec<u8>,
    pos: usize,
    per_read: usize,
    pause: Duration,
    left: usize,
}

impl Runaway {
    fn new(pattern: &str, per_read: usize, pause: Duration, total: usize) -> Runaway {
        Runaway {
            prompt: Some(b"XSP_CLI> ".to_vec()),
            commanded: false,
            pattern: pattern.as_bytes().to_vec(),
            pos: 0,
            per_read,
            pause,
            left: total,
        }
    }
}

impl Channel for Runaway {
    fn write_all(&mut self, _bytes: &[u8]) -> io::Result<()> {
        self.commanded = true;
        Ok(())
    }

    fn read_some(&mut self, buf: &mut [u8], deadline: Instant) -> io::Result<usize> {
        if let Some(prompt) = self.prompt.take() {
            buf[..prompt.len()].copy_from_slice(&prompt);
            return Ok(prompt.len());
        }
        if !self.commanded {
            std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
            return Err(io::Error::new(io::ErrorKind::TimedOut, "no data"));
        }
        if self.left == 0 {
            return Ok(0);
        }
        if !self.pause.is_zero() {
            if Instant::now() + self.pause > deadline {
                std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
                return Err(io::Error::new(io::ErrorKind::TimedOut, "no data"));
            }
            std::thread::sleep(self.pause);
        }
        let n = self.per_read.min(buf.len()).min(self.left);
        for b in &mut buf[..n] {
            *b = self.pattern[self.pos];
            self.pos = (self.pos + 1) % self.pattern.len();
        }
        self.left -= n;
        Ok(n)
    }
}

fn opts(max_output: usize) -> DriverOptions {
    DriverOptions {
        command_timeout: Duration::from_millis(300),
        max_output,
        ..DriverOptions::default()
    }
}

fn get_cti(channel: Runaway, max_output: usize) -> (DriverError, String) {
    let mut d = Driver::start(channel, opts(max_output)).expect("start");
    let err = d.run(&CliCommand::read("/", "get")).unwrap_err();
    let transcript = d.transcript().render();
    (err, transcript)
}

#[test]
fn a_flood_of_lines_without_a_prompt_stops_at_the_output_limit() {
    // 64 MiB would pass the limit of the default options; 1 MiB here, 8 MiB sent.
    let flood = Runaway::new("flood flood flood\r\n", 8192, Duration::ZERO, 8 << 20);
    let (err, transcript) = get_cti(flood, 1 << 20);
    match &err {
        DriverError::OutputTooLarge {
            command,
            context,
            limit,
            last_lines,
        } => {
            assert_eq!(command, "get");
            assert_eq!(context, "/");
            assert_eq!(*limit, 1 << 20);
            assert!(last_lines.contains("flood flood flood"), "{last_lines}");
        }
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.starts_with("`get` in /: more than 1048576 bytes of output without a CLI prompt"),
        "{msg}"
    );
    // Only the end of the flood is kept for the transcript.
    assert!(transcript.len() < 256 * 1024, "{}", transcript.len());
    assert!(transcript.contains("earlier bytes not shown"));
}

#[test]
fn one_endless_line_stops_at_the_output_limit_and_is_quoted_short() {
    let line = Runaway::new("x", 8192, Duration::ZERO, 8 << 20);
    let (err, _) = get_cti(line, 1 << 20);
    match &err {
        DriverError::OutputTooLarge { last_lines, .. } => {
            assert!(last_lines.len() < 400, "{}", last_lines.len());
            assert!(last_lines.contains("characters before"), "{last_lines}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_slow_endless_line_ends_when_no_line_completes_in_the_command_timeout() {
    // One byte every 10 ms: every byte comes well within the 300 ms timeout.
    let drip = Runaway::new("x", 1, Duration::from_millis(10), 2000);
    let (err, _) = get_cti(drip, 1 << 20);
    assert!(
        matches!(&err, DriverError::Timeout { command, .. } if command == "get"),
        "{err:?}"
    );
}

#[test]
fn a_drip_of_short_lines_ends_at_the_per_command_deadline() {
    // A complete line every 20 ms, for 40 s at most: only the overall deadline of
    // 4 × command_timeout stops it.
    let drip = Runaway::new("a\r\n", 3, Duration::from_millis(20), 6000);
    let (err, _) = get_cti(drip, 1 << 20);
    match &err {
        DriverError::Deadline {
            command,
            context,
            last_lines,
            ..
        } => {
            assert_eq!(command, "get");
            assert_eq!(context, "/");
            assert!(last_lines.ends_with('a'), "{last_lines}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("no CLI prompt within "));
}
