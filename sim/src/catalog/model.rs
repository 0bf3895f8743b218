//! The context tree as the data files describe it: contexts, their fields, default
//! rows, standard verbs and special commands.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::values::ValueType;
use crate::host::{Product, Release};

/// What a context holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Only sub-levels (and maybe special commands).
    Node,
    /// One set of `name = value` attributes.
    Attributes,
    /// A list of rows with key columns.
    Table,
}

/// The standard bwcli verbs a context may offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verb {
    /// `get` / `g`: show.
    Get,
    /// `set`: change attributes or a row.
    Set,
    /// `add`: add a row.
    Add,
    /// `delete` / `del`: remove a row.
    Delete,
    /// `clear`: empty a nullable attribute.
    Clear,
    /// `detail`: one row as an attribute list.
    Detail,
}

impl Verb {
    /// The word typed for this verb.
    pub fn word(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::Set => "set",
            Verb::Add => "add",
            Verb::Delete => "delete",
            Verb::Clear => "clear",
            Verb::Detail => "detail",
        }
    }
}

/// A special command, implemented once in code and referenced by id from the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CommandId {
    /// `updateTrust <alias> <file>`: load a trust anchor from a PEM file.
    UpdateTrust,
    /// `sslUpdate <interface> keyFile .. certificateFile .. [chainFile ..]`.
    SslUpdate,
    /// `exportKeys`: write the AuthService keys file.
    ExportKeys,
    /// `importKeys <file>`: read an AuthService keys file.
    ImportKeys,
    /// `install|activate|deploy|undeploy|deactivate application ...`.
    ManagedObjects,
    /// `list`: the rows, like `get`.
    List,
    /// `clearAll`: remove every row, after confirmation.
    ClearAll,
    /// `activate <featureId>` / `deactivate <featureId>`.
    ActivateFeature,
}

impl CommandId {
    /// The words that invoke this command.
    pub fn words(self) -> &'static [&'static str] {
        match self {
            CommandId::UpdateTrust => &["updateTrust"],
            CommandId::SslUpdate => &["sslUpdate"],
            CommandId::ExportKeys => &["exportKeys"],
            CommandId::ImportKeys => &["importKeys"],
            CommandId::ManagedObjects => {
                &["install", "activate", "deploy", "undeploy", "deactivate"]
            }
            CommandId::List => &["list"],
            CommandId::ClearAll => &["clearAll"],
            CommandId::ActivateFeature => &["activate", "deactivate"],
        }
    }
}

/// Where the secure CTI interfaces live at R22 and later: the documents disagree
/// (bwcli-behavior §6), so a host serves one layout or the other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CtiLayout {
    /// Solution guide B §5.3: `Interface/CTI/SSLSettings` (`Interface IP  Server
    /// Certificate  Client Auth Req`) with `SSLSettings/{Protocols,Ciphers}`.
    #[default]
    SslSettings,
    /// Webex guide and Cisco's CTI article: `Interface/CTI/CTIServer` (`Interface IP
    /// Port  Secure  Server Certificate  Client Auth Req`) with
    /// `CTIServer/SSLSettings/{Ciphers,Protocols,Certificates}`.
    CtiServer,
}

/// The layout choices of one host's CLI where the documents show different forms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CliLayout {
    /// Where the secure CTI interfaces live (R22 and later).
    #[serde(default)]
    pub cti: CtiLayout,
    /// The header `Interface/Http/HttpServer> get` prints over the interface address
    /// (undocumented, bwcli-behavior §6); `None`: `Interface IP` (docs/decisions.md D5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_address_header: Option<String>,
}

/// What decides whether a context exists on a host, apart from applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Platform {
    /// The host's product.
    pub product: Product,
    /// The host's release.
    pub release: Release,
    /// The host's CTI layout.
    pub cti: CtiLayout,
}

/// Which products and releases something applies to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applicability {
    /// Products, or every product.
    pub products: Option<Vec<Product>>,
    /// First release, inclusive.
    pub since: Option<Release>,
    /// Last release, inclusive.
    pub until: Option<Release>,
    /// The CTI layout it belongs to, or every layout.
    pub cti_layout: Option<CtiLayout>,
}

impl Applicability {
    /// Whether `product` at `release` is covered, whatever the layout.
    pub fn covers(&self, product: Product, release: Release) -> bool {
        self.products.as_ref().is_none_or(|p| p.contains(&product))
            && self.since.is_none_or(|s| release >= s)
            && self.until.is_none_or(|u| release <= u)
    }

