//! The byte stream the driver talks over: an SSH shell channel, or a scripted fake.
use std::io;
use std::time::Instant;

/// A bidirectional byte stream with bounded reads.
pub trait Channel {
    /// Writes all of `bytes`.
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()>;

    /// Reads what is available into `buf`, waiting until `deadline` at most.
    /// Returns `Ok(n)` with `n > 0` for data, `Ok(0)` at end of stream, and an
    /// error of kind [`io::ErrorKind::TimedOut`] when the deadline passed first.
    fn read_some(&mut self, buf: &mut [u8], deadline: Instant) -> io::Result<usize>;
}

impl<C: Channel + ?Sized> Channel for Box<C> {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        (**self).write_all(bytes)
    }

    fn read_some(&mut self, buf: &mut [u8], deadline: Instant) -> io::Result<usize> {
        (**self).read_some(buf, deadline)
    }
}
