//! SFTP rooted at a simulated host's file system (`SimHost::fs_root()`): enough for
//! uploads and downloads of trust anchors, certificates, keys and `authService.keys`,
//! with no way above the root (no `..` past it, no symlink out of it).
//!
//! File operations run where the request is handled, with `std::fs`: each is one
//! local system call on a small file, where `tokio::fs` handed every one to the
//! blocking pool (two thread wake-ups per request, about twenty per apply of a
//! host).
use std::collections::HashMap;
use std::io::SeekFrom;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use russh_sftp::protocol::{
    Attrs, Data, File, FileAttributes, Handle, Name, OpenFlags, Status, StatusCode, Version,
};
use russh_sftp::server::StatusReply;
use std::io::{Read, Seek, Write};

/// Most bytes one read request returns (OpenSSH's limit).
const MAX_READ: u32 = 256 * 1024;

/// A file system view rooted at a directory.
#[derive(Debug, Clone)]
pub struct RootedFs {
    root: PathBuf,
}

/// Splits a client path into normal components, resolving `.` and `..` lexically
/// from `/`; a `..` that would climb above the root is refused.
pub fn virtual_components(path: &str) -> Result<Vec<&str>, StatusReply> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(StatusCode::PermissionDenied.with_message("outside the root"));
                }
            }
            other => parts.push(other),
        }
    }
    Ok(parts)
}

/// The normalised absolute form of a client path, e.g. `/var/broadworks`.
pub fn virtual_path(path: &str) -> Result<String, StatusReply> {
    Ok(format!("/{}", virtual_components(path)?.join("/")))
}

impl RootedFs {
    /// A view rooted at `root` (which must exist).
    pub fn new(root: &Path) -> std::io::Result<RootedFs> {
        Ok(RootedFs {
            root: std::fs::canonicalize(root)?,
        })
    }

    fn join(&self, parts: &[&str]) -> PathBuf {
        let mut path = self.root.clone();
        path.extend(parts);
        path
    }

    fn inside(&self, real: &Path) -> Result<(), StatusReply> {
        if real.starts_with(&self.root) {
            Ok(())
        } else {
            Err(StatusCode::PermissionDenied.with_message("outside the root"))
        }
    }

    /// The real path of an existing file or directory, following symlinks, which
    /// must stay inside the root.
    pub async fn existing(&self, path: &str) -> Result<PathBuf, StatusReply> {
        let parts = virtual_components(path)?;
        let real = std::fs::canonicalize(self.join(&parts)).map_err(io_status)?;
        self.inside(&real)?;
        Ok(real)
    }

    /// The real path of a directory entry that may not exist yet: its parent is
    /// resolved (and must stay inside the root), its last component is not followed.
    pub async fn entry(&self, path: &str) -> Result<PathBuf, StatusReply> {
        let parts = virtual_components(path)?;
        let Some((name, parent)) = parts.split_last() else {
            return Ok(self.root.clone());
        };
        let parent = std::fs::canonicalize(self.join(parent)).map_err(io_status)?;
        self.inside(&parent)?;
        Ok(parent.join(name))
    }
}

/// Maps an I/O error to the SFTP status a client understands.
fn io_status(error: std::io::Error) -> StatusReply {
    let code = match error.kind() {
        std::io::ErrorKind::NotFound => StatusCode::NoSuchFile,
        std::io::ErrorKind::PermissionDenied => StatusCode::PermissionDenied,
        _ => StatusCode::Failure,
    };
    code.with_message(error.to_string())
}

fn ok(id: u32) -> Status {
    Status {
        id,
        status_code: StatusCode::Ok,
        error_message: "Success".to_string(),
        language_tag: "en-US".to_string(),
    }
}

/// An open handle.
enum OpenHandle {
    File(std::fs::File),
    /// A directory listing; `None` once it has been sent.
    Dir(Option<Vec<File>>),
}

/// The SFTP server side of one channel.
pub struct SftpSession {
    fs: RootedFs,
    handles: HashMap<String, OpenHandle>,
    next_handle: u64,
}

impl SftpSession {
    /// An SFTP session over `fs`.
    pub fn new(fs: RootedFs) -> SftpSession {
        SftpSession {
            fs,
            handles: HashMap::new(),
            next_handle: 0,
        }
    }

    fn insert(&mut self, handle: OpenHandle) -> String {
        self.next_handle += 1;
        let name = self.next_handle.to_string();
        self.handles.insert(name.clone(), handle);
        name
    }

    fn file(&mut self, handle: &str) -> Result<&mut std::fs::File, StatusReply> {
        match self.handles.get_mut(handle) {
            Some(OpenHandle::File(file)) => Ok(file),
            _ => Err(StatusCode::Failure.with_message("invalid handle")),
        }
    }
}

