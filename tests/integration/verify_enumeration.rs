//! Suite enumeration through the real path (issue #11, check 4): a playbook applied
//! to xspsim hosts, then `xspctl verify`, whose `tls.suite-enumeration` finding
//! lists per protocol every suite offered by raw ClientHello, accepted or refused,
//! in the server's order; then the key-exchange groups, the DH group, secure
//! renegotiation and the fallback signal. The result must be exactly what the
//! playbook configures (and the simulated host's TLS quirks allow), and agree with
//! `openssl s_client` (always) and sslyze (when installed).
use crate::lab;

use std::process::Command;

use lab::{Run, TestLab};
use serde_json::Value;
use xspsim::host::{Faults, Product, Release};
use xspsim::tls::TlsQuirks;

/// R23: TLS 1.2 only, suites from the SHA-2 CBC, DHE-GCM and ECDHE-GCM families,
/// listed out of code-point order so that the order found is the server's.
const R23_TLS: &str = "tls:
  http:
    level: interface
    protocols: [TLSv1.2]
    ciphers: [TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_DHE_RSA_WITH_AES_128_CBC_SHA256]
  cti:
    level: interface
    protocols: [TLSv1.2]
    ciphers: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]";

const R23_HTTP_SUITES: [&str; 4] = [
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
];

/// R24: TLS 1.2 and TLS 1.3, each with two suites.
const R24_TLS: &str = "tls:
  http:
    level: interface
    protocols: [TLSv1.2, TLSv1.3]
    ciphers: [TLS_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]
  cti:
    level: interface
    protocols: [TLSv1.2]
    ciphers: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]";

/// Suites refused everywhere here, that `openssl s_client` can offer: a sample
/// for the cross-check (CBC-SHA1, static RSA, CHACHA20, ECDSA, DHE-CBC-SHA1).
const REFUSED_SAMPLE: [&str; 5] = [
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
];

/// TLS 1.3 suites refused here that `openssl s_client` can offer.
const REFUSED_SAMPLE_TLS13: [&str; 2] = ["TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256"];

fn lab(test: &str, release: Release) -> TestLab {
    TestLab::one_host(test, Product::Xsp, release)
}

/// Applies the playbook (restarting, so it is in effect) and verifies it in JSON.
fn apply_and_verify(lab: &TestLab, release: &str, tls: &str) -> (String, Run) {
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", release, tls)]);
    let pb = pb.to_str().unwrap().to_string();
    lab.xspctl(&["apply", "-f", &pb, "--yes", "--restart", "rolling"])
        .exits(0);
    let run = lab.xspctl(&["verify", "-f", &pb, "--format", "json"]);
    (pb, run)
}

/// The finding `id` about `subject` of the only host.
fn finding(run: &Run, id: &str, subject: &str) -> Value {
    let checks = run.json()["hosts"][0]["checks"].clone();
    checks
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["id"] == id && f["subject"] == subject)
        .cloned()
        .unwrap_or_else(|| panic!("no {id} {subject}\n{}", run.all()))
}

