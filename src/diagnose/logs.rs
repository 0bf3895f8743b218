//! The BroadWorks logs a support case asks for (`src/catalog/data/log-files.yaml`):
//! each source's directory is listed over SFTP (bounded), the files of its prefix
//! written within the window are taken newest first, each cut to its tail under
//! the per-file cap, all of them under the per-host cap. What was looked for,
//! found, cut or left out is recorded (`hosts/<host>/logs.json`).
use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::hostlink::SshLink;
use crate::transport::{RemoteListing, RemoteTail, TransportError};

/// Where BroadWorks writes its logs; bundle paths are relative to it.
pub const LOG_ROOT: &str = "/var/broadworks/logs";
/// The most entries read from one log directory.
const LIST_LIMIT: usize = 20_000;

/// A log support asks for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogSource {
    /// Its name as support names it (`XsiActionsLog`).
    pub name: String,
    /// The products that write it (`xsp`, `adp`, `as`).
    pub products: Vec<String>,
    /// Its directory on the host.
    pub directory: String,
    /// The start of its file names.
    pub prefix: String,
    /// What it shows.
    pub shows: String,
    /// The document that names it.
    pub source: String,
}

static SOURCES: LazyLock<Vec<LogSource>> = LazyLock::new(|| {
    // Compiled-in data; `the_log_catalog_loads` proves it reads.
    serde_saphyr::from_str(include_str!("../catalog/data/log-files.yaml"))
        .unwrap_or_else(|e| panic!("catalog data: log-files.yaml: {e}"))
});

/// Every log source of the catalog.
pub fn log_sources() -> &'static [LogSource] {
    &SOURCES
}

/// The window and the caps of a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogLimits {
    /// Only files modified this long ago or later.
    pub since: Duration,
    /// The most bytes kept of one file (its tail).
    pub per_file: u64,
    /// The most bytes kept of all the logs of one host.
    pub per_host: u64,
}

/// The window `diagnose` uses without `--since`.
pub const DEFAULT_SINCE: &str = "2h";
/// The per-file cap without `--log-file-cap`.
pub const DEFAULT_FILE_CAP: &str = "8M";
/// The per-host cap without `--log-host-cap`.
pub const DEFAULT_HOST_CAP: &str = "32M";

/// A window such as `90m`, `2h`, `1d` or `45s` (a number and a unit).
pub fn parse_window(text: &str) -> Result<Duration, String> {
    let (n, unit) = number_and_unit(text)?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "`{text}`: give a number and s, m, h or d (e.g. 2h)"
            ));
        }
    };
    n.checked_mul(secs)
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("`{text}`: not a window (more than 0, e.g. 2h)"))
}

/// A size such as `512K`, `8M`, `1G` or `4096` (bytes).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let (n, unit) = number_and_unit(text)?;
    let factor: u64 = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" => 1024,
        "M" => 1024 * 1024,
        "G" => 1024 * 1024 * 1024,
        _ => return Err(format!("`{text}`: give a number and K, M or G (e.g. 8M)")),
    };
    n.checked_mul(factor)
        .filter(|b| *b > 0)
        .ok_or_else(|| format!("`{text}`: not a size (more than 0, e.g. 8M)"))
}

fn number_and_unit(text: &str) -> Result<(u64, &str), String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let n = t[..split]
        .parse::<u64>()
        .map_err(|_| format!("`{text}`: it does not start with a number"))?;
    Ok((n, &t[split..]))
}

/// What reads a host's logs: a directory listing and the tail of a file.
pub trait LogHost {
    /// The entries of `path`, at most `limit`; None when it does not exist.
    fn list(&self, path: &str, limit: usize) -> Result<Option<RemoteListing>, TransportError>;
    /// The last `max` bytes of `path`.
    fn tail(&self, path: &str, max: u64) -> Result<RemoteTail, TransportError>;
}

impl LogHost for SshLink {
    fn list(&self, path: &str, limit: usize) -> Result<Option<RemoteListing>, TransportError> {
        self.list_dir(path, limit)
    }

    fn tail(&self, path: &str, max: u64) -> Result<RemoteTail, TransportError> {
        self.read_tail(path, max)
    }
}

/// One log file taken (its bytes are not yet redacted).
#[derive(Debug, Clone)]
pub struct LogFile {
    /// Its path on the host.
    pub path: String,
    /// The bytes kept: all of it, or its tail.
    pub bytes: Vec<u8>,
    /// Its size on the host.
    pub size: u64,
}

impl LogFile {
    /// Its path in the bundle: `hosts/<host>/logs/` and its path under [`LOG_ROOT`].
    pub fn bundle_path(&self, host: &str) -> String {
        let rel = self
            .path
            .strip_prefix(LOG_ROOT)
            .unwrap_or(&self.path)
            .trim_start_matches('/');
        format!("hosts/{host}/logs/{rel}")
    }

    /// Whether only its tail was kept.
    pub fn truncated(&self) -> bool {
        (self.bytes.len() as u64) < self.size
    }
}

