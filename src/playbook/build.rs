//! From a structurally checked tree to the typed playbook: inheritance, references,
//! duplicates, and the rules that combine several settings.
use std::collections::BTreeSet;
use std::path::Path;

use super::check::check_required;
use super::connection::{Connections, PathBase};
use super::definition::WEBEX;
use super::diagnostic::Report;
use super::merge::merge_layers;
use super::model::{Connection, Farm, Host, LocalFile, Playbook, Role, Webex};
use super::module_api::HostFacts;
use super::schema::Schema;
use super::topology;
use super::yaml::{Node, Pos};
use crate::catalog::{Product, Release};
use crate::modules::{Scope, registry};

/// Builds the playbook from `root`; every problem goes to `report`. The result is only
/// meaningful if `report` stays empty.
pub(crate) fn build(root: &Node, file: &Path, base: &PathBase, report: &mut Report) -> Playbook {
    let defaults = root.get("defaults");
    let default_connection = defaults.and_then(|d| d.get("connection"));
    let jump_hosts = root.get("jump_hosts").and_then(Node::as_map).unwrap_or(&[]);
    let mut builder = Builder {
        base,
        report,
        connections: Connections::new(base, default_connection, jump_hosts),
        default_connection,
        default_webex: defaults.and_then(|d| d.get("webex")),
        farm_names: Vec::new(),
        host_names: Vec::new(),
        endpoints: Vec::new(),
        playbook: Playbook {
            path: file.to_path_buf(),
            farms: Vec::new(),
            hosts: Vec::new(),
            local_files: Vec::new(),
            verify: Default::default(),
        },
    };
    for farm in root.get("farms").and_then(Node::as_seq).unwrap_or(&[]) {
        builder.farm(farm);
    }
    builder.playbook.verify = super::verify_section::build(
        root.get("verify"),
        base,
        builder.report,
        &mut builder.connections.files,
    );
    for (kind, path, pos, who, defaulted) in std::mem::take(&mut builder.connections.files) {
        let file = LocalFile {
            kind,
            path,
            at: builder.report.location(pos),
            who,
            defaulted,
        };
        if !builder.playbook.local_files.contains(&file) {
            builder.playbook.local_files.push(file);
        }
    }
    builder.playbook
}

/// The state of one build: what was seen so far, and the result.
struct Builder<'a, 'r> {
    base: &'a PathBase,
    report: &'r mut Report,
    connections: Connections<'a>,
    default_connection: Option<&'a Node>,
    default_webex: Option<&'a Node>,
    farm_names: Vec<(String, Pos)>,
    host_names: Vec<(String, Pos)>,
    endpoints: Vec<(Endpoint, String, Pos)>,
    playbook: Playbook,
}

/// What a farm gives its hosts.
struct FarmFacts<'a> {
    node: &'a Node,
    name: &'a str,
    product: Option<Product>,
    roles: BTreeSet<Role>,
}

