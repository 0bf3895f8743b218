//! verify's DNS, reachability and clock checks (issue #11 checks 6, 7 and 8)
//! against xspsim: each passes on a healthy lab host and fails for each documented
//! reason: an IPv6-only name, two addresses for one name, a name the certificate
//! does not carry, resolvers that disagree, a closed port, a blocked outbound
//! target, an unsynchronised clock, a clock that is off. Loopback only.
use crate::lab;

use std::net::{IpAddr, Ipv6Addr, SocketAddr, TcpListener};

use lab::{Run, Spec, TestLab};
use serde_json::Value;
use xspsim::dns::{DnsServer, SrvSet, ZoneData, ZoneHost};
use xspsim::host::{Product, Release, SimClock, TimeDaemon};

fn xsp(name: &'static str) -> Spec {
    Spec {
        name,
        product: Product::Xsp,
        release: Release::R23,
    }
}

/// A playbook with one farm per host (role xsi among them), each host with the
/// `fqdn` given (or none), and `verify` set to `verify` (YAML, or "").
fn playbook(lab: &TestLab, file: &str, hosts: &[(&str, Option<&str>)], verify: &str) -> String {
    let mut text = String::from("version: 1\n");
    if !verify.is_empty() {
        text.push_str("verify:\n");
        for line in verify.lines() {
            text.push_str(&format!("  {line}\n"));
        }
    }
    text.push_str("farms:\n");
    for (name, fqdn) in hosts {
        let farm = format!("farm-{name}");
        let roles = "[xsi, authservice, cti, dms]";
        text.push_str(&lab::farm_head(&farm, "xsp", "R23", roles, ""));
        text.push_str(&lab.host_entry(name));
        if let Some(fqdn) = fqdn {
            text.push_str(&format!("        fqdn: {fqdn}\n"));
        }
    }
    let path = lab.dir.path().join(file);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// `verify --format json` with these checks.
fn verify(lab: &TestLab, pb: &str, checks: &str) -> Run {
    lab.xspctl(&["verify", "-f", pb, "--format", "json", "--check", checks])
}

/// The findings of `id` about `host`.
fn findings(run: &Run, host: &str, id: &str) -> Vec<Value> {
    let json = run.json();
    json["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["host"] == host)
        .flat_map(|h| h["checks"].as_array().unwrap().clone())
        .filter(|c| c["id"] == id)
        .collect()
}

/// The one finding of `id` about `host`.
#[track_caller]
fn finding(run: &Run, host: &str, id: &str) -> Value {
    let all = findings(run, host, id);
    assert_eq!(all.len(), 1, "{host} {id}: {all:#?}\n{}", run.all());
    all[0].clone()
}

#[track_caller]
fn assert_status(f: &Value, status: &str, observed: &str) {
    assert_eq!(f["status"], status, "{f:#}");
    assert!(
        f["observed"].as_str().unwrap().contains(observed),
        "observed lacks {observed:?}: {f:#}"
    );
}

/// A DNS server on loopback serving `data`, on its own runtime.
struct Zone {
    rt: tokio::runtime::Runtime,
    server: Option<DnsServer>,
}

impl Zone {
    fn start(data: ZoneData, at: IpAddr) -> Zone {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = rt
            .block_on(DnsServer::start(&data, SocketAddr::new(at, 0)))
            .expect("DNS starts");
        Zone {
            rt,
            server: Some(server),
        }
    }

    fn address(&self) -> SocketAddr {
        self.server.as_ref().unwrap().address()
    }
}

impl Drop for Zone {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.stop());
        }
    }
}

fn a(fqdn: &str, address: IpAddr) -> ZoneHost {
    ZoneHost {
        fqdn: fqdn.into(),
        address,
    }
}

