//! docs/checks.md's table of checks, generated from the check registry: the ids of
//! `check_ids!` (src/report/check_id.rs) with what `checks.yaml` says of each
//! (severity, what it proves, source, fix). The tests hold the two in step and the
//! document equal to what they generate; `XSPCTL_WRITE_DOCS=1` rewrites it.
use serde::Deserialize;

use super::check_id::CheckId;

/// Where the generated table starts in docs/checks.md.
const BEGIN: &str = "<!-- checks: generated from src/report/checks.yaml, do not edit -->";
/// Its end marker.
const END: &str = "<!-- end of checks -->";

/// What the documentation says of one check.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckDoc {
    id: String,
    severity: String,
    checks: String,
    source: String,
    fix: String,
}

fn check_docs() -> Vec<CheckDoc> {
    serde_saphyr::from_str(include_str!("checks.yaml")).expect("src/report/checks.yaml")
}

/// The table, one row per check, in the registry's order.
fn checks_table(docs: &[CheckDoc]) -> String {
    let mut out =
        String::from("| id | severity | what it checks | source | fix |\n|---|---|---|---|---|\n");
    for d in docs {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            d.id,
            cell(&d.severity),
            cell(&d.checks),
            cell(&d.source),
            cell(&d.fix)
        ));
    }
    out
}

fn cell(text: &str) -> String {
    text.trim().replace('|', "\\|").replace('\n', " ")
}

#[test]
fn every_check_id_is_documented_in_the_registrys_order() {
    let documented: Vec<String> = check_docs().into_iter().map(|d| d.id).collect();
    let registry: Vec<String> = CheckId::NAMES.iter().map(|n| n.to_string()).collect();
    assert_eq!(
        documented, registry,
        "src/report/checks.yaml must list every id of check_ids! (src/report/check_id.rs), in its order"
    );
}

#[test]
fn docs_checks_md_holds_the_generated_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/checks.md");
    let doc = std::fs::read_to_string(path).expect("docs/checks.md");
    let start = doc.find(BEGIN).expect("begin marker") + BEGIN.len();
    let stop = doc[start..].find(END).expect("end marker") + start;
    let want = format!("\n{}", checks_table(&check_docs()));
    if doc[start..stop] == want {
        return;
    }
    if std::env::var_os("XSPCTL_WRITE_DOCS").is_some() {
        let text = format!("{}{want}{}", &doc[..start], &doc[stop..]);
        std::fs::write(path, text).expect("write docs/checks.md");
        return;
    }
    panic!(
        "docs/checks.md's table is not what src/report/checks.yaml generates: regenerate it with\n  XSPCTL_WRITE_DOCS=1 cargo nextest run -E 'test(check_docs::)'"
    );
}
