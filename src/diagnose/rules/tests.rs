use super::*;
use crate::desired::ContextRef;
use crate::diagnose::evidence::{HostFacts, Unreadable};

fn host(release: &str, roles: &[&str]) -> HostEvidence {
    HostEvidence {
        facts: HostFacts {
            name: "h".into(),
            farm: "f".into(),
            product: "xsp".into(),
            release: release.into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            version: None,
            authservice_keys_sha256: None,
            errors: Vec::new(),
        },
        snapshot: Snapshot::default(),
        findings: Vec::new(),
        patches: None,
    }
}

fn put(h: &mut HostEvidence, context: &str, content: LiveContext) {
    h.snapshot.read.contexts.insert(
        ContextRef {
            context: context.into(),
            args: vec![],
        },
        content,
    );
}

fn table(headers: &[&str], rows: &[&[&str]]) -> LiveContext {
    LiveContext::Table {
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows: rows
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect(),
    }
}

fn rule(id: &str) -> Rule {
    crate::diagnose::rule_set()
        .unwrap()
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no rule {id}"))
        .clone()
}

fn outcome(rule: &Rule, h: &HostEvidence) -> Outcome {
    let mut ev = Evidence::new();
    ev.insert(h.facts.name.clone(), h.clone());
    let r = evaluate(std::slice::from_ref(rule), &ev);
    assert_eq!(r.len(), 1, "{r:?}");
    r[0].outcome.clone()
}

#[test]
fn the_shipped_rules_load_and_each_names_its_fix_and_source() {
    let rules = crate::diagnose::rule_set().unwrap();
    assert!(rules.len() >= 10, "{}", rules.len());
    for r in rules {
        assert!(r.id.starts_with("DX-"), "{}", r.id);
        assert!(
            !r.fix.trim().is_empty() && !r.source.trim().is_empty(),
            "{}",
            r.id
        );
        assert!(!r.covers.is_empty(), "{}: covers nothing", r.id);
    }
}

#[test]
fn a_finding_query_fires_on_its_verdict_and_subject_only() {
    let r = rule("DX-TLS-OLD-PROTOCOL");
    let mut h = host("R22", &[]);
    let finding = |subject: &str, status: &str| FindingRecord {
        id: "tls.refuses-protocol".into(),
        status: status.into(),
        host: "h".into(),
        subject: subject.into(),
        observed: "accepted".into(),
    };
    h.findings = vec![finding("HTTP 10.0.0.1:443 TLSv1", "ok")];
    assert_eq!(outcome(&r, &h), Outcome::Clear);
    h.findings
        .push(finding("HTTP 10.0.0.1:443 TLSv1.3", "fail"));
    assert_eq!(outcome(&r, &h), Outcome::Clear);
    h.findings
        .push(finding("CTI 10.0.0.1:8012 TLSv1.1", "fail"));
    assert_eq!(
        outcome(&r, &h),
        Outcome::Fired(vec![
            "fail tls.refuses-protocol CTI 10.0.0.1:8012 TLSv1.1: accepted".into()
        ])
    );
}

#[test]
fn a_rows_query_finds_rows_or_their_absence_and_says_when_it_cannot_tell() {
    let r = rule("DX-CTI-NO-TRUST-ANCHOR");
    let trusts = "/Interface/CTI/SSLCommonSettings/ClientAuthentication/Trusts";
    let mut h = host("R22", &["cti"]);
    // Nothing read: undecided, naming each context.
    let Outcome::Undecided(why) = outcome(&r, &h) else {
        panic!("decided without evidence")
    };
    assert!(why.contains(&format!("{trusts}: not collected")), "{why}");
    h.snapshot.unreadable.push(Unreadable {
        at: ContextRef {
            context: trusts.into(),
            args: vec![],
        },
        error: "Invalid command".into(),
    });
    let Outcome::Undecided(why) = outcome(&r, &h) else {
        panic!()
    };
    assert!(why.contains(&format!("{trusts}: Invalid command")), "{why}");
    put(&mut h, trusts, table(&["Alias", "Owner", "Issuer"], &[]));
    assert!(matches!(outcome(&r, &h), Outcome::Fired(_)));
    put(
        &mut h,
        trusts,
        table(&["Alias", "Owner", "Issuer"], &[&["webex", "CN=x", "CN=y"]]),
    );
    assert_eq!(outcome(&r, &h), Outcome::Clear);
    // Not a CTI host: the rule does not apply.
    let mut ev = Evidence::new();
    ev.insert("h".into(), host("R22", &["xsi"]));
    assert!(evaluate(&[r], &ev).is_empty());
}

#[test]
fn a_column_the_table_lacks_leaves_the_rule_undecided() {
    let r = rule("DX-CTI-CLIENT-AUTH-OFF");
    let mut h = host("R22", &["cti"]);
    put(
        &mut h,
        "/Interface/CTI/SSLSettings",
        table(
            &["Interface IP", "Server Certificate"],
            &[&["10.0.0.1", "true"]],
        ),
    );
    let Outcome::Undecided(why) = outcome(&r, &h) else {
        panic!()
    };
    assert!(why.contains("no \"Client Auth Req\" column"), "{why}");
    put(
        &mut h,
        "/Interface/CTI/SSLSettings",
        table(
            &["Interface IP", "Server Certificate", "Client Auth Req"],
            &[&["10.0.0.1", "true", "false"]],
        ),
    );
    assert!(matches!(outcome(&r, &h), Outcome::Fired(l) if l[0].contains("Client Auth Req=false")));
}

