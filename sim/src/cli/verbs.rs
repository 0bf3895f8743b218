//! The standard verbs: `get`/`g`, `set`, `add`, `delete`/`del`, `clear`, `detail`,
//! on attribute contexts and tables (bwcli-behavior §3).
use std::collections::VecDeque;

use super::errors::CliError;
use super::format::{self, DONE, MASK, RESTART_WARNING};
use super::{Outcome, PasswordEntry, commands};
use crate::catalog::catalog;
use crate::catalog::model::{ContextDef, Field, GetView, Kind, Verb};
use crate::catalog::tls::{ItemKind, parse_cipher_list, parse_protocol_list};
use crate::catalog::values::{ValueError, ValueType};
use crate::host::SimHost;
use crate::state::defaults::ensure_self_signed;
use crate::state::ops::{self, Write, WriteOp};
use crate::state::{Row, row_key};

/// The context a command runs in.
pub(crate) struct Target<'a> {
    /// The host.
    pub host: &'a SimHost,
    /// The context definition.
    pub def: &'static ContextDef,
    /// Its concrete path.
    pub path: String,
}

impl Target<'_> {
    /// Applies a change to this context and returns its text.
    pub(crate) fn commit(&self, op: WriteOp, word: &str) -> Result<String, CliError> {
        commit(self.host, self.def, &self.path, op, word)
    }
}

/// The standard verb `word` (lower case) names, if this context offers it.
pub(crate) fn verb_of(def: &ContextDef, word: &str) -> Option<Verb> {
    let verb = match word {
        "get" | "g" => Verb::Get,
        "set" => Verb::Set,
        "add" => Verb::Add,
        "delete" | "del" => Verb::Delete,
        "clear" => Verb::Clear,
        "detail" => Verb::Detail,
        _ => return None,
    };
    (def.has_verb(verb) && def.kind != Kind::Node).then_some(verb)
}

/// Runs a standard verb.
pub(crate) fn run(t: &Target<'_>, verb: Verb, args: &[String]) -> Result<Outcome, CliError> {
    let text = match (verb, t.def.kind) {
        (Verb::Get, Kind::Attributes) => get_attributes(t, args)?,
        (Verb::Get, Kind::Table) => get_table(t, args, "get")?,
        (Verb::Set, Kind::Attributes) => return set_attributes(t, args),
        (Verb::Set, Kind::Table) => set_row(t, args)?,
        (Verb::Add, Kind::Table) => add_row(t, args)?,
        (Verb::Delete, Kind::Table) => delete_row(t, args)?,
        (Verb::Clear, Kind::Attributes) => clear_attributes(t, args)?,
        (Verb::Clear, Kind::Table) => clear_row(t, args)?,
        (Verb::Detail, Kind::Table) => detail(t, args)?,
        _ => return Err(CliError::InvalidCommand),
    };
    Ok(Outcome::Text(text))
}

/// The protocol names of the host's release.
pub(crate) fn protocols(host: &SimHost) -> &'static [String] {
    &catalog().release(host.facts().release).protocols
}

/// `<name>, Type` as help and the missing-parameter error show a parameter.
pub(crate) fn spec_line(host: &SimHost, field: &Field) -> String {
    format!("<{}>, {}", field.name, field.ty.describe(protocols(host)))
}

/// `<name>, String {absolute file path}`-style line for a parameter of a given type.
pub(crate) fn param_line(host: &SimHost, name: &str, ty: &ValueType) -> String {
    format!("<{name}>, {}", ty.describe(protocols(host)))
}

fn choice_spec(fields: &[&Field]) -> String {
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    format!("<attribute>, Multiple Choice = {{{}}}", names.join(", "))
}

/// The error for a value a type refused.
pub(crate) fn invalid(word: &str, param: &str, raw: &str, e: &ValueError) -> CliError {
    CliError::InvalidValue {
        command: word.to_string(),
        param: param.to_string(),
        value: raw.to_string(),
        reason: e.explain(),
    }
}

/// A state-file failure, as a command error.
pub(crate) fn backend(word: &str, e: impl std::fmt::Display) -> CliError {
    CliError::Refused {
        command: word.to_string(),
        reason: format!("Failed to access the configuration: {e}"),
    }
}

