//! After `restartbw`, a host answers bwcli before its TLS listeners are back, and a
//! port the restart moves (CTI's secure port 8012, D37) opens only when its server
//! comes up. A restart is done when those listeners accept connections, so that a
//! `verify` made at once finds what Webex would.
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::HostError;
use super::check::discovered_endpoints;
use crate::live::cached::CachedReads;
use crate::live::link::HostLink;
use crate::modules::tls_module;
use crate::playbook::Host;

/// How long one connection attempt may take.
const ATTEMPT: Duration = Duration::from_millis(500);
/// The pause between two rounds of attempts.
const PAUSE: Duration = Duration::from_millis(100);

/// One secure interface a restart must bring back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// `http` or `cti`.
    pub endpoint: String,
    /// The address the interface table lists.
    pub address: String,
    /// Its port.
    pub port: u16,
}

impl std::fmt::Display for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}:{}", self.endpoint, self.address, self.port)
    }
}

/// The secure HTTP and CTI interfaces the host's tables list now (the same
/// discovery verify probes them by).
pub fn secure_listeners(host: &Host, link: &mut dyn HostLink) -> Result<Vec<Listener>, HostError> {
    let mut reads = CachedReads::new(link);
    let discovered = tls_module::discovery(host, &mut reads)?;
    let tree = discovered_endpoints(host, discovered.as_ref())
        .map_err(|e| HostError::Plan(e.to_string()))?;
    Ok(tree
        .probes
        .into_iter()
        .map(|p| Listener {
            endpoint: p.endpoint,
            address: p.address,
            port: p.port,
        })
        .collect())
}

/// Waits until every listener accepts a TCP connection or `deadline` passes; returns
/// the ones that did not.
pub fn wait_listening(listeners: &[Listener], deadline: Instant) -> Vec<Listener> {
    let mut waiting: Vec<&Listener> = listeners.iter().collect();
    loop {
        waiting.retain(|l| !accepts(l));
        if waiting.is_empty() || Instant::now() >= deadline {
            return waiting.into_iter().cloned().collect();
        }
        std::thread::sleep(PAUSE.min(deadline.saturating_duration_since(Instant::now())));
    }
}

/// Whether one attempt to connect to `l` succeeds.
fn accepts(l: &Listener) -> bool {
    let addrs: Vec<SocketAddr> = match (l.address.as_str(), l.port).to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(_) => return false,
    };
    addrs
        .iter()
        .any(|a| TcpStream::connect_timeout(a, ATTEMPT).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn listener(port: u16) -> Listener {
        Listener {
            endpoint: "cti".into(),
            address: "127.0.0.1".into(),
            port,
        }
    }

    #[test]
    fn an_open_port_is_done_at_once_and_a_closed_one_is_named_at_the_deadline() {
        let open = TcpListener::bind("127.0.0.1:0").unwrap();
        let open_port = open.local_addr().unwrap().port();
        let closed_port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let started = Instant::now();
        let left = wait_listening(
            &[listener(open_port), listener(closed_port)],
            started + Duration::from_millis(400),
        );
        assert_eq!(left, vec![listener(closed_port)]);
        assert!(started.elapsed() < Duration::from_secs(3));
        let none = wait_listening(&[listener(open_port)], Instant::now());
        assert!(none.is_empty());
    }

    #[test]
    fn a_port_that_opens_while_waiting_is_found() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let opener = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            let l = TcpListener::bind(("127.0.0.1", port)).unwrap();
            std::thread::sleep(Duration::from_secs(2));
            drop(l);
        });
        let left = wait_listening(&[listener(port)], Instant::now() + Duration::from_secs(5));
        assert!(left.is_empty(), "{left:?}");
        opener.join().unwrap();
    }
}