/// The enumeration entry of `protocol`.
fn protocol<'a>(enumeration: &'a Value, protocol: &str) -> &'a Value {
    enumeration["protocols"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["protocol"] == protocol))
        .unwrap_or_else(|| panic!("no {protocol} in {enumeration:#}"))
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `openssl s_client` completes a handshake offering only `suite` with
/// `protocol` (bounded by `timeout`, stdin closed so it ends after the handshake).
fn s_client_accepts(address: &str, port: u16, protocol: &str, suite: &str) -> bool {
    let connect = format!("{address}:{port}");
    let mut args = vec!["20", "openssl", "s_client", "-connect", &connect];
    let openssl_name;
    let cipher_arg;
    match protocol {
        "TLSv1.3" => args.extend(["-tls1_3", "-ciphersuites", suite]),
        _ => {
            openssl_name = xspctl::catalog::cipher(suite)
                .ok()
                .and_then(|c| c.openssl)
                .unwrap_or_else(|| panic!("OpenSSL cannot offer {suite}"));
            cipher_arg = format!("{openssl_name}:@SECLEVEL=0");
            args.extend(["-tls1_2", "-cipher", &cipher_arg]);
        }
    }
    let out = Command::new("timeout")
        .args(&args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("openssl runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    out.status.success() && !stdout.contains("Cipher is (NONE)")
}

/// Every suite the enumeration accepted with a protocol (its `entry`) is accepted
/// by `openssl s_client`, and every suite of the sample it refused is refused by it.
fn agrees_with_s_client(address: &str, port: u16, entry: &Value) {
    let protocol = entry["protocol"].as_str().expect("protocol name");
    for suite in names(&entry["accepted"]) {
        assert!(
            s_client_accepts(address, port, protocol, &suite),
            "openssl s_client refuses {protocol} {suite}, which the enumeration accepted"
        );
    }
    let refused = names(&entry["refused"]);
    let sample = match protocol {
        "TLSv1.3" => &REFUSED_SAMPLE_TLS13[..],
        _ => &REFUSED_SAMPLE[..],
    };
    for suite in sample.iter().filter(|s| refused.iter().any(|r| r == *s)) {
        assert!(
            !s_client_accepts(address, port, protocol, suite),
            "openssl s_client accepts {protocol} {suite}, which the enumeration refused"
        );
    }
}

/// With sslyze installed, its accepted suites per protocol are the enumeration's.
fn agrees_with_sslyze(address: &str, port: u16, enumeration: &Value) {
    let Ok(found) = Command::new("sh")
        .args(["-c", "command -v sslyze"])
        .output()
    else {
        return;
    };
    if !found.status.success() {
        eprintln!("sslyze is not installed: the sslyze comparison is skipped");
        return;
    }
    let out = Command::new("timeout")
        // Only the suite scans: the certificate scan's JSON holds integers beyond
        // serde_json's range.
        .args([
            "120",
            "sslyze",
            "--sslv3",
            "--tlsv1",
            "--tlsv1_1",
            "--tlsv1_2",
            "--tlsv1_3",
            "--elliptic_curves",
            "--reneg",
            "--fallback",
            "--json_out=-",
            &format!("{address}:{port}"),
        ])
        .output()
        .expect("sslyze runs");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("sslyze JSON: {e}\n{}", String::from_utf8_lossy(&out.stderr)));
    let result = &report["server_scan_results"][0]["scan_result"];
    for (key, name) in [
        ("ssl_3_0_cipher_suites", "SSLv3"),
        ("tls_1_0_cipher_suites", "TLSv1"),
        ("tls_1_1_cipher_suites", "TLSv1.1"),
        ("tls_1_2_cipher_suites", "TLSv1.2"),
        ("tls_1_3_cipher_suites", "TLSv1.3"),
    ] {
        let mut theirs: Vec<String> = result[key]["result"]["accepted_cipher_suites"]
            .as_array()
            .unwrap_or_else(|| panic!("sslyze has no {key}: {result:#}"))
            .iter()
            .filter_map(|s| s["cipher_suite"]["name"].as_str().map(String::from))
            .collect();
        let mut ours = names(&protocol(enumeration, name)["accepted"]);
        theirs.sort();
        ours.sort();
        assert_eq!(ours, theirs, "{name}: the enumeration and sslyze differ");
    }
    agrees_with_sslyze_on_negotiation(result, enumeration);
}

/// sslyze's curves (elliptic_curves: the curves of its newest protocol, named by
/// OpenSSL, ANSI X9.62 names first), secure renegotiation and fallback SCSV are the
/// enumeration's.
fn agrees_with_sslyze_on_negotiation(result: &Value, enumeration: &Value) {
    let curves = &result["elliptic_curves"]["result"];
    let newest = enumeration["groups"]
        .as_array()
        .and_then(|g| g.last())
        .cloned()
        .unwrap_or_default();
    if curves["supports_ecdh_key_exchange"] == true {
        let mut theirs: Vec<String> = curves["supported_curves"]
            .as_array()
            .unwrap_or_else(|| panic!("sslyze has no supported_curves: {curves:#}"))
            .iter()
            .filter_map(|c| c["name"].as_str())
            .map(|n| match n.to_ascii_lowercase().as_str() {
                "prime256v1" => "secp256r1".to_string(),
                "prime192v1" => "secp192r1".to_string(),
                other => other.to_string(),
            })
            .collect();
        let mut ours: Vec<String> = names(&newest["accepted"])
            .into_iter()
            .filter(|n| xspctl::verify::enumerate::groups::by_name(n).is_some_and(|g| g.curve))
            .collect();
        ours.sort();
        theirs.sort();
        assert_eq!(
            ours, theirs,
            "{}: the accepted curves and sslyze's differ",
            newest["protocol"]
        );
    }
    if let Some(secure) = enumeration["renegotiation"]["secure"].as_bool() {
        let theirs = &result["session_renegotiation"]["result"]["supports_secure_renegotiation"];
        assert_eq!(
            theirs.as_bool(),
            Some(secure),
            "renegotiation: sslyze says {theirs}"
        );
    }
    if let Some(refused) = enumeration["fallback"]["refused"].as_bool() {
        let theirs = &result["tls_fallback_scsv"]["result"]["supports_fallback_scsv"];
        assert_eq!(
            theirs.as_bool(),
            Some(refused),
            "fallback SCSV: sslyze says {theirs}"
        );
    }
}

/// `openssl s_client` with `args` (stdin closed, bounded): whether the handshake
/// completed, and everything it printed.
fn s_client(address: &str, port: u16, args: &[&str]) -> (bool, String) {
    let out = Command::new("timeout")
        .args(["20", "openssl", "s_client", "-connect"])
        .arg(format!("{address}:{port}"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("openssl runs");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let completed = out.status.success() && !printed.contains("Cipher is (NONE)");
    (completed, printed)
}

/// The `-cipher` argument offering the OpenSSL name of `suite`.
fn cipher_arg(suite: &str) -> String {
    let name = xspctl::catalog::cipher(suite)
        .ok()
        .and_then(|c| c.openssl)
        .unwrap_or_else(|| panic!("OpenSSL cannot offer {suite}"));
    format!("{name}:@SECLEVEL=0")
}

/// Groups OpenSSL 3.0 can offer, to cross-check refusals with `openssl s_client`.
const GROUPS_SAMPLE: [&str; 8] = [
    "secp224r1",
    "sect283k1",
    "secp256k1",
    "brainpoolP256r1",
    "secp384r1",
    "x448",
    "ffdhe2048",
    "secp521r1",
];

/// `openssl s_client` offering one group at a time agrees with the enumeration's
/// groups (every accepted one completes; each refused one of [`GROUPS_SAMPLE`]
/// fails), its DH size with the enumeration's, and its "Secure Renegotiation"
/// line with the renegotiation probe.
fn agrees_with_s_client_on_negotiation(address: &str, port: u16, enumeration: &Value) {
    let tls12_ecdhe = names(&protocol(enumeration, "TLSv1.2")["accepted"])
        .into_iter()
        .find(|s| s.starts_with("TLS_ECDHE_RSA_"));
    for entry in enumeration["groups"].as_array().expect("groups") {
        let version = entry["protocol"].as_str().expect("protocol");
        let mut args: Vec<String> = match version {
            "TLSv1.3" => vec!["-tls1_3".into()],
            "TLSv1.2" => vec![
                "-tls1_2".into(),
                "-cipher".into(),
                cipher_arg(tls12_ecdhe.as_deref().expect("an ECDHE suite")),
            ],
            other => panic!("groups probed with {other}"),
        };
        args.push("-groups".into());
        let offer = |group: &str| {
            let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
            a.push(group);
            s_client(address, port, &a)
        };
        for group in names(&entry["accepted"]) {
            let (completed, printed) = offer(&group);
            assert!(
                completed,
                "s_client refuses {version} {group}, which the probe accepted:\n{printed}"
            );
        }
        let refused = names(&entry["refused"]);
        for group in GROUPS_SAMPLE
            .iter()
            .filter(|g| refused.iter().any(|r| r == *g))
        {
            let (completed, printed) = offer(group);
            assert!(
                !completed,
                "s_client accepts {version} {group}, which the probe refused:\n{printed}"
            );
        }
    }
    if let Some(bits) = enumeration["dh"]["bits"].as_u64() {
        let suite = enumeration["dh"]["suite"].as_str().expect("DHE suite");
        let (completed, printed) = s_client(
            address,
            port,
            &[
                "-tls1_2",
                "-cipher",
                &cipher_arg(suite),
                "-groups",
                "x25519:secp256r1",
            ],
        );
        assert!(completed, "{printed}");
        assert!(
            printed.contains(&format!("Server Temp Key: DH, {bits} bits")),
            "s_client sees another DH size than {bits} bits:\n{printed}"
        );
    }
    if let Some(secure) = enumeration["renegotiation"]["secure"].as_bool() {
        let (_, printed) = s_client(address, port, &["-tls1_2"]);
        let expected = if secure {
            "Secure Renegotiation IS supported"
        } else {
            "unsafe legacy renegotiation disabled"
        };
        assert!(
            printed.contains(expected),
            "s_client lacks {expected:?}:\n{printed}"
        );
    }
}

#[test]
fn r23_enumeration_finds_exactly_the_configured_suites_in_order() {
    let lab = lab("enumerate-r23", Release::R23);
    let (_, run) = apply_and_verify(&lab, "R23", R23_TLS);
    run.exits(0);
    let (ip, http) = (lab.address("h").to_string(), lab.https_port("h"));
    let suites = finding(
        &run,
        "tls.suite-enumeration",
        &format!("HTTP {ip}:{http} suites"),
    );
    assert_eq!(suites["status"], "ok", "{suites:#}");
    let enumeration = &suites["enumeration"];
    let tls12 = protocol(enumeration, "TLSv1.2");
    assert_eq!(tls12["status"], "accepted");
    assert_eq!(names(&tls12["accepted"]), R23_HTTP_SUITES);
    assert_eq!(tls12["order"], "server");
    // Every other suite xspctl knows was offered and refused.
    let offered = xspctl::catalog::all_ciphers()
        .iter()
        .filter(|s| !s.is_tls13())
        .count();
    assert_eq!(names(&tls12["refused"]).len() + 4, offered);
    for p in ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.3"] {
        let entry = protocol(enumeration, p);
        assert_eq!(entry["status"], "refused", "{entry:#}");
        assert!(names(&entry["accepted"]).is_empty());
    }
    let order = finding(
        &run,
        "tls.server-order",
        &format!("HTTP {ip}:{http} suite order"),
    );
    assert_eq!(order["status"], "ok", "{order:#}");

    agrees_with_s_client(&ip, http, tls12);
    for p in ["TLSv1", "TLSv1.1"] {
        let suite = R23_HTTP_SUITES[0];
        let s_client = Command::new("timeout")
            .args(["20", "openssl", "s_client", "-connect"])
            .arg(format!("{ip}:{http}"))
            .arg(if p == "TLSv1" { "-tls1" } else { "-tls1_1" })
            .arg("-cipher")
            .arg(format!(
                "{}:@SECLEVEL=0",
                xspctl::catalog::cipher(suite).unwrap().openssl.unwrap()
            ))
            .stdin(std::process::Stdio::null())
            .output()
            .expect("openssl runs");
        assert!(!s_client.status.success(), "openssl s_client: {p} accepted");
    }
    let fallback = finding(
        &run,
        "tls.fallback-scsv",
        &format!("HTTP {ip}:{http} fallback"),
    );
    assert_eq!(
        fallback["observed"],
        "one protocol accepted (TLSv1.2): no older one to fall back to"
    );
    let dh = finding(&run, "tls.dh-size", &format!("HTTP {ip}:{http} DH group"));
    assert_eq!(dh["observed"], "2048-bit DH group (TLSv1.2)", "{dh:#}");
    agrees_with_s_client_on_negotiation(&ip, http, enumeration);
    agrees_with_sslyze(&ip, http, enumeration);
}

#[test]
fn r24_enumeration_probes_the_configured_tls13_and_its_suites() {
    let lab = lab("enumerate-r24", Release::R24);
    let (_, run) = apply_and_verify(&lab, "R24", R24_TLS);
    run.exits(0);
    let (ip, http) = (lab.address("h").to_string(), lab.https_port("h"));
    let suites = finding(
        &run,
        "tls.suite-enumeration",
        &format!("HTTP {ip}:{http} suites"),
    );
    assert_eq!(suites["status"], "ok", "{suites:#}");
    let enumeration = &suites["enumeration"];
    let tls13 = protocol(enumeration, "TLSv1.3");
    assert_eq!(tls13["status"], "accepted", "{tls13:#}");
    assert_eq!(
        names(&tls13["accepted"]),
        ["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"]
    );
    assert_eq!(tls13["order"], "server");
    let tls12 = protocol(enumeration, "TLSv1.2");
    assert_eq!(
        names(&tls12["accepted"]),
        [
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        ]
    );
    let accepts = finding(
        &run,
        "tls.accepts-tls13",
        &format!("HTTP {ip}:{http} TLSv1.3"),
    );
    assert_eq!(accepts["status"], "ok", "{accepts:#}");

    agrees_with_s_client(&ip, http, tls13);
    agrees_with_s_client(&ip, http, tls12);
    for refused in REFUSED_SAMPLE_TLS13 {
        assert!(names(&tls13["refused"]).iter().any(|n| n == refused));
    }

    // OpenSSL's default groups, no DHE suite, RFC 5746, and TLS 1.2 refused as a
    // fallback from TLS 1.3.
    let subject = |what: &str| format!("HTTP {ip}:{http} {what}");
    for (id, what, observed) in [
        (
            "tls.key-exchange-groups",
            "groups",
            "accepted: TLSv1.2 secp256r1, secp384r1, secp521r1, x25519, x448; TLSv1.3 secp256r1, secp384r1, secp521r1, x25519, x448, ffdhe2048, ffdhe3072, ffdhe4096, ffdhe6144, ffdhe8192",
        ),
        (
            "tls.dh-size",
            "DH group",
            "no DHE suite accepted: no DH group",
        ),
        (
            "tls.secure-renegotiation",
            "renegotiation",
            "TLSv1.2: renegotiation_info in the ServerHello",
        ),
        (
            "tls.fallback-scsv",
            "fallback",
            "TLSv1.2 with TLS_FALLBACK_SCSV (newest accepted: TLSv1.3): alert inappropriate_fallback",
        ),
    ] {
        let f = finding(&run, id, &subject(what));
        assert_eq!(
            (f["status"].as_str(), f["observed"].as_str()),
            (Some("ok"), Some(observed)),
            "{f:#}"
        );
    }
    assert_eq!(enumeration["fallback"]["refused"], true);
    agrees_with_s_client_on_negotiation(&ip, http, enumeration);
    let (completed, printed) = s_client(&ip, http, &["-tls1_2", "-fallback_scsv"]);
    assert!(
        !completed && printed.contains("alert inappropriate fallback"),
        "{printed}"
    );
    agrees_with_sslyze(&ip, http, enumeration);
}

/// R24 with TLS 1.2 and 1.3, ECDHE and DHE suites; then the host's TLS quirks, one
/// pair at a time: a weak curve and a 1024-bit DH group; no RFC 5746; no RFC 7507.
/// Each is found, named, and agrees with `openssl s_client`.
#[test]
fn weak_groups_small_dh_insecure_renegotiation_and_no_fallback_protection_are_found() {
    const TLS: &str = "tls:
  http:
    level: interface
    protocols: [TLSv1.2, TLSv1.3]
    ciphers: [TLS_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_DHE_RSA_WITH_AES_256_GCM_SHA384]
  cti:
    level: interface
    protocols: [TLSv1.2]
    ciphers: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]";
    let lab = lab("enumerate-quirks", Release::R24);
    let (pb, clean) = apply_and_verify(&lab, "R24", TLS);
    clean.exits(0);
    let (ip, http) = (lab.address("h").to_string(), lab.https_port("h"));
    let subject = |what: &str| format!("HTTP {ip}:{http} {what}");
    let dh = finding(&clean, "tls.dh-size", &subject("DH group"));
    assert_eq!(dh["observed"], "2048-bit DH group (TLSv1.2)", "{dh:#}");
    let quirked = |quirks: TlsQuirks| {
        lab.faults(
            "h",
            Faults {
                tls: quirks,
                ..Faults::default()
            },
        );
        lab.xspctl(&["verify", "-f", &pb, "--format", "json"])
    };

    let run = quirked(TlsQuirks {
        groups: Some("P-224:P-256:X25519".into()),
        dh_bits: Some(1024),
        ..TlsQuirks::default()
    });
    run.exits(2);
    let groups = finding(&run, "tls.key-exchange-groups", &subject("groups"));
    assert_eq!(groups["status"], "fail", "{groups:#}");
    assert_eq!(
        groups["observed"],
        "weak groups accepted: TLSv1.2 secp224r1"
    );
    assert!(
        groups["fix"]
            .as_str()
            .unwrap()
            .contains("jdk.tls.namedGroups")
    );
    let dh = finding(&run, "tls.dh-size", &subject("DH group"));
    assert_eq!(dh["status"], "fail", "{dh:#}");
    assert_eq!(dh["observed"], "1024-bit DH group (TLSv1.2)");
    let enumeration =
        finding(&run, "tls.suite-enumeration", &subject("suites"))["enumeration"].clone();
    let accepted: Vec<(String, Vec<String>)> = enumeration["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["protocol"].as_str().unwrap().to_string(),
                names(&g["accepted"]),
            )
        })
        .collect();
    assert_eq!(
        accepted,
        [
            (
                "TLSv1.2".to_string(),
                vec!["secp224r1".to_string(), "secp256r1".into(), "x25519".into()]
            ),
            (
                "TLSv1.3".to_string(),
                vec!["secp256r1".to_string(), "x25519".into()]
            ),
        ]
    );
    agrees_with_s_client_on_negotiation(&ip, http, &enumeration);
    agrees_with_sslyze(&ip, http, &enumeration);

    let run = quirked(TlsQuirks {
        no_secure_renegotiation: true,
        ..TlsQuirks::default()
    });
    run.exits(2);
    let reneg = finding(&run, "tls.secure-renegotiation", &subject("renegotiation"));
    assert_eq!(reneg["status"], "fail", "{reneg:#}");
    assert_eq!(
        reneg["observed"],
        "TLSv1.2: no renegotiation_info in the ServerHello"
    );
    let enumeration =
        finding(&run, "tls.suite-enumeration", &subject("suites"))["enumeration"].clone();
    assert_eq!(enumeration["renegotiation"]["secure"], false);
    let (completed, printed) = s_client(&ip, http, &["-tls1_2"]);
    assert!(
        !completed && printed.contains("unsafe legacy renegotiation disabled"),
        "{printed}"
    );

    let run = quirked(TlsQuirks {
        ignore_fallback_scsv: true,
        ..TlsQuirks::default()
    });
    // A warning: verify still exits 0.
    run.exits(0);
    let fallback = finding(&run, "tls.fallback-scsv", &subject("fallback"));
    assert_eq!(fallback["status"], "warn", "{fallback:#}");
    assert_eq!(
        fallback["observed"],
        "TLSv1.2 with TLS_FALLBACK_SCSV (newest accepted: TLSv1.3): ServerHello with TLSv1.2"
    );
    // s_client gets a TLS 1.2 ServerHello, no alert; it then refuses it itself, by
    // the TLS 1.3 downgrade sentinel in the server random (RFC 8446 §4.1.3).
    let (completed, printed) = s_client(&ip, http, &["-tls1_2", "-fallback_scsv"]);
    assert!(
        !completed && !printed.contains("alert inappropriate fallback"),
        "{printed}"
    );
    assert!(
        printed.contains("ssl_choose_client_version:inappropriate fallback"),
        "{printed}"
    );
}