impl<'a> Builder<'a, '_> {
    fn farm(&mut self, node: &'a Node) {
        let Some(name) = node.get("name").and_then(Node::as_str) else {
            return;
        };
        unique(name, node.pos, "farm", &mut self.farm_names, self.report);
        let farm = FarmFacts {
            node,
            name,
            product: node
                .get("product")
                .and_then(Node::as_str)
                .and_then(|s| s.parse::<Product>().ok()),
            roles: roles(node.get("roles")),
        };
        if let (Some(product), Some(roles_node)) = (farm.product, node.get("roles")) {
            topology::farm_roles(product, &farm.roles, roles_node, name, self.report);
        }
        let mut built = Farm {
            name: name.to_string(),
            hosts: Vec::new(),
        };
        let mut releases = Vec::new();
        for host in node.get("hosts").and_then(Node::as_seq).unwrap_or(&[]) {
            let Some(host_name) = host.get("name").and_then(Node::as_str) else {
                continue;
            };
            if let Some(at) = host.get("release").or_else(|| node.get("release"))
                && let Some(release) = at.as_str().and_then(|s| s.parse::<Release>().ok())
            {
                releases.push((host_name, release, at.pos));
            }
            unique(
                host_name,
                host.pos,
                "host",
                &mut self.host_names,
                self.report,
            );
            built.hosts.push(host_name.to_string());
            if let Some(host) = self.host(&farm, host, host_name) {
                self.playbook.hosts.push(host);
            }
        }
        topology::farm_releases(name, &releases, self.report);
        self.playbook.farms.push(built);
    }

    fn host(&mut self, farm: &FarmFacts<'a>, node: &'a Node, name: &str) -> Option<Host> {
        let release_node = node.get("release").or_else(|| farm.node.get("release"));
        let release = release_node
            .and_then(Node::as_str)
            .and_then(|s| s.parse::<Release>().ok());
        if let (Some(product), Some(release), Some(at)) = (farm.product, release, release_node) {
            release_rules(product, release, at.pos, farm.name, self.report);
            topology::nps_release(release, &farm.roles, at.pos, farm.name, self.report);
        }
        let connection = self.connection(farm, node, name);
        let webex = match (farm.product, release) {
            (Some(product), Some(release)) => {
                let facts = HostFacts {
                    farm: farm.name,
                    product,
                    release,
                    roles: &farm.roles,
                    paths: self.base,
                };
                let layers = [
                    self.default_webex,
                    farm.node.get("webex"),
                    node.get("webex"),
                ];
                webex(merge_layers(layers), &facts, self.report)
            }
            _ => None,
        };
        Some(Host {
            name: name.to_string(),
            farm: farm.name.to_string(),
            product: farm.product?,
            release: release?,
            roles: farm.roles.clone(),
            connection: connection?,
            webex: webex?,
            fqdn: node
                .get("fqdn")
                .and_then(Node::as_str)
                .map(|f| f.trim_end_matches('.').to_ascii_lowercase()),
            location: self.report.location(node.pos),
        })
    }

    /// The host's connection; also checks that no other host is reached the same way.
    fn connection(
        &mut self,
        farm: &FarmFacts<'a>,
        node: &'a Node,
        name: &str,
    ) -> Option<Connection> {
        let address = node.get("address").and_then(Node::as_str)?;
        let layers = [
            self.default_connection,
            farm.node.get("connection"),
            node.get("connection"),
        ];
        let settings = merge_layers(layers);
        let who = format!("host `{name}`");
        let connection =
            self.connections
                .host(address, settings.as_ref(), node.pos, &who, self.report)?;
        let endpoint = Endpoint::of(&connection);
        match self.endpoints.iter().find(|(e, _, _)| *e == endpoint) {
            Some((_, first, first_pos)) => self.report.error(
                node.pos,
                format!(
                    "host `{name}` has the same address and port as host `{first}` (line {})",
                    first_pos.line
                ),
                Some("fix the address or port, or remove one of the two".to_string()),
            ),
            None => self.endpoints.push((endpoint, name.to_string(), node.pos)),
        }
        Some(connection)
    }
}

/// Where a host is reached: two hosts must not share it.
#[derive(PartialEq, Eq)]
struct Endpoint {
    address: String,
    port: u16,
    via: Option<Box<Endpoint>>,
}

impl Endpoint {
    fn of(c: &Connection) -> Endpoint {
        Endpoint {
            address: c.address.to_ascii_lowercase(),
            port: c.port,
            via: c.jump.as_deref().map(|j| Box::new(Endpoint::of(j))),
        }
    }
}

fn unique(name: &str, pos: Pos, what: &str, seen: &mut Vec<(String, Pos)>, report: &mut Report) {
    match seen.iter().find(|(n, _)| n == name) {
        Some((_, first)) => report.error(
            pos,
            format!(
                "{what} name `{name}` is used twice (first on line {})",
                first.line
            ),
            Some(format!("give each {what} its own name")),
        ),
        None => seen.push((name.to_string(), pos)),
    }
}

fn roles(node: Option<&Node>) -> BTreeSet<Role> {
    node.and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|r| r.as_str().and_then(|s| s.parse().ok()))
        .collect()
}

