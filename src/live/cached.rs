//! A host link that reads each context once while a host's desired state is
//! rendered and read: discovery, the modules' render steps and the plan's reads
//! may ask for the same context, and only the first asks the host. The same holds
//! for the shell reads of what is installed (`listPatch.pl`, `bwshowver`), which the
//! patches check and verify's farm checks both need; the clock and connection
//! probes are asked each time. A write (of the CLI or a file), a lock change or a
//! reconnect forgets everything read, so nothing stale is served.
use std::collections::BTreeMap;

use crate::desired::ContextRef;
use crate::live::LiveContext;
use crate::live::link::{HostLink, LinkError, LockOwner, Release, ShellRead, WriteResult};
use crate::plan::Op;
use crate::plan::files::HostFile;
use crate::secret::Secret;

/// `inner`, with its reads remembered until the next change.
pub struct CachedReads<'a> {
    inner: &'a mut dyn HostLink,
    read: BTreeMap<ContextRef, LiveContext>,
    installed: InstalledReads,
}

/// The shell reads of what is installed (`listPatch.pl`, `bwshowver`): nothing
/// a session does changes them, so each is asked once; the others (the clock,
/// connection probes) each time.
#[derive(Default)]
pub struct InstalledReads(BTreeMap<ShellRead, String>);

impl InstalledReads {
    /// `what` as first read through `inner`, or read now.
    pub fn read(&mut self, inner: &mut dyn HostLink, what: ShellRead) -> Result<String, LinkError> {
        if !matches!(what, ShellRead::ListPatches | ShellRead::ShowVersion) {
            return inner.shell_read(what);
        }
        if let Some(found) = self.0.get(&what) {
            return Ok(found.clone());
        }
        let found = inner.shell_read(what.clone())?;
        self.0.insert(what, found.clone());
        Ok(found)
    }
}

impl<'a> CachedReads<'a> {
    /// Wraps `inner`; nothing is remembered yet.
    pub fn new(inner: &'a mut dyn HostLink) -> CachedReads<'a> {
        CachedReads {
            inner,
            read: BTreeMap::new(),
            installed: InstalledReads::default(),
        }
    }
}

impl CachedReads<'_> {
    /// Forgets everything read: the host may have changed.
    fn forget(&mut self) {
        self.read.clear();
        self.installed = InstalledReads::default();
    }
}

impl HostLink for CachedReads<'_> {
    fn read(&mut self, at: &ContextRef) -> Result<LiveContext, LinkError> {
        if let Some(found) = self.read.get(at) {
            return Ok(found.clone());
        }
        let found = self.inner.read(at)?;
        self.read.insert(at.clone(), found.clone());
        Ok(found)
    }

    fn shell_read(&mut self, what: ShellRead) -> Result<String, LinkError> {
        self.installed.read(self.inner, what)
    }

    fn write(&mut self, op: &Op, secrets: &[Secret]) -> Result<WriteResult, LinkError> {
        self.forget();
        self.inner.write(op, secrets)
    }

    fn read_file(&mut self, path: &str) -> Result<Option<HostFile>, LinkError> {
        self.inner.read_file(path)
    }

    fn replace_file(&mut self, path: &str, bytes: &[u8], mode: u32) -> Result<(), LinkError> {
        self.forget();
        self.inner.replace_file(path, bytes, mode)
    }

    fn remove_file(&mut self, path: &str) -> Result<(), LinkError> {
        self.forget();
        self.inner.remove_file(path)
    }

    fn rename_file(&mut self, from: &str, to: &str) -> Result<(), LinkError> {
        self.forget();
        self.inner.rename_file(from, to)
    }

    fn mask(&mut self, secret: &Secret) {
        self.inner.mask(secret)
    }

    fn lock(&mut self, owner: &LockOwner) -> Result<(), LinkError> {
        self.forget();
        self.inner.lock(owner)
    }

    fn unlock(&mut self, run_id: &str) -> Result<Release, LinkError> {
        self.forget();
        self.inner.unlock(run_id)
    }

    fn reconnect(&mut self) -> Result<(), LinkError> {
        self.forget();
        self.inner.reconnect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts reads; every context reads as one attribute `n = <reads so far>`,
    /// every shell read prints its command line.
    #[derive(Default)]
    struct Counting {
        reads: usize,
        shell_reads: usize,
    }

    impl HostLink for Counting {
        fn read(&mut self, _: &ContextRef) -> Result<LiveContext, LinkError> {
            self.reads += 1;
            Ok(LiveContext::Attributes(vec![(
                "n".into(),
                self.reads.to_string(),
            )]))
        }
        fn shell_read(&mut self, what: ShellRead) -> Result<String, LinkError> {
            self.shell_reads += 1;
            Ok(what.command_line())
        }
        fn write(&mut self, _: &Op, _: &[Secret]) -> Result<WriteResult, LinkError> {
            Ok(WriteResult::default())
        }
        fn read_file(&mut self, _: &str) -> Result<Option<HostFile>, LinkError> {
            Ok(None)
        }
        fn replace_file(&mut self, _: &str, _: &[u8], _: u32) -> Result<(), LinkError> {
            Ok(())
        }
        fn remove_file(&mut self, _: &str) -> Result<(), LinkError> {
            Ok(())
        }
        fn rename_file(&mut self, _: &str, _: &str) -> Result<(), LinkError> {
            Ok(())
        }
        fn mask(&mut self, _: &Secret) {}
        fn lock(&mut self, _: &LockOwner) -> Result<(), LinkError> {
            Ok(())
        }
        fn unlock(&mut self, _: &str) -> Result<Release, LinkError> {
            Ok(Release::Released)
        }
        fn reconnect(&mut self) -> Result<(), LinkError> {
            Ok(())
        }
    }

    fn at(context: &str) -> ContextRef {
        ContextRef {
            context: context.into(),
            args: vec![],
        }
    }

    #[test]
    fn a_context_is_read_once_until_something_changes() {
        let mut host = Counting::default();
        let mut link = CachedReads::new(&mut host);
        let first = link.read(&at("/A")).unwrap();
        assert_eq!(link.read(&at("/A")).unwrap(), first);
        link.read(&at("/B")).unwrap();
        let op = Op {
            context: "/A".into(),
            verb: crate::plan::Verb::Set,
            args: vec!["n".into(), "9".into()],
            before: None,
            after: None,
            want: None,
            restart: false,
            secrets: Vec::new(),
            confirm: false,
        };
        link.write(&op, &[]).unwrap();
        assert_ne!(link.read(&at("/A")).unwrap(), first);
        link.reconnect().unwrap();
        link.read(&at("/A")).unwrap();
        drop(link);
        assert_eq!(host.reads, 4);
    }

    #[test]
    fn what_is_installed_is_read_once_and_the_clock_each_time() {
        let mut host = Counting::default();
        let mut link = CachedReads::new(&mut host);
        for _ in 0..2 {
            link.shell_read(ShellRead::ListPatches).unwrap();
            link.shell_read(ShellRead::ShowVersion).unwrap();
            link.shell_read(ShellRead::Clock).unwrap();
        }
        link.reconnect().unwrap();
        link.shell_read(ShellRead::ListPatches).unwrap();
        drop(link);
        // ListPatches and ShowVersion once, the clock twice, ListPatches again.
        assert_eq!(host.shell_reads, 5);
    }
}
