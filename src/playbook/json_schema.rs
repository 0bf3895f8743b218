//! The playbook's JSON Schema (draft-07), generated from `definition.rs`, for editors.
//!
//! One difference from xspctl's own check: inside inherited layers (`connection`, `webex`
//! under `defaults`, a farm or a host) keys are not required, because a layer may leave
//! them to another one, and JSON Schema cannot express "required after merging".
use serde_json::{Map, Value, json};

use super::definition::PLAYBOOK;
use super::schema::{DURATION_PATTERN, Format, NAME_PATTERN, Object, SECRET_REF_PATTERN, Schema};
use crate::catalog::all_ciphers;

/// The JSON Schema of a playbook (`docs/playbook.schema.json`).
pub fn json_schema() -> Value {
    let mut definitions = Map::new();
    let mut root = object(&PLAYBOOK, false, &mut definitions);
    if let Value::Object(map) = &mut root {
        map.insert(
            "$schema".into(),
            json!("http://json-schema.org/draft-07/schema#"),
        );
        map.insert("title".into(), json!("xspctl playbook"));
        map.insert("definitions".into(), Value::Object(definitions));
    }
    root
}

/// `layer`: inside an inherited layer, where no key is required.
fn schema(s: Schema, layer: bool, definitions: &mut Map<String, Value>) -> Value {
    match s {
        Schema::Object(o) if o.shared => {
            // A shared object is used either inside layers or outside them, never both
            // (`shared_objects_are_used_in_one_kind_of_place`), so one definition serves.
            if !definitions.contains_key(o.name) {
                // Insert first, so a definition that refers to itself does not recurse.
                definitions.insert(o.name.to_string(), Value::Null);
                let body = object(o, layer, definitions);
                definitions.insert(o.name.to_string(), body);
            }
            json!({ "$ref": format!("#/definitions/{}", o.name) })
        }
        Schema::Object(o) => object(o, layer, definitions),
        Schema::Map(values) => json!({
            "type": "object",
            "propertyNames": { "pattern": NAME_PATTERN },
            "additionalProperties": schema(*values, layer, definitions),
        }),
        Schema::List(list) => {
            // List items are whole: lists replace inherited lists rather than merge.
            let mut out = json!({
                "type": "array",
                "items": schema(list.items, false, definitions),
                "minItems": list.min,
            });
            if list.unique {
                out["uniqueItems"] = json!(true);
            }
            out
        }
        Schema::Enum(choices) => json!({ "type": "string", "enum": choices }),
        Schema::Integer { min, max } => {
            json!({ "type": "integer", "minimum": min, "maximum": max })
        }
        Schema::Bool => json!({ "type": "boolean" }),
        Schema::Text(format) => text(format),
    }
}

fn object(o: &Object, layer: bool, definitions: &mut Map<String, Value>) -> Value {
    let mut properties = Map::new();
    for field in o.fields {
        let mut value = schema(field.schema, layer || field.merged, definitions);
        if let Value::Object(map) = &mut value {
            map.insert("description".into(), json!(field.doc));
        }
        properties.insert(field.name.to_string(), value);
    }
    let required: Vec<&str> = o
        .fields
        .iter()
        .filter(|f| f.required && !layer)
        .map(|f| f.name)
        .collect();
    let mut out = json!({
        "type": "object",
        "description": o.doc,
        "properties": properties,
        "additionalProperties": false,
    });
    if !required.is_empty() {
        out["required"] = json!(required);
    }
    out
}

fn text(format: Format) -> Value {
    match format {
        Format::Name => json!({ "type": "string", "pattern": NAME_PATTERN }),
        Format::Address => json!({
            "type": "string",
            "anyOf": [
                { "format": "ipv4" },
                { "format": "ipv6" },
                // A DNS name, but not a broken IPv4 address such as 192.0.2.300.
                { "format": "hostname", "not": { "pattern": "^[0-9.]+$" } },
            ],
        }),
        Format::Ip => json!({
            "type": "string",
            "anyOf": [{ "format": "ipv4" }, { "format": "ipv6" }],
        }),
        Format::Duration => json!({ "type": "string", "pattern": DURATION_PATTERN }),
        Format::SecretRef => json!({ "type": "string", "pattern": SECRET_REF_PATTERN }),
        Format::Path | Format::Text => {
            json!({ "type": "string", "minLength": 1, "pattern": "\\S" })
        }
        Format::Cipher => {
            let names: Vec<&str> = all_ciphers().iter().map(|s| s.iana).collect();
            json!({ "type": "string", "enum": names })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::definition::PLAYBOOK;

    /// Every shared object reached from `object`, with whether it was reached inside a layer.
    fn shared_uses(s: Schema, layer: bool, out: &mut Vec<(&'static str, bool)>) {
        match s {
            Schema::Object(o) => {
                if o.shared {
                    if out.contains(&(o.name, layer)) {
                        return;
                    }
                    out.push((o.name, layer));
                }
                for f in o.fields {
                    shared_uses(f.schema, layer || f.merged, out);
                }
            }
            Schema::Map(values) => shared_uses(*values, layer, out),
            Schema::List(list) => shared_uses(list.items, false, out),
            Schema::Enum(_) | Schema::Integer { .. } | Schema::Bool | Schema::Text(_) => {}
        }
    }

    #[test]
    fn shared_objects_are_used_in_one_kind_of_place() {
        let mut uses = Vec::new();
        shared_uses(Schema::Object(&PLAYBOOK), false, &mut uses);
        for (name, layer) in &uses {
            assert!(
                !uses.contains(&(name, !layer)),
                "{name} is used both inside and outside layers"
            );
        }
        assert!(uses.contains(&("connection", true)));
        assert!(uses.contains(&("jump_host", false)));
    }
}
