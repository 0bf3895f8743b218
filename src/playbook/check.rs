//! The structural check: every value against the schema (`definition.rs`), every problem
//! reported with its position. Cross-field rules come later (`build.rs`).
use super::diagnostic::Report;
use super::formats::{SecretProblem, address_problem, is_name, parse_duration, parse_secret_ref};
use super::schema::{Field, Format, ListOf, Object, Schema, objects};
use super::suggest::did_you_mean;
use super::yaml::{Node, Value};
use crate::catalog::cipher;

/// Checks `root` against the playbook's schema.
pub(crate) fn check_playbook(root: &Node, report: &mut Report) {
    check(
        root,
        Schema::Object(&super::definition::PLAYBOOK),
        "",
        false,
        report,
    );
}

/// Reports the required keys missing from `node`, a merged layer (see [`Field::merged`]):
/// inside layers, required keys are only checked once the layers are merged.
pub(crate) fn check_required(node: &Node, schema: Schema, path: &str, report: &mut Report) {
    match schema {
        Schema::Object(object) => {
            if node.as_map().is_none() {
                return;
            }
            for field in object.fields {
                match node.get(field.name) {
                    Some(value) => {
                        check_required(value, field.schema, &join(path, field.name), report)
                    }
                    None if field.required => missing(node, field, path, report),
                    None => {}
                }
            }
        }
        // Lists replace rather than merge, so their items were checked whole.
        Schema::Map(_)
        | Schema::List(_)
        | Schema::Enum(_)
        | Schema::Integer { .. }
        | Schema::Bool
        | Schema::Text(_) => {}
    }
}

fn missing(node: &Node, field: &Field, path: &str, report: &mut Report) {
    report.error(
        node.pos,
        format!("missing key `{}` in {}", field.name, place(path)),
        Some(format!(
            "add `{}: {}` ({})",
            field.name,
            field.example,
            lowercase_first(field.doc)
        )),
    );
}

/// The dotted path of a key below `path`.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// `path` for a message: `` `farms[xsp-east].roles` ``, or "the top-level mapping".
pub(crate) fn place(path: &str) -> String {
    if path.is_empty() {
        "the top-level mapping".to_string()
    } else {
        format!("`{path}`")
    }
}

/// The path of a list item: `[name]` for items that have a name, else `[index]`.
fn item_path(path: &str, index: usize, item: &Node) -> String {
    match item.get("name").and_then(Node::as_str) {
        Some(name) => format!("{path}[{name}]"),
        None => format!("{path}[{index}]"),
    }
}

/// `layer`: inside a merged layer, where required keys are checked after merging.
fn check(node: &Node, schema: Schema, path: &str, layer: bool, report: &mut Report) {
    match schema {
        Schema::Object(object) => check_object(node, object, path, layer, report),
        Schema::Map(values) => check_map(node, *values, path, layer, report),
        Schema::List(list) => check_list(node, list, path, report),
        Schema::Enum(choices) => check_enum(node, choices, path, report),
        Schema::Integer { min, max } => check_integer(node, min, max, path, report),
        Schema::Bool => {
            if node.as_bool().is_none() {
                wrong_type(node, "true or false", path, report);
            }
        }
        Schema::Text(format) => check_text(node, format, path, report),
    }
}

fn check_object(node: &Node, object: &Object, path: &str, layer: bool, report: &mut Report) {
    let Some(entries) = node.as_map() else {
        wrong_type(node, "a mapping", path, report);
        return;
    };
    for entry in entries {
        match object.field(&entry.key) {
            Some(field) => check(
                &entry.value,
                field.schema,
                &join(path, &entry.key),
                layer || field.merged,
                report,
            ),
            None => {
                let help = if entry.key == "<<" {
                    "YAML merge keys are not supported; put shared settings in `defaults`, which every farm and host inherits".to_string()
                } else {
                    match did_you_mean(&entry.key, object.fields.iter().map(|f| f.name)) {
                        Some(name) => format!("did you mean `{name}`?"),
                        None => match owners(&entry.key) {
                            Some(owners) => format!(
                                "`{}` is a key of {owners}, not of {}; expected one of: {}",
                                entry.key,
                                object.name,
                                names(object.fields)
                            ),
                            None => format!("expected one of: {}", names(object.fields)),
                        },
                    }
                };
                report.error(
                    entry.key_pos,
                    format!("unknown key `{}` in {}", entry.key, place(path)),
                    Some(help),
                );
            }
        }
    }
    if layer {
        return;
    }
    for field in object.fields.iter().filter(|f| f.required) {
        if node.entry(field.name).is_none() {
            missing(node, field, path, report);
        }
    }
}