fn attributes(metadata: &std::fs::Metadata) -> FileAttributes {
    FileAttributes::from(metadata)
}

impl russh_sftp::server::Handler for SftpSession {
    type Error = StatusReply;

    fn unimplemented(&self) -> Self::Error {
        StatusCode::OpUnsupported.into()
    }

    async fn init(
        &mut self,
        _version: u32,
        _extensions: HashMap<String, String>,
    ) -> Result<Version, Self::Error> {
        Ok(Version::new())
    }

    async fn open(
        &mut self,
        id: u32,
        filename: String,
        pflags: OpenFlags,
        attrs: FileAttributes,
    ) -> Result<Handle, Self::Error> {
        let creating = pflags.contains(OpenFlags::CREATE);
        let real = if creating {
            self.fs.entry(&filename).await?
        } else {
            self.fs.existing(&filename).await?
        };
        // An existing symlink at the last component must not lead out either.
        if creating && let Ok(target) = std::fs::canonicalize(&real) {
            self.fs.inside(&target)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options
            .read(pflags.contains(OpenFlags::READ))
            .write(pflags.contains(OpenFlags::WRITE))
            .append(pflags.contains(OpenFlags::APPEND))
            .truncate(pflags.contains(OpenFlags::TRUNCATE));
        if creating {
            if pflags.contains(OpenFlags::EXCLUDE) {
                options.create_new(true);
            } else {
                options.create(true);
            }
            std::os::unix::fs::OpenOptionsExt::mode(
                &mut options,
                attrs.permissions.unwrap_or(0o644) & 0o7777,
            );
        }
        let file = options.open(&real).map_err(io_status)?;
        let handle = self.insert(OpenHandle::File(file));
        Ok(Handle { id, handle })
    }

    async fn close(&mut self, id: u32, handle: String) -> Result<Status, Self::Error> {
        match self.handles.remove(&handle) {
            Some(OpenHandle::File(mut file)) => {
                file.flush().map_err(io_status)?;
                Ok(ok(id))
            }
            Some(OpenHandle::Dir(_)) => Ok(ok(id)),
            None => Err(StatusCode::Failure.with_message("invalid handle")),
        }
    }

    async fn read(
        &mut self,
        id: u32,
        handle: String,
        offset: u64,
        len: u32,
    ) -> Result<Data, Self::Error> {
        let file = self.file(&handle)?;
        file.seek(SeekFrom::Start(offset)).map_err(io_status)?;
        let mut data = vec![0u8; len.min(MAX_READ) as usize];
        let mut filled = 0;
        while filled < data.len() {
            let n = file.read(&mut data[filled..]).map_err(io_status)?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        if filled == 0 && !data.is_empty() {
            return Err(StatusCode::Eof.into());
        }
        data.truncate(filled);
        Ok(Data { id, data })
    }

    async fn write(
        &mut self,
        id: u32,
        handle: String,
        offset: u64,
        data: Vec<u8>,
    ) -> Result<Status, Self::Error> {
        let file = self.file(&handle)?;
        file.seek(SeekFrom::Start(offset)).map_err(io_status)?;
        file.write_all(&data).map_err(io_status)?;
        Ok(ok(id))
    }

    async fn lstat(&mut self, id: u32, path: String) -> Result<Attrs, Self::Error> {
        let real = self.fs.entry(&path).await?;
        let metadata = std::fs::symlink_metadata(&real).map_err(io_status)?;
        Ok(Attrs {
            id,
            attrs: attributes(&metadata),
        })
    }

    async fn stat(&mut self, id: u32, path: String) -> Result<Attrs, Self::Error> {
        let real = self.fs.existing(&path).await?;
        let metadata = std::fs::metadata(&real).map_err(io_status)?;
        Ok(Attrs {
            id,
            attrs: attributes(&metadata),
        })
    }

    async fn fstat(&mut self, id: u32, handle: String) -> Result<Attrs, Self::Error> {
        let file = self.file(&handle)?;
        let metadata = file.metadata().map_err(io_status)?;
        Ok(Attrs {
            id,
            attrs: attributes(&metadata),
        })
    }

    async fn setstat(
        &mut self,
        id: u32,
        path: String,
        attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        let real = self.fs.existing(&path).await?;
        if let Some(mode) = attrs.permissions {
            std::fs::set_permissions(&real, std::fs::Permissions::from_mode(mode & 0o7777))
                .map_err(io_status)?;
        }
        Ok(ok(id))
    }

    async fn fsetstat(
        &mut self,
        id: u32,
        handle: String,
        attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        let file = self.file(&handle)?;
        if let Some(mode) = attrs.permissions {
            file.set_permissions(std::fs::Permissions::from_mode(mode & 0o7777))
                .map_err(io_status)?;
        }
        Ok(ok(id))
    }

    async fn opendir(&mut self, id: u32, path: String) -> Result<Handle, Self::Error> {
        let real = self.fs.existing(&path).await?;
        let reader = std::fs::read_dir(&real).map_err(io_status)?;
        let mut files = Vec::new();
        for name in [".", ".."] {
            let metadata = std::fs::metadata(&real).map_err(io_status)?;
            files.push(File::new(name, attributes(&metadata)));
        }
        for entry in reader {
            let entry = entry.map_err(io_status)?;
            let metadata = entry.metadata().map_err(io_status)?;
            files.push(File::new(
                entry.file_name().to_string_lossy().into_owned(),
                attributes(&metadata),
            ));
        }
        let handle = self.insert(OpenHandle::Dir(Some(files)));
        Ok(Handle { id, handle })
    }

    async fn readdir(&mut self, id: u32, handle: String) -> Result<Name, Self::Error> {
        match self.handles.get_mut(&handle) {
            Some(OpenHandle::Dir(listing)) => match listing.take() {
                Some(files) => Ok(Name { id, files }),
                None => Err(StatusCode::Eof.into()),
            },
            _ => Err(StatusCode::Failure.with_message("invalid handle")),
        }
    }

    async fn remove(&mut self, id: u32, filename: String) -> Result<Status, Self::Error> {
        let real = self.fs.entry(&filename).await?;
        std::fs::remove_file(&real).map_err(io_status)?;
        Ok(ok(id))
    }

    /// Atomic: fails when the directory exists (xspctl uses it as a per-host lock).
    async fn mkdir(
        &mut self,
        id: u32,
        path: String,
        attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        let real = self.fs.entry(&path).await?;
        let mut builder = std::fs::DirBuilder::new();
        std::os::unix::fs::DirBuilderExt::mode(
            &mut builder,
            attrs.permissions.unwrap_or(0o755) & 0o7777,
        );
        builder.create(&real).map_err(io_status)?;
        Ok(ok(id))
    }

    async fn rmdir(&mut self, id: u32, path: String) -> Result<Status, Self::Error> {
        let real = self.fs.entry(&path).await?;
        if real == self.fs.root {
            return Err(StatusCode::PermissionDenied.with_message("cannot remove the root"));
        }
        std::fs::remove_dir(&real).map_err(io_status)?;
        Ok(ok(id))
    }

    async fn realpath(&mut self, id: u32, path: String) -> Result<Name, Self::Error> {
        Ok(Name {
            id,
            files: vec![File::dummy(virtual_path(&path)?)],
        })
    }

    /// SFTP v3 rename, as OpenSSH does it: refused when the target exists.
    async fn rename(
        &mut self,
        id: u32,
        oldpath: String,
        newpath: String,
    ) -> Result<Status, Self::Error> {
        let from = self.fs.entry(&oldpath).await?;
        let to = self.fs.entry(&newpath).await?;
        if std::fs::symlink_metadata(&to).is_ok() {
            return Err(StatusCode::Failure.with_message("target exists"));
        }
        std::fs::rename(&from, &to).map_err(io_status)?;
        Ok(ok(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_paths_resolve_dots_and_refuse_escape() {
        assert_eq!(
            virtual_path("/var/./broadworks//tmp/").ok(),
            Some("/var/broadworks/tmp".into())
        );
        assert_eq!(virtual_path("a/b/../c").ok(), Some("/a/c".into()));
        assert_eq!(virtual_path(".").ok(), Some("/".into()));
        assert!(virtual_path("/..").is_err());
        assert!(virtual_path("/var/../../etc/passwd").is_err());
    }

    #[tokio::test]
    async fn symlinks_out_of_the_root_are_refused() {
        let outside = tempfile::tempdir().expect("temp dir");
        std::fs::write(outside.path().join("secret"), "x").expect("write");
        let root = tempfile::tempdir().expect("temp dir");
        std::os::unix::fs::symlink(outside.path(), root.path().join("out")).expect("symlink");
        std::fs::create_dir(root.path().join("in")).expect("mkdir");
        let fs = RootedFs::new(root.path()).expect("root");
        assert!(fs.existing("/out/secret").await.is_err());
        assert!(fs.entry("/out/new").await.is_err());
        assert!(fs.existing("/in").await.is_ok());
        assert_eq!(
            fs.entry("/in/new").await.ok(),
            Some(fs.root.join("in").join("new"))
        );
    }
}