/// Which releases go with which product.
fn release_rules(product: Product, release: Release, at: Pos, farm: &str, report: &mut Report) {
    match (product, release) {
        (Product::Adp, Release::Adp) => {}
        (Product::Adp, _) => report.error(
            at,
            format!("farm `{farm}` is product adp, which runs release ADP, not {release}"),
            Some("set `release: ADP`, or `product: xsp` for an XSP".to_string()),
        ),
        (_, Release::Adp) => report.error(
            at,
            format!("release ADP is the Application Delivery Platform's, but farm `{farm}` is product {product}"),
            Some("set `product: adp`, or the release the host runs (R21SP1, R22, R23, R24)".to_string()),
        ),
        _ => {}
    }
}

fn webex(merged: Option<Node>, facts: &HostFacts<'_>, report: &mut Report) -> Option<Webex> {
    let Some(merged) = merged else {
        return Some(Webex::default());
    };
    let before = report.len();
    check_required(&merged, Schema::Object(&WEBEX), "webex", report);
    // Every module's rules run even when another key is wrong, so that one run of
    // validate shows every problem.
    let mut modules = Vec::new();
    for module in registry::MODULES {
        let Some(entry) = merged.entry(module.key()) else {
            continue;
        };
        if !in_scope(module.key(), module.scope(), entry.key_pos, facts, report) {
            continue;
        }
        if let Some(settings) = module.build(&entry.value, entry.key_pos, facts, report) {
            modules.push((module.key(), settings));
        }
    }
    let webex = Webex::new(modules);
    for (key, settings) in webex.configured() {
        if let Some(module) = registry::module(key) {
            module.check_across(settings, &webex, report);
        }
    }
    (report.len() == before).then_some(webex)
}

/// Whether module `key` may be set for the host; a located error when not.
fn in_scope(key: &str, scope: Scope, at: Pos, host: &HostFacts<'_>, report: &mut Report) -> bool {
    let names = |products: &[Product]| {
        products
            .iter()
            .map(|p| p.name().to_string())
            .collect::<Vec<_>>()
            .join(" and ")
    };
    let remove = |farms: String| {
        format!(
            "remove `webex.{key}` for this farm ({}); if it comes from `defaults`, move it to the {farms} farms",
            scope.source
        )
    };
    if !scope.products.contains(&host.product) {
        report.error(
            at,
            format!(
                "the `{key}` module is for {} hosts, but farm `{}` is an {} farm",
                names(scope.products),
                host.farm,
                host.product.name()
            ),
            Some(remove(names(scope.products))),
        );
        return false;
    }
    if let Some(since) = scope.since.filter(|s| host.release < *s) {
        report.error(
            at,
            format!(
                "the `{key}` module needs {since} or later, but farm `{}` runs {}",
                host.farm, host.release
            ),
            Some(remove(format!("{since}+"))),
        );
        return false;
    }
    if let Some(role) = scope.role.filter(|r| !host.roles.contains(r)) {
        report.error(
            at,
            format!(
                "the `{key}` module is for hosts with role `{role}`, but farm `{}` does not have it",
                host.farm
            ),
            Some(format!(
                "add `{role}` to the farm's roles, or {}",
                remove(format!("`{role}`"))
            )),
        );
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module that needs R22 (as AuthService's CI-token mode will) is refused on
    /// an R21 SP1 farm, where it is set.
    #[test]
    fn a_module_before_its_first_release_is_refused() {
        let scope = Scope {
            products: &[Product::Xsp],
            since: Some(Release::R22),
            role: None,
            source: "a test",
        };
        let roles = BTreeSet::new();
        let paths = PathBase {
            dir: "/pb".into(),
            home: None,
        };
        let host = |release| HostFacts {
            farm: "f",
            product: Product::Xsp,
            release,
            roles: &roles,
            paths: &paths,
        };
        let mut report = Report::new(Path::new("pb.yaml"));
        let at = Pos { line: 3, col: 5 };
        assert!(in_scope("m", scope, at, &host(Release::R22), &mut report));
        assert!(!in_scope(
            "m",
            scope,
            at,
            &host(Release::R21Sp1),
            &mut report
        ));
        let text = report.into_error().to_string();
        assert_eq!(
            text,
            "pb.yaml:3:5: error: the `m` module needs R22 or later, but farm `f` runs R21 SP1\n  help: remove `webex.m` for this farm (a test); if it comes from `defaults`, move it to the R22+ farms"
        );
    }
}
