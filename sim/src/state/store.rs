//! The state file of a host, shared between processes.
//!
//! `state.json` is replaced atomically: the new state is written into a spare file,
//! which is then renamed over it. A read-modify-write holds an exclusive advisory
//! lock on `state.lock` and first reloads the file if another process replaced it.
//! Reads compare the file's identity (inode, modification time, size) with the
//! loaded copy and reload only when it changed, so an unchanged host costs one
//! `stat` per read and no file read; a reload holds a shared lock on `state.lock`.
//! Within one bwcli command ([`one_command`]) the file is checked once, at the
//! command's first read: a command reads the state several times (the prompt, the
//! visible contexts, the rows), and a save by another process between them would
//! be seen by the next command anyway. A read-modify-write always checks.
//!
//! The spare is the inode of the state before the last save, kept instead of freed
//! (the rename exchanges the two names, `RENAME_EXCHANGE`; where the file system
//! cannot, a hard link keeps it): a save creates and frees no inode.
//! A host changed every few milliseconds by an apply of 100 hosts made 13 new files
//! per host, and creating files under that churn was a quarter of the simulator's
//! CPU (`ext4_new_inode` skips recently deleted inodes one by one). Since the two
//! inodes take turns, a save moves the modification time strictly forward, to the
//! nanosecond, so that a reader never takes a newer state for the one it loaded;
//! and a reload holds the shared lock so that no save rewrites the spare (the
//! inode it may be reading) meanwhile. A save is complete before the rename, so
//! `state.json` always holds one whole state, even when the process is killed.
use std::cell::RefCell;
use std::fs::{self, File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use super::{HostState, SCHEMA};
use crate::host::SimError;

/// The state file name.
pub const STATE_FILE: &str = "state.json";
const LOCK_FILE: &str = "state.lock";
/// The inode the next save writes into: the state before the last save.
pub const SPARE_FILE: &str = ".state.json.spare";
/// The replaced state's name between the two renames of a save.
const OLD_FILE: &str = ".state.json.old";

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

    /// The modification time, when it is after the epoch.
    fn modified(&self) -> Option<SystemTime> {
        let secs = u64::try_from(self.mtime).ok()?;
        let nanos = u32::try_from(self.mtime_nsec).ok()?;
        SystemTime::UNIX_EPOCH.checked_add(Duration::new(secs, nanos))
    }
}

/// The modification time of the state saved after `previous`: now, or a
/// nanosecond after `previous` when the clock has not moved past it.
fn next_modified(previous: Option<FileId>) -> SystemTime {
    let now = SystemTime::now();
    match previous.and_then(|p| p.modified()) {
        Some(p) if p >= now => p + Duration::from_nanos(1),
        _ => now,
    }
}

#[derive(Debug)]
struct Loaded {
    state: HostState,
    /// The state's serialized form, as in the file: a change is detected by
    /// comparing the next serialized form with it (no copy of the state is made).
    saved: Vec<u8>,
    id: Option<FileId>,
    /// Counts the states this store has held (each reload and each save adds one).
    revision: u64,
}

thread_local! {
    /// While this thread runs one command ([`one_command`]): the stores (by
    /// address) whose file it has checked since the command began.
    static CHECKED: RefCell<Option<Vec<usize>>> = const { RefCell::new(None) };
}

/// Runs `f` as one command: each store's file is checked for another process's
/// save at the command's first read of it, not at every read (see the module
/// documentation). Nested calls run inside the outer command.
pub fn one_command<R>(f: impl FnOnce() -> R) -> R {
    /// Ends the command when `f` returns or panics.
    struct Scope(bool);
    impl Drop for Scope {
        fn drop(&mut self) {
            if self.0 {
                CHECKED.with(|c| *c.borrow_mut() = None);
            }
        }
    }
    let outer = CHECKED.with(|c| {
        let mut c = c.borrow_mut();
        let outer = c.is_none();
        if outer {
            *c = Some(Vec::new());
        }
        outer
    });
    let _scope = Scope(outer);
    f()
}