fn check_map(node: &Node, values: Schema, path: &str, layer: bool, report: &mut Report) {
    let Some(entries) = node.as_map() else {
        wrong_type(node, "a mapping", path, report);
        return;
    };
    for entry in entries {
        if !is_name(&entry.key) {
            report.error(
                entry.key_pos,
                format!("`{}` in {} is not a valid name", entry.key, place(path)),
                Some(NAME_HELP.to_string()),
            );
        }
        check(&entry.value, values, &join(path, &entry.key), layer, report);
    }
}

fn check_list(node: &Node, list: &ListOf, path: &str, report: &mut Report) {
    let Some(items) = node.as_seq() else {
        wrong_type(node, "a list", path, report);
        return;
    };
    if items.len() < list.min {
        report.error(
            node.pos,
            format!("{} is an empty list", place(path)),
            Some("list at least one item, or remove the key".to_string()),
        );
    }
    for (i, item) in items.iter().enumerate() {
        // List items are whole: lists replace inherited lists rather than merge.
        check(item, list.items, &item_path(path, i, item), false, report);
        if list.unique && items[..i].iter().any(|earlier| same(earlier, item)) {
            let what = match &item.value {
                Value::Str(s) => format!("`{s}`"),
                _ => "the same entry".to_string(),
            };
            report.error(
                item.pos,
                format!("{} lists {what} twice", place(path)),
                Some("remove the repeated item".to_string()),
            );
        }
    }
}

fn check_enum(node: &Node, choices: &'static [&'static str], path: &str, report: &mut Report) {
    let Some(text) = node.as_str() else {
        wrong_type(
            node,
            &format!("one of: {}", choices.join(", ")),
            path,
            report,
        );
        return;
    };
    if !choices.contains(&text) {
        let help = match did_you_mean(text, choices.iter().copied()) {
            Some(choice) => format!("did you mean `{choice}`?"),
            None => format!("use one of: {}", choices.join(", ")),
        };
        report.error(
            node.pos,
            format!(
                "{}: `{text}` is not one of: {}",
                place(path),
                choices.join(", ")
            ),
            Some(help),
        );
    }
}

fn check_integer(node: &Node, min: i64, max: i64, path: &str, report: &mut Report) {
    let Some(number) = node.as_int() else {
        wrong_type(node, "a whole number", path, report);
        return;
    };
    if number < min || number > max {
        let (message, help) = if min == max {
            (
                format!("{} must be {min}, not {number}", place(path)),
                format!("this xspctl reads version {min} playbooks; write `{min}`"),
            )
        } else {
            (
                format!("{} is {number}, outside {min}-{max}", place(path)),
                format!("use a number from {min} to {max}"),
            )
        };
        report.error(node.pos, message, Some(help));
    }
}

