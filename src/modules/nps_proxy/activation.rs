//! An XSP/ADP application activated and deployed at a context path
//! (`Maintenance/ManagedObjects`, guide B §2.2 step 3 and §6; bwcli-behavior §4
//! C-UPG): two command facts, `activate application <name> <version> <path>` and
//! `deploy application <path>`, each observed in the ManagedObjects table. The
//! version is the one the host has installed, read when the module renders. The
//! activation creates `/Applications/<name>`: its levels exist only once it has run.
use crate::desired::{CommandFact, ContextRef, Observe};
use crate::live::link::HostLink;

/// The applications table.
pub const MANAGED_OBJECTS: &str = "/Maintenance/ManagedObjects";

/// The columns read, as `get` prints them.
const COLUMNS: [&str; 4] = ["Name", "Version", "Context Path", "State"];

/// Why an application cannot be activated as the playbook wants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActivationError {
    /// The host has no installed version of it.
    #[error(
        "{MANAGED_OBJECTS}: application {name} is not installed on the host (the table lists: {seen})\n  help: install it first (`install application <file>` in {MANAGED_OBJECTS}); xspctl activates installed applications, it does not install them"
    )]
    NotInstalled {
        /// The application.
        name: String,
        /// The applications the table lists.
        seen: String,
    },
    /// Several versions are installed and none is active: which one is meant?
    #[error(
        "{MANAGED_OBJECTS}: application {name} has several installed versions ({versions}) and none is active, so xspctl cannot tell which one to activate\n  help: activate the version you want by hand (`activate application {name} <version> {path}`), then run xspctl again"
    )]
    WhichVersion {
        /// The application.
        name: String,
        /// Its installed versions.
        versions: String,
        /// The context path wanted.
        path: String,
    },
    /// It is active at another context path than the playbook's.
    #[error(
        "{MANAGED_OBJECTS}: application {name} is active at {found:?}, the playbook wants {path}\n  help: set the playbook's context path to {found:?}, or undeploy and deactivate the application by hand first"
    )]
    OtherPath {
        /// The application.
        name: String,
        /// Where it is active.
        found: String,
        /// The context path wanted.
        path: String,
    },
    /// The table could not be read, or lacks a column.
    #[error("{0}")]
    Read(String),
}

/// The command facts that activate application `name` at `path` and deploy it.
pub fn activate_and_deploy(
    name: &str,
    path: &str,
    link: &mut dyn HostLink,
) -> Result<Vec<CommandFact>, ActivationError> {
    let version = version_to_activate(name, path, link)?;
    let observe = |column: &str, value: &str| Observe {
        columns: vec!["Name".into(), column.into()],
        key_len: 2,
        present: vec![vec![name.into(), value.into()]],
    };
    let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    Ok(vec![
        CommandFact {
            context: MANAGED_OBJECTS.into(),
            line: words(&["activate", "application", name, &version, path]),
            // Activating sets the context path (deactivating clears it).
            observe: Some(observe("Context Path", path)),
            because: None,
            uses: Vec::new(),
            secrets: Vec::new(),
            confirm: false,
            undo: Some(words(&["deactivate", "application", path])),
            restart: false,
            creates: vec![format!("/Applications/{name}")],
        },
        CommandFact {
            context: MANAGED_OBJECTS.into(),
            line: words(&["deploy", "application", path]),
            observe: Some(observe("State", "Deployed")),
            because: None,
            creates: Vec::new(),
            uses: Vec::new(),
            secrets: Vec::new(),
            confirm: false,
            undo: Some(words(&["undeploy", "application", path])),
            restart: false,
        },
    ])
}

/// The version to activate: the active one when it is active at `path`, else
/// the only installed one.
fn version_to_activate(
    name: &str,
    path: &str,
    link: &mut dyn HostLink,
) -> Result<String, ActivationError> {
    let at = ContextRef {
        context: MANAGED_OBJECTS.into(),
        args: Vec::new(),
    };
    let columns: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    let rows = link
        .read(&at)
        .map_err(|e| ActivationError::Read(e.to_string()))?
        .rows_by(MANAGED_OBJECTS, &columns)
        .map_err(|e| ActivationError::Read(e.to_string()))?;
    let own: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[0].eq_ignore_ascii_case(name))
        .collect();
    if let Some(active) = own.iter().find(|r| r[3] == "Active" || r[3] == "Deployed") {
        return match active[2] == path {
            true => Ok(active[1].clone()),
            false => Err(ActivationError::OtherPath {
                name: name.into(),
                found: active[2].clone(),
                path: path.into(),
            }),
        };
    }
    match own.as_slice() {
        [] => Err(ActivationError::NotInstalled {
            name: name.into(),
            seen: match rows.is_empty() {
                true => "no application".into(),
                false => rows
                    .iter()
                    .map(|r| format!("{} {} ({})", r[0], r[1], r[3]))
                    .collect::<Vec<_>>()
                    .join(", "),
            },
        }),
        [one] => Ok(one[1].clone()),
        several => Err(ActivationError::WhichVersion {
            name: name.into(),
            versions: several
                .iter()
                .map(|r| r[1].as_str())
                .collect::<Vec<_>>()
                .join(", "),
            path: path.into(),
        }),
    }
}
