//! Each kind of playbook mistake gets an exact, located diagnostic: file:line:col, what is
//! wrong, how to fix it. Fixtures are in tests/fixtures/playbooks/.
use std::path::Path;

use xspctl::playbook::{Playbook, load, load_str};

const DIR: &str = "tests/fixtures/playbooks";

/// The rendered diagnostics of a fixture that must not load.
fn diagnostics(fixture: &str) -> String {
    let path = Path::new(DIR).join(fixture);
    match load(&path) {
        Ok(_) => panic!("{fixture} loaded, but it has mistakes"),
        Err(e) => e.to_string(),
    }
}

/// The rendered diagnostics of inline playbook text.
fn text_diagnostics(text: &str) -> String {
    match load_str(Path::new("inline.yaml"), text) {
        Ok(_) => panic!("loaded, but it has mistakes:\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn loads(text: &str) -> Playbook {
    load_str(Path::new("inline.yaml"), text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn unknown_key_suggests_the_right_one() {
    assert_eq!(
        diagnostics("unknown_key.yaml"),
        "tests/fixtures/playbooks/unknown_key.yaml:14:11: error: unknown key `ciphres` in `farms[xsp-east].webex.tls.http`\n  help: did you mean `ciphers`?"
    );
}

#[test]
fn unknown_key_without_close_match_lists_the_keys() {
    assert_eq!(
        text_diagnostics("version: 1\nfarms: []\ninventory: {}\n"),
        "inline.yaml:2:8: error: `farms` is an empty list\n  help: list at least one item, or remove the key\n\
         inline.yaml:3:1: error: unknown key `inventory` in the top-level mapping\n  help: expected one of: version, defaults, jump_hosts, farms, verify"
    );
}

#[test]
fn wrong_type_is_named() {
    assert_eq!(
        diagnostics("wrong_type.yaml"),
        "tests/fixtures/playbooks/wrong_type.yaml:8:12: error: `farms[xsp-east].roles` must be a list, not a string\n  help: write `[a, b]`, or one `- item` per line below it"
    );
}

#[test]
fn bad_enum_values_list_the_choices() {
    assert_eq!(
        diagnostics("bad_enum.yaml"),
        "tests/fixtures/playbooks/bad_enum.yaml:6:14: error: `farms[xsp-east].product`: `xps` is not one of: xsp, adp, as\n  help: did you mean `xsp`?\n\
         tests/fixtures/playbooks/bad_enum.yaml:7:14: error: `farms[xsp-east].release`: `R25` is not one of: R21SP1, R21 SP1, R22, R23, R24, ADP\n  help: use one of: R21SP1, R21 SP1, R22, R23, R24, ADP"
    );
}

#[test]
fn bad_addresses_say_why() {
    assert_eq!(
        diagnostics("bad_address.yaml"),
        "tests/fixtures/playbooks/bad_address.yaml:11:18: error: `farms[xsp-east].hosts[xsp1].address`: `192.0.2.300` is not a valid IPv4 address (four numbers 0-255 separated by dots)\n  help: write an IP address (192.0.2.21, 2001:db8::21) or a DNS name (xsp1.example.com)\n\
         tests/fixtures/playbooks/bad_address.yaml:13:18: error: `farms[xsp-east].hosts[xsp2].address`: `xsp_2.example.com` is not a valid DNS name (letters, digits and `-` in dot-separated labels)\n  help: write an IP address (192.0.2.21, 2001:db8::21) or a DNS name (xsp1.example.com)"
    );
}

#[test]
fn bad_port_is_out_of_range() {
    assert_eq!(
        diagnostics("bad_port.yaml"),
        "tests/fixtures/playbooks/bad_port.yaml:12:29: error: `farms[xsp-east].hosts[xsp1].connection.port` is 70000, outside 1-65535\n  help: use a number from 1 to 65535"
    );
}

#[test]
fn duplicate_host_names_point_at_the_first() {
    assert_eq!(
        diagnostics("duplicate_host.yaml"),
        "tests/fixtures/playbooks/duplicate_host.yaml:17:9: error: host name `xsp1` is used twice (first on line 10)\n  help: give each host its own name"
    );
}

#[test]
fn duplicate_farm_names_and_endpoints() {
    let text = "version: 1\ndefaults: { connection: { user: u, agent: true } }\nfarms:\n\
                - { name: f, product: xsp, release: R23, roles: [xsi], hosts: [{ name: a, address: XSP.example.com }] }\n\
                - { name: f, product: xsp, release: R23, roles: [xsi], hosts: [{ name: b, address: xsp.example.com }] }\n";
    assert_eq!(
        text_diagnostics(text),
        "inline.yaml:5:3: error: farm name `f` is used twice (first on line 4)\n  help: give each farm its own name\n\
         inline.yaml:5:64: error: host `b` has the same address and port as host `a` (line 4)\n  help: fix the address or port, or remove one of the two"
    );
}

#[test]
fn dangling_jump_reference_suggests_the_defined_one() {
    assert_eq!(
        diagnostics("dangling_jump.yaml"),
        "tests/fixtures/playbooks/dangling_jump.yaml:3:51: error: `jump: bastoin` names no entry of `jump_hosts`\n  help: did you mean `bastion`?"
    );
}

#[test]
fn jump_host_loops_are_caught() {
    let text = "version: 1\ndefaults: { connection: { user: u, agent: true, jump: a } }\n\
                jump_hosts:\n  a: { address: 192.0.2.1, jump: b }\n  b: { address: 192.0.2.2, jump: a }\n\
                farms:\n- { name: f, product: xsp, release: R23, roles: [xsi], hosts: [{ name: h, address: 192.0.2.3 }] }\n";
    assert_eq!(
        text_diagnostics(text),
        "inline.yaml:5:34: error: jump hosts form a loop: a → b → a\n  help: remove one of the `jump` settings on the way"
    );
}

#[test]
fn inline_secrets_are_refused_without_being_repeated() {
    let out = diagnostics("inline_secret.yaml");
    assert_eq!(
        out,
        "tests/fixtures/playbooks/inline_secret.yaml:5:15: error: `defaults.connection.password` must refer to a secret, not hold it: a playbook holds no secrets\n  help: put the secret in an environment variable and write `password: env:XSP_PASSWORD`, or in a file (mode 600) and write `password: file:/run/secrets/xsp_password`\n\
         tests/fixtures/playbooks/inline_secret.yaml:16:27: error: `farms[xsp-east].hosts[xsp1].connection.key_passphrase` must refer to a secret, not hold it: a playbook holds no secrets\n  help: put the secret in an environment variable and write `key_passphrase: env:XSP_PASSWORD`, or in a file (mode 600) and write `key_passphrase: file:/run/secrets/xsp_password`"
    );
    assert!(!out.contains("Hunter2"));
    assert!(!out.contains("731337"));
}

#[test]
fn openssl_cipher_name_gets_the_iana_name() {
    assert_eq!(
        diagnostics("openssl_cipher.yaml"),
        "tests/fixtures/playbooks/openssl_cipher.yaml:14:21: error: `farms[xsp-east].webex.tls.http.ciphers[0]`: `ECDHE-RSA-AES256-GCM-SHA384` is an OpenSSL cipher name; bwcli takes IANA names (guide A §5.2)\n  help: use TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, the IANA name of ECDHE-RSA-AES256-GCM-SHA384\n\
         tests/fixtures/playbooks/openssl_cipher.yaml:14:50: error: `farms[xsp-east].webex.tls.http.ciphers[1]`: `TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305` is not a complete IANA cipher name\n  help: did you mean TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256? (the solution guide's example drops the last part, guide B §3)"
    );
}

#[test]
fn policy_violating_suites_need_a_waiver() {
    assert_eq!(
        diagnostics("policy_violation.yaml"),
        "tests/fixtures/playbooks/policy_violation.yaml:16:15: error: `webex.tls.http.ciphers`: `TLS_RSA_WITH_AES_256_GCM_SHA384` breaks the solution guide's cipher rule (guide A §5.2): key exchange is RSA, not ECDHE or DHE\n  help: remove it, or accept it in `webex.tls.waivers` with the reason: `- { cipher: TLS_RSA_WITH_AES_256_GCM_SHA384, reason: \"...\" }`\n\
         tests/fixtures/playbooks/policy_violation.yaml:17:15: error: `webex.tls.http.ciphers`: `TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA` breaks the solution guide's cipher rule (guide A §5.2): CBC with a SHA-1 MAC; CBC needs SHA-2 (SHA256, SHA384 or SHA512)\n  help: remove it, or accept it in `webex.tls.waivers` with the reason: `- { cipher: TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, reason: \"...\" }`"
    );
}

#[test]
fn waived_suites_are_accepted_with_their_reasons() {
    let playbook =
        load(&Path::new(DIR).join("policy_waived.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let tls = playbook.hosts[0].webex.tls().unwrap();
    let waived: Vec<(&str, &str)> = tls
        .waivers
        .iter()
        .map(|w| (w.cipher.iana, w.reason.as_str()))
        .collect();
    assert_eq!(
        waived,
        [
            (
                "TLS_RSA_WITH_AES_256_GCM_SHA384",
                "legacy load balancer, CHG-1234"
            ),
            (
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
                "old softphones, CHG-1235"
            ),
        ]
    );
    assert_eq!(tls.http.as_ref().unwrap().ciphers.len(), 3);
}

#[test]
fn needless_repeated_and_unused_waivers_are_refused() {
    let text = "version: 1\ndefaults: { connection: { user: u, agent: true } }\nfarms:\n\
                - name: f\n  product: xsp\n  release: R23\n  roles: [xsi]\n  webex:\n    tls:\n\
                \x20     http: { level: interface, ciphers: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_RSA_WITH_AES_128_CBC_SHA] }\n\
                \x20     waivers:\n\
                \x20       - { cipher: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, reason: r }\n\
                \x20       - { cipher: TLS_RSA_WITH_AES_128_CBC_SHA, reason: r }\n\
                \x20       - { cipher: TLS_RSA_WITH_AES_128_CBC_SHA, reason: r }\n\
                \x20       - { cipher: TLS_RSA_WITH_AES_256_CBC_SHA, reason: r }\n\
                \x20 hosts: [{ name: h, address: 192.0.2.1 }]\n";
    assert_eq!(
        text_diagnostics(text),
        "inline.yaml:12:21: error: `webex.tls.waivers`: `TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384` meets the guide's cipher rule; it needs no waiver\n  help: remove the waiver\n\
         inline.yaml:14:21: error: `webex.tls.waivers`: `TLS_RSA_WITH_AES_128_CBC_SHA` is waived twice\n  help: remove the repeated waiver\n\
         inline.yaml:15:21: error: `webex.tls.waivers`: `TLS_RSA_WITH_AES_256_CBC_SHA` is waived, but no `ciphers` list of this TLS module has it\n  help: remove the waiver, or fix its name"
    );
}

#[test]
fn tls13_before_r24_is_refused() {
    assert_eq!(
        diagnostics("tls13_on_r23.yaml"),
        "tests/fixtures/playbooks/tls13_on_r23.yaml:13:32: error: `webex.tls.http.protocols`: TLSv1.3 is not available on R23; xspctl accepts it on R24 and ADP only (docs/decisions.md D3)\n  help: remove TLSv1.3\n\
         tests/fixtures/playbooks/tls13_on_r23.yaml:14:60: error: `webex.tls.http.ciphers`: `TLS_AES_256_GCM_SHA384` is a TLS 1.3 suite, and R23 has no TLS 1.3 (docs/decisions.md D3)\n  help: remove it"
    );
}

#[test]
fn levels_must_exist_on_the_release() {
    assert_eq!(
        diagnostics("level_mismatch.yaml"),
        "tests/fixtures/playbooks/level_mismatch.yaml:12:18: error: `webex.tls.http.level`: `interface` does not exist on R21 SP1, which sets TLS through container options only (solution guide B §3, §5.4; docs/decisions.md D4)\n  help: use `level: container-options`\n\
         tests/fixtures/playbooks/level_mismatch.yaml:24:18: error: `webex.tls.cti.level`: `container-options` is how R21 SP1 sets TLS; R22 has the SSL settings hierarchy (docs/decisions.md D4)\n  help: use `interface`, `interface-type`, `system-openssl` or `system-jsse`"
    );
}

#[test]
fn host_release_override_is_checked_against_the_level() {
    // The farm is R21 SP1 with container options; one host was upgraded to R22.
    let text = "version: 1\ndefaults: { connection: { user: u, agent: true } }\nfarms:\n\
                - name: f\n  product: xsp\n  release: R21SP1\n  roles: [xsi]\n\
                \x20 webex: { tls: { http: { level: container-options, protocols: [TLSv1.2] } } }\n\
                \x20 hosts:\n  - { name: old, address: 192.0.2.1 }\n  - { name: new, address: 192.0.2.2, release: R22 }\n";
    assert_eq!(
        text_diagnostics(text),
        "inline.yaml:8:34: error: `webex.tls.http.level`: `container-options` is how R21 SP1 sets TLS; R22 has the SSL settings hierarchy (docs/decisions.md D4)\n  help: use `interface`, `interface-type`, `system-openssl` or `system-jsse`"
    );
}

#[test]
fn tls_module_on_an_as_is_refused() {
    assert_eq!(
        diagnostics("tls_on_as.yaml"),
        "tests/fixtures/playbooks/tls_on_as.yaml:10:7: error: the `tls` module is for XSP and ADP hosts, but farm `as-east` is an AS farm\n  help: remove `webex.tls` for this farm (the TLS contexts are XSP/ADP CLI contexts, solution guide B §3); if it comes from `defaults`, move it to the XSP and ADP farms"
    );
}

#[test]
fn nps_must_be_alone() {
    assert_eq!(
        diagnostics("nps_colocated.yaml"),
        "tests/fixtures/playbooks/nps_colocated.yaml:8:18: error: farm `xsp-east`: NPS must not be co-located with other applications (solution guide A §3.4; B §0)\n  help: put `nps` in a farm of its own: a dedicated NPS XSP or ADP"
    );
}

#[test]
fn roles_must_fit_the_product_and_each_other() {
    let text = "version: 1\ndefaults: { connection: { user: u, agent: true } }\nfarms:\n\
                - { name: a, product: as, release: R23, roles: [as, xsi], hosts: [{ name: a1, address: 192.0.2.1 }] }\n\
                - { name: x, product: xsp, release: R23, roles: [as, authservice, callsettings], hosts: [{ name: x1, address: 192.0.2.2 }] }\n\
                - { name: n, product: xsp, release: R21SP1, roles: [nps], hosts: [{ name: n1, address: 192.0.2.3 }] }\n\
                - { name: d, product: adp, release: R24, roles: [xsi], hosts: [{ name: d1, address: 192.0.2.4 }] }\n\
                - { name: e, product: xsp, release: ADP, roles: [xsi], hosts: [{ name: e1, address: 192.0.2.5 }] }\n";
    assert_eq!(
        text_diagnostics(text),
        "inline.yaml:4:53: error: farm `a` is an AS farm, and `xsi` runs on XSP or ADP\n  help: give the AS farm `roles: [as]`, and put the XSP roles in an XSP or ADP farm\n\
         inline.yaml:5:50: error: role `as` is the Application Server's, but farm `x` is product XSP\n  help: remove `as`, or set `product: as` for an AS farm\n\
         inline.yaml:5:54: error: farm `x`: AuthService must run with Xsi, which accepts the tokens it validates (solution guide A §3.4)\n  help: add `xsi` to the roles\n\
         inline.yaml:5:67: error: farm `x`: Call Settings Webview must run on the XSPs that host Xsi-Actions (solution guide B §6)\n  help: add `xsi` to the roles\n\
         inline.yaml:6:37: error: farm `n`: the NPS server for Webex needs R22 or later, not R21 SP1 (solution guide A §2)\n  help: run NPS on an R22+ XSP or an ADP\n\
         inline.yaml:7:37: error: farm `d` is product adp, which runs release ADP, not R24\n  help: set `release: ADP`, or `product: xsp` for an XSP\n\
         inline.yaml:8:37: error: release ADP is the Application Delivery Platform's, but farm `e` is product XSP\n  help: set `product: adp`, or the release the host runs (R21SP1, R22, R23, R24)"
    );
}

#[test]
fn tls_settings_must_make_sense_for_webex() {
    let text = "version: 1\ndefaults: { connection: { user: u, agent: true } }\nfarms:\n\
                - name: f\n  product: xsp\n  release: R23\n  roles: [xsi, cti]\n  webex:\n    tls:\n\
                \x20     http: { level: interface, protocols: [TLSv1.1], ciphers: [TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384] }\n\
                \x20     cti: { level: interface, interfaces: [{ ip: 192.0.2.1, port: 8012 }] }\n\
                \x20 hosts: [{ name: h, address: 192.0.2.1 }]\n";
    assert_eq!(
        text_diagnostics(text),
        "inline.yaml:10:44: error: `webex.tls.http.protocols` lacks TLSv1.2, the version Webex connects with (solution guide A §5.2; B §3, §5.4)\n  help: add TLSv1.2\n\
         inline.yaml:10:64: error: `webex.tls.http.ciphers` has no suite that Webex supports (solution guide A §5.3; B §3, §5.5)\n  help: add one that also meets the guide's rule, e.g. TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\n\
         inline.yaml:10:65: error: `webex.tls.http.ciphers`: `TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384` breaks the solution guide's cipher rule (guide A §5.2): cipher is ARIA, not AES\n  help: remove it, or accept it in `webex.tls.waivers` with the reason: `- { cipher: TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384, reason: \"...\" }`\n\
         inline.yaml:11:12: error: `webex.tls.cti` sets neither `protocols` nor `ciphers`\n  help: add `protocols: [TLSv1.2]` and/or `ciphers: [...]`, or remove it\n\
         inline.yaml:11:68: error: `webex.tls.cti.interfaces`: CTI interfaces are chosen by IP address only (solution guide B §5.4)\n  help: remove `port`"
    );
}

#[test]
fn container_options_cannot_narrow_interfaces() {
    let text = "version: 1\ndefaults: { connection: { user: u, agent: true } }\nfarms:\n\
                - name: f\n  product: xsp\n  release: R21 SP1\n  roles: [xsi]\n\
                \x20 webex: { tls: { http: { level: container-options, protocols: [TLSv1.2], interfaces: [{ ip: 192.0.2.1 }] } } }\n\
                \x20 hosts: [{ name: h, address: 192.0.2.1 }]\n";
    assert_eq!(
        text_diagnostics(text),
        "inline.yaml:8:87: error: `webex.tls.http.interfaces` cannot be used with `level: container-options`: container options apply to every interface (docs/decisions.md D4)\n  help: remove `interfaces`"
    );
}

#[test]
fn missing_required_keys_are_named_with_an_example() {
    assert_eq!(
        diagnostics("missing_key.yaml"),
        "tests/fixtures/playbooks/missing_key.yaml:5:5: error: missing key `release` in `farms[xsp-east]`\n  help: add `release: R23` (the BroadWorks release: R21SP1 (or \"R21 SP1\"), R22, R23, R24 or ADP)\n\
         tests/fixtures/playbooks/missing_key.yaml:9:9: error: missing key `address` in `farms[xsp-east].hosts[xsp1]`\n  help: add `address: 192.0.2.21` (the SSH address: an IP address or a DNS name)"
    );
}

#[test]
fn required_keys_inside_inherited_layers_are_checked_after_merging() {
    // `level` may come from the farm; a host adding only `interfaces` is fine...
    let ok = "version: 1\ndefaults: { connection: { user: u, agent: true } }\nfarms:\n\
              - name: f\n  product: xsp\n  release: R23\n  roles: [xsi]\n\
              \x20 webex: { tls: { http: { level: interface, protocols: [TLSv1.2] } } }\n\
              \x20 hosts: [{ name: h, address: 192.0.2.1, webex: { tls: { http: { interfaces: [{ ip: 192.0.2.1 }] } } } }]\n";
    assert_eq!(loads(ok).hosts.len(), 1);
    // ...but if no layer sets it, it is missing.
    let missing = ok.replace("level: interface, ", "");
    assert_eq!(
        text_diagnostics(&missing),
        "inline.yaml:8:25: error: missing key `level` in `webex.tls.http`\n  help: add `level: interface` (where the lists are set: interface, interface-type, system-openssl or system-jsse on R22 and later; container-options on R21 SP1 (the only level there))"
    );
}

#[test]
fn connection_needs_a_user_and_a_way_to_log_in() {
    let text = "version: 1\nfarms:\n\
                - { name: f, product: xsp, release: R23, roles: [xsi], hosts: [{ name: h, address: 192.0.2.1, connection: { key_passphrase: env:P, connect_timeout: 0s } }] }\n";
    assert_eq!(
        text_diagnostics(text),
        "inline.yaml:3:64: error: no SSH user for host `h`\n  help: set `user` (e.g. `user: bwadmin`) in `defaults.connection`, or in the farm's or the host's `connection`, or `User` for this host in ~/.ssh/config\n\
         inline.yaml:3:125: error: `key_passphrase` of host `h` has no `key_file` to unlock\n  help: add `key_file`, or remove `key_passphrase`\n\
         inline.yaml:3:149: error: `connect_timeout` of host `h` is zero, so every connection would time out at once\n  help: use a positive duration, e.g. `10s`"
    );
    let text = "version: 1\nfarms:\n- { name: f, product: xsp, release: R23, roles: [xsi], hosts: [{ name: h, address: 192.0.2.1, connection: { user: u } }] }\n";
    assert_eq!(
        text_diagnostics(text),
        "inline.yaml:3:64: error: no way to log in to host `h`\n  help: set `key_file`, `agent: true` or `password: env:NAME` in `defaults.connection`, or in the farm's or the host's `connection`, or `IdentityFile` for this host in ~/.ssh/config"
    );
}

#[test]
fn yaml_syntax_errors_are_located() {
    assert_eq!(
        diagnostics("yaml_syntax.yaml"),
        "tests/fixtures/playbooks/yaml_syntax.yaml:5:4: error: YAML syntax: while parsing a block collection, did not find expected '-' indicator\n  help: check the indentation here and on the line above (spaces, not tabs): keys of one mapping, and the `- ` of one list, line up"
    );
}

#[test]
fn empty_and_unreadable_files() {
    assert_eq!(
        text_diagnostics("# nothing yet\n"),
        "inline.yaml:1:1: error: the playbook is empty\n  help: start with `version: 1` and a `farms:` list (see docs/playbook.md)"
    );
    let e = load(Path::new("tests/fixtures/playbooks/no-such-file.yaml")).unwrap_err();
    assert_eq!(e.diagnostics.len(), 1);
    assert_eq!(e.diagnostics[0].line, 0);
    assert!(
        e.to_string().starts_with(
            "tests/fixtures/playbooks/no-such-file.yaml: error: cannot read the playbook: "
        ),
        "{e}"
    );
}

#[test]
fn only_regular_files_are_read_as_playbooks() {
    let e = load(Path::new("/dev/zero")).unwrap_err().to_string();
    assert_eq!(
        e,
        "/dev/zero: error: cannot read the playbook: it is a device, not a regular file\n  help: give `-f` the path of a playbook file (YAML)"
    );
    let e = load(Path::new(DIR)).unwrap_err().to_string();
    assert!(e.contains("it is a directory, not a regular file"), "{e}");

    // A FIFO is refused without opening it (opening would wait for a writer).
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pb.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let (tx, rx) = std::sync::mpsc::channel();
    let path = fifo.clone();
    std::thread::spawn(move || {
        let _ = tx.send(load(&path).map(|_| ()).map_err(|e| e.to_string()));
    });
    // Bounded wait; on a hang, a writer unblocks the reader so the test ends.
    let got = rx.recv_timeout(std::time::Duration::from_secs(60));
    if got.is_err() {
        let _ = std::fs::write(&fifo, "");
    }
    let e = got.expect("loading a FIFO returned").unwrap_err();
    assert!(e.contains("it is a FIFO, not a regular file"), "{e}");
}

/// A missing or mistyped key does not hide the rules that do not depend on it.
#[test]
fn rule_errors_and_type_errors_are_reported_together() {
    let e = text_diagnostics(
        "version: 1
defaults:
  connection: { user: bwadmin, agent: true }
farms:
  - name: b
    product: xsp
    release: R23
    roles: [xsi]
    webex:
      tls:
        http: { protocols: [TLSv1.1] }
        cti: { level: 3, protocols: [TLSv1.1] }
    hosts:
      - { name: h, address: 192.0.2.1 }
",
    );
    for wanted in [
        "inline.yaml:11:15: error: missing key `level` in `webex.tls.http`",
        "inline.yaml:11:28: error: `webex.tls.http.protocols` lacks TLSv1.2",
        "inline.yaml:12:23: error: `farms[b].webex.tls.cti.level` must be one of",
        "inline.yaml:12:37: error: `webex.tls.cti.protocols` lacks TLSv1.2",
    ] {
        assert!(e.contains(wanted), "lacks {wanted:?}:\n{e}");
    }
}

#[test]
fn a_tab_in_the_indentation_is_reported_on_its_own_line() {
    assert_eq!(
        text_diagnostics("version: 1\nfarms:\n  - name: f\n\tproduct: xsp\n"),
        "inline.yaml:4:1: error: YAML syntax: a tab is used for indentation\n  help: indent with spaces only; replace the tab"
    );
}

#[test]
fn yaml_syntax_errors_get_a_hint_that_fits() {
    assert_eq!(
        text_diagnostics("version: 1\nfarms:\n  - name: f\n    product: xsp\n    name: g\n"),
        "inline.yaml:5:5: error: YAML syntax: the key `name` appears twice in one mapping (first on line 3)\n  help: keep one of them: a mapping holds each key once"
    );
    assert_eq!(
        text_diagnostics("version: 1\nfarms: []\nversion: 1\n"),
        "inline.yaml:3:1: error: YAML syntax: the key `version` appears twice in one mapping (first on line 1)\n  help: keep one of them: a mapping holds each key once"
    );
    let unclosed = text_diagnostics("version: 1\nfarms: [a, b\n");
    assert!(
        unclosed.contains("help: a `[...]` list needs commas"),
        "{unclosed}"
    );
    let quote = text_diagnostics("version: 1\nfarms: \"abc\n");
    assert!(
        quote.contains("help: a quoted value needs its closing quote"),
        "{quote}"
    );
    assert!(!quote.contains("indentation"), "{quote}");
}

#[test]
fn a_duration_without_unit_is_told_to_add_one() {
    let e = text_diagnostics(
        "version: 1\nfarms:\n  - { name: f, product: xsp, release: R23, roles: [xsi], hosts: [{ name: h, address: 192.0.2.1, connection: { command_timeout: 30 } }] }\n",
    );
    assert!(
        e.contains("`30` has no unit\n  help: write a number with a unit, e.g. `30s`"),
        "{e}"
    );
    assert!(!e.contains("quote it"), "{e}");
}

#[test]
fn several_mistakes_are_all_reported_in_file_order() {
    assert_eq!(
        diagnostics("several_mistakes.yaml"),
        "tests/fixtures/playbooks/several_mistakes.yaml:1:10: error: `version` must be 1, not 2\n  help: this xspctl reads version 1 playbooks; write `1`\n\
         tests/fixtures/playbooks/several_mistakes.yaml:5:5: error: unknown key `pasword` in `defaults.connection`\n  help: did you mean `password`?\n\
         tests/fixtures/playbooks/several_mistakes.yaml:10:18: error: `farms[xsp-east].roles` lists `xsi` twice\n  help: remove the repeated item\n\
         tests/fixtures/playbooks/several_mistakes.yaml:16:21: error: `webex.tls.http.ciphers`: `TLS_RSA_WITH_AES_128_CBC_SHA` breaks the solution guide's cipher rule (guide A §5.2): key exchange is RSA, not ECDHE or DHE; CBC with a SHA-1 MAC; CBC needs SHA-2 (SHA256, SHA384 or SHA512)\n  help: remove it, or accept it in `webex.tls.waivers` with the reason: `- { cipher: TLS_RSA_WITH_AES_128_CBC_SHA, reason: \"...\" }`\n\
         tests/fixtures/playbooks/several_mistakes.yaml:20:29: error: `farms[xsp-east].hosts[xsp1].connection.port` must be a whole number, not a string\n  help: write a number without quotes, e.g. `22`\n\
         tests/fixtures/playbooks/several_mistakes.yaml:20:52: error: `farms[xsp-east].hosts[xsp1].connection.connect_timeout`: `10` has no unit\n  help: write a number with a unit, e.g. `10s` (also `500ms`, `2m`, `1h`, `1m30s`)"
    );
    let e = load(&Path::new(DIR).join("several_mistakes.yaml")).unwrap_err();
    assert_eq!(e.diagnostics.len(), 6);
    assert_eq!((e.diagnostics[1].line, e.diagnostics[1].col), (5, 5));
    assert_eq!(
        e.diagnostics[1].help.as_deref(),
        Some("did you mean `password`?")
    );
}

#[test]
fn a_setting_inherited_by_many_hosts_is_reported_once() {
    let text = "version: 1\ndefaults:\n  connection: { user: u, agent: true }\n  webex: { tls: { http: { level: interface, protocols: [TLSv1.3] } } }\nfarms:\n\
                - { name: f, product: xsp, release: R23, roles: [xsi], hosts: [{ name: a, address: 192.0.2.1 }, { name: b, address: 192.0.2.2 }] }\n";
    assert_eq!(
        text_diagnostics(text),
        "inline.yaml:4:57: error: `webex.tls.http.protocols`: TLSv1.3 is not available on R23; xspctl accepts it on R24 and ADP only (docs/decisions.md D3)\n  help: remove TLSv1.3"
    );
}

#[test]
fn yaml_merge_keys_point_to_defaults() {
    let text = "version: 1\nfarms:\n- name: f\n  <<: {}\n";
    let out = text_diagnostics(text);
    assert!(
        out.contains("inline.yaml:4:3: error: unknown key `<<` in `farms[f]`\n  help: YAML merge keys are not supported; put shared settings in `defaults`, which every farm and host inherits"),
        "{out}"
    );
}

#[test]
fn a_key_in_the_wrong_place_says_where_it_belongs() {
    let text = "version: 1\ndefaults: { connection: { user: u, agent: true } }\nfarms:\n\
                - name: f\n  product: xsp\n  release: R23\n  roles: [xsi]\n\
                \x20 hosts: [{ name: h, roles: [xsi], connection: { address: 192.0.2.1 } }]\n";
    assert_eq!(
        text_diagnostics(text),
        "inline.yaml:8:11: error: missing key `address` in `farms[f].hosts[h]`\n  help: add `address: 192.0.2.21` (the SSH address: an IP address or a DNS name)\n\
         inline.yaml:8:22: error: unknown key `roles` in `farms[f].hosts[h]`\n  help: `roles` is a key of farm, not of host; expected one of: name, address, release, fqdn, connection, webex\n\
         inline.yaml:8:50: error: unknown key `address` in `farms[f].hosts[h].connection`\n  help: `address` is a key of host and jump_host, not of connection; expected one of: port, user, key_file, key_passphrase, agent, password, known_hosts, jump, connect_timeout, command_timeout, keepalive"
    );
}

#[test]
fn a_module_outside_its_scope_is_refused_where_it_is_set() {
    let text = "version: 1\ndefaults: { connection: { user: u, agent: true } }\nfarms:\n\
                - name: nps\n  product: xsp\n  release: R23\n  roles: [nps]\n\
                \x20 webex: { xsi_events: {}, directory_sync: { default_page_size: 20 } }\n\
                \x20 hosts: [{ name: n, address: 192.0.2.1 }]\n\
                - name: as\n  product: as\n  release: R23\n  roles: [as]\n\
                \x20 webex: { allow_client_app: true }\n\
                \x20 hosts: [{ name: a, address: 192.0.2.2 }]\n\
                - name: xsp\n  product: xsp\n  release: R23\n  roles: [xsi]\n\
                \x20 webex: { directory_sync: { default_page_size: 200, max_page_size: 100 } }\n\
                \x20 hosts: [{ name: x, address: 192.0.2.3 }]\n";
    assert_eq!(
        text_diagnostics(text),
        "inline.yaml:8:12: error: the `xsi_events` module is for hosts with role `xsi`, but farm `nps` does not have it\n  help: add `xsi` to the farm's roles, or remove `webex.xsi_events` for this farm (Xsi-Events runs on the XSPs and ADPs that serve Xsi, solution guide A §6); if it comes from `defaults`, move it to the `xsi` farms\n\
         inline.yaml:8:28: error: the `directory_sync` module is for hosts with role `xsi`, but farm `nps` does not have it\n  help: add `xsi` to the farm's roles, or remove `webex.directory_sync` for this farm (directory sync reads users through Xsi-Actions on the XSPs and ADPs, solution guide B §10); if it comes from `defaults`, move it to the `xsi` farms\n\
         inline.yaml:14:12: error: the `allow_client_app` module is for XSP and ADP hosts, but farm `as` is an AS farm\n  help: remove `webex.allow_client_app` for this farm (certificate authentication is an XSP/ADP CLI context, solution guide B §5.6); if it comes from `defaults`, move it to the XSP and ADP farms\n\
         inline.yaml:20:49: error: `webex.directory_sync.default_page_size` (200) is larger than `max_page_size` (100)\n  help: the guide's values are 50 and 100 (solution guide B §10)"
    );
}

#[test]
fn a_guide_minimum_cannot_be_lowered_in_the_playbook() {
    let text = "version: 1\ndefaults: { connection: { user: u, agent: true } }\nfarms:\n\
                - name: xsp\n  product: xsp\n  release: R23\n  roles: [xsi]\n\
                \x20 webex: { xsi_events: { event_queue_size: 1000 } }\n\
                \x20 hosts: [{ name: x, address: 192.0.2.3 }]\n";
    assert_eq!(
        text_diagnostics(text),
        "inline.yaml:8:44: error: `farms[xsp].webex.xsi_events.event_queue_size` is 1000, outside 2000-100000\n  help: use a number from 2000 to 100000"
    );
}

#[test]
fn verify_dns_and_reach_entries_are_located_and_read() {
    let hosts = "farms:\n  - name: f\n    product: xsp\n    release: R23\n    roles: [xsi]\n    hosts:\n      - { name: x1, address: 192.0.2.21, fqdn: X1.Example.COM., connection: { user: bw, agent: true } }\n";
    let e = text_diagnostics(&format!(
        "version: 1\nverify:\n  dns:\n    resolvers: [192.0.2.53:53, ns.example.com]\n  reach:\n    outbound: [\"idbroker.webex.com:443\", \"a;rm -rf /:443\", \"nohost\"]\n{hosts}"
    ));
    assert!(
        e.contains("inline.yaml:4:32: error: `verify.dns.resolvers`: `ns.example.com` is not `address:port`"),
        "{e}"
    );
    assert!(
        e.contains(
            "inline.yaml:6:42: error: `verify.reach.outbound`: `a;rm -rf /:443` is not `host:port`"
        ),
        "{e}"
    );
    assert!(
        e.contains("inline.yaml:6:60: error: `verify.reach.outbound`: `nohost` is not `host:port`"),
        "{e}"
    );
    let e = text_diagnostics(&format!(
        "version: 1\nverify:\n  reach:\n    region: mars\n{hosts}"
    ));
    assert!(e.contains("inline.yaml:4:13: error:"), "{e}");
    assert!(e.contains("emea"), "{e}");

    let pb = loads(&format!(
        "version: 1\nverify:\n  dns:\n    resolvers: [\"192.0.2.53:53\", \"[2001:db8::53]:5353\"]\n    xsi_srv_domains: [XSP.example.com.]\n  reach:\n    region: us\n    outbound: [\"[2001:db8::1]:443\"]\n{hosts}"
    ));
    assert_eq!(pb.hosts[0].fqdn.as_deref(), Some("x1.example.com"));
    assert_eq!(
        pb.verify.dns.resolvers,
        [
            "192.0.2.53:53".parse().unwrap(),
            "[2001:db8::53]:5353".parse().unwrap()
        ]
    );
    assert_eq!(pb.verify.dns.xsi_srv_domains, ["xsp.example.com"]);
    assert_eq!(pb.verify.reach.region.as_deref(), Some("us"));
    assert_eq!(
        pb.verify.reach.outbound,
        Some(vec![("2001:db8::1".to_string(), 443)])
    );
}
