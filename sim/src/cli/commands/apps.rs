//! Applications in `Maintenance/ManagedObjects` (guide B §2.2 step 3 and §6;
//! C-UPG): `install application <file>` reads a `.war` or `.bwar` file of the host,
//! `activate application <name> <version> [<contextPath>]` (the path is mandatory
//! for unmanaged `.war` applications), `deploy application <contextPath>`,
//! `undeploy application <contextPath>`, `deactivate application <contextPath|name>`.
//! Application levels (`Applications/<App>/...`) exist while the application is
//! active. The `BroadWorks SW Manager ...` lines follow guide B §2.2 step 3.
use std::sync::OnceLock;

use regex::Regex;

use super::HelpEntry;
use crate::catalog::values::ValueType;
use crate::cli::errors::CliError;
use crate::cli::verbs::{self, Target, configured_rows};
use crate::host::SimHost;
use crate::state::Row;
use crate::state::ops::{OpError, WriteOp};

const TYPE_CHOICE: &str = "<type>, Choice = {application}";

fn text(min: usize, max: usize) -> ValueType {
    ValueType::Text { min, max }
}

pub(super) fn help(host: &SimHost) -> Vec<HelpEntry> {
    let name = verbs::param_line(host, "name", &text(1, 80));
    let version = verbs::param_line(host, "version", &text(1, 80));
    let path = verbs::param_line(host, "contextPath", &text(1, 256));
    vec![
        HelpEntry {
            word: "install",
            description: "Validates and installs an application file (.war or .bwar) of the host.",
            params: vec![
                TYPE_CHOICE.into(),
                verbs::param_line(host, "file", &ValueType::Path),
            ],
        },
        HelpEntry {
            word: "activate",
            description: "Activates an installed application version; an unmanaged (.war) application needs a context path.",
            params: vec![TYPE_CHOICE.into(), name, version, format!("[{path}]")],
        },
        HelpEntry {
            word: "deploy",
            description: "Deploys the active application at a context path.",
            params: vec![TYPE_CHOICE.into(), path.clone()],
        },
        HelpEntry {
            word: "undeploy",
            description: "Undeploys the application at a context path.",
            params: vec![TYPE_CHOICE.into(), path.clone()],
        },
        HelpEntry {
            word: "deactivate",
            description: "Deactivates an undeployed application (by context path or name).",
            params: vec![TYPE_CHOICE.into(), path],
        },
    ]
}

/// Name and version of an application file: `BWCallSettingsWeb_1.7.5_1.war` gives
/// (`BWCallSettingsWeb`, `1.7.5`); `Xsi-Events-24_2021.05_1.251.bwar` gives
/// (`Xsi-Events`, `2021.05_1.251`).
pub(crate) fn parse_file_name(file: &str) -> Option<(String, String)> {
    static BWAR: OnceLock<Option<Regex>> = OnceLock::new();
    static WAR: OnceLock<Option<Regex>> = OnceLock::new();
    let base = file.rsplit('/').next().unwrap_or(file);
    if let Some(stem) = base.strip_suffix(".bwar") {
        let re = BWAR
            .get_or_init(|| Regex::new(r"^(?P<name>[A-Za-z][A-Za-z0-9.-]*?)-(?P<major>\d+)_(?P<ver>[0-9][0-9A-Za-z._]*)$").ok())
            .as_ref()?;
        let c = re.captures(stem)?;
        return Some((c["name"].to_string(), c["ver"].to_string()));
    }
    let stem = base.strip_suffix(".war")?;
    let re = WAR
        .get_or_init(|| {
            Regex::new(r"^(?P<name>[A-Za-z][A-Za-z0-9-]*)_(?P<ver>[0-9][0-9A-Za-z.]*)(?:_[0-9]+)?$")
                .ok()
        })
        .as_ref()?;
    let c = re.captures(stem)?;
    Some((c["name"].to_string(), c["ver"].to_string()))
}

fn field<'r>(r: &'r Row, name: &str) -> &'r str {
    r.get(name).map(String::as_str).unwrap_or("")
}