/// Whether the current command has checked `store`'s file already (always false
/// outside a command).
fn checked_in_command(store: &Store) -> bool {
    let me = store as *const Store as usize;
    CHECKED.with(|c| c.borrow().as_ref().is_some_and(|seen| seen.contains(&me)))
}

/// Notes that the current command (if any) has checked `store`'s file.
fn mark_checked(store: &Store) {
    let me = store as *const Store as usize;
    CHECKED.with(|c| {
        if let Some(seen) = c.borrow_mut().as_mut()
            && !seen.contains(&me)
        {
            seen.push(me);
        }
    });
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

impl Store {
    /// Whether `dir` holds a state file.
    pub fn exists(dir: &Path) -> bool {
        dir.join(STATE_FILE).is_file()
    }

    /// Writes a new state into `dir` and opens it.
    pub fn create(dir: &Path, state: HostState) -> Result<Store, SimError> {
        let saved = serialize(&state, 0)?;
        let store = Store {
            dir: dir.to_path_buf(),
            loaded: Mutex::new(Loaded {
                state,
                saved,
                id: None,
                revision: 0,
            }),
        };
        {
            let _lock = lock_file(&store.dir, Lock::Exclusive)?;
            let mut loaded = store.lock_loaded();
            let id = store.save(&loaded.saved, None)?;
            loaded.id = Some(id);
            // The first change then finds its spare (created here, not under load).
            let spare = store.dir.join(SPARE_FILE);
            File::create(&spare).map_err(|e| io_err(&spare, e))?;
        }
        Ok(store)
    }

    /// Opens the state in `dir`.
    pub fn open(dir: &Path) -> Result<Store, SimError> {
        let (state, saved, id) = {
            let _shared = lock_file(dir, Lock::Shared)?;
            Self::read_file(dir)?
        };
        Ok(Store {
            dir: dir.to_path_buf(),
            loaded: Mutex::new(Loaded {
                state,
                saved,
                id: Some(id),
                revision: 0,
            }),
        })
    }

    fn lock_loaded(&self) -> MutexGuard<'_, Loaded> {
        // A panic inside an update leaves the loaded state marked as not the
        // file's ([`Store::update`]), so the next use reloads it: a poisoned lock
        // is still usable.
        self.loaded.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read_file(dir: &Path) -> Result<(HostState, Vec<u8>, FileId), SimError> {
        let path = dir.join(STATE_FILE);
        let mut file = File::open(&path).map_err(|e| io_err(&path, e))?;
        let meta = file.metadata().map_err(|e| io_err(&path, e))?;
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.read_to_end(&mut bytes).map_err(|e| io_err(&path, e))?;
        let state: HostState = serde_json::from_slice(&bytes)
            .map_err(|e| SimError::Other(format!("{}: {e}", path.display())))?;
        if state.schema != SCHEMA {
            return Err(SimError::Other(format!(
                "{}: state schema {} is not the supported {SCHEMA}",
                path.display(),
                state.schema
            )));
        }
        Ok((state, bytes, FileId::of(&meta)))
    }

    /// Reloads the state if another process saved a new one. `locked`: this
    /// process holds the exclusive lock already (a read-modify-write), and the
    /// file is checked even when the current command checked it before.
    fn refresh(&self, loaded: &mut Loaded, locked: bool) -> Result<(), SimError> {
        if !locked && checked_in_command(self) {
            return Ok(());
        }
        let path = self.dir.join(STATE_FILE);
        let meta = fs::metadata(&path).map_err(|e| io_err(&path, e))?;
        if loaded.id == Some(FileId::of(&meta)) {
            mark_checked(self);
            return Ok(());
        }
        let _shared = if locked {
            None
        } else {
            Some(lock_file(&self.dir, Lock::Shared)?)
        };
        let (state, saved, id) = Self::read_file(&self.dir)?;
        loaded.state = state;
        loaded.saved = saved;
        loaded.id = Some(id);
        loaded.revision += 1;
        mark_checked(self);
        Ok(())
    }

    /// Saves a serialized state (under the exclusive lock): written whole into
    /// the spare, which is renamed over `state.json`; the replaced inode becomes
    /// the spare. `previous` is the identity of the state it replaces.
    fn save(&self, bytes: &[u8], previous: Option<FileId>) -> Result<FileId, SimError> {
        let path = self.dir.join(STATE_FILE);
        let spare = self.dir.join(SPARE_FILE);
        let old = self.dir.join(OLD_FILE);
        // The spare is missing before the first save, and after a save that
        // stopped between its two renames. It is overwritten, then cut to length:
        // truncating it first would free its blocks for the write to take again.
        let mut f = match OpenOptions::new().write(true).open(&spare) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                File::create(&spare).map_err(|e| io_err(&spare, e))?
            }
            Err(e) => return Err(io_err(&spare, e)),
        };
        f.write_all(bytes).map_err(|e| io_err(&spare, e))?;
        f.set_len(bytes.len() as u64)
            .map_err(|e| io_err(&spare, e))?;
        f.set_modified(next_modified(previous))
            .map_err(|e| io_err(&spare, e))?;
        if !exchanged(&spare, &path) {
            let kept = keep_as(&path, &old)?;
            fs::rename(&spare, &path).map_err(|e| io_err(&path, e))?;
            if kept {
                fs::rename(&old, &spare).map_err(|e| io_err(&spare, e))?;
            }
        }
        let meta = f.metadata().map_err(|e| io_err(&path, e))?;
        Ok(FileId::of(&meta))
    }

    /// Runs `f` on the current state (reloaded first if another process changed it).
    pub fn read<R>(&self, f: impl FnOnce(&HostState) -> R) -> Result<R, SimError> {
        let mut loaded = self.lock_loaded();
        self.refresh(&mut loaded, false)?;
        Ok(f(&loaded.state))
    }

    /// Runs `f` on the current state, with a number that changes whenever the
    /// state this store holds does (a reload or a save): what `f` derives can be
    /// kept until it changes.
    pub fn read_revision<R>(&self, f: impl FnOnce(&HostState, u64) -> R) -> Result<R, SimError> {
        let mut loaded = self.lock_loaded();
        self.refresh(&mut loaded, false)?;
        Ok(f(&loaded.state, loaded.revision))
    }

    /// Read-modify-write under the file lock: `f` changes the current state; if it
    /// succeeds the state is saved (when its serialized form changed), otherwise
    /// the state is reloaded from the file, as it was before `f`.
    ///
    /// `f` works on the loaded state itself, not on a copy (copying and dropping
    /// the whole state for every bwcli write was a tenth of the simulator's CPU
    /// in an apply of 100 hosts). While it runs, the loaded state is marked as
    /// not the file's, so that a panic inside `f` leaves it to be reloaded.
    pub fn update<R, E>(
        &self,
        f: impl FnOnce(&mut HostState) -> Result<R, E>,
    ) -> Result<Result<R, E>, SimError> {
        let mut loaded = self.lock_loaded();
        let _file_lock = lock_file(&self.dir, Lock::Exclusive)?;
        self.refresh(&mut loaded, true)?;
        let file_id = loaded.id.take();
        match f(&mut loaded.state) {
            Ok(r) => {
                let bytes = serialize(&loaded.state, loaded.saved.len())?;
                if bytes == loaded.saved {
                    loaded.id = file_id;
                } else {
                    loaded.id = Some(self.save(&bytes, file_id)?);
                    loaded.saved = bytes;
                    loaded.revision += 1;
                }
                Ok(Ok(r))
            }
            Err(e) => {
                // `f` may have changed part of the state before it failed.
                self.refresh(&mut loaded, true)?;
                Ok(Err(e))
            }
        }
    }
}

