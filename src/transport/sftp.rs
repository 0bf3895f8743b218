//! SFTP: upload, download (whole or the tail), stat, directory listing (bounded),
//! exclusive create (atomic: used for the per-host lock), rmdir, remove, rename.
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;

use ssh2::{ErrorCode, FileStat, OpenFlags, OpenType, Sftp};

use super::error::{SftpFailure, TransportError};
use super::session::{Core, SshSession, ssh_failure};

/// The largest file `download` reads.
const DOWNLOAD_LIMIT: u64 = 64 * 1024 * 1024;
// SFTP status codes (draft-ietf-secsh-filexfer-02 and later) and libssh2's timeout.
const FX_NO_SUCH_FILE: i32 = 2;
const FX_PERMISSION_DENIED: i32 = 3;
const FX_NO_SUCH_PATH: i32 = 10;
const FX_FILE_ALREADY_EXISTS: i32 = 11;
const LIBSSH2_ERROR_TIMEOUT: i32 = -9;
/// libssh2's "no more directory entries".
const LIBSSH2_ERROR_FILE: i32 = -16;

/// An SFTP session on a connection.
pub struct SftpClient {
    // Dropped before `core`: shutting SFTP down needs the session.
    sftp: Sftp,
    core: Arc<Core>,
}

/// What `stat` tells about a remote path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteStat {
    /// Size in bytes.
    pub size: Option<u64>,
    /// Permission bits (`0o644`), without the file type.
    pub mode: Option<u32>,
    /// Whether it is a directory.
    pub is_dir: bool,
    /// Modification time, seconds since the epoch.
    pub mtime: Option<u64>,
}

/// One entry of a remote directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteEntry {
    /// Its name in the directory (no path).
    pub name: String,
    /// What the server says about it.
    pub stat: RemoteStat,
}

/// A directory's entries, as far as they were read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteListing {
    /// The entries read (`.` and `..` left out), in the server's order.
    pub entries: Vec<RemoteEntry>,
    /// Whether the directory has more entries than were read.
    pub more: bool,
}

/// The end of a remote file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteTail {
    /// Its last bytes (all of it when it is small enough).
    pub bytes: Vec<u8>,
    /// Its size when it was opened.
    pub size: u64,
}

impl SshSession {
    /// Opens an SFTP session.
    pub fn sftp(&self) -> Result<SftpClient, TransportError> {
        let core = Arc::clone(self.core());
        let sftp = {
            let _guard = core.lock();
            core.session
                .sftp()
                .map_err(|e| ssh_failure(&core.label, "opening SFTP", &e, core.command_timeout))?
        };
        Ok(SftpClient { sftp, core })
    }
}

fn remote_stat(s: &FileStat) -> RemoteStat {
    RemoteStat {
        size: s.size,
        mode: s.perm.map(|p| p & 0o7777),
        is_dir: s.is_dir(),
        mtime: s.mtime,
    }
}

impl SftpClient {
    /// Writes `bytes` to `path` (created or truncated) and sets its mode.
    pub fn upload(&self, path: &str, bytes: &[u8], mode: u32) -> Result<(), TransportError> {
        let _guard = self.core.lock();
        let fail = |e: ssh2::Error| self.failure("upload", path, &e);
        let mut file = self
            .sftp
            .open_mode(
                Path::new(path),
                OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::TRUNCATE,
                (mode & 0o7777) as i32,
                OpenType::File,
            )
            .map_err(fail)?;
        file.write_all(bytes)
            .map_err(|e| self.io_failure("upload", path, &e))?;
        file.close().map_err(fail)?;
        drop(file);
        let stat = FileStat {
            size: None,
            uid: None,
            gid: None,
            perm: Some(mode & 0o7777),
            atime: None,
            mtime: None,
        };
        self.sftp.setstat(Path::new(path), stat).map_err(fail)
    }