    /// Whether a host on `on` has it.
    pub fn covers_on(&self, on: Platform) -> bool {
        self.covers(on.product, on.release) && self.cti_layout.is_none_or(|l| l == on.cti)
    }

    /// A short human description, e.g. `xsp, adp; R22+`.
    pub fn describe(&self) -> String {
        let products = match &self.products {
            None => "all products".to_string(),
            Some(p) => p
                .iter()
                .map(|p| match p {
                    Product::Xsp => "XSP",
                    Product::Adp => "ADP",
                    Product::As => "AS",
                })
                .collect::<Vec<_>>()
                .join(", "),
        };
        let name = |r: Release| match r {
            Release::R21Sp1 => "R21 SP1",
            Release::R22 => "R22",
            Release::R23 => "R23",
            Release::R24 => "R24",
            Release::Adp => "ADP",
        };
        let releases = match (self.since, self.until) {
            (None, None) => "all releases".to_string(),
            (Some(s), None) => format!("{}+", name(s)),
            (None, Some(Release::R21Sp1)) => name(Release::R21Sp1).to_string(),
            (None, Some(u)) => format!("up to {}", name(u)),
            (Some(s), Some(u)) if s == u => name(s).to_string(),
            (Some(s), Some(u)) => format!("{} to {}", name(s), name(u)),
        };
        match self.cti_layout {
            None => format!("{products}; {releases}"),
            Some(CtiLayout::SslSettings) => {
                format!("{products}; {releases}; SSLSettings CTI layout")
            }
            Some(CtiLayout::CtiServer) => format!("{products}; {releases}; CTIServer CTI layout"),
        }
    }
}

/// An attribute of an attribute context, or a column of a table.
#[derive(Debug, Clone)]
pub struct Field {
    /// The parameter name used in `set`, `help` and `detail` (e.g. `clientAuthReq`).
    pub name: String,
    /// The table header (e.g. `Client Auth Req`).
    pub header: String,
    /// The value type.
    pub ty: ValueType,
    /// A key column: identifies the row; positional in `add`, `set`, `delete`.
    pub key: bool,
    /// Not positional in `add`: given as a trailing `<name> <value>` pair.
    pub optional: bool,
    /// Never shown nor settable from the CLI (certificates, PEM text).
    pub hidden: bool,
    /// Shown by `detail` only, not in the `get` table.
    pub detail_only: bool,
    /// May be emptied with `clear`.
    pub nullable: bool,
    /// Default value (may hold placeholders such as `{cti_port}`).
    pub default: String,
    /// Overrides the context's restart flag for this attribute.
    pub restart: Option<bool>,
}

impl Field {
    /// Whether `add` takes this column positionally (passwords are prompted, never
    /// positional; a key file's path is).
    pub fn positional(&self) -> bool {
        !self.optional && !self.hidden && self.ty != ValueType::Password
    }

    /// Whether the CLI may set this field.
    pub fn settable(&self) -> bool {
        !self.hidden && !self.key
    }
}

/// A default row, possibly limited to some products and releases.
#[derive(Debug, Clone)]
pub struct DefaultRow {
    /// Where this row exists on a fresh host.
    pub applies: Applicability,
    /// Column name to value (may hold placeholders).
    pub values: BTreeMap<String, String>,
}

/// How `get` renders a table context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GetView {
    /// The stored rows.
    Rows,
    /// The certificates of the rows of an interface table.
    Certificates,
    /// The rows, but only once the Federation context has an FLS URL and a token.
    ClusterMap {
        /// The Federation context path.
        federation: String,
    },
}

/// Options that tune special commands and views, from the data files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Adding a row with this boolean column true generates a self-signed certificate.
    pub self_signed: Option<String>,
    /// The table whose rows hold interface certificates (sslUpdate, certificate views).
    pub interface_table: Option<String>,
    /// How `get` renders.
    pub get_view: Option<GetView>,
    /// `path:attribute` bounding how many certificates updateTrust keeps (R21 chainDepth).
    pub chain_depth: Option<(String, String)>,
    /// A fixed host file the context's commands use (AuthService keys).
    pub file: Option<String>,
    /// Values are checked against the container-option formats (D4).
    pub container_option_rules: bool,
    /// The column whose `get` header follows the host's `http_address_header`.
    pub address_column: Option<String>,
}

