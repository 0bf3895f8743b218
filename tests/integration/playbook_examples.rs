//! The example playbooks (one per release) load, and resolve as documented.
use std::path::{Path, PathBuf};
use std::time::Duration;

use xspctl::catalog::{Product, Release, TlsProtocol};
use xspctl::playbook::{Auth, Playbook, Role, SecretRef, TlsLevel, load};

fn example(name: &str) -> Playbook {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("playbooks/examples")
        .join(name);
    match load(&path) {
        Ok(p) => p,
        Err(e) => panic!("{name} does not load:\n{e}"),
    }
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks/examples")
}

#[test]
fn every_release_has_a_valid_example() {
    for (file, release) in [
        ("r21sp1.yaml", Release::R21Sp1),
        ("r22.yaml", Release::R22),
        ("r23.yaml", Release::R23),
        ("r24.yaml", Release::R24),
        ("adp.yaml", Release::Adp),
    ] {
        let playbook = example(file);
        assert!(
            playbook.hosts.iter().any(|h| h.release == release),
            "{file} has no {release} host"
        );
    }
}

#[test]
fn r23_example_resolves_inheritance_jump_and_waivers() {
    let p = example("r23.yaml");
    let names: Vec<&str> = p.hosts.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["xsp1", "xsp2", "nps1", "as1", "as2"]);
    let farms: Vec<(&str, usize)> = p
        .farms
        .iter()
        .map(|f| (f.name.as_str(), f.hosts.len()))
        .collect();
    assert_eq!(farms, [("xsp-east", 2), ("nps-east", 1), ("as-east", 2)]);

    let xsp1 = &p.hosts[0];
    assert_eq!(xsp1.product, Product::Xsp);
    assert_eq!(
        xsp1.roles.iter().copied().collect::<Vec<_>>(),
        [
            Role::Xsi,
            Role::AuthService,
            Role::Cti,
            Role::Dms,
            Role::CallSettings
        ]
    );
    let c = &xsp1.connection;
    assert_eq!(
        (c.address.as_str(), c.port, c.user.as_str()),
        ("192.0.2.21", 22, "bwadmin")
    );
    let home = PathBuf::from(std::env::var("HOME").unwrap());
    assert_eq!(
        c.auth,
        [
            Auth::KeyFile {
                path: home.join(".ssh/id_ed25519"),
                passphrase: None
            },
            Auth::Password(SecretRef::env("XSP_PASSWORD")),
        ]
    );
    assert_eq!(c.known_hosts, home.join(".ssh/known_hosts"));
    assert_eq!(c.connect_timeout, Duration::from_secs(10));
    assert_eq!(c.command_timeout, Duration::from_secs(30));
    assert_eq!(c.keepalive, Duration::from_secs(15));
    let jump = c.jump.as_deref().expect("through the bastion");
    assert_eq!(
        (jump.address.as_str(), jump.user.as_str(), jump.port),
        ("bastion.example.com", "ops", 22)
    );
    assert!(jump.jump.is_none(), "a jump host does not inherit `jump`");
    // The jump host inherits the password reference from defaults.
    assert!(
        jump.auth
            .contains(&Auth::Password(SecretRef::env("XSP_PASSWORD")))
    );

    let tls = xsp1.webex.tls().expect("tls");
    let http = tls.http.as_ref().unwrap();
    assert_eq!(http.level, TlsLevel::Interface);
    assert_eq!(http.protocols, [TlsProtocol::Tls1_2]);
    let ciphers: Vec<&str> = http.ciphers.iter().map(|s| s.iana).collect();
    assert_eq!(
        ciphers,
        [
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_RSA_WITH_AES_256_GCM_SHA384"
        ]
    );
    let interfaces = http.interfaces.as_ref().unwrap();
    assert_eq!(interfaces.len(), 1);
    assert_eq!(
        (interfaces[0].ip.to_string(), interfaces[0].port),
        ("192.0.2.21".to_string(), Some(443))
    );
    assert_eq!(tls.waivers.len(), 1);
    assert_eq!(
        tls.waivers[0].cipher.iana,
        "TLS_RSA_WITH_AES_256_GCM_SHA384"
    );

    let xsp2 = &p.hosts[1];
    assert_eq!(xsp2.connection.port, 2222);
    assert_eq!(
        xsp2.webex
            .tls()
            .as_ref()
            .unwrap()
            .http
            .as_ref()
            .unwrap()
            .interfaces,
        None
    );
    assert!(
        p.hosts[3].webex.tls().is_none(),
        "the AS farm has no TLS module"
    );
    let keys =
        |h: &xspctl::playbook::Host| h.webex.configured().map(|(k, _)| k).collect::<Vec<_>>();
    assert_eq!(
        keys(xsp1),
        ["tls", "xsi_events", "directory_sync", "allow_client_app"]
    );
    assert_eq!(
        keys(&p.hosts[3]),
        ["cti_client_identity", "flowthrough", "patches"]
    );
    assert_eq!(xsp1.location.line, 51);
    assert_eq!(
        xsp1.location.to_string(),
        format!("{}:51:9", examples_dir().join("r23.yaml").display())
    );
}

