//! The playbook's JSON Schema (draft-07), generated from `definition.rs`, for editors.
use serde_json::{Map, Value, json};

use super::definition::PLAYBOOK;
use super::schema::{DURATION_PATTERN, Format, NAME_PATTERN, Object, SECRET_REF_PATTERN, Schema};
use crate::catalog::all_ciphers;

/// The JSON Schema of a playbook (`docs/playbook.schema.json`).
pub fn json_schema() -> Value {
    let mut definitions = Map::new();
    let mut root = object(&PLAYBOOK, &mut definitions);
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

fn schema(s: Schema, definitions: &mut Map<String, Value>) -> Value {
    match s {
        Schema::Object(o) if o.shared => {
            if !definitions.contains_key(o.name) {
                // Insert first, so a definition that refers to itself does not recurse.
                definitions.insert(o.name.to_string(), Value::Null);
                let body = object(o, definitions);
                definitions.insert(o.name.to_string(), body);
            }
            json!({ "$ref": format!("#/definitions/{}", o.name) })
        }
        Schema::Object(o) => object(o, definitions),
        Schema::Map(values) => json!({
            "type": "object",
            "propertyNames": { "pattern": NAME_PATTERN },
            "additionalProperties": schema(*values, definitions),
        }),
        Schema::List(list) => {
            let mut out = json!({
                "type": "array",
                "items": schema(list.items, definitions),
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

fn object(o: &Object, definitions: &mut Map<String, Value>) -> Value {
    let mut properties = Map::new();
    for field in o.fields {
        let mut value = schema(field.schema, definitions);
        if let Value::Object(map) = &mut value {
            map.insert("description".into(), json!(field.doc));
        }
        properties.insert(field.name.to_string(), value);
    }
    let required: Vec<&str> = o
        .fields
        .iter()
        .filter(|f| f.required)
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
            "anyOf": [{ "format": "ipv4" }, { "format": "ipv6" }, { "format": "hostname" }],
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
