//! SSH connection settings: inherited, defaulted, paths and secret references resolved,
//! jump hosts looked up (with loops caught).
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use super::definition::{CONNECTION, JUMP_HOST};
use super::diagnostic::Report;
use super::formats::{SecretSyntax, parse_duration, parse_secret_ref};
use super::merge::merge;
use super::model::{Auth, Connection, LocalFileKind, SecretRef};
use super::ssh_config::{SshConfigFile, SshHost, split_jump};
use super::suggest::did_you_mean;
use super::yaml::{Entry, Node, Pos, Value};

/// SSH port when none is set.
const DEFAULT_PORT: u16 = 22;
/// known_hosts file when none is set.
const DEFAULT_KNOWN_HOSTS: &str = "~/.ssh/known_hosts";
/// Connect (TCP, handshake, login) limit when none is set.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Per-command limit when none is set.
const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// Keepalive interval when none is set.
const DEFAULT_KEEPALIVE: Duration = Duration::from_secs(15);

/// Where relative paths and `~` lead.
pub(crate) struct PathBase {
    /// The playbook's directory (absolute).
    pub dir: PathBuf,
    /// The home directory, if `HOME` is set.
    pub home: Option<PathBuf>,
}

impl PathBase {
    /// `~/x` → home/x; `x` → playbook dir/x; `/x` stays.
    pub(crate) fn resolve(&self, text: &str) -> Result<PathBuf, &'static str> {
        if text == "~" || text.starts_with("~/") {
            let home = self
                .home
                .as_ref()
                .ok_or("`~` needs the HOME environment variable, which is not set")?;
            return Ok(home.join(text.trim_start_matches('~').trim_start_matches('/')));
        }
        if text.starts_with('~') {
            return Err("`~user` paths are not supported; write the full path");
        }
        Ok(self.dir.join(text))
    }
}

/// Builds connections; remembers jump hosts so that each is built (and reported) once.
pub(crate) struct Connections<'a> {
    base: &'a PathBase,
    defaults: Option<&'a Node>,
    jump_hosts: &'a [Entry],
    built: HashMap<String, Option<Connection>>,
    /// The local files named so far: what, where, who, and whether by default.
    pub files: Vec<(LocalFileKind, PathBuf, Pos, String, bool)>,
    /// `~/.ssh/config`, consulted where the playbook says nothing.
    ssh_config: Option<SshConfigFile>,
}

impl<'a> Connections<'a> {
    /// Connections inheriting `defaults` (the `defaults.connection` mapping), with jump hosts
    /// from `jump_hosts`.
    pub fn new(base: &'a PathBase, defaults: Option<&'a Node>, jump_hosts: &'a [Entry]) -> Self {
        Connections {
            base,
            defaults,
            jump_hosts,
            built: HashMap::new(),
            files: Vec::new(),
            ssh_config: SshConfigFile::load(base.home.as_deref()),
        }
    }

    /// The connection of a host whose merged `connection` settings are `settings` (`None`
    /// if no layer sets any). `at` is the host entry, `who` names it for messages.
    pub fn host(
        &mut self,
        address: &str,
        settings: Option<&Node>,
        at: Pos,
        who: &str,
        report: &mut Report,
    ) -> Option<Connection> {
        let empty = Node {
            pos: at,
            value: Value::Map(Vec::new()),
        };
        let settings = settings.unwrap_or(&empty);
        let hint = "in `defaults.connection`, or in the farm's or the host's `connection`";
        self.build(address, settings, at, who, hint, &mut Vec::new(), report)
    }