fn check_text(node: &Node, format: Format, path: &str, report: &mut Report) {
    let Some(text) = node.as_str() else {
        if format == Format::SecretRef && !matches!(node.value, Value::Seq(_) | Value::Map(_)) {
            // A number or true/false where a secret reference goes is an inline secret.
            inline_secret(node, path, report);
        } else if let (Format::Duration, Value::Int(n)) = (format, &node.value) {
            // A bare number has no unit; quoting it would not make it a duration.
            report.error(
                node.pos,
                format!("{}: `{n}` has no unit", place(path)),
                Some(format!(
                    "write a number with a unit, e.g. `{n}s` (also `500ms`, `2m`, `1h`, `1m30s`)"
                )),
            );
        } else {
            wrong_type(node, "a string", path, report);
        }
        return;
    };
    if text.trim().is_empty() {
        report.error(
            node.pos,
            format!("{} is empty", place(path)),
            Some("write a value, or remove the key".to_string()),
        );
        return;
    }
    let problem: Option<(String, String)> = match format {
        Format::Name => (!is_name(text)).then(|| {
            (
                format!("{}: `{text}` is not a valid name", place(path)),
                NAME_HELP.to_string(),
            )
        }),
        Format::Address => address_problem(text).map(|why| {
            (
                format!("{}: `{text}` is {why}", place(path)),
                "write an IP address (192.0.2.21, 2001:db8::21) or a DNS name (xsp1.example.com)"
                    .to_string(),
            )
        }),
        Format::Ip => text.parse::<std::net::IpAddr>().is_err().then(|| {
            (
                format!("{}: `{text}` is not an IP address", place(path)),
                "interfaces are chosen by IP address, e.g. `ip: 192.0.2.21`".to_string(),
            )
        }),
        Format::Duration => parse_duration(text).is_none().then(|| {
            (
                format!("{}: `{text}` is not a duration", place(path)),
                "write a number with a unit: `500ms`, `10s`, `2m`, `1h`, or a sum such as `1m30s`"
                    .to_string(),
            )
        }),
        Format::SecretRef => match parse_secret_ref(text) {
            Ok(_) => None,
            Err(SecretProblem::NotAReference) => {
                inline_secret(node, path, report);
                None
            }
            Err(SecretProblem::BadEnvName) => Some((
                format!(
                    "{}: the part after `env:` is not an environment variable name",
                    place(path)
                ),
                "write `env:NAME`, NAME made of letters, digits and `_`, e.g. `env:XSP_PASSWORD`"
                    .to_string(),
            )),
            Err(SecretProblem::EmptyPath) => Some((
                format!("{}: `file:` names no file", place(path)),
                "write `file:PATH`, e.g. `file:/run/secrets/xsp_password`".to_string(),
            )),
        },
        Format::Cipher => cipher(text)
            .err()
            .map(|e| (format!("{}: {}", place(path), e.problem()), e.help())),
        Format::Path | Format::Text => None,
    };
    if let Some((message, help)) = problem {
        report.error(node.pos, message, Some(help));
    }
}

/// A secret written into the playbook. The message never repeats the value.
fn inline_secret(node: &Node, path: &str, report: &mut Report) {
    let key = path.rsplit('.').next().unwrap_or(path);
    report.error(
        node.pos,
        format!("{} must refer to a secret, not hold it: a playbook holds no secrets", place(path)),
        Some(format!(
            "put the secret in an environment variable and write `{key}: env:XSP_PASSWORD`, or in a file (mode 600) and write `{key}: file:/run/secrets/xsp_password`"
        )),
    );
}

fn wrong_type(node: &Node, expected: &str, path: &str, report: &mut Report) {
    let help = match expected {
        "a mapping" => "write its keys on the lines below it, indented, or as `{ key: value }`",
        "a list" => "write `[a, b]`, or one `- item` per line below it",
        "a string" => {
            "write text; quote it if it looks like a number or true/false, e.g. `\"2024\"`"
        }
        "a whole number" => "write a number without quotes, e.g. `22`",
        "true or false" => "write `true` or `false` without quotes",
        _ => "write one of the listed words",
    };
    report.error(
        node.pos,
        format!(
            "{} must be {expected}, not {}",
            place(path),
            node.value.kind()
        ),
        Some(help.to_string()),
    );
}

const NAME_HELP: &str = "use letters, digits, `.`, `_` and `-`, starting with a letter or digit (at most 63), e.g. `xsp-east`";

/// The objects that have a key `key` (`host and jump_host`), if any.
fn owners(key: &str) -> Option<String> {
    let mut all = Vec::new();
    objects(Schema::Object(&super::definition::PLAYBOOK), &mut all);
    let mut owners: Vec<&str> = all
        .iter()
        .filter(|o| o.field(key).is_some())
        .map(|o| o.name)
        .collect();
    owners.sort_unstable();
    match owners.as_slice() {
        [] => None,
        [one] => Some((*one).to_string()),
        [init @ .., last] => Some(format!("{} and {last}", init.join(", "))),
    }
}

fn names(fields: &[Field]) -> String {
    fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c
            .to_lowercase()
            .chain(chars)
            .collect::<String>()
            .trim_end_matches('.')
            .to_string(),
        None => String::new(),
    }
}

/// Whether two values are equal, ignoring positions and key order.
pub(crate) fn same(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|e| b.get(&e.key).is_some_and(|v| same(&e.value, v)))
        }
        (x, y) => x == y,
    }
}