#[test]
fn dns_checks_pass_for_a_good_name_and_fail_for_each_reason() {
    let lab = TestLab::start(
        "verify-dns",
        &[xsp("good"), xsp("six"), xsp("two"), xsp("wrong")],
    );
    let (good, two, wrong) = (
        lab.address("good"),
        lab.address("two"),
        lab.address("wrong"),
    );
    // A zone of our own for the lab's domain: one good name, an IPv6-only name, a
    // name with two addresses, and a name for `wrong` that its certificate (CN
    // wrong.lab.xspctl.test) does not carry.
    let zone = Zone::start(
        ZoneData {
            origin: "lab.xspctl.test.".into(),
            server_address: good,
            hosts: vec![
                a("good.lab.xspctl.test", good),
                a("six.lab.xspctl.test", IpAddr::V6(Ipv6Addr::LOCALHOST)),
                a("two.lab.xspctl.test", two),
                a("two.lab.xspctl.test", IpAddr::from([127, 0, 0, 254])),
                a("alias.lab.xspctl.test", wrong),
            ],
            srv: vec![SrvSet {
                name: "_xsi-client._tcp.lab.xspctl.test.".into(),
                targets: vec![
                    ("good.lab.xspctl.test.".into(), lab.https_port("good")),
                    ("two.lab.xspctl.test.".into(), 1),
                ],
            }],
        },
        good,
    );
    let pb = playbook(
        &lab,
        "dns.yaml",
        &[
            ("good", Some("good.lab.xspctl.test")),
            ("six", Some("six.lab.xspctl.test")),
            ("two", Some("two.lab.xspctl.test")),
            ("wrong", Some("alias.lab.xspctl.test")),
        ],
        &format!(
            "dns:\n  resolvers: [\"{}\"]\n  xsi_srv_domains: [lab.xspctl.test]",
            zone.address()
        ),
    );
    let run = verify(&lab, &pb, "dns.*");
    run.exits(2);

    // The good name: every check passes.
    for id in [
        "dns.ipv4-address",
        "dns.single-address",
        "dns.interface-address",
        "dns.certificate-name",
        "dns.xsi-client-srv",
    ] {
        let f = finding(&run, "good", id);
        assert_eq!(f["status"], "ok", "{id}: {f:#}");
    }
    let srv = finding(&run, "good", "dns.xsi-client-srv");
    assert!(
        srv["observed"]
            .as_str()
            .unwrap()
            .contains(&format!("good.lab.xspctl.test:{}", lab.https_port("good"))),
        "{srv:#}"
    );
    assert!(findings(&run, "good", "dns.resolvers-agree").is_empty());

    // IPv6 only: an error, and nothing else is checked of the name.
    let six = finding(&run, "six", "dns.ipv4-address");
    assert_status(&six, "fail", "IPv6 only");
    assert_eq!(six["severity"], "error");
    assert!(
        six["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().contains("AAAA: AAAA ::1")),
        "{six:#}"
    );
    assert!(findings(&run, "six", "dns.single-address").is_empty());
    assert_status(
        &finding(&run, "six", "dns.xsi-client-srv"),
        "warn",
        "is not among its targets",
    );

    // Two addresses: one name, one address; the stranger is no interface of the host.
    assert_status(
        &finding(&run, "two", "dns.ipv4-address"),
        "ok",
        "2 A record(s)",
    );
    let double = finding(&run, "two", "dns.single-address");
    assert_status(&double, "fail", "2 A records");
    assert!(
        double["fix"].as_str().unwrap().contains("§7.6"),
        "{double:#}"
    );
    assert_status(
        &finding(&run, "two", "dns.interface-address"),
        "fail",
        "127.0.0.254",
    );
    // Listed in the SRV record, at a port none of its HTTP interfaces has.
    assert_status(
        &finding(&run, "two", "dns.xsi-client-srv"),
        "fail",
        "two.lab.xspctl.test:1",
    );

    // The certificate does not name the FQDN.
    let san = finding(&run, "wrong", "dns.certificate-name");
    assert_status(&san, "fail", "does not name it");
    assert!(
        san["observed"]
            .as_str()
            .unwrap()
            .contains("wrong.lab.xspctl.test"),
        "{san:#}"
    );
    assert_status(
        &finding(&run, "wrong", "dns.interface-address"),
        "ok",
        "it is",
    );
}

#[test]
fn resolvers_must_agree_and_a_missing_srv_record_is_an_error() {
    let lab = TestLab::start("verify-dns-agree", &[xsp("a1"), xsp("b1")]);
    let (a1, b1) = (lab.address("a1"), lab.address("b1"));
    // A second server for the lab's domain: it agrees on a1, not on b1, and has
    // no SRV record at all.
    let other = Zone::start(
        ZoneData {
            origin: "lab.xspctl.test.".into(),
            server_address: a1,
            hosts: vec![
                a("a1.lab.xspctl.test", a1),
                a("b1.lab.xspctl.test", IpAddr::from([127, 0, 0, 253])),
            ],
            srv: Vec::new(),
        },
        a1,
    );
    let pb = playbook(
        &lab,
        "agree.yaml",
        &[
            ("a1", Some("a1.lab.xspctl.test")),
            ("b1", Some("b1.lab.xspctl.test")),
        ],
        &format!(
            "dns:\n  resolvers: [\"{}\", \"{}\"]",
            lab.dns_address(),
            other.address()
        ),
    );
    let run = verify(&lab, &pb, "dns.resolvers-agree");
    run.exits(2);
    assert_status(&finding(&run, "a1", "dns.resolvers-agree"), "ok", "they do");
    let b = finding(&run, "b1", "dns.resolvers-agree");
    assert_status(&b, "fail", "b1.lab.xspctl.test A");
    let evidence: Vec<&str> = b["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert!(
        evidence.contains(
            &format!(
                "resolver {}: b1.lab.xspctl.test A: A {b1}",
                lab.dns_address()
            )
            .as_str()
        ),
        "{evidence:#?}"
    );
    assert!(
        evidence.contains(
            &format!(
                "resolver {}: b1.lab.xspctl.test A: A 127.0.0.253",
                other.address()
            )
            .as_str()
        ),
        "{evidence:#?}"
    );

    // The lab's own zone serves the SRV record; the other server has none.
    let pb = playbook(
        &lab,
        "srv.yaml",
        &[("a1", Some("a1.lab.xspctl.test"))],
        &format!(
            "dns:\n  resolvers: [\"{}\"]\n  xsi_srv_domains: [lab.xspctl.test]",
            other.address()
        ),
    );
    let run = verify(&lab, &pb, "dns.xsi-client-srv");
    run.exits(2);
    assert_status(
        &finding(&run, "a1", "dns.xsi-client-srv"),
        "fail",
        "no SRV record",
    );
    let pb = playbook(
        &lab,
        "srv-lab.yaml",
        &[("a1", Some("a1.lab.xspctl.test"))],
        &format!(
            "dns:\n  resolvers: [\"{}\"]\n  xsi_srv_domains: [lab.xspctl.test]",
            lab.dns_address()
        ),
    );
    let run = verify(&lab, &pb, "dns.*");
    run.exits(0);
    assert_status(&finding(&run, "a1", "dns.xsi-client-srv"), "ok", "it lists");
}

/// A loopback port nothing listens on.
fn closed_port(at: IpAddr) -> u16 {
    let l = TcpListener::bind(SocketAddr::new(at, 0)).unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn inbound_and_outbound_reachability() {
    let lab = TestLab::start("verify-reach", &[xsp("r")]);
    let ip = lab.address("r");
    let (http, cti) = (lab.https_port("r"), lab.cti_port("r"));
    let closed = closed_port(ip);
    let pb = playbook(
        &lab,
        "reach.yaml",
        &[("r", None)],
        &format!("reach:\n  outbound: [\"{ip}:{http}\", \"192.0.2.1:443\", \"{ip}:{closed}\"]"),
    );
    let run = verify(&lab, &pb, "reach.*");
    run.exits(2);
    let inbound = findings(&run, "r", "reach.inbound");
    let at = |port: u16| {
        inbound
            .iter()
            .find(|f| {
                f["subject"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("{ip}:{port}"))
            })
            .cloned()
            .unwrap_or_else(|| panic!("no inbound finding for {port}: {inbound:#?}"))
    };
    assert_status(&at(http), "ok", "TCP connected and TLS answered");
    assert_status(&at(cti), "ok", "TCP connected and TLS answered");
    let outbound = findings(&run, "r", "reach.outbound");
    let to = |target: String| {
        outbound
            .iter()
            .find(|f| f["subject"] == format!("outbound {target}"))
            .cloned()
            .unwrap_or_else(|| panic!("no outbound finding for {target}: {outbound:#?}"))
    };
    let open = to(format!("{ip}:{http}"));
    assert_status(&open, "ok", "connected");
    assert!(
        open["evidence"][0]
            .as_str()
            .unwrap()
            .starts_with(&format!("nc -z -v -w 3 {ip} {http}")),
        "{open:#}"
    );
    let blocked = to("192.0.2.1:443".into());
    assert_status(&blocked, "fail", "no connection");
    assert!(
        blocked["evidence"][0]
            .as_str()
            .unwrap()
            .contains("Network is unreachable"),
        "{blocked:#}"
    );
    assert_status(&to(format!("{ip}:{closed}")), "fail", "no connection");

    // An interface the host lists where nothing listens: a closed port.
    let out = lab.bwcli(
        "r",
        &[
            "cd /Interface/Http/HttpServer",
            &format!("add {ip} {closed} true false"),
        ],
    );
    assert!(out.contains("...Done"), "{out}");
    // The guide's targets for the region: the sim reaches no Internet name.
    let pb = playbook(&lab, "region.yaml", &[("r", None)], "reach:\n  region: us");
    let run = verify(&lab, &pb, "reach.*");
    run.exits(2);
    let inbound = findings(&run, "r", "reach.inbound");
    let shut = inbound
        .iter()
        .find(|f| f["subject"] == format!("HTTP {ip}:{closed}"))
        .unwrap_or_else(|| panic!("{inbound:#?}"));
    assert_status(shut, "fail", "no TCP connection");
    assert!(
        shut["fix"].as_str().unwrap().contains(&closed.to_string()),
        "{shut:#}"
    );
    let subjects: Vec<String> = findings(&run, "r", "reach.outbound")
        .iter()
        .map(|f| f["subject"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        subjects,
        [
            "outbound idbroker.webex.com:443",
            "outbound idbroker-b-us.webex.com:443",
            "outbound broadworks-idp-proxy-a.wbx2.com:443",
            "outbound broadworks-idp-proxy-r.wbx2.com:443",
        ]
    );
    let idbroker = &findings(&run, "r", "reach.outbound")[0];
    assert_eq!(idbroker["status"], "fail", "{idbroker:#}");
    assert!(
        idbroker["source"]
            .as_str()
            .unwrap()
            .contains("guide A §9.2 USA egress"),
        "{idbroker:#}"
    );
}

#[test]
fn the_clock_must_be_synchronised_and_close_to_the_controllers() {
    let lab = TestLab::start("verify-time", &[xsp("t")]);
    let pb = playbook(&lab, "time.yaml", &[("t", None)], "");
    let sync = |run: &Run| finding(run, "t", "time.ntp-synchronised");
    let skew = |run: &Run| finding(run, "t", "time.clock-skew");

    let run = verify(&lab, &pb, "time.*");
    run.exits(0);
    assert_status(&sync(&run), "ok", "Leap status     : Normal");
    assert_status(&skew(&run), "ok", "the clocks agree");

    let host = lab.host("t");
    host.set_clock(SimClock {
        synchronised: false,
        ..SimClock::default()
    });
    let run = verify(&lab, &pb, "time.*");
    run.exits(2);
    let f = sync(&run);
    assert_status(
        &f,
        "fail",
        "not synchronised (Leap status     : Not synchronised)",
    );
    assert!(f["fix"].as_str().unwrap().contains("NTP servers"), "{f:#}");

    // ntpd instead of chrony: `ntpq -p`, the peer marked `*`.
    host.set_clock(SimClock {
        daemon: TimeDaemon::Ntpd,
        ..SimClock::default()
    });
    let run = verify(&lab, &pb, "time.ntp-synchronised");
    run.exits(0);
    let f = sync(&run);
    assert_status(&f, "ok", "*ntp1.lab.xspctl");
    assert!(
        f["evidence"][0] == "chronyc tracking: not installed",
        "{f:#}"
    );
    host.set_clock(SimClock {
        daemon: TimeDaemon::Ntpd,
        synchronised: false,
        offset_secs: 0,
    });
    let run = verify(&lab, &pb, "time.ntp-synchronised");
    run.exits(2);
    assert_status(&sync(&run), "fail", "no peer marked `*` among 2 peer(s)");

    host.set_clock(SimClock {
        daemon: TimeDaemon::None,
        ..SimClock::default()
    });
    let run = verify(&lab, &pb, "time.ntp-synchronised");
    run.exits(2);
    assert_status(
        &sync(&run),
        "fail",
        "neither `chronyc` nor `ntpq` is installed",
    );

    // Two minutes ahead: synchronised (to a wrong server?), yet off.
    host.set_clock(SimClock {
        offset_secs: 120,
        ..SimClock::default()
    });
    let run = verify(&lab, &pb, "time.*");
    run.exits(2);
    assert_status(&sync(&run), "ok", "Normal");
    let f = skew(&run);
    assert_status(&f, "fail", "s ahead");
    let ahead: f64 = f["observed"]
        .as_str()
        .unwrap()
        .trim_start_matches("the host is ")
        .trim_end_matches("s ahead")
        .parse()
        .unwrap();
    assert!((117.0..=120.0).contains(&ahead), "{f:#}");
}