    /// The jump host `name`, referred to at `at`; `chain` holds the jump hosts on the way
    /// (to catch loops).
    fn jump(
        &mut self,
        name: &str,
        at: Pos,
        chain: &mut Vec<String>,
        report: &mut Report,
    ) -> Option<Connection> {
        if chain.iter().any(|n| n == name) {
            let mut path = chain.clone();
            path.push(name.to_string());
            report.error(
                at,
                format!("jump hosts form a loop: {}", path.join(" → ")),
                Some("remove one of the `jump` settings on the way".to_string()),
            );
            return None;
        }
        if let Some(done) = self.built.get(name) {
            return done.clone();
        }
        let Some(entry) = self.jump_hosts.iter().find(|e| e.key == name) else {
            let help = match did_you_mean(name, self.jump_hosts.iter().map(|e| e.key.as_str())) {
                Some(close) => format!("did you mean `{close}`?"),
                None => "define it under `jump_hosts`, e.g. `jump_hosts: { bastion: { address: 192.0.2.10 } }`".to_string(),
            };
            report.error(
                at,
                format!("`jump: {name}` names no entry of `jump_hosts`"),
                Some(help),
            );
            return None;
        };
        // A jump host inherits `defaults.connection`, except its `jump`.
        let settings = match self.defaults {
            Some(defaults) => merge(&without(defaults, "jump"), &entry.value),
            None => entry.value.clone(),
        };
        let address = entry
            .value
            .get("address")
            .and_then(Node::as_str)?
            .to_string();
        chain.push(name.to_string());
        let who = format!("jump host `{name}`");
        let hint = "in this jump host or in `defaults.connection`";
        let built = self.build(
            &address,
            &settings,
            entry.value.pos,
            &who,
            hint,
            chain,
            report,
        );
        chain.pop();
        self.built.insert(name.to_string(), built.clone());
        built
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        &mut self,
        address: &str,
        settings: &Node,
        at: Pos,
        who: &str,
        hint: &str,
        chain: &mut Vec<String>,
        report: &mut Report,
    ) -> Option<Connection> {
        let mut ok = true;
        // A misspelt key (reported by the structural check) may be why something is
        // missing; then "missing" would only repeat that problem.
        let misspelt = settings.as_map().is_some_and(|entries| {
            entries
                .iter()
                .any(|e| CONNECTION.field(&e.key).is_none() && JUMP_HOST.field(&e.key).is_none())
        });
        // docs/decisions.md D16: ~/.ssh/config fills what the playbook leaves unset.
        let ssh = match self.ssh_config.as_ref().map(|f| (f.host(address), &f.path)) {
            Some((Ok(h), _)) => h,
            Some((Err(e), path)) => {
                report.error(
                    at,
                    format!("{} cannot be read: {e}", path.display()),
                    Some(
                        "fix it, or move it aside and set the connection in the playbook"
                            .to_string(),
                    ),
                );
                return None;
            }
            None => SshHost::default(),
        };
        let port = settings
            .get("port")
            .and_then(Node::as_int)
            .map_or(Some(ssh.port.unwrap_or(DEFAULT_PORT)), |p| {
                u16::try_from(p).ok()
            });
        let user = match settings.get("user") {
            Some(node) => node.as_str().map(str::to_string),
            None => ssh.user.clone(),
        };
        if user.is_none() && settings.get("user").is_none() && !misspelt {
            report.error(
                at,
                format!("no SSH user for {who}"),
                Some(format!(
                    "set `user` (e.g. `user: bwadmin`) {hint}, or `User` for this host in ~/.ssh/config"
                )),
            );
            ok = false;
        }
        let auth = self.auth(
            settings,
            &ssh.identity_files,
            who,
            hint,
            at,
            misspelt,
            report,
        );
        let known_hosts = match settings.get("known_hosts") {
            Some(node) => self.path(node, report),
            None => self.path_or_report(DEFAULT_KNOWN_HOSTS, at, report),
        };
        if let Some(path) = &known_hosts {
            let (pos, defaulted) = settings
                .get("known_hosts")
                .map_or((at, true), |n| (n.pos, false));
            self.files.push((
                LocalFileKind::KnownHosts,
                path.clone(),
                pos,
                who.to_string(),
                defaulted,
            ));
        }
        let jump = match (settings.get("jump"), &ssh.proxy_jump) {
            (Some(node), _) => match node.as_str() {
                Some(name) => {
                    let jump = self.jump(name, node.pos, chain, report);
                    ok &= jump.is_some();
                    jump.map(Box::new)
                }
                None => None,
            },
            (None, Some(hop)) => {
                let jump = self.proxy_jump(hop, at, chain, report);
                ok &= jump.is_some();
                jump.map(Box::new)
            }
            (None, None) => None,
        };
        let duration = |key: &str, default: Duration| match settings.get(key) {
            Some(node) => node.as_str().and_then(parse_duration),
            None => Some(default),
        };
        let connect_timeout = duration("connect_timeout", DEFAULT_CONNECT_TIMEOUT);
        let command_timeout = duration("command_timeout", DEFAULT_COMMAND_TIMEOUT);
        let keepalive = duration("keepalive", DEFAULT_KEEPALIVE);
        for key in ["connect_timeout", "command_timeout"] {
            if let Some(node) = settings.get(key)
                && node.as_str().and_then(parse_duration) == Some(Duration::ZERO)
            {
                report.error(
                    node.pos,
                    format!("`{key}` of {who} is zero, so every connection would time out at once"),
                    Some("use a positive duration, e.g. `10s`".to_string()),
                );
                ok = false;
            }
        }
        Some(Connection {
            address: ssh.host_name.clone().unwrap_or_else(|| address.to_string()),
            port: port?,
            user: user?,
            auth: auth?,
            known_hosts: known_hosts?,
            jump,
            connect_timeout: connect_timeout?,
            command_timeout: command_timeout?,
            keepalive: keepalive?,
        })
        .filter(|_| ok)
    }