    /// Creates `path` holding `bytes`, created with `mode` (which the server's umask
    /// may narrow, never widen), and fails with [`SftpFailure::AlreadyExists`] when
    /// it exists: one exclusive open, the write and the close, where [`upload`]
    /// adds a `setstat` (and a caller's `stat` to keep an existing file) — two
    /// round trips fewer for the lock and the restart mark. When the write or the
    /// close fails, the file this call created is removed again.
    ///
    /// [`upload`]: SftpClient::upload
    pub fn create_new(&self, path: &str, bytes: &[u8], mode: u32) -> Result<(), TransportError> {
        let _guard = self.core.lock();
        let opened = self.sftp.open_mode(
            Path::new(path),
            OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::EXCLUSIVE,
            (mode & 0o7777) as i32,
            OpenType::File,
        );
        let mut file = opened.map_err(|e| self.already_exists("create", path, &e))?;
        let written = file
            .write_all(bytes)
            .map_err(|e| self.io_failure("create", path, &e))
            .and_then(|()| file.close().map_err(|e| self.failure("create", path, &e)));
        if written.is_err() {
            // The exclusive open made the file this call's: a partial one is not
            // left behind (best effort; the error says what failed).
            drop(file);
            let _ = self.sftp.unlink(Path::new(path));
        }
        written
    }

    /// Reads all of `path`.
    pub fn download(&self, path: &str) -> Result<Vec<u8>, TransportError> {
        let _guard = self.core.lock();
        let mut file = self
            .sftp
            .open(Path::new(path))
            .map_err(|e| self.failure("download", path, &e))?;
        let mut bytes = Vec::new();
        (&mut file)
            .take(DOWNLOAD_LIMIT + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| self.io_failure("download", path, &e))?;
        if bytes.len() as u64 > DOWNLOAD_LIMIT {
            return Err(self.sftp_error(
                "download",
                path,
                SftpFailure::Other,
                format!("larger than {DOWNLOAD_LIMIT} bytes"),
            ));
        }
        Ok(bytes)
    }

    /// The last `max` bytes of `path` (all of it when smaller) and its size.
    pub fn read_tail(&self, path: &str, max: u64) -> Result<RemoteTail, TransportError> {
        let _guard = self.core.lock();
        let fail = |e: ssh2::Error| self.failure("download", path, &e);
        let mut file = self.sftp.open(Path::new(path)).map_err(fail)?;
        let size = file.stat().map_err(fail)?.size.unwrap_or(0);
        let start = size.saturating_sub(max);
        let io = |e: std::io::Error| self.io_failure("download", path, &e);
        file.seek(SeekFrom::Start(start)).map_err(io)?;
        let mut bytes = Vec::new();
        // The file may grow while it is read: never more than `max`.
        (&mut file).take(max).read_to_end(&mut bytes).map_err(io)?;
        Ok(RemoteTail { bytes, size })
    }

    /// The entries of directory `path`, at most `limit` of them.
    pub fn list_dir(&self, path: &str, limit: usize) -> Result<RemoteListing, TransportError> {
        let _guard = self.core.lock();
        let fail = |e: ssh2::Error| self.failure("list", path, &e);
        let mut dir = self.sftp.opendir(Path::new(path)).map_err(fail)?;
        let mut entries = Vec::new();
        loop {
            match dir.readdir() {
                Ok((name, s)) => {
                    let name = name.to_string_lossy().into_owned();
                    if name == "." || name == ".." {
                        continue;
                    }
                    if entries.len() == limit {
                        return Ok(RemoteListing {
                            entries,
                            more: true,
                        });
                    }
                    entries.push(RemoteEntry {
                        name,
                        stat: remote_stat(&s),
                    });
                }
                Err(e) if e.code() == ErrorCode::Session(LIBSSH2_ERROR_FILE) => break,
                Err(e) => return Err(fail(e)),
            }
        }
        Ok(RemoteListing {
            entries,
            more: false,
        })
    }

