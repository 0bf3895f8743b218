//! One offer on a fresh connection: connect, send the ClientHello, read the
//! answer, close. Every step is bounded by the offer's timeout.
use std::io::Write;
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::client_hello::ClientHello;
use super::server_hello::{Answer, AnswerError, read_answer};

/// Why an offer got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExchangeError {
    /// No TCP connection.
    #[error("cannot connect to {target}: {reason}")]
    Connect {
        /// `address:port`.
        target: String,
        /// Why.
        reason: String,
    },
    /// Sending failed.
    #[error("sending the ClientHello: {0}")]
    Send(String),
    /// No answer could be read.
    #[error(transparent)]
    Answer(#[from] AnswerError),
}

/// Where to connect, and how long each step may take.
#[derive(Debug, Clone)]
pub struct Connection<'a> {
    /// Address (IP or name).
    pub address: &'a str,
    /// Port.
    pub port: u16,
    /// Bound on connecting, and on the whole exchange after it.
    pub timeout: Duration,
}

/// Makes one offer and returns the server's answer.
pub fn offer(to: &Connection, hello: &ClientHello) -> Result<Answer, ExchangeError> {
    let target = format!("{}:{}", to.address, to.port);
    let connect_err = |reason: String| ExchangeError::Connect {
        target: target.clone(),
        reason,
    };
    let addr = (to.address, to.port)
        .to_socket_addrs()
        .map_err(|e| connect_err(e.to_string()))?
        .next()
        .ok_or_else(|| connect_err("no address".into()))?;
    let mut stream =
        TcpStream::connect_timeout(&addr, to.timeout).map_err(|e| connect_err(e.to_string()))?;
    let deadline = Instant::now() + to.timeout;
    stream
        .set_read_timeout(Some(to.timeout))
        .and_then(|()| stream.set_write_timeout(Some(to.timeout)))
        .and_then(|()| stream.set_nodelay(true))
        .map_err(|e| connect_err(e.to_string()))?;
    stream
        .write_all(&hello.to_record())
        .map_err(|e| ExchangeError::Send(e.to_string()))?;
    let answer = read_answer(&mut stream, deadline);
    // The handshake goes no further: nothing was agreed that needs closing politely.
    let _ = stream.shutdown(Shutdown::Both);
    Ok(answer?)
}
