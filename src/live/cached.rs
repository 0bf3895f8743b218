//! A host link that reads each context once while a host's desired state is
//! rendered and read: discovery, the modules' render steps and the plan's reads
//! may ask for the same context, and only the first asks the host. A write, a
//! lock change or a reconnect forgets everything read, so nothing stale is served.
use std::collections::BTreeMap;

use crate::apply::link::{HostLink, LinkError, LockOwner, Release, WriteResult};
use crate::desired::ContextRef;
use crate::live::LiveContext;
use crate::plan::Op;

/// `inner`, with its reads remembered until the next change.
pub struct CachedReads<'a> {
    inner: &'a mut dyn HostLink,
    read: BTreeMap<ContextRef, LiveContext>,
}

impl<'a> CachedReads<'a> {
    /// Wraps `inner`; nothing is remembered yet.
    pub fn new(inner: &'a mut dyn HostLink) -> CachedReads<'a> {
        CachedReads {
            inner,
            read: BTreeMap::new(),
        }
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

    fn write(&mut self, op: &Op) -> Result<WriteResult, LinkError> {
        self.read.clear();
        self.inner.write(op)
    }

    fn lock(&mut self, owner: &LockOwner) -> Result<(), LinkError> {
        self.read.clear();
        self.inner.lock(owner)
    }

    fn unlock(&mut self, run_id: &str) -> Result<Release, LinkError> {
        self.read.clear();
        self.inner.unlock(run_id)
    }

    fn reconnect(&mut self) -> Result<(), LinkError> {
        self.read.clear();
        self.inner.reconnect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts reads; every context reads as one attribute `n = <reads so far>`.
    #[derive(Default)]
    struct Counting {
        reads: usize,
    }

    impl HostLink for Counting {
        fn read(&mut self, _: &ContextRef) -> Result<LiveContext, LinkError> {
            self.reads += 1;
            Ok(LiveContext::Attributes(vec![(
                "n".into(),
                self.reads.to_string(),
            )]))
        }
        fn write(&mut self, _: &Op) -> Result<WriteResult, LinkError> {
            Ok(WriteResult::default())
        }
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
        };
        link.write(&op).unwrap();
        assert_ne!(link.read(&at("/A")).unwrap(), first);
        link.reconnect().unwrap();
        link.read(&at("/A")).unwrap();
        drop(link);
        assert_eq!(host.reads, 4);
    }
}