    /// The jump host that `ProxyJump [user@]host[:port]` in ~/.ssh/config names for
    /// a host whose playbook entry sets no `jump`. It inherits `defaults.connection`
    /// (except `jump`) like a playbook jump host, and ~/.ssh/config in turn.
    fn proxy_jump(
        &mut self,
        hop: &str,
        at: Pos,
        chain: &mut Vec<String>,
        report: &mut Report,
    ) -> Option<Connection> {
        let (user, host, port) = split_jump(hop);
        let name = format!("ProxyJump {host}");
        if chain.contains(&name) {
            report.error(
                at,
                format!("`ProxyJump` in ~/.ssh/config forms a loop through {host}"),
                Some("fix `ProxyJump` in ~/.ssh/config, or set `jump` in the playbook".to_string()),
            );
            return None;
        }
        let scalar = |key: &str, value: Value| Entry {
            key: key.to_string(),
            key_pos: at,
            value: Node { pos: at, value },
        };
        let mut entries = Vec::new();
        if let Some(u) = user {
            entries.push(scalar("user", Value::Str(u.to_string())));
        }
        if let Some(p) = port {
            entries.push(scalar("port", Value::Int(i64::from(p))));
        }
        let own = Node {
            pos: at,
            value: Value::Map(entries),
        };
        let settings = match self.defaults {
            Some(defaults) => merge(&without(defaults, "jump"), &own),
            None => own,
        };
        chain.push(name);
        let who = format!("jump host `{host}` (`ProxyJump` in ~/.ssh/config)");
        let hint = "in `defaults.connection`";
        let built = self.build(host, &settings, at, &who, hint, chain, report);
        chain.pop();
        built
    }

