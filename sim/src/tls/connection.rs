//! One accepted TLS connection: the handshake, then a minimal HTTP/1.1 answer on the
//! HTTPS interface, or a short hold on the CTI port. Every read is bounded in time.
use std::pin::Pin;
use std::time::Duration;

use openssl::ssl::{Ssl, SslContext};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_openssl::SslStream;

use crate::host::Endpoint;

/// Bound on the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Bound on reading an HTTP request head.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest HTTP request head read.
const MAX_REQUEST: usize = 16 * 1024;
/// How long a CTI connection is kept open.
const CTI_HOLD: Duration = Duration::from_secs(2);

/// Serves one connection with `context`.
pub async fn serve(stream: TcpStream, context: SslContext, endpoint: Endpoint, label: String) {
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
        Endpoint::Http => answer_http(&mut tls, &label).await,
        Endpoint::Cti => hold(&mut tls).await,
    }
    let _ = tls.shutdown().await;
}

/// Reads one request head and answers `200 OK` with a small body naming the endpoint.
async fn answer_http(tls: &mut SslStream<TcpStream>, label: &str) {
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
    let body = format!("xspsim {label}\n");
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tls.write_all(response.as_bytes()).await;
}

/// Keeps a CTI connection briefly, discarding what the client sends, then closes.
async fn hold(tls: &mut SslStream<TcpStream>) {
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