/// What happened to one file of the window (`logs.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// Its path on the host.
    pub path: String,
    /// Its size on the host.
    pub size: u64,
    /// When it was last written (RFC 3339 UTC), when the server says.
    pub modified: Option<String>,
    /// Bytes bundled (its tail when fewer than `size`).
    pub kept: u64,
    /// `bundled`, `tail bundled (per-file cap)`, `tail bundled (per-host cap)`,
    /// `left out: per-host cap reached`, or why it could not be read.
    pub outcome: String,
}

/// What one source gave (`logs.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRecord {
    /// The source's name.
    pub name: String,
    /// Where it was looked for.
    pub directory: String,
    /// The file name prefix.
    pub prefix: String,
    /// The document that names it.
    pub source: String,
    /// `listed`, `no such directory on the host`, or the listing error.
    pub listing: String,
    /// Files of the prefix last written before the window.
    pub older_files: usize,
    /// The files of the window.
    pub files: Vec<FileRecord>,
}

/// `hosts/<host>/logs.json`: the window, the caps and every source's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogIndex {
    /// The window, in seconds before the collection.
    pub since_seconds: u64,
    /// The per-file cap, bytes.
    pub per_file_cap: u64,
    /// The per-host cap, bytes.
    pub per_host_cap: u64,
    /// Each source of the host's product.
    pub sources: Vec<SourceRecord>,
}

/// The logs of one host.
#[derive(Debug, Clone)]
pub struct Logs {
    /// The files taken, newest first.
    pub files: Vec<LogFile>,
    /// What was looked for and what became of it.
    pub index: LogIndex,
    /// Failures (listing or reading), as seen.
    pub errors: Vec<String>,
}

/// A file of the window, before the caps.
struct Candidate {
    source: usize,
    path: String,
    size: u64,
    mtime: Option<u64>,
}

/// Collects the logs of a host of `product` from `host`, as of `now`.
pub fn collect_logs(host: &dyn LogHost, product: &str, limits: LogLimits, now: SystemTime) -> Logs {
    let cutoff = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .saturating_sub(limits.since)
        .as_secs();
    let mut out = Logs {
        files: Vec::new(),
        index: LogIndex {
            since_seconds: limits.since.as_secs(),
            per_file_cap: limits.per_file,
            per_host_cap: limits.per_host,
            sources: Vec::new(),
        },
        errors: Vec::new(),
    };
    let mut candidates = Vec::new();
    for src in log_sources()
        .iter()
        .filter(|s| s.products.iter().any(|p| p == product))
    {
        let mut record = SourceRecord {
            name: src.name.clone(),
            directory: src.directory.clone(),
            prefix: src.prefix.clone(),
            source: src.source.clone(),
            listing: "listed".into(),
            older_files: 0,
            files: Vec::new(),
        };
        match host.list(&src.directory, LIST_LIMIT) {
            Ok(None) => record.listing = "no such directory on the host".into(),
            Err(e) => {
                record.listing = format!("cannot be listed: {e}");
                out.errors.push(format!("listing {}: {e}", src.directory));
            }
            Ok(Some(listing)) => {
                if listing.more {
                    record.listing =
                        format!("listed: only the first {LIST_LIMIT} entries were looked at");
                }
                for e in listing.entries {
                    if e.stat.is_dir || !e.name.starts_with(&src.prefix) {
                        continue;
                    }
                    // A file whose time the server does not give is taken.
                    if e.stat.mtime.is_some_and(|m| m < cutoff) {
                        record.older_files += 1;
                        continue;
                    }
                    candidates.push(Candidate {
                        source: out.index.sources.len(),
                        path: format!("{}/{}", src.directory.trim_end_matches('/'), e.name),
                        size: e.stat.size.unwrap_or(0),
                        mtime: e.stat.mtime,
                    });
                }
            }
        }
        out.index.sources.push(record);
    }
    // Newest first: the per-host cap leaves out the oldest.
    candidates.sort_by(|a, b| b.mtime.cmp(&a.mtime).then(a.path.cmp(&b.path)));
    let mut left = limits.per_host;
    for c in candidates {
        let mut rec = FileRecord {
            path: c.path.clone(),
            size: c.size,
            modified: c.mtime.map(rfc3339),
            kept: 0,
            outcome: String::new(),
        };
        if left == 0 {
            rec.outcome = "left out: per-host cap reached".into();
        } else {
            let max = limits.per_file.min(left);
            match host.tail(&c.path, max) {
                Ok(t) => {
                    let kept = t.bytes.len() as u64;
                    rec.size = t.size;
                    rec.kept = kept;
                    rec.outcome = if kept >= t.size {
                        "bundled".into()
                    } else if max < limits.per_file {
                        "tail bundled (per-host cap)".into()
                    } else {
                        "tail bundled (per-file cap)".into()
                    };
                    left -= kept.min(left);
                    out.files.push(LogFile {
                        path: c.path,
                        bytes: t.bytes,
                        size: t.size,
                    });
                }
                Err(e) => {
                    rec.outcome = format!("cannot be read: {e}");
                    out.errors.push(format!("reading {}: {e}", c.path));
                }
            }
        }
        out.index.sources[c.source].files.push(rec);
    }
    out
}

