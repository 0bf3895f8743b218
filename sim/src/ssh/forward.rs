//! direct-tcpip forwarding, so that a simulated host can serve as a jump host; only
//! loopback targets (127.0.0.0/8 and ::1) are allowed.
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use russh::Channel;
use russh::server::Msg;

/// How long connecting to the forwarding target may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The loopback socket address a direct-tcpip request may reach, or `None` if the
/// target is not a loopback address (or the port is out of range).
pub fn allowed_target(host: &str, port: u32) -> Option<SocketAddr> {
    let port = u16::try_from(port).ok()?;
    let address = if host.eq_ignore_ascii_case("localhost") {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .ok()?
    };
    address
        .is_loopback()
        .then_some(SocketAddr::new(address, port))
}

/// Connects to `target`, bounded in time.
pub async fn connect(target: SocketAddr) -> std::io::Result<tokio::net::TcpStream> {
    tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(target))
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))?
}

/// Copies bytes both ways between the channel and the target until either side closes.
pub async fn pipe(channel: Channel<Msg>, mut target: tokio::net::TcpStream) {
    let mut stream = channel.into_stream();
    if let Err(error) = tokio::io::copy_bidirectional(&mut stream, &mut target).await {
        tracing::debug!(%error, "forwarded connection ended");
    }
}

#[cfg(test)]
mod tests {
    use super::allowed_target;

    #[test]
    fn only_loopback_targets_are_allowed() {
        assert!(allowed_target("127.0.0.1", 22).is_some());
        assert!(allowed_target("127.77.0.3", 2222).is_some());
        assert!(allowed_target("::1", 22).is_some());
        assert!(allowed_target("[::1]", 22).is_some());
        assert!(allowed_target("localhost", 22).is_some());
        assert!(allowed_target("10.0.0.1", 22).is_none());
        assert!(allowed_target("192.0.2.1", 443).is_none());
        assert!(allowed_target("example.com", 22).is_none());
        assert!(allowed_target("127.0.0.1", 70000).is_none());
    }
}
