//! `~/.ssh/config`: what it says about a host (`Host` aliases, `HostName`, `Port`,
//! `User`, `IdentityFile`, `ProxyJump`), used where the playbook says nothing.
use std::io::BufReader;
use std::path::{Path, PathBuf};

use ssh2_config::{ParseRule, SshConfig};

/// The parsed file, or why it could not be parsed; nothing when there is no file.
pub(crate) struct SshConfigFile {
    /// Where it is.
    pub path: PathBuf,
    parsed: Result<SshConfig, String>,
}

/// What the file says about one host.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct SshHost {
    /// `HostName`: the address to connect to.
    pub host_name: Option<String>,
    /// `Port`.
    pub port: Option<u16>,
    /// `User`.
    pub user: Option<String>,
    /// `IdentityFile` entries that exist (OpenSSH skips missing ones too).
    pub identity_files: Vec<PathBuf>,
    /// The first hop of `ProxyJump` (`[user@]host[:port]`).
    pub proxy_jump: Option<String>,
}

impl SshConfigFile {
    /// Reads `HOME/.ssh/config`; `None` when there is no home or no file.
    pub fn load(home: Option<&Path>) -> Option<SshConfigFile> {
        let home = home?;
        let path = home.join(".ssh/config");
        let file = std::fs::File::open(&path).ok()?;
        let rules = ParseRule::ALLOW_UNKNOWN_FIELDS | ParseRule::ALLOW_UNSUPPORTED_FIELDS;
        let parsed = SshConfig::default()
            .home_dir(home)
            .parse(&mut BufReader::new(file), rules)
            .map_err(|e| e.to_string());
        Some(SshConfigFile { path, parsed })
    }

    /// What the file says about `alias`, or why it cannot be read.
    pub fn host(&self, alias: &str) -> Result<SshHost, String> {
        let config = self.parsed.as_ref().map_err(Clone::clone)?;
        let p = config.query(alias);
        Ok(SshHost {
            host_name: p.host_name.filter(|h| h != alias),
            port: p.port,
            user: p.user,
            identity_files: p
                .identity_file
                .unwrap_or_default()
                .into_iter()
                .filter(|f| f.is_file())
                .collect(),
            proxy_jump: p
                .proxy_jump
                .and_then(|hops| hops.into_iter().next())
                .filter(|h| !h.eq_ignore_ascii_case("none")),
        })
    }
}

/// Splits `[user@]host[:port]`.
pub(crate) fn split_jump(hop: &str) -> (Option<&str>, &str, Option<u16>) {
    let (user, rest) = match hop.split_once('@') {
        Some((u, r)) => (Some(u), r),
        None => (None, hop),
    };
    match rest.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(p) => (user, host, Some(p)),
            Err(_) => (user, rest, None),
        },
        _ => (user, rest, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jump_hop_splits_into_user_host_and_port() {
        assert_eq!(split_jump("u@b:2222"), (Some("u"), "b", Some(2222)));
        assert_eq!(split_jump("bastion"), (None, "bastion", None));
        assert_eq!(split_jump("2001:db8::1"), (None, "2001:db8::1", None));
    }
}