/// Checks a typed value for `field` and returns the value to store (a key file's
/// content for [`ValueType::KeyFile`]).
pub(crate) fn check(
    t: &Target<'_>,
    word: &str,
    field: &Field,
    raw: &str,
) -> Result<String, CliError> {
    if raw.is_empty() && field.nullable {
        return Ok(String::new());
    }
    let ctx = t.host.facts().check_context(catalog());
    let value = field
        .ty
        .check(raw, ctx)
        .map_err(|e| invalid(word, &field.name, raw, &e))?;
    if field.ty == ValueType::KeyFile {
        let bytes = read_host_file(t, word, &value)?;
        return String::from_utf8(bytes).map_err(|_| CliError::File {
            command: word.to_string(),
            path: value,
            reason: "not a text file".into(),
        });
    }
    Ok(value)
}

/// Checks a typed file path of the host, the value of parameter `param`.
pub(crate) fn host_path(
    t: &Target<'_>,
    word: &str,
    param: &str,
    raw: &str,
) -> Result<String, CliError> {
    let ctx = t.host.facts().check_context(catalog());
    ValueType::Path
        .check(raw, ctx)
        .map_err(|e| invalid(word, param, raw, &e))
}

/// The host path typed as `param` at `args[i]`, the last parameter: it is
/// mandatory, and nothing may follow it.
pub(crate) fn last_path_arg(
    t: &Target<'_>,
    word: &str,
    args: &[String],
    i: usize,
    param: &str,
) -> Result<String, CliError> {
    let Some(raw) = args.get(i) else {
        return Err(CliError::Mandatory {
            command: word.to_string(),
            spec: param_line(t.host, param, &ValueType::Path),
        });
    };
    if args.len() > i + 1 {
        return Err(CliError::TooMany {
            command: word.to_string(),
        });
    }
    host_path(t, word, param, raw)
}

/// Reads a file of the host; a failure names the file.
pub(crate) fn read_host_file(t: &Target<'_>, word: &str, path: &str) -> Result<Vec<u8>, CliError> {
    t.host
        .read_host_file(path)
        .map_err(|reason| CliError::File {
            command: word.to_string(),
            path: path.to_string(),
            reason,
        })
}

fn display(field: &Field, value: &str) -> String {
    if field.ty.is_secret() && !value.is_empty() {
        MASK.to_string()
    } else {
        value.to_string()
    }
}

/// The text after a successful change: the restart warning if needed, `...Done`.
pub(crate) fn done(needs_restart: bool) -> String {
    if needs_restart {
        format!("{RESTART_WARNING}\n{DONE}\n")
    } else {
        format!("{DONE}\n")
    }
}

/// Applies a change and returns its text.
pub(crate) fn commit(
    host: &SimHost,
    def: &'static ContextDef,
    path: &str,
    op: WriteOp,
    word: &str,
) -> Result<String, CliError> {
    let facts = host.facts();
    let w = Write {
        def,
        path: path.to_string(),
        op,
    };
    match host.update(|st| ops::apply(st, facts, &w)) {
        Err(e) => Err(backend(word, e)),
        Ok(Err(e)) => Err(e.into()),
        Ok(Ok(applied)) => Ok(done(applied.needs_restart)),
    }
}

/// The configured rows of the target table.
pub(crate) fn configured_rows(t: &Target<'_>, word: &str) -> Result<Vec<Row>, CliError> {
    let facts = t.host.facts();
    t.host
        .read(|st| st.configured.rows(&t.path, t.def, facts))
        .map_err(|e| backend(word, e))
}

/// Checks the key values typed first in `args`; a missing one is reported.
pub(crate) fn key_args(
    t: &Target<'_>,
    def: &ContextDef,
    word: &str,
    args: &[String],
) -> Result<Vec<String>, CliError> {
    let keys: Vec<&Field> = def.keys().collect();
    if args.len() < keys.len() {
        return Err(CliError::Mandatory {
            command: word.to_string(),
            spec: spec_line(t.host, keys[args.len()]),
        });
    }
    keys.iter()
        .zip(args)
        .map(|(k, a)| check(t, word, k, a))
        .collect()
}

