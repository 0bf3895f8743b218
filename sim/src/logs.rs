//! The BroadWorks logs of a simulated host, as files under `/var/broadworks/logs`
//! of its file system (served over SFTP like every other file): each log a
//! support case asks for is started with one line when the host is opened, and
//! [`write_log`] adds files with a chosen modification time (tests: an old
//! rotated log, a big one, one with a secret in it).
use std::path::Path;
use std::time::SystemTime;

use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

use crate::host::Product;

/// Where BroadWorks writes its logs.
pub const LOG_ROOT: &str = "var/broadworks/logs";

/// The logs a host of `product` starts with: directory under [`LOG_ROOT`] and
/// file name prefix (Troubleshooting Webex for BroadWorks, "Useful Log Files":
/// XsiActionsLog, authenticationService, tomcat access_log, XSLog on the XSP;
/// PSLog and XSLog on the AS).
pub fn started_logs(product: Product) -> &'static [(&'static str, &'static str)] {
    match product {
        Product::Xsp | Product::Adp => &[
            ("xsp", "XsiActionsLog"),
            ("xsp", "XSLog"),
            ("authenticationService", "authenticationService"),
            ("tomcat", "access_log"),
        ],
        Product::As => &[("appserver", "PSLog"), ("appserver", "XSLog")],
    }
}

/// The date and time in a log's name, UTC: `YYYY.MM.DD-HH.MM.SS`.
const LOG_NAME_TIME: &[BorrowedFormatItem<'_>] =
    format_description!("[year].[month].[day]-[hour].[minute].[second]");

/// The name BroadWorks gives a log started at `unix`: `<prefix>YYYY.MM.DD-HH.MM.SS.txt`.
pub fn log_name(prefix: &str, unix: i64) -> String {
    let started = crate::state::utc(unix)
        .format(LOG_NAME_TIME)
        .unwrap_or_default();
    format!("{prefix}{started}.txt")
}

/// Starts each log of `product` under `root` (the host's `/`) with one line, if
/// it has no log of that name yet.
pub fn start_logs(root: &Path, product: Product, unix: i64) -> std::io::Result<()> {
    for (dir, prefix) in started_logs(product) {
        let dir = root.join(LOG_ROOT).join(dir);
        std::fs::create_dir_all(&dir)?;
        let has_one = std::fs::read_dir(&dir)?
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().starts_with(prefix));
        if !has_one {
            let line = format!(
                "{} {prefix} started (xspsim)\n",
                crate::state::alarm_time(unix)
            );
            std::fs::write(dir.join(log_name(prefix, unix)), line)?;
        }
    }
    Ok(())
}

/// Writes file `path` (relative to the host's `/`) under `root` with `bytes`,
/// modified at `mtime`.
pub fn write_log(root: &Path, path: &str, bytes: &[u8], mtime: SystemTime) -> std::io::Result<()> {
    let file = root.join(path.trim_start_matches('/'));
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&file, bytes)?;
    std::fs::File::options()
        .write(true)
        .open(&file)?
        .set_modified(mtime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_are_named_as_broadworks_names_them_and_started_once() {
        assert_eq!(
            log_name("XSLog", 1_764_670_800),
            "XSLog2025.12.02-10.20.00.txt"
        );
        let root = tempfile::tempdir().unwrap();
        start_logs(root.path(), Product::As, 1_764_670_800).unwrap();
        start_logs(root.path(), Product::As, 1_764_670_900).unwrap();
        let dir = root.path().join(LOG_ROOT).join("appserver");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
        let old = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        write_log(
            root.path(),
            "/var/broadworks/logs/appserver/PSLog1.txt",
            b"x\n",
            old,
        )
        .unwrap();
        let m = std::fs::metadata(dir.join("PSLog1.txt")).unwrap();
        assert_eq!(m.modified().unwrap(), old);
    }
}
