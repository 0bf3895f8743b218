//! `verify --metrics ADDRESS:PORT`: where the Prometheus metrics are served. The
//! metrics name the hosts, their endpoints and their findings, so they belong on
//! loopback or a management network: an address of every interface (`0.0.0.0`,
//! `[::]`) is refused, and any other address than loopback is warned about.
use std::net::{IpAddr, SocketAddr};

/// Parses and checks a metrics address: an IP address and a port (`0` lets the
/// system pick one, printed when serving), not unspecified, multicast or broadcast.
pub fn parse(text: &str) -> Result<SocketAddr, String> {
    let address: SocketAddr = text.parse().map_err(|_| {
        format!(
            "`{text}` is not ADDRESS:PORT; write an IP address and a port, e.g. 127.0.0.1:9808 or [::1]:9808 (a name is not resolved)"
        )
    })?;
    let ip = address.ip();
    if ip.is_unspecified() {
        return Err(format!(
            "`{text}` serves on every interface; name the loopback or management address to serve on, e.g. 127.0.0.1:{}",
            address.port()
        ));
    }
    let broadcast = matches!(ip, IpAddr::V4(v4) if v4.is_broadcast());
    if ip.is_multicast() || broadcast {
        return Err(format!(
            "`{text}` is a multicast or broadcast address; name the loopback or management address to serve on"
        ));
    }
    Ok(address)
}

/// The warning to print when `address` is not loopback, if any.
pub fn exposure_warning(address: SocketAddr) -> Option<String> {
    (!address.ip().is_loopback()).then(|| {
        format!(
            "warning: metrics served on {address}, not loopback: they name hosts, endpoints and findings; make sure only a management network reaches it"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_management_addresses_pass_every_interface_does_not() {
        assert_eq!(
            parse("127.0.0.1:9808"),
            Ok("127.0.0.1:9808".parse().unwrap())
        );
        assert!(parse("[::1]:0").is_ok());
        assert!(exposure_warning(parse("127.0.0.1:9808").unwrap()).is_none());
        let mgmt = parse("10.1.2.3:9808").unwrap();
        assert!(
            exposure_warning(mgmt)
                .unwrap()
                .contains("management network")
        );
        assert!(
            parse("0.0.0.0:9808")
                .unwrap_err()
                .contains("every interface")
        );
        assert!(parse("[::]:9808").unwrap_err().contains("every interface"));
        assert!(parse("224.0.0.1:9808").unwrap_err().contains("multicast"));
        assert!(
            parse("255.255.255.255:9808")
                .unwrap_err()
                .contains("broadcast")
        );
        assert!(
            parse("localhost:9808")
                .unwrap_err()
                .contains("not ADDRESS:PORT")
        );
        assert!(parse("127.0.0.1").unwrap_err().contains("not ADDRESS:PORT"));
    }
}