/// Checks `args` as the key of a row of the target table, and nothing more.
pub(crate) fn key_only_args(
    t: &Target<'_>,
    word: &str,
    args: &[String],
) -> Result<Vec<String>, CliError> {
    let key = key_args(t, t.def, word, args)?;
    if args.len() > key.len() {
        return Err(CliError::TooMany {
            command: word.into(),
        });
    }
    Ok(key)
}

fn get_attributes(t: &Target<'_>, args: &[String]) -> Result<String, CliError> {
    if !args.is_empty() {
        return Err(CliError::TooMany {
            command: "get".into(),
        });
    }
    let vars = &t.host.facts().vars;
    let pairs = t
        .host
        .read(|st| {
            t.def
                .attributes
                .iter()
                .map(|f| {
                    (
                        f.name.clone(),
                        display(f, &st.configured.attr(&t.path, f, vars)),
                    )
                })
                .collect::<Vec<_>>()
        })
        .map_err(|e| backend("get", e))?;
    Ok(format::attribute_list(&pairs))
}

fn view_rows(t: &Target<'_>, word: &str) -> Result<Vec<Row>, CliError> {
    match &t.def.options.get_view {
        None | Some(GetView::Rows) => configured_rows(t, word),
        Some(GetView::Certificates) => commands::certificate_rows(t, word),
        Some(GetView::ClusterMap { federation }) => {
            let cat = catalog();
            let facts = t.host.facts();
            let ready = t
                .host
                .read(|st| {
                    let set = |a: &str| {
                        st.configured
                            .attr_at(cat, facts, federation, a)
                            .is_some_and(|v| !v.is_empty())
                    };
                    set("flsUrl") && set("refreshToken")
                })
                .map_err(|e| backend(word, e))?;
            if ready {
                configured_rows(t, word)
            } else {
                Ok(Vec::new())
            }
        }
    }
}

/// A column's `get` header: the address column of an interface table follows the
/// host's `http_address_header` (bwcli-behavior §6: the real header is undocumented).
fn header(t: &Target<'_>, column: &Field) -> String {
    let renamed = t.host.facts().layout.http_address_header.as_ref();
    match renamed {
        Some(h) if t.def.options.address_column.as_deref() == Some(column.name.as_str()) => {
            h.clone()
        }
        _ => column.header.clone(),
    }
}

/// `get` (and `list`) on a table: key values filter; the scope columns given are
/// hidden (C-TLS: `get <ip> <port>` shows only `Protocol Name`).
pub(crate) fn get_table(t: &Target<'_>, args: &[String], word: &str) -> Result<String, CliError> {
    let keys: Vec<&Field> = t.def.keys().collect();
    if args.len() > keys.len() {
        return Err(CliError::TooMany {
            command: word.to_string(),
        });
    }
    let filter = keys
        .iter()
        .zip(args)
        .map(|(k, a)| check(t, word, k, a))
        .collect::<Result<Vec<_>, _>>()?;
    let rows: Vec<Row> = view_rows(t, word)?
        .into_iter()
        .filter(|r| row_key(t.def, r).starts_with(&filter))
        .collect();
    let hidden: Vec<&str> = keys
        .iter()
        .take(args.len().min(t.def.scope))
        .map(|k| k.name.as_str())
        .collect();
    let columns: Vec<&Field> = t
        .def
        .columns
        .iter()
        .filter(|c| !c.hidden && !c.detail_only && !hidden.contains(&c.name.as_str()))
        .collect();
    let headers: Vec<String> = columns.iter().map(|c| header(t, c)).collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|c| display(c, r.get(&c.name).map(String::as_str).unwrap_or("")))
                .collect()
        })
        .collect();
    Ok(format::table(&headers, &cells))
}

fn set_attributes(t: &Target<'_>, args: &[String]) -> Result<Outcome, CliError> {
    let word = "set";
    let settable: Vec<&Field> = t.def.attributes.iter().filter(|f| f.settable()).collect();
    if args.is_empty() {
        return Err(CliError::Mandatory {
            command: word.into(),
            spec: choice_spec(&settable),
        });
    }
    let mut values = Vec::new();
    let mut passwords = VecDeque::new();
    let mut i = 0;
    while i < args.len() {
        let field = named(word, &args[i], &settable)?;
        if field.ty == ValueType::Password {
            // Never echo what follows: it may be the secret itself.
            if let Some(next) = args.get(i + 1)
                && !settable.iter().any(|f| f.name.eq_ignore_ascii_case(next))
            {
                return Err(CliError::PasswordInline {
                    command: word.into(),
                    name: field.name.clone(),
                });
            }
            passwords.push_back(field.name.clone());
            i += 1;
            continue;
        }
        values.push(named_value(t, word, field, args.get(i + 1))?);
        i += 2;
    }
    if passwords.is_empty() {
        return t.commit(WriteOp::SetAttrs(values), word).map(Outcome::Text);
    }
    Ok(Outcome::Passwords(PasswordEntry {
        def: t.def,
        path: t.path.clone(),
        word: word.into(),
        values,
        remaining: passwords,
        first: None,
    }))
}

