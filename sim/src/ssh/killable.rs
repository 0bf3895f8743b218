//! A TCP stream that can be cut from outside: once its token is cancelled, every
//! read and write fails, so the SSH session on top ends and the socket closes at
//! once, without a goodbye (the `drop_after_commands` fault, and shutdown).
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

/// A stream wrapper that fails once its token is cancelled.
pub struct Killable<S> {
    inner: S,
    cancelled: Pin<Box<WaitForCancellationFutureOwned>>,
    killed: bool,
}

impl<S> Killable<S> {
    /// Wraps `inner`; cancelling `token` cuts it.
    pub fn new(inner: S, token: CancellationToken) -> Killable<S> {
        Killable {
            inner,
            cancelled: Box::pin(token.cancelled_owned()),
            killed: false,
        }
    }

    /// Whether the token was cancelled (registers the waker while it is not).
    fn check(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if !self.killed && self.cancelled.as_mut().poll(cx).is_ready() {
            self.killed = true;
        }
        if self.killed {
            Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "connection dropped",
            ))
        } else {
            Ok(())
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Killable<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Err(error) = this.check(cx) {
            return Poll::Ready(Err(error));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Killable<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Err(error) = this.check(cx) {
            return Poll::Ready(Err(error));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Err(error) = this.check(cx) {
            return Poll::Ready(Err(error));
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn cancelling_wakes_a_pending_read_with_an_error() {
        let (client, server) = tokio::io::duplex(64);
        let token = CancellationToken::new();
        let mut stream = Killable::new(server, token.clone());
        let reader = tokio::spawn(async move {
            let mut buf = [0u8; 8];
            stream.read(&mut buf).await
        });
        tokio::task::yield_now().await;
        token.cancel();
        let result = tokio::time::timeout(std::time::Duration::from_secs(5), reader)
            .await
            .expect("woken")
            .expect("joined");
        assert_eq!(
            result.map_err(|e| e.kind()).err(),
            Some(io::ErrorKind::ConnectionAborted)
        );
        drop(client);
    }

    #[tokio::test]
    async fn passes_data_until_cancelled() {
        let (mut client, server) = tokio::io::duplex(64);
        let token = CancellationToken::new();
        let mut stream = Killable::new(server, token.clone());
        client.write_all(b"hi").await.expect("write");
        let mut buf = [0u8; 2];
        stream.read_exact(&mut buf).await.expect("read");
        assert_eq!(&buf, b"hi");
        token.cancel();
        assert!(stream.write_all(b"x").await.is_err());
    }
}