#[test]
fn an_attribute_query_compares_numbers() {
    let r = rule("DX-CHAINDEPTH-LOW");
    let mut h = host("R21SP1", &[]);
    let at = "/Interface/Http/ClientAuthentication";
    put(
        &mut h,
        at,
        LiveContext::Attributes(vec![("chainDepth".into(), "2".into())]),
    );
    assert_eq!(
        outcome(&r, &h),
        Outcome::Fired(vec![format!("{at}: chainDepth = 2")])
    );
    put(
        &mut h,
        at,
        LiveContext::Attributes(vec![("chainDepth".into(), "3".into())]),
    );
    assert_eq!(outcome(&r, &h), Outcome::Clear);
    put(
        &mut h,
        at,
        LiveContext::Attributes(vec![("chainDepth".into(), "deep".into())]),
    );
    assert!(matches!(outcome(&r, &h), Outcome::Undecided(w) if w.contains("not a number")));
}

#[test]
fn every_query_of_a_rule_must_match() {
    let r = rule("DX-NPS-COLOCATED");
    let mut h = host("R22", &[]);
    let mo = "/Maintenance/ManagedObjects";
    let headers = ["Name", "Version", "Context Path", "State"];
    put(
        &mut h,
        mo,
        table(
            &headers,
            &[
                &["NotificationPushServer", "22", "", "Active"],
                &["Xsi-Actions", "22", "/x", "Installed"],
            ],
        ),
    );
    assert_eq!(outcome(&r, &h), Outcome::Clear);
    put(
        &mut h,
        mo,
        table(
            &headers,
            &[
                &["NotificationPushServer", "22", "", "Active"],
                &["Xsi-Actions", "22", "/x", "Deployed"],
            ],
        ),
    );
    let Outcome::Fired(lines) = outcome(&r, &h) else {
        panic!()
    };
    assert_eq!(lines.len(), 2, "{lines:?}");
}

#[test]
fn a_bad_rule_file_is_refused_with_its_name_and_place() {
    let e = parse(
        "rules/x.yaml",
        "- id: X\n  symptom: s\n  cause: c\n  fix: f\n  source: s\n  evidence: []\n",
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "rules/x.yaml: rule X: `evidence` lists no query"
    );
    let e = parse("rules/x.yaml", "- id: X\n  bogus: 1\n").unwrap_err();
    assert!(e.to_string().starts_with("rules/x.yaml: "), "{e}");
    assert!(e.to_string().contains("bogus"), "{e}");
    let e = parse(
        "rules/x.yaml",
        "- id: X\n  symptom: s\n  cause: c\n  fix: f\n  source: s\n  evidence:\n    - attribute: { context: [/A], name: n }\n",
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("exactly one of `below` and `equals`"),
        "{e}"
    );
}

#[test]
fn farm_differs_compares_a_fact_across_the_farm_only() {
    let r = rule("DX-AUTHSERVICE-KEYS-DIFFER");
    let member = |name: &str, farm: &str, hash: Option<&str>| {
        let mut h = host("R22", &["authservice"]);
        h.facts.name = name.into();
        h.facts.farm = farm.into();
        h.facts.authservice_keys_sha256 = hash.map(str::to_string);
        h
    };
    let mut ev = Evidence::new();
    for h in [
        member("a", "east", Some("aaaaaaaaaaaaaaaa")),
        member("b", "east", Some("aaaaaaaaaaaaaaaa")),
        member("c", "west", Some("cccccccccccccccc")),
        member("d", "east", None),
    ] {
        ev.insert(h.facts.name.clone(), h);
    }
    let outcomes = |ev: &Evidence| -> Vec<(String, Outcome)> {
        evaluate(std::slice::from_ref(&r), ev)
            .into_iter()
            .map(|x| (x.host, x.outcome))
            .collect()
    };
    let o = outcomes(&ev);
    assert_eq!(o[0], ("a".into(), Outcome::Clear));
    assert_eq!(o[1], ("b".into(), Outcome::Clear));
    assert_eq!(o[2], ("c".into(), Outcome::Clear), "alone in its farm");
    assert!(matches!(&o[3].1, Outcome::Undecided(w) if w.contains("no authservice_keys_sha256")));
    ev.get_mut("b").unwrap().facts.authservice_keys_sha256 = Some("bbbbbbbbbbbbbbbb".into());
    let o = outcomes(&ev);
    assert_eq!(
        o[0].1,
        Outcome::Fired(vec![
            "authservice_keys_sha256: a has aaaaaaaaaaaa, b has bbbbbbbbbbbb".into()
        ])
    );
    assert!(matches!(&o[1].1, Outcome::Fired(_)));
}

#[test]
fn results_read_back_as_written() {
    let results = vec![
        RuleResult {
            rule: "DX-A".into(),
            host: "h".into(),
            outcome: Outcome::Fired(vec!["line".into()]),
        },
        RuleResult {
            rule: "DX-B".into(),
            host: "h".into(),
            outcome: Outcome::Clear,
        },
        RuleResult {
            rule: "DX-C".into(),
            host: "h".into(),
            outcome: Outcome::Undecided("why".into()),
        },
    ];
    let json = serde_json::to_string(&results).unwrap();
    assert!(
        json.contains(r#""outcome":"fired","detail":["line"]"#),
        "{json}"
    );
    let back: Vec<RuleResult> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, results);
}