#[test]
fn relative_paths_start_at_the_playbook_directory() {
    let p = example("adp.yaml");
    let c = &p.hosts[0].connection;
    assert_eq!(c.known_hosts, examples_dir().join("known_hosts"));
    assert_eq!(
        c.auth,
        [Auth::Password(SecretRef::file(
            examples_dir().join("secrets/adp_password")
        ))]
    );
    let p = example("r22.yaml");
    let c = &p.hosts[0].connection;
    assert_eq!(
        c.auth,
        [Auth::KeyFile {
            path: examples_dir().join("keys/xsp_ed25519"),
            passphrase: Some(SecretRef::file("/run/secrets/xsp_key_passphrase")),
        }]
    );
}

/// `playbooks/examples/` shows each Webex application module (issue #10) on every
/// server type and release it applies to (its scope: docs/modules.md).
#[test]
fn every_application_module_is_shown_for_every_release_it_applies_to() {
    use Product::{Adp, As, Xsp};
    use Release::{Adp as AdpRelease, R21Sp1, R22, R23, R24};
    let bw = [R21Sp1, R22, R23, R24];
    let on = |product: Product, releases: &[Release]| {
        releases
            .iter()
            .map(move |r| (product, *r))
            .collect::<Vec<_>>()
    };
    let wanted: [(&str, Vec<(Product, Release)>); 5] = [
        // guide B §2.1: CI tokens R22+, mTLS on R21 SP1; XSP and ADP.
        (
            "authservice",
            [on(Xsp, &bw), on(Adp, &[AdpRelease])].concat(),
        ),
        // guide B §7.2, guide A §2: the NPS host runs R22 or later, or ADP.
        (
            "nps_proxy",
            [on(Xsp, &[R22, R23, R24]), on(Adp, &[AdpRelease])].concat(),
        ),
        // guide B §7.3 step 8: every AS.
        ("nps_allowed_applications", on(As, &bw)),
        // guide B §9.3-§9.5: every AS.
        ("flowthrough", on(As, &bw)),
        // guide B §17: every server type.
        (
            "patches",
            [on(Xsp, &bw), on(Adp, &[AdpRelease]), on(As, &bw)].concat(),
        ),
    ];
    let mut shown = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(examples_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let playbook = example(path.file_name().unwrap().to_str().unwrap());
        for h in &playbook.hosts {
            for (key, _) in h.webex.configured() {
                shown.insert((key.to_string(), format!("{} {}", h.product, h.release)));
            }
        }
    }
    let mut missing = Vec::new();
    for (module, places) in wanted {
        for (product, release) in places {
            let place = format!("{product} {release}");
            if !shown.contains(&(module.to_string(), place.clone())) {
                missing.push(format!("{module} on {place}"));
            }
        }
    }
    assert!(missing.is_empty(), "no example shows {missing:?}");
}
