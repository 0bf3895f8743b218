//! Renders module templates (`templates/<module>/<release>.yaml.tera`) into a
//! [`DesiredTree`]. Each module embeds its own templates (`Module::templates`), so
//! the binary is self-contained.
use std::sync::OnceLock;

use serde::Deserialize;

use crate::desired::{AttributeFact, DesiredTree, Fact, Probe, TableFact, View};

/// Why rendering failed: a bug in a template or in the data given to it.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// Tera could not render the template.
    #[error("template {name}: {message}")]
    Template {
        /// Template name.
        name: String,
        /// Tera's message.
        message: String,
    },
    /// The rendered text is not a list of facts, views and probes.
    #[error("template {name} rendered invalid facts: {message}\n--- rendered ---\n{text}")]
    Facts {
        /// Template name.
        name: String,
        /// The parse error.
        message: String,
        /// What was rendered.
        text: String,
    },
}

/// One rendered entry.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum Item {
    Table(TableFact),
    Attribute(AttributeFact),
    View(View),
    Probe(Probe),
}

fn engine() -> &'static Result<tera::Tera, String> {
    static ENGINE: OnceLock<Result<tera::Tera, String>> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut tera = tera::Tera::default();
        tera.autoescape_on(Vec::<&str>::new());
        tera.register_filter(
            "json",
            |v: tera::Value, _: tera::Kwargs, _: &tera::State| {
                serde_json::to_string(&v).unwrap_or_default()
            },
        );
        // A list of strings as one-column table rows: ["a","b"] -> [["a"],["b"]].
        tera.register_filter(
            "rows",
            |v: tera::Value, _: tera::Kwargs, _: &tera::State| {
                let list: Vec<serde_json::Value> = serde_json::to_value(&v)
                    .ok()
                    .and_then(|j| j.as_array().cloned())
                    .unwrap_or_default();
                let rows: Vec<Vec<serde_json::Value>> = list.into_iter().map(|x| vec![x]).collect();
                serde_json::to_string(&rows).unwrap_or_default()
            },
        );
        let templates = crate::modules::registry::MODULES
            .iter()
            .flat_map(|m| m.templates().iter().copied());
        tera.add_raw_templates(templates)
            .map_err(|e| e.to_string())?;
        Ok(tera)
    })
}

/// Renders template `name` with `context` and parses the result.
pub fn render(name: &str, context: &serde_json::Value) -> Result<DesiredTree, RenderError> {
    let tera = engine().as_ref().map_err(|message| RenderError::Template {
        name: name.to_string(),
        message: message.clone(),
    })?;
    let ctx = tera::Context::from_serialize(context).map_err(|e| RenderError::Template {
        name: name.to_string(),
        message: e.to_string(),
    })?;
    let text = tera.render(name, &ctx).map_err(|e| RenderError::Template {
        name: name.to_string(),
        message: format!("{e:?}"),
    })?;
    parse(name, &text)
}