fn state(r: &Row) -> &str {
    field(r, "state")
}

fn is_active(r: &Row) -> bool {
    matches!(state(r), "Active" | "Deployed")
}

fn arg<'a>(
    t: &Target<'_>,
    word: &str,
    args: &'a [String],
    i: usize,
    name: &str,
    ty: &ValueType,
) -> Result<&'a String, CliError> {
    args.get(i).ok_or_else(|| CliError::Mandatory {
        command: word.to_string(),
        spec: verbs::param_line(t.host, name, ty),
    })
}

pub(super) fn run(t: &Target<'_>, word: &str, args: &[String]) -> Result<String, CliError> {
    let Some(kind) = args.first() else {
        return Err(CliError::Mandatory {
            command: word.into(),
            spec: TYPE_CHOICE.into(),
        });
    };
    if !kind.eq_ignore_ascii_case("application") {
        return Err(CliError::InvalidValue {
            command: word.into(),
            param: "type".into(),
            value: kind.clone(),
            reason: "expected Choice = {application}".into(),
        });
    }
    let rest = &args[1..];
    let max = if word == "activate" { 3 } else { 1 };
    if rest.len() > max {
        return Err(CliError::TooMany {
            command: word.into(),
        });
    }
    match word {
        "install" => install(t, rest),
        "activate" => activate(t, rest),
        "deploy" => deploy(t, rest, "deploy"),
        "undeploy" => deploy(t, rest, "undeploy"),
        _ => deactivate(t, rest),
    }
}

fn install(t: &Target<'_>, args: &[String]) -> Result<String, CliError> {
    let word = "install";
    let path = verbs::last_path_arg(t, word, args, 0, "file")?;
    let local = t.host.host_file(&path).ok_or(CliError::InvalidCommand)?;
    if let Err(e) = std::fs::metadata(&local) {
        return Err(CliError::File {
            command: word.into(),
            path,
            reason: crate::host::io_reason(&e),
        });
    }
    let base = path.rsplit('/').next().unwrap_or(&path).to_string();
    let (name, version) = parse_file_name(&base).ok_or_else(|| CliError::File {
        command: word.into(),
        path: path.clone(),
        reason: "not an application file (<Name>_<version>[_<build>].war or <Name>-<major>_<version>.bwar)".into(),
    })?;
    let mut row = Row::new();
    row.insert("name".into(), name);
    row.insert("version".into(), version);
    row.insert("contextPath".into(), String::new());
    row.insert("state".into(), "Installed".into());
    row.insert("file".into(), base.clone());
    let done = t.commit(WriteOp::AddRow(row), word)?;
    Ok(format!(
        "BroadWorks SW Manager installing {base}...\n{done}"
    ))
}

fn activate(t: &Target<'_>, args: &[String]) -> Result<String, CliError> {
    let word = "activate";
    let name = arg(t, word, args, 0, "name", &text(1, 80))?;
    let version = arg(t, word, args, 1, "version", &text(1, 80))?;
    let rows = configured_rows(t, word)?;
    let row = rows
        .iter()
        .find(|r| {
            r.get("name").is_some_and(|n| n.eq_ignore_ascii_case(name))
                && r.get("version") == Some(version)
        })
        .ok_or(CliError::Op(OpError::NotFound))?;
    let app = field(row, "name");
    let refuse = |reason: String| CliError::Refused {
        command: word.into(),
        reason,
    };
    if is_active(row) {
        return Err(refuse(format!("{app} {version} is already active")));
    }
    if let Some(other) = rows
        .iter()
        .find(|r| r.get("name").is_some_and(|n| n == app) && is_active(r))
    {
        return Err(refuse(format!(
            "{app} is active with version {}; deactivate it first",
            field(other, "version")
        )));
    }
    let unmanaged = row.get("file").is_some_and(|f| f.ends_with(".war"));
    let context_path = match args.get(2) {
        Some(p) if p.starts_with('/') && p.len() > 1 => p.clone(),
        Some(p) => {
            return Err(CliError::InvalidValue {
                command: word.into(),
                param: "contextPath".into(),
                value: p.clone(),
                reason: "expected a path starting with /".into(),
            });
        }
        None if unmanaged => {
            return Err(CliError::Mandatory {
                command: word.into(),
                spec: verbs::param_line(t.host, "contextPath", &text(1, 256)),
            });
        }
        None => String::new(),
    };
    if !context_path.is_empty()
        && let Some(user) = rows
            .iter()
            .find(|r| is_active(r) && r.get("contextPath") == Some(&context_path))
    {
        return Err(refuse(format!(
            "context path {context_path} is used by {}",
            field(user, "name")
        )));
    }
    let values = [("state", "Active"), ("contextPath", context_path.as_str())];
    let done = set_app(t, word, row, &values)?;
    Ok(format!(
        "BroadWorks SW Manager activating {app} {version}...\n{done}"
    ))
}