/// A state's serialized form, as the file holds it; `size_hint`: the length of
/// the last one (a write changes a few bytes of it, so the buffer rarely grows).
fn serialize(state: &HostState, size_hint: usize) -> Result<Vec<u8>, SimError> {
    let mut bytes = Vec::with_capacity(size_hint + size_hint / 8);
    serde_json::to_writer(&mut bytes, state).map_err(|e| SimError::Other(e.to_string()))?;
    Ok(bytes)
}

/// How [`lock_file`] locks.
#[derive(Debug, Clone, Copy)]
enum Lock {
    /// A read-modify-write (or the first save).
    Exclusive,
    /// A reload: no save may rewrite the spare meanwhile.
    Shared,
}

/// Takes the advisory lock on `dir`'s `state.lock`; it is released when the
/// returned file is dropped.
fn lock_file(dir: &Path, kind: Lock) -> Result<File, SimError> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| io_err(&path, e))?;
    match kind {
        Lock::Exclusive => file.lock(),
        Lock::Shared => file.lock_shared(),
    }
    .map_err(|e| io_err(&path, e))?;
    Ok(file)
}

/// Exchanges the names `spare` and `path` atomically (one `renameat2` with
/// `RENAME_EXCHANGE`); false when that cannot be done (no `path` yet, or a file
/// system without it), and nothing changed.
fn exchanged(spare: &Path, path: &Path) -> bool {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, spare, CWD, path, RenameFlags::EXCHANGE).is_ok()
}