fn parse(name: &str, text: &str) -> Result<DesiredTree, RenderError> {
    if text.trim().is_empty() {
        return Ok(DesiredTree::default());
    }
    let items: Vec<Item> = serde_saphyr::from_str(text).map_err(|e| RenderError::Facts {
        name: name.to_string(),
        message: e.to_string(),
        text: text.to_string(),
    })?;
    let mut tree = DesiredTree::default();
    for item in items {
        match item {
            Item::Table(t) => tree.facts.push(Fact::Table(t)),
            Item::Attribute(a) => tree.facts.push(Fact::Attribute(a)),
            Item::View(v) => tree.views.push(v),
            Item::Probe(p) => tree.probes.push(p),
        }
    }
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx(level: &str) -> serde_json::Value {
        json!({
            "http": {"level": level, "protocols": ["TLSv1.2"],
                     "ciphers": ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"],
                     "targets": [{"ip": "10.0.0.1", "port": "443"}]},
            "cti": null,
            "defaults": {"protocols": ["TLSv1", "TLSv1.1", "TLSv1.2"], "ciphers": ["TLS_RSA_WITH_AES_128_CBC_SHA"]},
        })
    }

    #[test]
    fn r22_interface_level_renders_one_fact_per_list_plus_views_and_probe() {
        let tree = render("tls/r22.yaml", &ctx("interface")).unwrap();
        let contexts: Vec<String> = tree
            .facts
            .iter()
            .map(|f| f.context_ref().to_string())
            .collect();
        assert_eq!(
            contexts,
            [
                "/Interface/Http/HttpServer/SSLSettings/Protocols 10.0.0.1 443",
                "/Interface/Http/HttpServer/SSLSettings/Ciphers 10.0.0.1 443"
            ]
        );
        let Fact::Table(t) = &tree.facts[0] else {
            panic!("table expected")
        };
        assert_eq!(t.rows, vec![vec!["TLSv1.2".to_string()]]);
        assert!(t.restart);
        assert_eq!(tree.views.len(), 2);
        assert_eq!(tree.views[0].name, "HTTP 10.0.0.1:443 protocols");
        assert_eq!(tree.views[0].levels.len(), 4);
        assert_eq!(tree.probes.len(), 1);
        assert_eq!(tree.probes[0].port, 443);
    }

    #[test]
    fn r22_system_level_empties_the_more_specific_levels() {
        let tree = render("tls/r22.yaml", &ctx("system-jsse")).unwrap();
        let summary: Vec<(String, usize)> = tree
            .facts
            .iter()
            .filter_map(|f| match f {
                Fact::Table(t) if t.at.context.ends_with("Protocols") => {
                    Some((t.at.context.clone(), t.rows.len()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "/Interface/Http/HttpServer/SSLSettings/Protocols".to_string(),
                    0
                ),
                ("/Interface/Http/SSLCommonSettings/Protocols".to_string(), 0),
                ("/System/SSLCommonSettings/OpenSSL/Protocols".to_string(), 0),
                ("/System/SSLCommonSettings/JSSE/Protocols".to_string(), 1),
            ]
        );
    }

    #[test]
    fn r21_uses_container_options_with_documented_formats() {
        let mut c = ctx("container-options");
        c["http"]["protocols"] = json!(["TLSv1.2", "TLSv1.1"]);
        c["http"]["ciphers"] = json!(["A", "B"]);
        let tree = render("tls/r21.yaml", &c).unwrap();
        let rows: Vec<Vec<String>> = tree
            .facts
            .iter()
            .map(|f| match f {
                Fact::Table(t) => t.rows[0].clone(),
                Fact::Attribute(_) => vec![],
            })
            .collect();
        assert_eq!(
            rows,
            [
                [
                    "platform",
                    "bw.apache.sslenabledprotocols",
                    "-ALL +TLSv1.2 +TLSv1.1"
                ],
                ["platform", "bw.apache.sslciphersuite", "A:B"],
            ]
        );
        assert_eq!(
            tree.views[0].levels[0].select,
            ["platform", "bw.apache.sslenabledprotocols"]
        );
    }

    #[test]
    fn an_attribute_wants_a_number_or_says_why_not() {
        let tree = parse(
            "t",
            "- attribute: {context: /A, name: eventQueueSize, at_least: 2000}\n",
        )
        .unwrap();
        let Fact::Attribute(a) = &tree.facts[0] else {
            panic!("attribute expected")
        };
        assert_eq!(a.want.describe(), "at least 2000");

        let bad = |text: &str| parse("t", text).unwrap_err().to_string();
        let e = bad("- attribute: {context: /A, name: eventQueueSize, at_least: lots}\n");
        assert!(
            e.contains("attribute eventQueueSize: `at_least` needs a number, got \"lots\""),
            "{e}"
        );
        let e = bad("- attribute: {context: /A, name: n, at_leest: 2000}\n");
        assert!(e.contains("at_leest"), "{e}");
        let e = bad("- attribute: {context: /A, name: n, value: a, one_of: [a]}\n");
        assert!(e.contains("give exactly one of"), "{e}");
    }
}
