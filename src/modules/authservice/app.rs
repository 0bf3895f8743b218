//! The AuthenticationService application in `Maintenance/ManagedObjects`
//! (solution guide B §2.2 step 3, source lines 2540-2548): activated with its
//! context path `/authService`, then deployed. The version to activate is read
//! from the host's listing, never hard-coded (the guide's `22.0_1.1123` is R22's).
use crate::desired::{CommandFact, ContextRef, DesiredTree, Observe};
use crate::live::link::{HostLink, LinkError};
use crate::live::{LiveContext, MissingColumn};
use crate::playbook::Host;

/// The application context.
pub(super) const MANAGED_OBJECTS: &str = "/Maintenance/ManagedObjects";
/// The application's name in the listing.
const APP: &str = "AuthenticationService";
/// guide B §2.2 step 3: the context path.
pub(super) const CONTEXT_PATH: &str = "/authService";
/// The contexts that exist once the application is active.
const APP_CONTEXTS: &str = "/Applications/AuthenticationService";

/// The application as the host lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Application {
    /// The version to activate, or the active one.
    pub version: String,
    /// Its context path (empty while only installed).
    pub context_path: String,
    /// `Installed`, `Active` or `Deployed`.
    pub state: String,
}

impl Application {
    /// Whether it is active (or deployed): its contexts exist.
    pub fn is_active(&self) -> bool {
        matches!(self.state.as_str(), "Active" | "Deployed")
    }
}

/// Why the application cannot be brought to `/authService`.
#[derive(Debug, thiserror::Error)]
pub(super) enum AppError {
    /// Reading the listing failed.
    #[error("{0}")]
    Link(#[from] LinkError),
    /// The listing lacks a column.
    #[error("{0}")]
    Column(#[from] MissingColumn),
    /// Not a table.
    #[error("host {host}: `get` in {MANAGED_OBJECTS} did not print the applications table")]
    NotATable {
        /// The host.
        host: String,
    },
    /// Not installed.
    #[error(
        "host {host}: {APP} is not installed ({MANAGED_OBJECTS} lists {seen})\n  help: install the AuthenticationService application on every XSP first (solution guide B §2.2 step 3)"
    )]
    NotInstalled {
        /// The host.
        host: String,
        /// The names listed.
        seen: String,
    },
    /// Active at another context path.
    #[error(
        "host {host}: {APP} {version} is active at {path:?}, not at {CONTEXT_PATH} (solution guide B §2.2 step 3)\n  help: undeploy and deactivate it (`cd {MANAGED_OBJECTS}`, `undeploy application {path}`, `deactivate application {path}`), then apply again"
    )]
    ElsewhereActive {
        /// The host.
        host: String,
        /// Its version.
        version: String,
        /// Where it is.
        path: String,
    },
    /// Several versions installed, none active: which to activate is the operator's call.
    #[error(
        "host {host}: {APP} is installed in several versions ({versions}) and none is active, so xspctl does not choose\n  help: activate the one to run by hand (`activate application {APP} <version> {CONTEXT_PATH}`), then apply again"
    )]
    Ambiguous {
        /// The host.
        host: String,
        /// The versions.
        versions: String,
    },
}

/// Reads the host's AuthenticationService application.
pub(super) fn read(host: &Host, link: &mut dyn HostLink) -> Result<Application, AppError> {
    let at = ContextRef {
        context: MANAGED_OBJECTS.to_string(),
        args: Vec::new(),
    };
    let live = link.read(&at)?;
    if !matches!(live, LiveContext::Table { .. }) {
        return Err(AppError::NotATable {
            host: host.name.clone(),
        });
    }
    let columns = ["Name", "Version", "Context Path", "State"].map(String::from);
    let rows = live.rows_by(MANAGED_OBJECTS, &columns)?;
    let apps: Vec<Application> = rows
        .iter()
        .filter(|r| r[0] == APP)
        .map(|r| Application {
            version: r[1].clone(),
            context_path: r[2].clone(),
            state: r[3].clone(),
        })
        .collect();
    if let Some(active) = apps.iter().find(|a| a.is_active()) {
        if active.context_path != CONTEXT_PATH {
            return Err(AppError::ElsewhereActive {
                host: host.name.clone(),
                version: active.version.clone(),
                path: active.context_path.clone(),
            });
        }
        return Ok(active.clone());
    }
    match apps.as_slice() {
        [] => Err(AppError::NotInstalled {
            host: host.name.clone(),
            seen: rows
                .iter()
                .map(|r| r[0].as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
        [one] => Ok(one.clone()),
        many => Err(AppError::Ambiguous {
            host: host.name.clone(),
            versions: many
                .iter()
                .map(|a| a.version.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// The commands that activate and deploy `app` at `/authService`, each observed
/// in the listing (they run only while their row is missing).
pub(super) fn commands(app: &Application) -> DesiredTree {
    let command =
        |line: &[&str], columns: [&str; 2], present: [&str; 2], undo: &[&str]| CommandFact {
            context: MANAGED_OBJECTS.to_string(),
            line: line.iter().map(|s| s.to_string()).collect(),
            observe: Some(Observe {
                columns: columns.iter().map(|s| s.to_string()).collect(),
                key_len: 2,
                present: vec![present.iter().map(|s| s.to_string()).collect()],
            }),
            because: None,
            creates: vec![APP_CONTEXTS.to_string()],
            uses: Vec::new(),
            secrets: Vec::new(),
            confirm: false,
            undo: Some(undo.iter().map(|s| s.to_string()).collect()),
            restart: false,
        };
    // Activated means listed at /authService (Active or Deployed); deployed
    // means the row's state says so.
    let activate = command(
        &["activate", "application", APP, &app.version, CONTEXT_PATH],
        ["Name", "Context Path"],
        [APP, CONTEXT_PATH],
        &["deactivate", "application", CONTEXT_PATH],
    );
    let mut deploy = command(
        &["deploy", "application", CONTEXT_PATH],
        ["Context Path", "State"],
        [CONTEXT_PATH, "Deployed"],
        &["undeploy", "application", CONTEXT_PATH],
    );
    deploy.creates.clear();
    DesiredTree {
        commands: vec![activate, deploy],
        ..DesiredTree::default()
    }
}
