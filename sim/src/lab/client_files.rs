//! Files a client needs beside `hosts.json`: `known_hosts` (every host's SSH key) and
//! a starter xspctl playbook reaching every host, so that `xspctl plan -f
//! DIR/playbook.yaml` works on a freshly served lab.
use std::path::{Path, PathBuf};

use super::LabError;
use super::hosts_file::HostEntry;
use crate::host::Product;

/// File name of the known-hosts file in a lab directory.
pub const KNOWN_HOSTS_FILE: &str = "known_hosts";
/// File name of the starter playbook in a lab directory.
pub const PLAYBOOK_FILE: &str = "playbook.yaml";

/// The Webex settings the starter playbook asks of an XSP or ADP: TLS 1.2 and IANA
/// suite names (solution guide B §3, §5.4-§5.5), and xspctl's Xsi-Events, directory
/// sync and allowClientApp modules with the guide's values.
const STARTER_WEBEX: &str = "      tls:
        http:
          level: interface
          protocols: [TLSv1.2]
          ciphers: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
        cti:
          level: interface
          protocols: [TLSv1.2]
          ciphers: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]
      xsi_events: {}
      directory_sync: {}
      allow_client_app: true
";

/// Writes `known_hosts` and `playbook.yaml` into `dir` for the hosts that serve SSH;
/// returns their paths. Nothing is written when no host serves SSH.
pub fn write(dir: &Path, entries: &[HostEntry]) -> Result<Vec<PathBuf>, LabError> {
    let reachable: Vec<(&HostEntry, u16)> = entries
        .iter()
        .filter_map(|e| e.ssh_port.map(|p| (e, p)))
        .collect();
    if reachable.is_empty() {
        return Ok(Vec::new());
    }
    let known_hosts = dir.join(KNOWN_HOSTS_FILE);
    let lines: String = reachable
        .iter()
        .map(|(e, port)| format!("[{}]:{port} {}\n", e.address, e.host_public_key))
        .collect();
    write_file(&known_hosts, &lines)?;
    let playbook = dir.join(PLAYBOOK_FILE);
    write_file(&playbook, &starter_playbook(&reachable, &known_hosts)?)?;
    Ok(vec![known_hosts, playbook])
}

fn write_file(path: &Path, text: &str) -> Result<(), LabError> {
    std::fs::write(path, text).map_err(|source| LabError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn quoted(text: &str) -> Result<String, LabError> {
    serde_json::to_string(text).map_err(|e| LabError::Config(e.to_string()))
}

/// The hosts of one group with one product and release, and their SSH ports.
struct Farm<'a> {
    group: &'a str,
    product: Product,
    release: String,
    members: Vec<(&'a HostEntry, u16)>,
}

/// One farm per host group (and product and release), in host order.
fn starter_playbook(hosts: &[(&HostEntry, u16)], known_hosts: &Path) -> Result<String, LabError> {
    let mut farms: Vec<Farm<'_>> = Vec::new();
    for &(e, port) in hosts {
        let release = serde_json::to_value(e.release)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .ok_or_else(|| LabError::Config(format!("release of {}", e.name)))?;
        match farms
            .iter_mut()
            .find(|f| f.group == e.group && f.product == e.product && f.release == release)
        {
            Some(farm) => farm.members.push((e, port)),
            None => farms.push(Farm {
                group: &e.group,
                product: e.product,
                release,
                members: vec![(e, port)],
            }),
        }
    }
    let mut text = String::from(
        "# A starter playbook for the simulated hosts served from this directory, written\n\
         # by `xspsim serve`: one farm per host group, each host reached with the lab's\n\
         # client key and the known_hosts beside this file. Try `xspctl plan -f` on it.\n\
         version: 1\nfarms:\n",
    );
    let known_hosts = quoted(&known_hosts.display().to_string())?;
    for Farm {
        group,
        product,
        release,
        members,
    } in &farms
    {
        let (product_name, roles) = match product {
            Product::Xsp => ("xsp", "[xsi, authservice, cti, dms]"),
            Product::Adp => ("adp", "[xsi, authservice, cti, dms]"),
            Product::As => ("as", "[as]"),
        };
        let name = if farms.iter().filter(|f| f.group == *group).count() == 1 {
            group.to_string()
        } else {
            format!("{group}-{product_name}-{release}")
        };
        text.push_str(&format!(
            "  - name: {}\n    product: {product_name}\n    release: {release}\n    roles: {roles}\n",
            quoted(&name)?
        ));
        if *product != Product::As {
            text.push_str("    webex:\n");
            text.push_str(STARTER_WEBEX);
        }
        text.push_str("    hosts:\n");
        for (e, port) in members {
            text.push_str(&format!(
                "      - name: {}\n        address: {}\n        connection: {{ port: {port}, user: {}, key_file: {}, known_hosts: {known_hosts} }}\n",
                quoted(&e.name)?,
                quoted(&e.address.to_string())?,
                quoted(&e.user)?,
                quoted(&e.private_key.display().to_string())?,
            ));
        }
    }
    Ok(text)
}
