//! The lab DNS server checked with `dig` (an independent client), over UDP and TCP.
use crate::lab_support;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Command;
use std::time::Duration;

use lab_support::{Run, run_bounded};
use xspsim::dns::{DnsServer, SrvSet, ZoneData, ZoneHost};

fn dig(server: SocketAddr, args: &[&str]) -> Run {
    let mut command = Command::new("dig");
    command
        .arg(format!("@{}", server.ip()))
        .arg("-p")
        .arg(server.port().to_string())
        .args(["+short", "+time=2", "+tries=2"])
        .args(args);
    run_bounded(&mut command, b"", Duration::from_secs(20))
}

fn zone() -> ZoneData {
    let host = |n: u8| ZoneHost {
        fqdn: format!("xsp{n}.lab.xspctl.test"),
        address: IpAddr::V4(Ipv4Addr::new(127, 77, 0, n)),
    };
    ZoneData {
        origin: "lab.xspctl.test.".to_string(),
        server_address: IpAddr::V4(Ipv4Addr::LOCALHOST),
        hosts: vec![host(1), host(2)],
        srv: vec![SrvSet {
            name: "_xsi-client._tcp.lab.xspctl.test.".to_string(),
            targets: vec![
                ("xsp1.lab.xspctl.test.".to_string(), 8443),
                ("xsp2.lab.xspctl.test.".to_string(), 8443),
            ],
        }],
    }
}

fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

#[test]
fn a_and_srv_records_are_served_over_udp_and_tcp() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime
        .block_on(DnsServer::start(
            &zone(),
            "127.0.0.1:0".parse().expect("addr"),
        ))
        .expect("dns");
    let address = server.address();

    let a = dig(address, &["xsp2.lab.xspctl.test", "A"]);
    assert!(a.ok(), "{a:?}");
    assert_eq!(a.stdout, "127.77.0.2\n");

    let srv = dig(address, &["_xsi-client._tcp.lab.xspctl.test", "SRV"]);
    assert!(srv.ok(), "{srv:?}");
    assert_eq!(
        sorted_lines(&srv.stdout),
        vec![
            "10 10 8443 xsp1.lab.xspctl.test.".to_string(),
            "10 10 8443 xsp2.lab.xspctl.test.".to_string()
        ]
    );

    let tcp = dig(address, &["+tcp", "xsp1.lab.xspctl.test", "A"]);
    assert!(tcp.ok(), "{tcp:?}");
    assert_eq!(tcp.stdout, "127.77.0.1\n");

    // Authoritative answer, and NXDOMAIN for an unknown name in the zone.
    let mut command = Command::new("dig");
    command
        .arg(format!("@{}", address.ip()))
        .args(["-p", &address.port().to_string(), "+time=2", "+tries=2"])
        .args(["nope.lab.xspctl.test", "A"]);
    let full = run_bounded(&mut command, b"", Duration::from_secs(20));
    full.assert_stdout_contains("status: NXDOMAIN");
    full.assert_stdout_contains("flags: qr aa");

    runtime.block_on(server.stop());
}