fn deploy(t: &Target<'_>, args: &[String], word: &str) -> Result<String, CliError> {
    let path = arg(t, word, args, 0, "contextPath", &text(1, 256))?;
    let rows = configured_rows(t, word)?;
    let row = rows
        .iter()
        .find(|r| is_active(r) && r.get("contextPath") == Some(path))
        .ok_or(CliError::Op(OpError::NotFound))?;
    let (from, to) = if word == "deploy" {
        ("Active", "Deployed")
    } else {
        ("Deployed", "Active")
    };
    if state(row) != from {
        return Err(CliError::Refused {
            command: word.into(),
            reason: format!(
                "the application at {path} is {}",
                if word == "deploy" {
                    "already deployed"
                } else {
                    "not deployed"
                }
            ),
        });
    }
    let done = set_app(t, word, row, &[("state", to)])?;
    Ok(format!("BroadWorks SW Manager {word}ing {path}...\n{done}"))
}

fn deactivate(t: &Target<'_>, args: &[String]) -> Result<String, CliError> {
    let word = "deactivate";
    let which = arg(t, word, args, 0, "contextPath", &text(1, 256))?;
    let rows = configured_rows(t, word)?;
    let row = rows
        .iter()
        .find(|r| {
            is_active(r)
                && (r.get("contextPath") == Some(which)
                    || r.get("name").is_some_and(|n| n.eq_ignore_ascii_case(which)))
        })
        .ok_or(CliError::Op(OpError::NotFound))?;
    if state(row) == "Deployed" {
        return Err(CliError::Refused {
            command: word.into(),
            reason: format!("the application at {which} is deployed; undeploy it first"),
        });
    }
    let (name, version) = (field(row, "name"), field(row, "version"));
    let done = set_app(t, word, row, &[("state", "Installed"), ("contextPath", "")])?;
    Ok(format!(
        "BroadWorks SW Manager deactivating {name} {version}...\n{done}"
    ))
}

/// Sets `values` on the application row `row` (its name and version are the key)
/// and returns the text.
fn set_app(
    t: &Target<'_>,
    word: &str,
    row: &Row,
    values: &[(&str, &str)],
) -> Result<String, CliError> {
    let key = vec![
        field(row, "name").to_string(),
        field(row, "version").to_string(),
    ];
    let values = values
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    t.commit(WriteOp::SetRow { key, values }, word)
}

#[cfg(test)]
mod tests {
    use super::parse_file_name;

    #[test]
    fn application_file_names() {
        assert_eq!(
            parse_file_name("/tmp/BWCallSettingsWeb_1.7.5_1.war"),
            Some(("BWCallSettingsWeb".into(), "1.7.5".into()))
        );
        assert_eq!(
            parse_file_name("Xsi-Events-24_2021.05_1.251.bwar"),
            Some(("Xsi-Events".into(), "2021.05_1.251".into()))
        );
        assert_eq!(parse_file_name("notes.txt"), None);
        assert_eq!(parse_file_name("x.war"), None);
    }
}