/// The field of `fields` that `name` names, in any case.
fn named<'f>(word: &str, name: &str, fields: &[&'f Field]) -> Result<&'f Field, CliError> {
    fields
        .iter()
        .copied()
        .find(|f| f.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| CliError::UnknownAttribute {
            command: word.to_string(),
            name: name.to_string(),
            known: fields.iter().map(|f| f.name.clone()).collect(),
        })
}

/// The name of `field` and its checked value `raw`, which is mandatory.
fn named_value(
    t: &Target<'_>,
    word: &str,
    field: &Field,
    raw: Option<&String>,
) -> Result<(String, String), CliError> {
    let Some(raw) = raw else {
        return Err(CliError::Mandatory {
            command: word.to_string(),
            spec: spec_line(t.host, field),
        });
    };
    Ok((field.name.clone(), check(t, word, field, raw)?))
}

/// Named `<attribute> <value>` pairs among `fields`.
fn pairs(
    t: &Target<'_>,
    word: &str,
    args: &[String],
    fields: &[&Field],
) -> Result<Vec<(String, String)>, CliError> {
    args.chunks(2)
        .map(|pair| named_value(t, word, named(word, &pair[0], fields)?, pair.get(1)))
        .collect()
}

/// D4: container options that carry TLS lists must parse.
fn check_container_option(t: &Target<'_>, word: &str, row: &Row) -> Result<(), CliError> {
    if !t.def.options.container_option_rules {
        return Ok(());
    }
    let (Some(c), Some(n), Some(v)) = (row.get("container"), row.get("name"), row.get("value"))
    else {
        return Ok(());
    };
    let Some((format, kind)) = catalog().tls.container_rule(c, n) else {
        return Ok(());
    };
    let ctx = t.host.facts().check_context(catalog());
    let result = match kind {
        ItemKind::Protocols => parse_protocol_list(format, v, ctx).map(|_| ()),
        ItemKind::Ciphers => parse_cipher_list(format, v, ctx).map(|_| ()),
    };
    result.map_err(|e| invalid(word, "value", v, &e))
}

/// Adding or securing an interface generates its self-signed certificate
/// (WBX-SG: "the system generates a self-signed certificate if it needs one").
fn self_signed(t: &Target<'_>, word: &str, row: &mut Row) -> Result<(), CliError> {
    if let Some(flag) = &t.def.options.self_signed {
        ensure_self_signed(row, flag, &t.host.facts().vars.fqdn, None).map_err(|e| {
            CliError::Refused {
                command: word.to_string(),
                reason: format!("generating a certificate: {e}"),
            }
        })?;
    }
    Ok(())
}

