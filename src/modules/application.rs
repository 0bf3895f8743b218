//! An XSP/ADP application activated and deployed at a context path
//! (`Maintenance/ManagedObjects`; guide B §2.2 step 3 for AuthService, §7.2 step 3
//! for the NPS, §6; bwcli-behavior §4 C-UPG), shared by the modules that run one
//! (`authservice`, `nps_proxy`). The host's listing is read ([`read`]): the version
//! to activate is the one the host has installed, never hard-coded (the guide's
//! `22.0_1.1123` is R22's). Two command facts ([`activate_and_deploy`]):
//! `activate application <name> <version> <path>` and `deploy application <path>`,
//! each observed in the listing, so that each runs only while its row is missing.
//! The activation creates `/Applications/<name>`: its levels exist only once it
//! has run (docs/decisions.md D42).
use crate::desired::{CommandFact, ContextRef, Observe};
use crate::live::link::{HostLink, LinkError};
use crate::live::{LiveContext, MissingColumn};

/// The applications table.
pub const MANAGED_OBJECTS: &str = "/Maintenance/ManagedObjects";

/// The columns read, as `get` prints them.
const COLUMNS: [&str; 4] = ["Name", "Version", "Context Path", "State"];

/// An application as the host lists it: the one to activate, or the active one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// Its name, e.g. `AuthenticationService`.
    pub name: String,
    /// The version to activate, or the active one.
    pub version: String,
    /// The context path it runs at, or is to be activated at.
    pub context_path: String,
    /// `Installed`, `Active` or `Deployed`.
    pub state: String,
}

impl Application {
    /// Whether it is active (or deployed): its contexts exist.
    pub fn is_active(&self) -> bool {
        is_active(&self.state)
    }
}

/// Whether a listing's state is active (or deployed).
fn is_active(state: &str) -> bool {
    matches!(state, "Active" | "Deployed")
}

/// Why an application cannot be activated as the playbook wants.
#[derive(Debug, thiserror::Error)]
pub enum ApplicationError {
    /// The listing could not be read.
    #[error("{0}")]
    Link(#[from] LinkError),
    /// The listing lacks a column.
    #[error("{0}")]
    Column(#[from] MissingColumn),
    /// `get` printed no table.
    #[error("`get` in {MANAGED_OBJECTS} did not print the applications table")]
    NotATable,
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
    /// It is active at another context path than the one wanted.
    #[error(
        "{MANAGED_OBJECTS}: application {name} is active at {found:?}, not at {path}\n  help: undeploy and deactivate it by hand (`undeploy application {found}`, `deactivate application {found}` in {MANAGED_OBJECTS}), or, where the playbook names the path, set it to {found:?}; then run xspctl again"
    )]
    OtherPath {
        /// The application.
        name: String,
        /// Where it is active.
        found: String,
        /// The context path wanted.
        path: String,
    },
}

/// Reads application `name` from the host's listing: the one active at `path`,
/// else the only installed version (to be activated at `path`).
pub fn read(
    name: &str,
    path: &str,
    link: &mut dyn HostLink,
) -> Result<Application, ApplicationError> {
    let at = ContextRef {
        context: MANAGED_OBJECTS.into(),
        args: Vec::new(),
    };
    let live = link.read(&at)?;
    if !matches!(live, LiveContext::Table { .. }) {
        return Err(ApplicationError::NotATable);
    }
    let rows = live.rows_by(MANAGED_OBJECTS, &COLUMNS.map(String::from))?;
    let own: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[0].eq_ignore_ascii_case(name))
        .collect();
    let listed = |r: &Vec<String>, context_path: &str| Application {
        name: name.into(),
        version: r[1].clone(),
        context_path: context_path.into(),
        state: r[3].clone(),
    };
    if let Some(active) = own.iter().find(|r| is_active(&r[3])) {
        return match active[2] == path {
            true => Ok(listed(active, path)),
            false => Err(ApplicationError::OtherPath {
                name: name.into(),
                found: active[2].clone(),
                path: path.into(),
            }),
        };
    }
    match own.as_slice() {
        [] => Err(ApplicationError::NotInstalled {
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
        [one] => Ok(listed(one, path)),
        several => Err(ApplicationError::WhichVersion {
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

/// The command facts that activate `app` at its context path and deploy it.
pub fn activate_and_deploy(app: &Application) -> Vec<CommandFact> {
    let (name, path) = (app.name.as_str(), app.context_path.as_str());
    let observe = |column: &str, value: &str| Observe {
        columns: vec!["Name".into(), column.into()],
        key_len: 2,
        present: vec![vec![name.into(), value.into()]],
    };
    let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        CommandFact {
            context: MANAGED_OBJECTS.into(),
            line: words(&["activate", "application", name, &app.version, path]),
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
    ]
}
