//! The control socket server.
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio_util::sync::CancellationToken;

use super::{ControlError, Registry, Request, Response, handle};

/// Longest request line accepted.
const MAX_LINE: usize = 64 * 1024;
/// How long a client may stay silent.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// A bound control socket; the file is removed when the server stops.
#[derive(Debug)]
pub struct ControlServer {
    path: PathBuf,
    listener: UnixListener,
}

impl ControlServer {
    /// Binds `path`, replacing a stale socket file left by a process that died, but
    /// refusing one another server still answers on.
    pub fn bind(path: &Path) -> Result<ControlServer, ControlError> {
        let io_error = |source| ControlError::Io {
            path: path.to_path_buf(),
            source,
        };
        if path.exists() {
            if std::os::unix::net::UnixStream::connect(path).is_ok() {
                return Err(ControlError::InUse(path.to_path_buf()));
            }
            std::fs::remove_file(path).map_err(io_error)?;
        }
        let listener = UnixListener::bind(path).map_err(io_error)?;
        Ok(ControlServer {
            path: path.to_path_buf(),
            listener,
        })
    }

    /// Serves requests until `shutdown` is cancelled, then removes the socket file.
    pub async fn serve(self, registry: Registry, shutdown: CancellationToken) {
        loop {
            let accepted = tokio::select! {
                () = shutdown.cancelled() => break,
                accepted = self.listener.accept() => accepted,
            };
            match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(serve_client(stream, registry.clone(), shutdown.clone()));
                }
                Err(error) => {
                    tracing::warn!(%error, "control accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
        if let Err(error) = std::fs::remove_file(&self.path) {
            tracing::warn!(path = %self.path.display(), %error, "cannot remove the control socket");
        }
    }
}

async fn serve_client(stream: UnixStream, registry: Registry, shutdown: CancellationToken) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut line = String::new();
    loop {
        line.clear();
        let mut limited = (&mut lines).take(MAX_LINE as u64);
        let read = tokio::select! {
            () = shutdown.cancelled() => return,
            read = tokio::time::timeout(IDLE_TIMEOUT, limited.read_line(&mut line)) => read,
        };
        match read {
            Ok(Ok(0)) | Err(_) => return,
            Ok(Ok(_)) => {}
            Ok(Err(error)) => {
                tracing::debug!(%error, "control read failed");
                return;
            }
        }
        if line.trim().is_empty() {
            continue;
        }
        let response = match serde_json::from_str::<Request>(line.trim()) {
            Ok(request) => handle(&registry, request),
            Err(error) => Response::error(format!("bad request: {error}")),
        };
        let mut text = serde_json::to_string(&response)
            .unwrap_or_else(|_| r#"{"ok":false,"error":"cannot encode the response"}"#.to_string());
        text.push('\n');
        if write.write_all(text.as_bytes()).await.is_err() {
            return;
        }
    }
}