fn set_row(t: &Target<'_>, args: &[String]) -> Result<String, CliError> {
    let word = "set";
    let settable: Vec<&Field> = t.def.columns.iter().filter(|c| c.settable()).collect();
    let key = key_args(t, t.def, word, args)?;
    let rest = &args[key.len()..];
    if rest.is_empty() {
        return Err(CliError::Mandatory {
            command: word.into(),
            spec: choice_spec(&settable),
        });
    }
    // D5: `set <container> <name> <value>` when one column is settable.
    let values = if settable.len() == 1 && rest.len() == 1 {
        vec![(
            settable[0].name.clone(),
            check(t, word, settable[0], &rest[0])?,
        )]
    } else {
        pairs(t, word, rest, &settable)?
    };
    let rows = configured_rows(t, word)?;
    let current = rows
        .iter()
        .find(|r| row_key(t.def, r) == key)
        .ok_or(CliError::Op(ops::OpError::NotFound))?;
    let mut next = current.clone();
    for (k, v) in &values {
        next.insert(k.clone(), v.clone());
    }
    check_container_option(t, word, &next)?;
    self_signed(t, word, &mut next)?;
    let changes: Vec<(String, String)> = next
        .iter()
        .filter(|(k, v)| current.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    t.commit(
        WriteOp::SetRow {
            key,
            values: changes,
        },
        word,
    )
}

fn add_row(t: &Target<'_>, args: &[String]) -> Result<String, CliError> {
    let word = "add";
    let positional: Vec<&Field> = t.def.columns.iter().filter(|c| c.positional()).collect();
    let optional: Vec<&Field> = t
        .def
        .columns
        .iter()
        .filter(|c| c.optional && !c.hidden)
        .collect();
    if args.len() < positional.len() {
        return Err(CliError::Mandatory {
            command: word.into(),
            spec: spec_line(t.host, positional[args.len()]),
        });
    }
    let mut row = Row::new();
    for (f, a) in positional.iter().zip(args) {
        row.insert(f.name.clone(), check(t, word, f, a)?);
    }
    let tail = &args[positional.len()..];
    if !tail.is_empty() && optional.is_empty() {
        return Err(CliError::TooMany {
            command: word.into(),
        });
    }
    for (k, v) in pairs(t, word, tail, &optional)? {
        row.insert(k, v);
    }
    let vars = &t.host.facts().vars;
    for c in &t.def.columns {
        row.entry(c.name.clone())
            .or_insert_with(|| vars.expand(&c.default));
    }
    check_container_option(t, word, &row)?;
    let key = row_key(t.def, &row);
    if configured_rows(t, word)?
        .iter()
        .any(|r| row_key(t.def, r) == key)
    {
        return Err(CliError::Op(ops::OpError::AlreadyPresent));
    }
    self_signed(t, word, &mut row)?;
    t.commit(WriteOp::AddRow(row), word)
}

fn delete_row(t: &Target<'_>, args: &[String]) -> Result<String, CliError> {
    let word = "delete";
    let key = key_only_args(t, word, args)?;
    t.commit(WriteOp::DeleteRow(key), word)
}

fn clearable(
    word: &str,
    names: &[String],
    fields: &[&Field],
) -> Result<Vec<(String, String)>, CliError> {
    let nullable: Vec<&Field> = fields.iter().copied().filter(|f| f.nullable).collect();
    if names.is_empty() {
        return Err(CliError::Mandatory {
            command: word.into(),
            spec: choice_spec(&nullable),
        });
    }
    names
        .iter()
        .map(|n| {
            let f = named(word, n, fields)?;
            if !f.nullable {
                return Err(CliError::Refused {
                    command: word.into(),
                    reason: format!("{} cannot be cleared", f.name),
                });
            }
            Ok((f.name.clone(), String::new()))
        })
        .collect()
}

fn clear_attributes(t: &Target<'_>, args: &[String]) -> Result<String, CliError> {
    let word = "clear";
    let fields: Vec<&Field> = t.def.attributes.iter().filter(|f| f.settable()).collect();
    let values = clearable(word, args, &fields)?;
    t.commit(WriteOp::SetAttrs(values), word)
}

fn clear_row(t: &Target<'_>, args: &[String]) -> Result<String, CliError> {
    let word = "clear";
    let key = key_args(t, t.def, word, args)?;
    let fields: Vec<&Field> = t.def.columns.iter().filter(|c| c.settable()).collect();
    let values = clearable(word, &args[key.len()..], &fields)?;
    t.commit(WriteOp::SetRow { key, values }, word)
}

fn detail(t: &Target<'_>, args: &[String]) -> Result<String, CliError> {
    let word = "detail";
    let key = key_only_args(t, word, args)?;
    let rows = view_rows(t, word)?;
    let row = rows
        .iter()
        .find(|r| row_key(t.def, r) == key)
        .ok_or(CliError::Op(ops::OpError::NotFound))?;
    let pairs: Vec<(String, String)> = t
        .def
        .columns
        .iter()
        .filter(|c| !c.hidden)
        .map(|c| {
            (
                c.name.clone(),
                display(c, row.get(&c.name).map(String::as_str).unwrap_or("")),
            )
        })
        .collect();
    Ok(format::attribute_list(&pairs))
}