fn rfc3339(unix: u64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| unix.to_string())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::transport::{RemoteEntry, RemoteStat};

    /// Files by path: (content, mtime).
    struct Fake(BTreeMap<String, (Vec<u8>, u64)>);

    impl LogHost for Fake {
        fn list(&self, dir: &str, limit: usize) -> Result<Option<RemoteListing>, TransportError> {
            let entries: Vec<RemoteEntry> = self
                .0
                .iter()
                .filter_map(|(p, (b, m))| {
                    let name = p.strip_prefix(dir)?.strip_prefix('/')?;
                    Some(RemoteEntry {
                        name: name.to_string(),
                        stat: RemoteStat {
                            size: Some(b.len() as u64),
                            mode: Some(0o644),
                            is_dir: false,
                            mtime: Some(*m),
                        },
                    })
                })
                .collect();
            if entries.is_empty() {
                return Ok(None);
            }
            let more = entries.len() > limit;
            Ok(Some(RemoteListing {
                entries: entries.into_iter().take(limit).collect(),
                more,
            }))
        }

        fn tail(&self, path: &str, max: u64) -> Result<RemoteTail, TransportError> {
            let (b, _) = &self.0[path];
            let start = b.len().saturating_sub(max as usize);
            Ok(RemoteTail {
                bytes: b[start..].to_vec(),
                size: b.len() as u64,
            })
        }
    }

    const NOW: u64 = 1_800_000_000;

    #[test]
    fn the_log_catalog_loads() {
        for p in ["xsp", "adp", "as"] {
            assert!(
                log_sources()
                    .iter()
                    .any(|s| s.products.iter().any(|x| x == p))
            );
        }
        for s in log_sources() {
            assert!(s.directory.starts_with(LOG_ROOT), "{}", s.directory);
            assert!(!s.prefix.is_empty() && !s.source.is_empty());
        }
    }

    #[test]
    fn windows_and_sizes_parse_and_bad_ones_say_how() {
        assert_eq!(parse_window("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_window("90m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_window("1d"), Ok(Duration::from_secs(86_400)));
        assert!(parse_window("2").unwrap_err().contains("e.g. 2h"));
        assert!(parse_window("0h").is_err());
        assert!(parse_window("h").unwrap_err().contains("number"));
        assert_eq!(parse_size("8M"), Ok(8 * 1024 * 1024));
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("8X").unwrap_err().contains("K, M or G"));
    }

    #[test]
    fn the_window_and_both_caps_hold_newest_first_tails_kept() {
        let mut files = BTreeMap::new();
        let mut put = |p: &str, len: usize, age: u64| {
            files.insert(p.to_string(), (vec![b'a'; len], NOW - age));
        };
        put("/var/broadworks/logs/xsp/XsiActionsLog-new.txt", 300, 60);
        put("/var/broadworks/logs/xsp/XsiActionsLog-mid.txt", 50, 600);
        put("/var/broadworks/logs/xsp/XsiActionsLog-old.txt", 50, 10_000);
        put("/var/broadworks/logs/xsp/XSLog-a.txt", 80, 1200);
        put("/var/broadworks/logs/xsp/XSLog-b.txt", 10, 1800);
        put("/var/broadworks/logs/xsp/Other.txt", 10, 60);
        let limits = LogLimits {
            since: Duration::from_secs(3600),
            per_file: 100,
            per_host: 200,
        };
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(NOW);
        let logs = collect_logs(&Fake(files), "xsp", limits, now);
        let taken: Vec<(&str, usize)> = logs
            .files
            .iter()
            .map(|f| (f.path.rsplit('/').next().unwrap(), f.bytes.len()))
            .collect();
        // new: cut to 100 (per file); mid 50; XSLog-a cut to the 50 left; b left out.
        assert_eq!(
            taken,
            [
                ("XsiActionsLog-new.txt", 100),
                ("XsiActionsLog-mid.txt", 50),
                ("XSLog-a.txt", 50)
            ]
        );
        assert!(logs.files[0].truncated() && !logs.files[1].truncated());
        assert_eq!(
            logs.files[0].bundle_path("x1"),
            "hosts/x1/logs/xsp/XsiActionsLog-new.txt"
        );
        let xsi = &logs.index.sources[0];
        assert_eq!((xsi.name.as_str(), xsi.older_files), ("XsiActionsLog", 1));
        assert_eq!(xsi.files[0].outcome, "tail bundled (per-file cap)");
        let xs = logs
            .index
            .sources
            .iter()
            .find(|s| s.prefix == "XSLog")
            .unwrap();
        let outcomes: Vec<&str> = xs.files.iter().map(|f| f.outcome.as_str()).collect();
        assert_eq!(
            outcomes,
            [
                "tail bundled (per-host cap)",
                "left out: per-host cap reached"
            ]
        );
        let tomcat = logs
            .index
            .sources
            .iter()
            .find(|s| s.prefix == "access_log")
            .unwrap();
        assert_eq!(tomcat.listing, "no such directory on the host");
        assert!(logs.errors.is_empty());
    }
}