/// Behind xspctl's back: a weak suite added (accepted outside the configured list
/// and the guide's rule: an error naming it), and the first suite moved last (the
/// server's order is no longer the playbook's: a warning).
#[test]
fn an_unconfigured_suite_fails_and_a_changed_order_warns() {
    let lab = lab("enumerate-drift", Release::R23);
    let (pb, clean) = apply_and_verify(&lab, "R23", R23_TLS);
    clean.exits(0);
    let (ip, http) = (lab.address("h"), lab.https_port("h"));
    lab.bwcli(
        "h",
        &[
            "cd /Interface/Http/HttpServer/SSLSettings/Ciphers",
            &format!("add {ip} {http} TLS_RSA_WITH_AES_128_CBC_SHA"),
            &format!("delete {ip} {http} {}", R23_HTTP_SUITES[0]),
            &format!("add {ip} {http} {}", R23_HTTP_SUITES[0]),
        ],
    );
    let restart = lab.host("h").exec("restartbw");
    assert_eq!(restart.status, 0, "{restart:?}");
    let text = lab.xspctl(&["verify", "-f", &pb]);
    text.exits(2)
        .prints(&format!(
            "FAIL tls.suite-enumeration HTTP {ip}:{http} suites: accepted: TLSv1.2 TLS_RSA_WITH_AES_128_CBC_SHA"
        ))
        .prints("TLSv1.2 TLS_RSA_WITH_AES_128_CBC_SHA: not configured; breaks the guide's cipher rule: key exchange is RSA, not ECDHE or DHE")
        .prints(&format!("WARN tls.server-order HTTP {ip}:{http} suite order: TLSv1.2: "))
        .prints("the host's configuration allows this");
    let json = lab.xspctl(&["verify", "-f", &pb, "--format", "json"]);
    let suites = finding(
        &json,
        "tls.suite-enumeration",
        &format!("HTTP {ip}:{http} suites"),
    );
    let tls12 = protocol(&suites["enumeration"], "TLSv1.2");
    let mut expected: Vec<&str> = R23_HTTP_SUITES[1..].to_vec();
    expected.push("TLS_RSA_WITH_AES_128_CBC_SHA");
    expected.push(R23_HTTP_SUITES[0]);
    assert_eq!(names(&tls12["accepted"]), expected);
    agrees_with_s_client(&ip.to_string(), http, tls12);
}