/// One context of the tree.
#[derive(Debug, Clone)]
pub struct ContextDef {
    /// Its path from the top, e.g. `Interface/CTI/SSLSettings`; a segment may hold
    /// `{version}` (the active version of `app`).
    pub path: String,
    /// The path split at `/`.
    pub segments: Vec<String>,
    /// Products and releases that have it.
    pub applies: Applicability,
    /// The application whose activation makes it exist.
    pub app: Option<String>,
    /// What it holds.
    pub kind: Kind,
    /// Whether changes need a restart to take effect.
    pub restart: bool,
    /// Number of leading key columns that `get` takes as a filter and then hides.
    pub scope: usize,
    /// Standard verbs offered.
    pub verbs: Vec<Verb>,
    /// Special commands offered.
    pub commands: Vec<CommandId>,
    /// Attributes (attribute contexts).
    pub attributes: Vec<Field>,
    /// Columns (tables).
    pub columns: Vec<Field>,
    /// Rows of a fresh host (tables).
    pub rows: Vec<DefaultRow>,
    /// Tuning of special commands and views.
    pub options: Options,
    /// The reference that justifies it.
    pub source: String,
    /// A one-line description for `help`.
    pub help: Option<String>,
    /// Created because a descendant is defined, not defined itself.
    pub implicit: bool,
}

impl ContextDef {
    /// The last path segment (the level name).
    pub fn name(&self) -> &str {
        self.segments.last().map(String::as_str).unwrap_or("")
    }

    /// The fields of this context: attributes or columns.
    pub fn fields(&self) -> &[Field] {
        match self.kind {
            Kind::Attributes => &self.attributes,
            _ => &self.columns,
        }
    }

    /// A field by name, case-insensitively.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields()
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The key columns, in order.
    pub fn keys(&self) -> impl Iterator<Item = &Field> {
        self.columns.iter().filter(|c| c.key)
    }

    /// Whether a standard verb is offered.
    pub fn has_verb(&self, verb: Verb) -> bool {
        self.verbs.contains(&verb)
    }

    /// Whether changing `field` (or the table) needs a restart.
    pub fn needs_restart(&self, field: Option<&Field>) -> bool {
        field.and_then(|f| f.restart).unwrap_or(self.restart)
    }
}

