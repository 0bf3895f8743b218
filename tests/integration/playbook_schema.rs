//! The JSON Schema: generated from the one schema definition, committed as
//! docs/playbook.schema.json, and agreeing with xspctl's own checker when an independent
//! validator (the `jsonschema` crate) reads playbooks with it.
use std::path::Path;

use serde_json::Value;
use xspctl::playbook::{json_schema, load, load_str};

const SCHEMA_FILE: &str = "docs/playbook.schema.json";

fn validator() -> jsonschema::Validator {
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&json_schema())
        .expect("the generated schema compiles")
}

/// A YAML playbook as JSON, the way an editor's YAML plugin sees it.
fn as_json(yaml: &str) -> Value {
    serde_saphyr::from_str(yaml).expect("YAML converts to JSON")
}

fn schema_errors(yaml: &str) -> Vec<String> {
    let validator = validator();
    let instance = as_json(yaml);
    validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn committed_schema_is_the_generated_one() {
    let generated = serde_json::to_string_pretty(&json_schema()).unwrap() + "\n";
    if std::env::var_os("XSPCTL_WRITE_SCHEMA").is_some() {
        std::fs::write(SCHEMA_FILE, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(SCHEMA_FILE).unwrap_or_default();
    assert!(
        committed == generated,
        "{SCHEMA_FILE} is stale; regenerate it with `XSPCTL_WRITE_SCHEMA=1 cargo nextest run -E 'test(playbook_schema::)'` (or `xspctl schema > {SCHEMA_FILE}`)"
    );
}

#[test]
fn generated_schema_is_a_valid_draft7_schema() {
    let schema = json_schema();
    assert!(jsonschema::draft7::meta::is_valid(&schema));
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(schema["required"], serde_json::json!(["version", "farms"]));
    // Editors complete enums: releases, levels and the IANA cipher names.
    let release = &schema["properties"]["farms"]["items"]["properties"]["release"]["enum"];
    assert_eq!(
        release,
        &serde_json::json!(["R21SP1", "R21 SP1", "R22", "R23", "R24", "ADP"])
    );
    let ciphers = &schema["definitions"]["interface_tls"]["properties"]["ciphers"]["items"]["enum"];
    assert_eq!(ciphers.as_array().map(Vec::len), Some(350));
}

#[test]
fn example_playbooks_validate_against_the_schema() {
    let dir = Path::new("playbooks/examples");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let errors = schema_errors(&text);
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        assert!(load(&path).is_ok(), "{} loads", path.display());
        count += 1;
    }
    assert!(count >= 5, "one example per release");
}

#[test]
fn schema_refuses_what_the_checker_refuses() {
    let base = "version: 1\ndefaults: { connection: { user: u, agent: true } }\nfarms:\n- name: f\n  product: xsp\n  release: R23\n  roles: [xsi]\n  hosts: [{ name: h, address: 192.0.2.1 }]\n";
    assert!(schema_errors(base).is_empty());
    assert!(load_str(Path::new("x.yaml"), base).is_ok());
    for (mistake, from, to) in [
        ("unknown key", "  roles:", "  rolez: [xsi]\n  roles:"),
        ("wrong type", "roles: [xsi]", "roles: xsi"),
        ("bad enum", "release: R23", "release: R25"),
        ("bad port", "agent: true", "agent: true, port: 70000"),
        ("bad address", "address: 192.0.2.1", "address: 192.0.2.300"),
        (
            "inline secret",
            "agent: true",
            "agent: true, password: hunter2",
        ),
        ("bad duration", "agent: true", "agent: true, keepalive: 15"),
        (
            "openssl cipher",
            "roles: [xsi]",
            "roles: [xsi]\n  webex: { tls: { http: { level: interface, ciphers: [ECDHE-RSA-AES256-GCM-SHA384] } } }",
        ),
        ("missing key", "  product: xsp\n", ""),
        ("duplicate role", "roles: [xsi]", "roles: [xsi, xsi]"),
        ("bad name", "name: h", "name: h 1"),
        ("version", "version: 1", "version: 2"),
    ] {
        assert!(base.contains(from), "{mistake}");
        let text = base.replace(from, to);
        assert!(
            !schema_errors(&text).is_empty(),
            "the schema accepts a playbook with a {mistake}"
        );
        assert!(
            load_str(Path::new("x.yaml"), &text).is_err(),
            "the checker accepts a {mistake}"
        );
    }
}