/// Without TLS in the playbook, a fresh host serves the provider's defaults
/// (docs/decisions.md D2): TLS 1.0 and 1.1 with their CBC-SHA1 suites, TLS 1.2 with
/// all 13, in the defaults' order. The enumeration finds exactly that on both
/// interfaces, flags the suites that break the guide's rule, and agrees with
/// `openssl s_client` and sslyze.
#[test]
fn the_provider_defaults_are_enumerated_on_every_interface() {
    let lab = lab("enumerate-defaults", Release::R23);
    let pb = lab.playbook("pb.yaml", &[("h", "xsp", "R23", "")]);
    let run = lab.xspctl(&["verify", "-f", pb.to_str().unwrap(), "--format", "json"]);
    run.exits(2);
    let defaults: Vec<&str> = xspctl::catalog::provider_defaults(xspctl::catalog::Release::R23)
        .1
        .iter()
        .map(|s| s.iana)
        .collect();
    assert_eq!(defaults.len(), 13);
    // TLS 1.0 and 1.1 have no GCM or SHA-2 suites.
    let legacy: Vec<&str> = defaults
        .iter()
        .copied()
        .filter(|s| s.ends_with("_CBC_SHA"))
        .collect();
    let ip = lab.address("h").to_string();
    for (kind, port) in [("HTTP", lab.https_port("h")), ("CTI", lab.cti_port("h"))] {
        let suites = finding(
            &run,
            "tls.suite-enumeration",
            &format!("{kind} {ip}:{port} suites"),
        );
        assert_eq!(suites["status"], "fail", "{suites:#}");
        let observed = suites["observed"].as_str().unwrap();
        assert!(
            observed.contains("TLSv1.2 TLS_RSA_WITH_AES_128_CBC_SHA"),
            "{observed}"
        );
        assert!(
            !observed.contains("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
            "{observed}"
        );
        let enumeration = &suites["enumeration"];
        assert_eq!(
            names(&protocol(enumeration, "TLSv1.2")["accepted"]),
            defaults
        );
        for p in ["TLSv1", "TLSv1.1"] {
            assert_eq!(names(&protocol(enumeration, p)["accepted"]), legacy, "{p}");
        }
        for p in ["SSLv3", "TLSv1.3"] {
            assert_eq!(protocol(enumeration, p)["status"], "refused", "{p}");
        }
        let order = finding(
            &run,
            "tls.server-order",
            &format!("{kind} {ip}:{port} suite order"),
        );
        assert_eq!(order["status"], "ok", "{order:#}");
        agrees_with_s_client(&ip, port, protocol(enumeration, "TLSv1.2"));
        agrees_with_sslyze(&ip, port, enumeration);
    }
}
