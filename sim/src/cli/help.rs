//! `help` / `h`: the commands and levels of the current level, numbered as in
//! CS2005 (`N) <Name> : go to level <Name>`), and `h <command>` in the form of
//! C-ADMIN (description, a 70-`=` rule, the command and its parameter lines).
use std::fmt::Write as _;

use super::commands::{HelpEntry, help_entries};
use super::errors::CliError;
use super::format::RULE;
use super::nav::Location;
use super::verbs;
use crate::catalog::model::{ContextDef, Field, Kind, Verb};
use crate::catalog::{Catalog, HostView};
use crate::host::SimHost;

const BUILTINS: &str = "h (help), e (exit), q (quit), cd (cd)";

fn verb_description(def: &ContextDef, verb: Verb) -> &'static str {
    match (verb, def.kind) {
        (Verb::Get, Kind::Attributes) => "show the attributes of this level",
        (Verb::Get, _) => "show the entries of this level (key values filter them)",
        (Verb::Set, Kind::Attributes) => {
            "modify attributes (a password is typed at the New Password: prompts)"
        }
        (Verb::Set, _) => "modify attributes of an entry",
        (Verb::Add, _) => "add an entry",
        (Verb::Delete, _) => "delete an entry",
        (Verb::Clear, _) => "empty attributes",
        (Verb::Detail, _) => "show every attribute of an entry",
    }
}

fn line(host: &SimHost, f: &Field) -> String {
    verbs::spec_line(host, f)
}

fn choice(fields: &[&Field]) -> String {
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    format!("<attribute>, Multiple Choice = {{{}}}", names.join(", "))
}

/// Parameter lines of a standard verb; sub-lines start with four spaces.
fn verb_params(host: &SimHost, def: &ContextDef, verb: Verb) -> Vec<String> {
    let keys: Vec<&Field> = def.keys().collect();
    let settable: Vec<&Field> = def.fields().iter().filter(|f| f.settable()).collect();
    let mut out = Vec::new();
    let with_choice = |out: &mut Vec<String>, fields: &[&Field]| {
        out.push(choice(fields));
        for f in fields {
            out.push(format!("    {}", line(host, f)));
        }
    };
    match verb {
        Verb::Get if def.kind == Kind::Table => {
            out.extend(keys.iter().map(|k| format!("[{}]", line(host, k))));
        }
        Verb::Get => {}
        Verb::Set => {
            out.extend(keys.iter().map(|k| line(host, k)));
            with_choice(&mut out, &settable);
        }
        Verb::Add => {
            for c in def.columns.iter().filter(|c| c.positional()) {
                out.push(line(host, c));
            }
            let optional: Vec<&Field> = def
                .columns
                .iter()
                .filter(|c| c.optional && !c.hidden)
                .collect();
            if !optional.is_empty() {
                let mut sub = Vec::new();
                with_choice(&mut sub, &optional);
                out.push(format!("[{}]", sub[0]));
                out.extend(sub.into_iter().skip(1));
            }
        }
        Verb::Delete | Verb::Detail => out.extend(keys.iter().map(|k| line(host, k))),
        Verb::Clear => {
            if def.kind == Kind::Table {
                out.extend(keys.iter().map(|k| line(host, k)));
            }
            let nullable: Vec<&Field> = settable.iter().copied().filter(|f| f.nullable).collect();
            out.push(choice(&nullable));
        }
    }
    out
}

fn render_entry(word: &str, description: &str, params: &[String]) -> String {
    let mut out = format!("{description}\n\n{RULE}\n{word}\n");
    for p in params {
        let _ = writeln!(out, "    {p}");
    }
    out
}

fn special_entries(host: &SimHost, def: &ContextDef) -> Vec<HelpEntry> {
    def.commands
        .iter()
        .flat_map(|&c| help_entries(host, def, c))
        .collect()
}

/// The output of `help [<command>]` at `location`.
pub(super) fn help(
    catalog: &Catalog,
    view: &HostView<'_>,
    location: &Location,
    host: &SimHost,
    command: Option<&str>,
) -> Result<String, CliError> {
    let here = location.last().map(|c| catalog.context(c.id));
    let verbs_here: Vec<Verb> = here
        .filter(|d| d.kind != Kind::Node)
        .map(|d| d.verbs.clone())
        .unwrap_or_default();
    let specials = here.map(|d| special_entries(host, d)).unwrap_or_default();
    let Some(command) = command else {
        let mut out = String::new();
        if let Some(text) = here.and_then(|d| d.help.as_deref()) {
            out.push_str(text);
            out.push('\n');
        }
        let mut n = 0;
        if let Some(def) = here {
            for v in &verbs_here {
                let _ = writeln!(out, "{n}) {} : {}", v.word(), verb_description(def, *v));
                n += 1;
            }
        }
        for s in &specials {
            let _ = writeln!(out, "{n}) {} : {}", s.word, s.description);
            n += 1;
        }
        for c in catalog.children(location.last().map(|c| c.id), view) {
            let _ = writeln!(out, "{n}) {} : go to level {}", c.name, c.name);
            n += 1;
        }
        out.push_str(BUILTINS);
        out.push('\n');
        return Ok(out);
    };
    let lower = command.to_ascii_lowercase();
    match lower.as_str() {
        "cd" => {
            return Ok(render_entry(
                "cd",
                "Goes to a level: an absolute path (/Interface/SIP), a relative one (SSLSettings/Protocols), .. or /.",
                &["[<path>, String {level path}]".to_string()],
            ));
        }
        "exit" | "e" | "quit" | "q" => {
            return Ok(render_entry(
                "exit",
                "Ends the session, after confirmation.",
                &[],
            ));
        }
        "help" | "h" => {
            return Ok(render_entry(
                "help",
                "Lists the commands and levels here, or describes one command.",
                &["[<command>, String {a command of this level}]".to_string()],
            ));
        }
        _ => {}
    }
    if let Some(def) = here {
        if let Some(verb) = verbs::verb_of(def, &lower) {
            let params = verb_params(host, def, verb);
            let mut desc = verb_description(def, verb).to_string();
            if let Some(first) = desc.get(..1) {
                desc = first.to_uppercase() + &desc[1..] + ".";
            }
            return Ok(render_entry(verb.word(), &desc, &params));
        }
        if let Some(entry) = specials
            .iter()
            .find(|s| s.word.eq_ignore_ascii_case(&lower))
        {
            return Ok(render_entry(entry.word, entry.description, &entry.params));
        }
    }
    Err(CliError::InvalidCommand)
}