/// Links `old` to the inode of `path` (replacing a stale `old` a stopped save
/// left); false when `path` does not exist yet.
fn keep_as(path: &Path, old: &Path) -> Result<bool, SimError> {
    match fs::hard_link(path, old) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            fs::remove_file(old).map_err(|e| io_err(old, e))?;
            fs::hard_link(path, old).map_err(|e| io_err(old, e))?;
            Ok(true)
        }
        Err(e) => Err(io_err(old, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Config;

    fn state() -> HostState {
        HostState {
            schema: SCHEMA,
            created: 1,
            configured: Config::default(),
            running: Config::default(),
            bw_running: true,
            generation: 1,
            patches: vec!["AP.xsp.23.0.1075.ap000001".into()],
            auth_service_key: None,
        }
    }

    fn on_disk(dir: &Path) -> HostState {
        Store::read_file(dir).expect("state file").0
    }

    #[test]
    fn a_successful_update_is_saved_and_an_unchanged_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path(), state()).unwrap();
        let before = FileId::of(&fs::metadata(dir.path().join(STATE_FILE)).unwrap());
        let unchanged: Result<(), ()> = store.update(|_| Ok(())).unwrap();
        assert_eq!(unchanged, Ok(()));
        let after = FileId::of(&fs::metadata(dir.path().join(STATE_FILE)).unwrap());
        assert_eq!(
            before, after,
            "an update that changes nothing saves nothing"
        );

        let r: Result<u64, ()> = store
            .update(|st| {
                st.generation = 7;
                Ok(st.generation)
            })
            .unwrap();
        assert_eq!(r, Ok(7));
        assert_eq!(on_disk(dir.path()).generation, 7);
        assert_eq!(store.read(|st| st.generation).unwrap(), 7);
    }

    #[test]
    fn a_failed_update_leaves_the_state_as_it_was_in_memory_and_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path(), state()).unwrap();
        let r: Result<(), &str> = store
            .update(|st| {
                st.generation = 9;
                st.patches.clear();
                Err("refused")
            })
            .unwrap();
        assert_eq!(r, Err("refused"));
        // Within one command too, where reads skip the file check.
        one_command(|| {
            let seen = store.read(|st| (st.generation, st.patches.len())).unwrap();
            assert_eq!(seen, (1, 1));
        });
        assert_eq!(on_disk(dir.path()), state());
    }

    #[test]
    fn a_panic_inside_an_update_leaves_the_state_to_be_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path(), state()).unwrap();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _: Result<Result<(), ()>, SimError> = store.update(|st| {
                st.generation = 42;
                panic!("inside an update");
            });
        }));
        assert!(panicked.is_err());
        assert_eq!(store.read(|st| st.generation).unwrap(), 1);
        assert_eq!(on_disk(dir.path()), state());
    }
}
