//! The state file of a host, shared between processes.
//!
//! `state.json` is replaced atomically (temporary file + rename). A read-modify-write
//! holds an advisory lock on `state.lock` and first reloads the file if another
//! process replaced it. Reads never block: they compare the file's identity (inode,
//! modification time, size) with the loaded copy and reload only when it changed,
//! so an unchanged host costs one `stat` per read and no file read.
use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::{HostState, SCHEMA};
use crate::host::SimError;

/// The state file name.
pub const STATE_FILE: &str = "state.json";
const LOCK_FILE: &str = "state.lock";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
    mtime: i64,
    mtime_nsec: i64,
    len: u64,
}

impl FileId {
    fn of(meta: &fs::Metadata) -> FileId {
        FileId {
            dev: meta.dev(),
            ino: meta.ino(),
            mtime: meta.mtime(),
            mtime_nsec: meta.mtime_nsec(),
            len: meta.len(),
        }
    }
}

#[derive(Debug)]
struct Loaded {
    state: HostState,
    id: Option<FileId>,
}

/// The state of one host, loaded, with its file.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    loaded: Mutex<Loaded>,
}

fn io_err(path: &Path, source: std::io::Error) -> SimError {
    SimError::Io {
        path: path.to_path_buf(),
        source,
    }
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Store {
    /// Whether `dir` holds a state file.
    pub fn exists(dir: &Path) -> bool {
        dir.join(STATE_FILE).is_file()
    }

    /// Writes a new state into `dir` and opens it.
    pub fn create(dir: &Path, state: HostState) -> Result<Store, SimError> {
        let store = Store {
            dir: dir.to_path_buf(),
            loaded: Mutex::new(Loaded { state, id: None }),
        };
        {
            let _lock = store.file_lock()?;
            let mut loaded = store.lock_loaded();
            let id = store.save(&loaded.state)?;
            loaded.id = Some(id);
        }
        Ok(store)
    }

    /// Opens the state in `dir`.
    pub fn open(dir: &Path) -> Result<Store, SimError> {
        let (state, id) = Self::read_file(dir)?;
        Ok(Store {
            dir: dir.to_path_buf(),
            loaded: Mutex::new(Loaded {
                state,
                id: Some(id),
            }),
        })
    }

    fn lock_loaded(&self) -> MutexGuard<'_, Loaded> {
        // A panic while holding the lock leaves a consistent state (writes replace
        // the whole state only after success), so a poisoned lock is still usable.
        self.loaded.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read_file(dir: &Path) -> Result<(HostState, FileId), SimError> {
        let path = dir.join(STATE_FILE);
        let file = File::open(&path).map_err(|e| io_err(&path, e))?;
        let meta = file.metadata().map_err(|e| io_err(&path, e))?;
        let state: HostState = serde_json::from_reader(std::io::BufReader::new(file))
            .map_err(|e| SimError::Other(format!("{}: {e}", path.display())))?;
        if state.schema != SCHEMA {
            return Err(SimError::Other(format!(
                "{}: state schema {} is not the supported {SCHEMA}",
                path.display(),
                state.schema
            )));
        }
        Ok((state, FileId::of(&meta)))
    }

    fn refresh(&self, loaded: &mut Loaded) -> Result<(), SimError> {
        let path = self.dir.join(STATE_FILE);
        let meta = fs::metadata(&path).map_err(|e| io_err(&path, e))?;
        if loaded.id == Some(FileId::of(&meta)) {
            return Ok(());
        }
        let (state, id) = Self::read_file(&self.dir)?;
        loaded.state = state;
        loaded.id = Some(id);
        Ok(())
    }

    fn file_lock(&self) -> Result<File, SimError> {
        let path = self.dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_err(&path, e))?;
        file.lock().map_err(|e| io_err(&path, e))?;
        Ok(file)
    }

    fn save(&self, state: &HostState) -> Result<FileId, SimError> {
        let path = self.dir.join(STATE_FILE);
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = self
            .dir
            .join(format!(".{STATE_FILE}.{}.{n}.tmp", std::process::id()));
        let bytes = serde_json::to_vec(state).map_err(|e| SimError::Other(e.to_string()))?;
        let mut f = File::create(&tmp).map_err(|e| io_err(&tmp, e))?;
        f.write_all(&bytes).map_err(|e| io_err(&tmp, e))?;
        drop(f);
        fs::rename(&tmp, &path).map_err(|e| io_err(&path, e))?;
        let meta = fs::metadata(&path).map_err(|e| io_err(&path, e))?;
        Ok(FileId::of(&meta))
    }

    /// Runs `f` on the current state (reloaded first if another process changed it).
    pub fn read<R>(&self, f: impl FnOnce(&HostState) -> R) -> Result<R, SimError> {
        let mut loaded = self.lock_loaded();
        self.refresh(&mut loaded)?;
        Ok(f(&loaded.state))
    }

    /// Read-modify-write under the file lock: `f` changes a copy of the current
    /// state; if it succeeds the copy is saved and kept, otherwise nothing changes.
    pub fn update<R, E>(
        &self,
        f: impl FnOnce(&mut HostState) -> Result<R, E>,
    ) -> Result<Result<R, E>, SimError> {
        let mut loaded = self.lock_loaded();
        let _file_lock = self.file_lock()?;
        self.refresh(&mut loaded)?;
        let mut next = loaded.state.clone();
        match f(&mut next) {
            Ok(r) => {
                if next != loaded.state {
                    let id = self.save(&next)?;
                    loaded.state = next;
                    loaded.id = Some(id);
                }
                Ok(Ok(r))
            }
            Err(e) => Ok(Err(e)),
        }
    }
}
