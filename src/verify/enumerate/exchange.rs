//! One offer on a fresh connection: connect, send the ClientHello, read the
//! answer, close. Every step is bounded by the offer's timeout.
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::client_hello::ClientHello;
use super::server_hello::{Answer, AnswerError, Flight, read_answer, read_flight};

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
    /// Bound on connecting, and on the whole exchange after it (sending and
    /// reading the answer together).
    pub timeout: Duration,
}

/// Makes one offer and returns the server's answer.
pub fn offer(to: &Connection, hello: &ClientHello) -> Result<Answer, ExchangeError> {
    exchange(to, hello, |stream, deadline| read_answer(stream, deadline))
}

/// Makes one offer and returns the server's answer and, after a TLS ≤ 1.2
/// ServerHello, its ServerKeyExchange.
pub fn offer_for_key_exchange(
    to: &Connection,
    hello: &ClientHello,
) -> Result<Flight, ExchangeError> {
    exchange(to, hello, |stream, deadline| read_flight(stream, deadline))
}

/// Connects, sends `hello`, and reads with `read` (bounded by the deadline it is
/// given), then closes.
fn exchange<T>(
    to: &Connection,
    hello: &ClientHello,
    read: impl FnOnce(&mut UntilDeadline, Instant) -> Result<T, AnswerError>,
) -> Result<T, ExchangeError> {
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
    let answer = read(
        &mut UntilDeadline {
            stream: &stream,
            deadline,
        },
        deadline,
    );
    // The handshake goes no further: nothing was agreed that needs closing politely.
    let _ = stream.shutdown(Shutdown::Both);
    Ok(answer?)
}

/// Reads that together end by `deadline`: each read waits at most the time left.
struct UntilDeadline<'a> {
    stream: &'a TcpStream,
    deadline: Instant,
}

impl Read for UntilDeadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        self.stream.set_read_timeout(Some(left))?;
        let mut stream = self.stream;
        stream.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::enumerate::Protocol;
    use std::net::TcpListener;

    fn hello() -> ClientHello<'static> {
        ClientHello {
            protocol: Protocol::Tls12,
            suites: &[0xc030],
            server_name: None,
            random: [1; 32],
            key_share: Some([2; 32]),
            groups: None,
            fallback_scsv: false,
        }
    }

    /// A server that accepts and never answers: the offer ends with a timeout
    /// error, not a refusal.
    #[test]
    fn a_silent_server_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let held = std::thread::spawn(move || listener.accept().map(|(s, _)| s));
        let to = Connection {
            address: "127.0.0.1",
            port,
            timeout: Duration::from_millis(300),
        };
        let answer = offer(&to, &hello());
        assert_eq!(
            answer,
            Err(ExchangeError::Answer(AnswerError::Io("timed out".into())))
        );
        drop(held.join());
    }

    /// A server that reads the ClientHello and hangs up is a refusal (`Closed`).
    #[test]
    fn a_server_that_hangs_up_is_closed() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut buf = [0u8; 5];
            s.read_exact(&mut buf).unwrap();
            buf
        });
        let to = Connection {
            address: "127.0.0.1",
            port,
            timeout: Duration::from_secs(5),
        };
        assert_eq!(offer(&to, &hello()), Ok(Answer::Closed));
        assert_eq!(server.join().unwrap()[..3], [0x16, 0x03, 0x01]);
    }
}
