//! The generated parts of docs/diagnose.md: the rules table, from the rule files,
//! the context list, from `contexts.yaml`, and the log table, from the catalog's
//! `log-files.yaml`. A test keeps the document equal to
//! what these functions print.
use super::collect::extra_contexts;
use super::logs::log_sources;
use super::rules::{Query, Rule};

/// Where the generated rules table starts and ends in docs/diagnose.md.
pub const RULES_BEGIN: &str = "<!-- rules: generated from rules/*.yaml, do not edit -->";
/// The end marker.
pub const RULES_END: &str = "<!-- end of rules -->";

/// The rules as a Markdown table, one row per rule.
pub fn rules_table(rules: &[Rule]) -> String {
    let mut out = String::from(
        "| id | covers | applies to | symptom | cause | evidence | fix | source |\n|---|---|---|---|---|---|---|---|\n",
    );
    for r in rules {
        let applies = [
            ("products", &r.applies.products),
            ("releases", &r.applies.releases),
            ("roles", &r.applies.roles),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k} {}", v.join(", ")))
        .collect::<Vec<_>>();
        let applies = if applies.is_empty() {
            "every host".to_string()
        } else {
            applies.join("; ")
        };
        let evidence: Vec<String> = r.evidence.iter().map(query_text).collect();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} | {} |\n",
            r.id,
            r.covers.join(", "),
            applies,
            cell(&r.symptom),
            cell(&r.cause),
            cell(&evidence.join("; and ")),
            cell(&r.fix),
            cell(&r.source)
        ));
    }
    out
}

/// Where the generated log list starts in docs/diagnose.md.
pub const LOGS_BEGIN: &str =
    "<!-- logs: generated from src/catalog/data/log-files.yaml, do not edit -->";
/// Its end marker.
pub const LOGS_END: &str = "<!-- end of logs -->";

/// The logs diagnose collects, as a Markdown table.
pub fn logs_table() -> String {
    let mut out =
        String::from("| log | products | files | shows | source |\n|---|---|---|---|---|\n");
    for l in log_sources() {
        out.push_str(&format!(
            "| {} | {} | `{}/{}*` | {} | {} |\n",
            cell(&l.name),
            l.products.join(", "),
            l.directory,
            l.prefix,
            cell(&l.shows),
            cell(&l.source)
        ));
    }
    out
}

/// The extra contexts diagnose reads, as a Markdown list.
pub fn contexts_list() -> String {
    extra_contexts()
        .map(|(c, products, source)| format!("- `{c}` ({}): {source}\n", products.join(", ")))
        .collect()
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn query_text(q: &Query) -> String {
    match q {
        Query::Finding(f) => {
            let subject = if f.subject.is_empty() {
                String::new()
            } else {
                format!(" on {}", f.subject.join(" or "))
            };
            format!("finding `{}` is {}{subject}", f.id, f.status.join(" or "))
        }
        Query::Attribute(a) => {
            let test = match (&a.below, &a.equals) {
                (Some(n), _) => format!("below {n}"),
                (None, Some(t)) => format!("= {t}"),
                (None, None) => String::new(),
            };
            format!("`{}` {} {test}", a.context.join("` or `"), a.name)
        }
        Query::FarmDiffers(fact) => format!("`{fact}` differs from another host's of the farm"),
        Query::MissingPatches => {
            "a required patch is not Active (`patches.json`, the required-vs-installed comparison)"
                .to_string()
        }
        Query::Rows(r) => {
            let cond: Vec<String> = r
                .conditions
                .iter()
                .map(|(k, v)| format!("{k} in {}", v.join("/")))
                .collect();
            let with = if cond.is_empty() {
                String::new()
            } else {
                format!(" with {}", cond.join(", "))
            };
            let article = if r.none { "no" } else { "a" };
            format!("{article} row{with} in `{}`", r.context.join("` or `"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn between<'a>(doc: &'a str, begin: &str, end: &str) -> &'a str {
        let start = doc.find(begin).expect("begin marker") + begin.len();
        let stop = doc[start..].find(end).expect("end marker") + start;
        doc[start..stop].trim_matches('\n')
    }

    #[test]
    fn the_document_lists_every_rule_and_context_as_generated() {
        let doc = include_str!("../../docs/diagnose.md");
        let rules = crate::diagnose::rule_set().unwrap();
        let want = rules_table(rules);
        assert_eq!(
            between(doc, RULES_BEGIN, RULES_END),
            want.trim_matches('\n'),
            "docs/diagnose.md is out of date; the rules table should read:\n{want}"
        );
        let want = contexts_list();
        assert_eq!(
            between(
                doc,
                "<!-- contexts: generated from src/diagnose/contexts.yaml, do not edit -->",
                "<!-- end of contexts -->"
            ),
            want.trim_matches('\n'),
            "docs/diagnose.md is out of date; the context list should read:\n{want}"
        );
        let want = logs_table();
        assert_eq!(
            between(doc, LOGS_BEGIN, LOGS_END),
            want.trim_matches('\n'),
            "docs/diagnose.md is out of date; the log table should read:\n{want}"
        );
    }
}