    /// Stats `path`; `None` when it does not exist.
    pub fn stat(&self, path: &str) -> Result<Option<RemoteStat>, TransportError> {
        let _guard = self.core.lock();
        self.stat_locked(path)
    }

    /// The failure of an exclusive create of `path`, as
    /// [`SftpFailure::AlreadyExists`] when the path is there: SFTP v3 servers
    /// (OpenSSH) answer a plain FAILURE for an existing path, so it is asked.
    fn already_exists(&self, op: &str, path: &str, e: &ssh2::Error) -> TransportError {
        let mut err = self.failure(op, path, e);
        if let TransportError::Sftp {
            failure: failure @ SftpFailure::Other,
            message,
            ..
        } = &mut err
            && matches!(self.stat_locked(path), Ok(Some(_)))
        {
            *failure = SftpFailure::AlreadyExists;
            *message = "it already exists".to_string();
        }
        err
    }

    /// Removes the empty directory `path`.
    pub fn rmdir(&self, path: &str) -> Result<(), TransportError> {
        let _guard = self.core.lock();
        self.sftp
            .rmdir(Path::new(path))
            .map_err(|e| self.failure("rmdir", path, &e))
    }

    /// Removes the file `path`.
    pub fn remove(&self, path: &str) -> Result<(), TransportError> {
        let _guard = self.core.lock();
        self.sftp
            .unlink(Path::new(path))
            .map_err(|e| self.failure("remove", path, &e))
    }

    /// Renames `from` to `to`. SFTP v3 servers (OpenSSH) refuse when `to` exists.
    pub fn rename(&self, from: &str, to: &str) -> Result<(), TransportError> {
        let _guard = self.core.lock();
        self.sftp
            .rename(Path::new(from), Path::new(to), None)
            .map_err(|e| self.failure("rename", &format!("{from} -> {to}"), &e))
    }

    fn stat_locked(&self, path: &str) -> Result<Option<RemoteStat>, TransportError> {
        match self.sftp.stat(Path::new(path)) {
            Ok(s) => Ok(Some(remote_stat(&s))),
            Err(e) => match self.failure("stat", path, &e) {
                TransportError::Sftp {
                    failure: SftpFailure::NotFound,
                    ..
                } => Ok(None),
                other => Err(other),
            },
        }
    }

    fn failure(&self, op: &str, path: &str, e: &ssh2::Error) -> TransportError {
        let failure = match e.code() {
            ErrorCode::SFTP(FX_NO_SUCH_FILE | FX_NO_SUCH_PATH) => SftpFailure::NotFound,
            ErrorCode::SFTP(FX_PERMISSION_DENIED) => SftpFailure::PermissionDenied,
            ErrorCode::SFTP(FX_FILE_ALREADY_EXISTS) => SftpFailure::AlreadyExists,
            ErrorCode::Session(LIBSSH2_ERROR_TIMEOUT) => {
                return ssh_failure(
                    &self.core.label,
                    &format!("SFTP {op} {path}"),
                    e,
                    self.core.command_timeout,
                );
            }
            _ => SftpFailure::Other,
        };
        self.sftp_error(op, path, failure, e.message().to_string())
    }

    fn io_failure(&self, op: &str, path: &str, e: &std::io::Error) -> TransportError {
        let failure = match e.kind() {
            std::io::ErrorKind::NotFound => SftpFailure::NotFound,
            std::io::ErrorKind::PermissionDenied => SftpFailure::PermissionDenied,
            _ => SftpFailure::Other,
        };
        self.sftp_error(op, path, failure, e.to_string())
    }

    fn sftp_error(
        &self,
        op: &str,
        path: &str,
        failure: SftpFailure,
        message: String,
    ) -> TransportError {
        TransportError::Sftp {
            target: self.core.label.clone(),
            op: op.to_string(),
            path: path.to_string(),
            failure,
            message,
        }
    }
}
