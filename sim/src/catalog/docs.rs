//! The context reference of docs/simulator.md, rendered from the data files.
use std::fmt::Write;

use super::Catalog;
use super::model::{CommandId, ContextDef, Kind};

/// The marker lines between which docs/simulator.md holds the generated table.
pub const BEGIN_MARKER: &str =
    "<!-- BEGIN GENERATED CONTEXTS (cargo nextest run -p xspsim -E 'test(bwcli_docs::)') -->";
/// See [`BEGIN_MARKER`].
pub const END_MARKER: &str = "<!-- END GENERATED CONTEXTS -->";

fn field_list(d: &ContextDef) -> String {
    let fields: Vec<String> = d
        .fields()
        .iter()
        .filter(|f| !f.hidden)
        .map(|f| {
            let mut s = format!("`{}`", f.name);
            if f.key {
                s.push_str(" (key)");
            }
            if f.ty.is_secret() {
                s.push_str(" (secret)");
            }
            s
        })
        .collect();
    fields.join(", ")
}

fn commands(d: &ContextDef) -> String {
    let mut words: Vec<String> = d.verbs.iter().map(|v| v.word().to_string()).collect();
    for c in &d.commands {
        let w = c.words();
        match c {
            CommandId::ManagedObjects => {
                words.push("install/activate/deploy/undeploy/deactivate application".into())
            }
            CommandId::ActivateFeature => words.push("activate/deactivate <featureId>".into()),
            _ => words.extend(w.iter().map(|s| s.to_string())),
        }
    }
    words.join(", ")
}

fn escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// Renders everything between the markers (exclusive): the context table and the
/// patches of a fresh host.
pub fn render_generated(catalog: &Catalog) -> String {
    let mut out = String::from("\n### Contexts\n\n");
    out.push_str(&render_contexts(catalog));
    out.push_str("\n### Patches of a fresh host (`listPatch.pl`)\n\n");
    out.push_str("Required patches left out of these lists are the ones a readiness check should find missing (see the comments in `sim/data/patches.toml`).\n\n");
    for set in &catalog.patches {
        let _ = writeln!(
            out,
            "- {:?} {}: {}",
            set.product,
            catalog.release(set.release).label,
            if set.installed.is_empty() {
                "none".to_string()
            } else {
                set.installed
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
    }
    out.push('\n');
    out
}

/// Renders the context table.
pub fn render_contexts(catalog: &Catalog) -> String {
    let mut defs: Vec<&ContextDef> = catalog.contexts.iter().filter(|d| !d.implicit).collect();
    defs.sort_by(|a, b| {
        a.path
            .cmp(&b.path)
            .then(a.applies.since.cmp(&b.applies.since))
    });
    let mut out = String::new();
    out.push_str(
        "| Context | Where | Kind | Attributes / columns | Commands | Restart | Source |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|\n");
    for d in defs {
        let kind = match d.kind {
            Kind::Node => "node",
            Kind::Attributes => "attributes",
            Kind::Table if d.scope > 0 => "keyed table",
            Kind::Table => "table",
        };
        let mut place = d.applies.describe();
        if let Some(app) = &d.app {
            let _ = write!(place, "; while {app} is active");
        }
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            d.path,
            place,
            kind,
            escape(&field_list(d)),
            escape(&commands(d)),
            if d.restart { "yes" } else { "no" },
            escape(&d.source),
        );
    }
    out
}
