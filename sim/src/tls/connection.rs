//! One accepted TLS connection: the handshake, then a minimal HTTP/1.1 answer on the
//! HTTPS interface (`200` at `/` and under a deployed application's context path,
//! `404` elsewhere), or a short hold on the CTI port. Every read is bounded in time.
use std::io::IoSlice;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use openssl::ssl::{Ssl, SslContext};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_openssl::SslStream;

use super::TlsQuirks;
use crate::host::Endpoint;

/// Bound on the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Bound on reading an HTTP request head.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest HTTP request head read.
const MAX_REQUEST: usize = 16 * 1024;
/// How long a CTI connection is kept open.
const CTI_HOLD: Duration = Duration::from_secs(2);

/// Serves one connection with `context`; `quirks` that rewrite the ClientHello
/// do so before OpenSSL reads it; an HTTPS one answers the paths under
/// `web_apps` (every path when `None`).
pub async fn serve(
    stream: TcpStream,
    context: SslContext,
    quirks: TlsQuirks,
    endpoint: Endpoint,
    label: String,
    web_apps: Option<Vec<String>>,
) {
    let mut stream = Rewritten {
        prefix: Vec::new(),
        inner: stream,
    };
    if quirks.rewrites_client_hello() {
        match tokio::time::timeout(HANDSHAKE_TIMEOUT, first_record(&mut stream.inner)).await {
            Ok(Ok(record)) => stream.prefix = quirks.strip_client_hello(&record),
            _ => return,
        }
    }
    let mut tls = match Ssl::new(&context).and_then(|ssl| SslStream::new(ssl, stream)) {
        Ok(tls) => tls,
        Err(error) => {
            tracing::warn!(endpoint = %label, %error, "cannot start TLS");
            return;
        }
    };
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, Pin::new(&mut tls).accept()).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => {
            tracing::debug!(endpoint = %label, %error, "handshake refused");
            return;
        }
        Err(_) => {
            tracing::debug!(endpoint = %label, "handshake timed out");
            return;
        }
    }
    match endpoint {
        Endpoint::Http => answer_http(&mut tls, &label, web_apps.as_deref()).await,
        Endpoint::Cti => hold(&mut tls).await,
    }
    let _ = tls.shutdown().await;
}

/// Reads one request head and answers `200 OK` with a small body naming the
/// endpoint (and the application), or `404 Not Found` for a path no deployed
/// application serves.
async fn answer_http(tls: &mut SslStream<Rewritten>, label: &str, web_apps: Option<&[String]>) {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    let read = tokio::time::timeout(REQUEST_TIMEOUT, async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_REQUEST {
            match tls.read(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        true
    })
    .await;
    if read != Ok(true) {
        return;
    }
    let path = request_path(&head);
    let (status, body) = match web_apps {
        None => ("200 OK", format!("xspsim {label}\n")),
        Some(_) if path == "/" => ("200 OK", format!("xspsim {label}\n")),
        Some(apps) => match apps.iter().find(|app| under(&path, app)) {
            Some(app) => ("200 OK", format!("xspsim {label} {app}\n")),
            None => (
                "404 Not Found",
                format!("xspsim {label}: no application at {path}\n"),
            ),
        },
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tls.write_all(response.as_bytes()).await;
}

/// The path of a request head's request line (`GET /dms/ HTTP/1.1`), without its
/// query; `/` when the line is not understood.
fn request_path(head: &[u8]) -> String {
    let line = head.split(|b| *b == b'\r').next().unwrap_or_default();
    let target = String::from_utf8_lossy(line)
        .split(' ')
        .nth(1)
        .unwrap_or("/")
        .to_string();
    target.split('?').next().unwrap_or("/").to_string()
}

/// Whether `path` is the context path `app` or under it (case-sensitive, as a
/// servlet container matches context paths).
fn under(path: &str, app: &str) -> bool {
    path.strip_prefix(app)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Keeps a CTI connection briefly, discarding what the client sends, then closes.
async fn hold(tls: &mut SslStream<Rewritten>) {
    let mut buf = [0u8; 2048];
    let _ = tokio::time::timeout(CTI_HOLD, async {
        while let Ok(n) = tls.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

/// Reads the client's first TLS record (header and body, at most 5 + 2^14 bytes,
/// RFC 5246 §6.2.1).
async fn first_record(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut record = vec![0u8; 5];
    stream.read_exact(&mut record).await?;
    let len = usize::from(u16::from_be_bytes([record[3], record[4]])).min(1 << 14);
    record.resize(5 + len, 0);
    stream.read_exact(&mut record[5..]).await?;
    Ok(record)
}

/// The client's connection, with its first record replaced by `prefix` (read
/// first, then the rest of the connection); writes go to the client unchanged.
struct Rewritten {
    prefix: Vec<u8>,
    inner: TcpStream,
}

impl AsyncRead for Rewritten {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.prefix.is_empty() {
            return Pin::new(&mut self.inner).poll_read(cx, buf);
        }
        let n = self.prefix.len().min(buf.remaining());
        buf.put_slice(&self.prefix[..n]);
        self.prefix.drain(..n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Rewritten {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_deployed_context_paths_only() {
        assert_eq!(
            request_path(b"GET /com.broadsoft.xsi-actions/v2.0/?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"),
            "/com.broadsoft.xsi-actions/v2.0/"
        );
        assert_eq!(request_path(b"garbage"), "/");
        assert!(under("/dms/", "/dms"));
        assert!(under("/dms", "/dms"));
        assert!(!under("/dmsx", "/dms"));
        assert!(!under("/authservice/", "/authService"));
    }
}