/// A data file of contexts, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawContextFile {
    #[serde(default, rename = "context")]
    pub contexts: Vec<RawContext>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawContext {
    pub path: String,
    pub products: Vec<Product>,
    pub since: Option<Release>,
    pub until: Option<Release>,
    pub cti_layout: Option<CtiLayout>,
    pub app: Option<String>,
    pub kind: Kind,
    #[serde(default)]
    pub restart: bool,
    #[serde(default)]
    pub scope: usize,
    pub verbs: Option<Vec<Verb>>,
    #[serde(default)]
    pub commands: Vec<CommandId>,
    #[serde(default)]
    pub attributes: Vec<RawField>,
    #[serde(default)]
    pub columns: Vec<RawField>,
    #[serde(default)]
    pub rows: Vec<RawRow>,
    #[serde(default)]
    pub options: RawOptions,
    pub source: String,
    pub help: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawField {
    pub name: String,
    pub header: Option<String>,
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default)]
    pub key: bool,
    #[serde(default)]
    pub optional: bool,
    #[serde(default)]
    pub hidden: bool,
    #[serde(default)]
    pub detail_only: bool,
    #[serde(default)]
    pub nullable: bool,
    pub default: Option<String>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    #[serde(default)]
    pub choices: Vec<String>,
    pub restart: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRow {
    pub products: Option<Vec<Product>>,
    pub since: Option<Release>,
    pub until: Option<Release>,
    pub values: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOptions {
    pub self_signed: Option<String>,
    pub interface_table: Option<String>,
    pub get: Option<String>,
    pub federation: Option<String>,
    pub chain_depth: Option<String>,
    pub file: Option<String>,
    pub value_rules: Option<String>,
    pub address_column: Option<String>,
}

impl RawField {
    pub(super) fn build(self) -> Result<Field, String> {
        let ty = ValueType::from_data(&self.ty, self.min, self.max, &self.choices)
            .map_err(|e| format!("field {}: {e}", self.name))?;
        Ok(Field {
            header: self.header.unwrap_or_else(|| self.name.clone()),
            name: self.name,
            ty,
            key: self.key,
            optional: self.optional,
            hidden: self.hidden,
            detail_only: self.detail_only,
            nullable: self.nullable,
            default: self.default.unwrap_or_default(),
            restart: self.restart,
        })
    }
}

impl RawContext {
    pub(super) fn build(self) -> Result<ContextDef, String> {
        let path = self.path.trim_matches('/').to_string();
        let err = |m: String| format!("context {path}: {m}");
        let segments: Vec<String> = path.split('/').map(str::to_string).collect();
        if segments.iter().any(String::is_empty) {
            return Err(err("empty path segment".into()));
        }
        let attributes = self
            .attributes
            .into_iter()
            .map(RawField::build)
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        let columns = self
            .columns
            .into_iter()
            .map(RawField::build)
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        match self.kind {
            Kind::Attributes if attributes.is_empty() || !columns.is_empty() => {
                return Err(err(
                    "an attribute context needs attributes and no columns".into()
                ));
            }
            Kind::Table if columns.is_empty() || !attributes.is_empty() => {
                return Err(err("a table needs columns and no attributes".into()));
            }
            Kind::Table if !columns.iter().any(|c| c.key) => {
                return Err(err("a table needs a key column".into()));
            }
            Kind::Table if columns.iter().any(|c| c.ty == ValueType::Password) => {
                return Err(err(
                    "password columns are not supported (only attributes)".into()
                ));
            }
            Kind::Node if !(attributes.is_empty() && columns.is_empty()) => {
                return Err(err("a node has no fields".into()));
            }
            _ => {}
        }
        let default_verbs = match self.kind {
            Kind::Node => vec![],
            Kind::Attributes => vec![Verb::Get, Verb::Set, Verb::Clear],
            Kind::Table => vec![
                Verb::Get,
                Verb::Add,
                Verb::Set,
                Verb::Delete,
                Verb::Clear,
                Verb::Detail,
            ],
        };
        // Without settable (or nullable) fields, `set` (or `clear`) has nothing to do.
        let fields = if self.kind == Kind::Attributes {
            &attributes
        } else {
            &columns
        };
        let settable = fields.iter().any(|f| f.settable());
        let nullable = fields.iter().any(|f| f.settable() && f.nullable);
        let verbs = self.verbs.unwrap_or_else(|| {
            default_verbs
                .into_iter()
                .filter(|v| match v {
                    Verb::Set => settable,
                    Verb::Clear => nullable,
                    _ => true,
                })
                .collect()
        });
        let key_count = columns.iter().filter(|c| c.key).count();
        if self.scope > key_count {
            return Err(err("scope larger than the key".into()));
        }
        let rows = self
            .rows
            .into_iter()
            .map(|r| {
                for name in r.values.keys() {
                    if !columns.iter().any(|c| &c.name == name) {
                        return Err(err(format!("default row names unknown column {name}")));
                    }
                }
                Ok(DefaultRow {
                    applies: Applicability {
                        products: r.products,
                        since: r.since,
                        until: r.until,
                        cti_layout: None,
                    },
                    values: r.values,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let options = self.options.build().map_err(err)?;
        if let Some(col) = &options.address_column
            && !columns.iter().any(|c| &c.name == col)
        {
            return Err(err(format!("address_column names unknown column {col}")));
        }
        Ok(ContextDef {
            segments,
            path,
            applies: Applicability {
                products: Some(self.products),
                since: self.since,
                until: self.until,
                cti_layout: self.cti_layout,
            },
            app: self.app,
            kind: self.kind,
            restart: self.restart,
            scope: self.scope,
            verbs,
            commands: self.commands,
            attributes,
            columns,
            rows,
            options,
            source: self.source,
            help: self.help,
            implicit: false,
        })
    }
}

impl RawOptions {
    fn build(self) -> Result<Options, String> {
        let get_view = match self.get.as_deref() {
            None => None,
            Some("certificates") => Some(GetView::Certificates),
            Some("cluster-map") => Some(GetView::ClusterMap {
                federation: self
                    .federation
                    .ok_or("the cluster-map view needs `federation`")?,
            }),
            Some(other) => return Err(format!("unknown get view `{other}`")),
        };
        let chain_depth = match self.chain_depth {
            None => None,
            Some(s) => {
                let (p, a) = s.split_once(':').ok_or("chain_depth is `path:attribute`")?;
                Some((p.to_string(), a.to_string()))
            }
        };
        let container_option_rules = match self.value_rules.as_deref() {
            None => false,
            Some("container-options") => true,
            Some(other) => return Err(format!("unknown value rules `{other}`")),
        };
        Ok(Options {
            self_signed: self.self_signed,
            interface_table: self.interface_table,
            get_view,
            chain_depth,
            file: self.file,
            container_option_rules,
            address_column: self.address_column,
        })
    }
}
