//! Directory sync for Webex (solution guide B §10, source lines 3825-3963;
//! management-sync §1.7 rows 1-6): the Xsi-Actions directory transaction limits
//! null (no limit) or at least five times the transaction period, the user
//! transaction limit at least 100 per period of 1 second, and paging of 50 by
//! default and 100 at most.
use serde::Serialize;

use super::{ModuleError, Scope, TypedModule, render_template};
use crate::catalog::Product;
use crate::desired::DesiredTree;
use crate::live::link::HostLink;
use crate::playbook::module_api::{Field, HostFacts, Node, Object, Pos, Report, Schema};
use crate::playbook::{Host, Role};

/// The directory sync module.
pub struct DirectorySync;

/// guide B §10: `userTransactionLimit` at least 100.
const MIN_USER_TRANSACTIONS: i64 = 100;
/// guide B §10: `transactionLimitPeriodSecs` 1.
const PERIOD_SECS: i64 = 1;
/// guide B §10: a directory limit that is set is at least 5 x the period.
const DIRECTORY_LIMIT_FACTOR: i64 = 5;

/// Its playbook section.
pub(crate) const FIELD: Field = Field::new(
    "directory_sync",
    "The XSP rate limits and paging that Webex directory sync needs (solution guide B §10). XSP and ADP hosts with role xsi; `{}` takes the guide's values.",
    Schema::Object(&DIRECTORY_SYNC),
    "{ user_transaction_limit: 100 }",
);

static DIRECTORY_SYNC: Object = Object {
    name: "directory_sync",
    doc: "Directory sync rate limits and paging.",
    shared: false,
    fields: &[
        Field::new(
            "user_transaction_limit",
            "The least `userTransactionLimit` per second (default and minimum 100); a host with more keeps its value.",
            Schema::Integer {
                min: MIN_USER_TRANSACTIONS,
                max: 100_000,
            },
            "100",
        ),
        Field::new(
            "default_page_size",
            "Xsi-Actions `defaultPageSize` (default 50, the guide's value).",
            Schema::Integer { min: 1, max: 1000 },
            "50",
        ),
        Field::new(
            "max_page_size",
            "Xsi-Actions `availableUserMaxLimit` (default 100, the guide's value).",
            Schema::Integer {
                min: 1,
                max: 10_000,
            },
            "100",
        ),
    ],
};

/// The settings a host gets, as the template takes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirectorySyncSettings {
    /// The least user transaction limit.
    pub user_transaction_limit: i64,
    /// The transaction limit period, seconds.
    pub period_secs: i64,
    /// The least value of a directory limit that is not null.
    pub least_directory_limit: i64,
    /// The default page size.
    pub default_page_size: i64,
    /// The largest page.
    pub max_page_size: i64,
}

impl TypedModule for DirectorySync {
    type Settings = DirectorySyncSettings;
    type Farm = ();
    const KEY: &'static str = "directory_sync";
    const SCOPE: Scope = Scope {
        products: &[Product::Xsp, Product::Adp],
        since: None,
        role: Some(Role::Xsi),
        source: "directory sync reads users through Xsi-Actions on the XSPs and ADPs, solution guide B §10",
    };
    const TEMPLATES: &'static [(&'static str, &'static str)] = &[(
        "directory_sync/all.yaml",
        include_str!("../../templates/directory_sync/all.yaml.tera"),
    )];

    fn build(
        &self,
        node: &Node,
        key_pos: Pos,
        _host: &HostFacts<'_>,
        report: &mut Report,
    ) -> Option<DirectorySyncSettings> {
        let number =
            |key: &str, default: i64| node.get(key).and_then(Node::as_int).unwrap_or(default);
        let settings = DirectorySyncSettings {
            user_transaction_limit: number("user_transaction_limit", MIN_USER_TRANSACTIONS),
            period_secs: PERIOD_SECS,
            least_directory_limit: DIRECTORY_LIMIT_FACTOR * PERIOD_SECS,
            default_page_size: number("default_page_size", 50),
            max_page_size: number("max_page_size", 100),
        };
        if settings.default_page_size > settings.max_page_size {
            report.error(
                node.get("default_page_size").map_or(key_pos, |n| n.pos),
                format!(
                    "`webex.directory_sync.default_page_size` ({}) is larger than `max_page_size` ({})",
                    settings.default_page_size, settings.max_page_size
                ),
                Some("the guide's values are 50 and 100 (solution guide B §10)".to_string()),
            );
            return None;
        }
        Some(settings)
    }

    fn render(
        &self,
        _host: &Host,
        settings: &DirectorySyncSettings,
        _farm: Option<&()>,
        _link: &mut dyn HostLink,
    ) -> Result<DesiredTree, ModuleError> {
        render_template("directory_sync/all.yaml", settings)
    }
}