    /// Key file, agent, password: in that order.
    #[allow(clippy::too_many_arguments)]
    fn auth(
        &mut self,
        settings: &Node,
        ssh_identities: &[PathBuf],
        who: &str,
        hint: &str,
        at: Pos,
        misspelt: bool,
        report: &mut Report,
    ) -> Option<Vec<Auth>> {
        let mut auth = Vec::new();
        let passphrase = settings.get("key_passphrase");
        match settings.get("key_file") {
            Some(node) => {
                let path = self.path(node, report)?;
                self.files.push((
                    LocalFileKind::KeyFile,
                    path.clone(),
                    node.pos,
                    who.to_string(),
                    false,
                ));
                let passphrase = match passphrase {
                    Some(p) => Some(self.secret(p, who, report)?),
                    None => None,
                };
                auth.push(Auth::KeyFile { path, passphrase });
            }
            None => {
                if let Some(p) = passphrase {
                    report.error(
                        p.pos,
                        format!("`key_passphrase` of {who} has no `key_file` to unlock"),
                        Some("add `key_file`, or remove `key_passphrase`".to_string()),
                    );
                    return None;
                }
            }
        }
        if settings.get("agent").and_then(Node::as_bool) == Some(true) {
            auth.push(Auth::Agent);
        }
        if let Some(node) = settings.get("password") {
            auth.push(Auth::Password(self.secret(node, who, report)?));
        }
        let nothing_set = ["key_file", "agent", "password"]
            .iter()
            .all(|k| settings.get(k).is_none());
        if nothing_set {
            for path in ssh_identities {
                self.files.push((
                    LocalFileKind::KeyFile,
                    path.clone(),
                    at,
                    format!("{who} (`IdentityFile` in ~/.ssh/config)"),
                    false,
                ));
                auth.push(Auth::KeyFile {
                    path: path.clone(),
                    passphrase: None,
                });
            }
        }
        if auth.is_empty() && nothing_set && !misspelt {
            report.error(
                at,
                format!("no way to log in to {who}"),
                Some(format!(
                    "set `key_file`, `agent: true` or `password: env:NAME` {hint}, or `IdentityFile` for this host in ~/.ssh/config"
                )),
            );
            return None;
        }
        (!auth.is_empty()).then_some(auth)
    }

    fn path(&self, node: &Node, report: &mut Report) -> Option<PathBuf> {
        self.path_or_report(node.as_str()?, node.pos, report)
    }

    fn path_or_report(&self, text: &str, at: Pos, report: &mut Report) -> Option<PathBuf> {
        match self.base.resolve(text) {
            Ok(path) => Some(path),
            Err(why) => {
                report.error(at, format!("cannot use the path `{text}`: {why}"), None);
                None
            }
        }
    }

    fn secret(&mut self, node: &Node, who: &str, report: &mut Report) -> Option<SecretRef> {
        match parse_secret_ref(node.as_str()?).ok()? {
            SecretSyntax::Env(name) => Some(SecretRef::env(name)),
            SecretSyntax::File(path) => {
                let path = self.path_or_report(path, node.pos, report)?;
                self.files.push((
                    LocalFileKind::SecretFile,
                    path.clone(),
                    node.pos,
                    who.to_string(),
                    false,
                ));
                Some(SecretRef::file(path))
            }
        }
    }
}

/// A mapping without `key`.
fn without(node: &Node, key: &str) -> Node {
    match &node.value {
        Value::Map(entries) => Node {
            pos: node.pos,
            value: Value::Map(entries.iter().filter(|e| e.key != key).cloned().collect()),
        },
        _ => node.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_against_home_and_playbook_dir() {
        let base = PathBase {
            dir: PathBuf::from("/srv/playbooks"),
            home: Some(PathBuf::from("/home/ops")),
        };
        assert_eq!(
            base.resolve("~/.ssh/id"),
            Ok(PathBuf::from("/home/ops/.ssh/id"))
        );
        assert_eq!(
            base.resolve("keys/id"),
            Ok(PathBuf::from("/srv/playbooks/keys/id"))
        );
        assert_eq!(base.resolve("/etc/ssh/k"), Ok(PathBuf::from("/etc/ssh/k")));
        assert!(base.resolve("~root/x").is_err());
        let homeless = PathBase {
            dir: PathBuf::from("/srv"),
            home: None,
        };
        assert!(homeless.resolve("~/x").is_err());
    }
}
