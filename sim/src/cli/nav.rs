//! Navigation: levels by case-insensitive prefix (bwcli-behavior §2), `cd` paths,
//! and the prompt.
use crate::catalog::{Catalog, Child, ContextId, HostView};

use super::errors::CliError;

/// Where a session is: the levels from the top, with their concrete names.
pub type Location = Vec<Child>;

/// The sub-level of `parent` that `word` names: an exact (case-insensitive) name,
/// else the only name it is a prefix of.
pub fn child(
    catalog: &Catalog,
    view: &HostView<'_>,
    parent: Option<ContextId>,
    word: &str,
) -> Result<Option<Child>, CliError> {
    let children = catalog.children(parent, view);
    if let Some(c) = children.iter().find(|c| c.name.eq_ignore_ascii_case(word)) {
        return Ok(Some(c.clone()));
    }
    let lower = word.to_ascii_lowercase();
    let matches: Vec<&Child> = children
        .iter()
        .filter(|c| c.name.to_ascii_lowercase().starts_with(&lower))
        .collect();
    match matches.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some((*one).clone())),
        many => Err(CliError::Ambiguous {
            word: word.to_string(),
            matches: many.iter().map(|c| c.name.clone()).collect(),
        }),
    }
}

/// Resolves a `cd` argument from `from`: `/` starts at the top, `..` goes up, other
/// segments name sub-levels (prefixes allowed).
pub fn resolve(
    catalog: &Catalog,
    view: &HostView<'_>,
    from: &Location,
    path: &str,
) -> Result<Location, CliError> {
    let mut loc = if path.starts_with('/') {
        Vec::new()
    } else {
        from.clone()
    };
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                loc.pop();
            }
            name => {
                let parent = loc.last().map(|c| c.id);
                match child(catalog, view, parent, name)? {
                    Some(c) => loc.push(c),
                    None => {
                        return Err(CliError::Refused {
                            command: "cd".into(),
                            reason: format!("no level \"{name}\" at /{}", concrete_path(&loc)),
                        });
                    }
                }
            }
        }
    }
    Ok(loc)
}

/// The concrete path of a location, e.g. `Interface/CTI` (empty at the top).
pub fn concrete_path(loc: &Location) -> String {
    loc.iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join("/")
}

/// The prompt: `XSP_CLI/Interface/CTI> ` (canonical names, trailing space).
pub fn prompt(cli: &str, loc: &Location) -> String {
    let mut p = cli.to_string();
    for c in loc {
        p.push('/');
        p.push_str(&c.name);
    }
    p.push_str("> ");
    p
}

/// The longest leading part of `loc` that still exists on the host (levels appear
/// and disappear with applications).
pub fn still_valid(catalog: &Catalog, view: &HostView<'_>, loc: &Location) -> Location {
    let mut out: Location = Vec::new();
    for c in loc {
        let parent = out.last().map(|p| p.id);
        if catalog.children(parent, view).iter().any(|k| k == c) {
            out.push(c.clone());
        } else {
            break;
        }
    }
    out
}
