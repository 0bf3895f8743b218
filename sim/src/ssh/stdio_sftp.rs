//! SFTP on stdin/stdout, rooted at a host's file system: what a real sshd runs for
//! the `sftp` subsystem when the simulator is the login shell or ForceCommand, so
//! that uploads land where bwcli reads them (`/var/broadworks/tmp/...`).
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, Join, ReadBuf, Stdin, Stdout};
use tokio::sync::oneshot;

use super::sftp::{RootedFs, SftpSession};

/// stdin/stdout that says when the SFTP task is done with it (dropped).
struct Stdio {
    io: Join<Stdin, Stdout>,
    done: Option<oneshot::Sender<()>>,
}

impl Drop for Stdio {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
    }
}

impl AsyncRead for Stdio {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Stdio {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Serves SFTP rooted at `root` on stdin/stdout until the client ends the session.
pub async fn serve(root: &Path) -> std::io::Result<()> {
    let fs = RootedFs::new(root)?;
    let (done, finished) = oneshot::channel();
    let stdio = Stdio {
        io: tokio::io::join(tokio::io::stdin(), tokio::io::stdout()),
        done: Some(done),
    };
    russh_sftp::server::run(stdio, SftpSession::new(fs)).await;
    let _ = finished.await;
    Ok(())
}
