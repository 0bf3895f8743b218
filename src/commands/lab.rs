//! `xspctl lab`: the one-command demo. Writes a fresh lab PKI to `certs/lab/` (a
//! Webex-like CA chain and client certificate, a server CA and a CA-signed server
//! certificate per host, issue #9 item 6), starts simulated hosts (xspsim) on
//! loopback exactly as `playbooks/lab.yaml` describes them (a host whose playbook
//! installs its certificates starts self-signed, the others with their CA-signed
//! one), writes the lab-only secrets the Webex application modules type at password
//! prompts, runs plan → apply (with a rolling restart) → verify against them (mTLS
//! handshakes on CTI included), prints each report, and stops them. No root, no
//! network, no configuration.
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use xspsim::lab::{Lab, LabConfig, LabHostConfig, LabPki};

use super::{Output, apply_with, load_playbook, plan_with, runtime, verify_run};
use crate::bwcli::{GetOutput, parse_get};
use crate::catalog::{Product, Release};
use crate::cli::{ApplyArgs, HostsArgs, LabArgs, PlaybookArg, RestartMode};
use crate::exit::Outcome;
use crate::plan::secrets::SecretPolicy;
use crate::playbook::{Host, Playbook};
use crate::verify::selection::CheckSelection;

/// The lab's DNS server listens here: a fixed port, which `playbooks/lab.yaml`
/// names in `verify.dns.resolvers` (an unprivileged one; nothing on loopback uses it).
const DNS_ADDRESS: Ipv4Addr = Ipv4Addr::new(127, 77, 0, 1);
const DNS_PORT: u16 = 10053;

/// Where the lab PKI is written, from the playbook's directory: `certs/lab/` at the
/// top of the checkout for `playbooks/lab.yaml`, which names its files from there.
const LAB_PKI_DIR: &str = "../certs/lab";

/// The lab hosts' HTTPS port (xspsim's `serve` default).
const LAB_HTTPS_PORT: u16 = 8443;

/// The secret files `playbooks/lab.yaml` names in the lab directory's `secrets/`
/// (`file:../.lab/secrets/<name>`): written with fresh random lab-only values on
/// every run, mode 600, never printed.
const LAB_SECRETS: [&str; 5] = [
    "authservice-client-secret",
    "authservice-refresh-token",
    "nps-client-secret",
    "nps-refresh-token",
    "provisioning-password",
];

/// Runs the demo.
pub fn run(args: &LabArgs, out: &Output) -> Outcome {
    // The lab PKI first: the playbook names its files (trust anchors, client identity).
    let pki_dir = args
        .file
        .parent()
        .unwrap_or(Path::new("."))
        .join(LAB_PKI_DIR);
    let pki = match LabPki::generate().and_then(|pki| pki.write(&pki_dir).map(|_| pki)) {
        Ok(pki) => pki,
        Err(e) => {
            eprintln!("error: cannot write the lab PKI: {e}");
            return Outcome::Error;
        }
    };
    // Then the hosts' server certificates, which the playbook names too: its hosts
    // are read from the YAML before the playbook is checked.
    let listed = match listed_hosts(&args.file) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {}: {e}", args.file.display());
            return Outcome::Error;
        }
    };
    let domain = xspsim::dns::DEFAULT_ZONE.trim_end_matches('.');
    let issued = match pki.issue_server_files(&listed, domain, &pki_dir) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: cannot issue the lab's server certificates: {e}");
            return Outcome::Error;
        }
    };
    let pb = match load_playbook(&args.file) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let dir = match lab_dir(&pb) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return Outcome::Error;
        }
    };
    let mut config = match lab_config(&pb, &dir) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {}: {e}", args.file.display());
            return Outcome::Error;
        }
    };
    give_certificates(&pb, &mut config, &listed, issued);
    eprintln!(
        "lab PKI (Webex-like CA chain and client, server CA, a certificate per host) written to {}",
        pki_dir.display()
    );
    if let Err(e) = write_lab_secrets(&dir.join("secrets")) {
        eprintln!("error: cannot write the lab's secrets: {e}");
        return Outcome::Error;
    }
    fresh_start(&pb, &dir);
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(o) => return o,
    };
    let lab = match rt.block_on(Lab::start(config)) {
        Ok(l) => {
            eprintln!(
                "{} simulated hosts are serving from {}",
                pb.hosts.len(),
                l.dir().display()
            );
            l
        }
        Err(e) => {
            eprintln!("error: cannot start the simulated hosts: {e}");
            return Outcome::Error;
        }
    };
    let prepared = write_known_hosts(&lab, &dir.join("known_hosts"))
        .map_err(|e| format!("cannot write known_hosts: {e}"))
        .and_then(|()| leave_needed_applications(&pb, &lab));
    let outcome = match prepared {
        Ok(()) => demo(&args.file, &dir.join("xspctl-state"), out),
        Err(e) => {
            eprintln!("error: {e}");
            Outcome::Error
        }
    };
    if args.keep {
        eprintln!(
            "the simulated hosts keep running (hosts file: {}); press Ctrl-C to stop them",
            dir.join("hosts.json").display()
        );
        let _ = rt.block_on(tokio::signal::ctrl_c());
    }
    rt.block_on(lab.stop());
    outcome
}

fn demo(playbook: &Path, state_dir: &Path, out: &Output) -> Outcome {
    let hosts = HostsArgs {
        playbook: PlaybookArg {
            file: playbook.to_path_buf(),
        },
        hosts: Vec::new(),
        farms: Vec::new(),
        parallel: 10,
    };
    eprintln!("\n== xspctl plan -f {}", playbook.display());
    let planned = plan_with(
        &hosts,
        None,
        false,
        SecretPolicy::Compare,
        Some(state_dir),
        out,
    );
    if planned == Outcome::Error {
        return planned;
    }
    eprintln!(
        "\n== xspctl apply -f {} --yes --restart rolling",
        playbook.display()
    );
    let apply = ApplyArgs {
        hosts,
        plan: None,
        yes: true,
        restart: RestartMode::Rolling,
        restart_timeout: 120,
        rotate_secrets: false,
    };
    let applied = apply_with(&apply, Some(state_dir), out);
    if applied == Outcome::Error {
        return applied;
    }
    // AuthService makes its RSA key pair once active (guide B §2.2 step 9.2): the
    // farm's reference host has one only now, and the second apply imports it on
    // the farm's other hosts (a fresh farm takes two applies, D39).
    eprintln!(
        "\n== xspctl apply -f {} --yes --restart rolling  (again: the AuthService farm's RSA keys)",
        playbook.display()
    );
    let applied = apply_with(&apply, Some(state_dir), out);
    if applied == Outcome::Error {
        return applied;
    }
    eprintln!("\n== xspctl verify -f {}", playbook.display());
    verify_run(
        &apply.hosts,
        false,
        &CheckSelection::all(),
        Some(state_dir),
        None,
        out,
    )
    .1
}

/// The lab directory: where the playbook's known_hosts file lives (the lab writes it).
fn lab_dir(pb: &Playbook) -> Result<PathBuf, String> {
    let first = pb.hosts.first().ok_or("the lab playbook has no hosts")?;
    let known = &first.connection.known_hosts;
    known
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| format!("known_hosts {} has no directory", known.display()))
}

fn sim_product(p: Product) -> xspsim::host::Product {
    match p {
        Product::Xsp => xspsim::host::Product::Xsp,
        Product::Adp => xspsim::host::Product::Adp,
        Product::As => xspsim::host::Product::As,
    }
}

fn sim_release(r: Release) -> xspsim::host::Release {
    match r {
        Release::R21Sp1 => xspsim::host::Release::R21Sp1,
        Release::R22 => xspsim::host::Release::R22,
        Release::R23 => xspsim::host::Release::R23,
        Release::R24 => xspsim::host::Release::R24,
        Release::Adp => xspsim::host::Release::Adp,
    }
}

fn sim_host(h: &Host) -> Result<LabHostConfig, String> {
    let address: IpAddr = h.connection.address.parse().map_err(|_| {
        format!(
            "host {}: the lab needs an IP address, not {}",
            h.name, h.connection.address
        )
    })?;
    if !address.is_loopback() {
        return Err(format!(
            "host {}: {address} is not a loopback address; the lab only binds 127.0.0.0/8",
            h.name
        ));
    }
    Ok(LabHostConfig {
        ssh_port: h.connection.port,
        // A fixed HTTPS port, which `webex.certificates.http.port` names.
        https_port: LAB_HTTPS_PORT,
        // The patches the playbook's modules depend on (xspctl checks patches,
        // never installs them; a real host has them installed by its operator).
        patches: crate::modules::patches::required_names(h)
            .into_iter()
            .map(str::to_string)
            .collect(),
        ..LabHostConfig::new(
            h.name.clone(),
            h.farm.clone(),
            sim_product(h.product),
            sim_release(h.release),
            address,
        )
    })
}

fn lab_config(pb: &Playbook, dir: &Path) -> Result<LabConfig, String> {
    let hosts = pb
        .hosts
        .iter()
        .map(sim_host)
        .collect::<Result<Vec<_>, _>>()?;
    let user = pb
        .hosts
        .first()
        .map(|h| h.connection.user.clone())
        .unwrap_or_else(|| "bwadmin".into());
    Ok(LabConfig {
        user,
        ..LabConfig::new(
            dir.to_path_buf(),
            hosts,
            SocketAddr::new(IpAddr::V4(DNS_ADDRESS), DNS_PORT),
        )
    })
}

/// The farms of a playbook's YAML, as far as [`listed_hosts`] reads them.
#[derive(serde::Deserialize)]
struct ListedFarms {
    #[serde(default)]
    farms: Vec<ListedFarm>,
}

#[derive(serde::Deserialize)]
struct ListedFarm {
    #[serde(default)]
    hosts: Vec<ListedHost>,
}

#[derive(serde::Deserialize)]
struct ListedHost {
    name: String,
    address: String,
}

/// The `(name, address)` of every host of the playbook's YAML whose address is an
/// IP address; the playbook's own check comes after.
fn listed_hosts(file: &Path) -> Result<Vec<(String, IpAddr)>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let listed: ListedFarms = serde_saphyr::from_str(&text).map_err(|e| e.to_string())?;
    Ok(listed
        .farms
        .into_iter()
        .flat_map(|f| f.hosts)
        .filter_map(|h| Some((h.name, h.address.parse().ok()?)))
        .collect())
}

/// Each host starts with its lab certificate, except a host whose playbook installs
/// its server certificates (`webex.certificates`): it starts with its self-signed
/// ones (D6), so the demo shows `sslUpdate` put the lab CA's certificate in place.
fn give_certificates(
    pb: &Playbook,
    config: &mut LabConfig,
    listed: &[(String, IpAddr)],
    issued: Vec<xspsim::lab::StartingCertificate>,
) {
    for ((name, _), cert) in listed.iter().zip(issued) {
        let installs = pb.hosts.iter().any(|h| {
            &h.name == name
                && h.webex
                    .get::<crate::modules::certificates::CertificatesSettings>("certificates")
                    .is_some()
        });
        if let Some(host) = config.hosts.iter_mut().find(|h| &h.name == name)
            && !installs
        {
            host.server_certificate = Some(cert);
        }
    }
}

/// Removes the hosts' state and xspctl's lab state, so the demo starts from fresh
/// hosts; the lab's client key is kept.
fn fresh_start(pb: &Playbook, dir: &Path) {
    for h in &pb.hosts {
        let _ = std::fs::remove_dir_all(dir.join(&h.name));
    }
    let _ = std::fs::remove_dir_all(dir.join("xspctl-state"));
}

/// Writes each of [`LAB_SECRETS`] in `dir` with a fresh random value (mode 600).
fn write_lab_secrets(dir: &Path) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    std::fs::create_dir_all(dir)?;
    for name in LAB_SECRETS {
        let mut random = [0u8; 18];
        openssl::rand::rand_bytes(&mut random).map_err(std::io::Error::other)?;
        let path = dir.join(name);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)?;
        // A file left by an older run keeps its mode: set it.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        writeln!(file, "lab-{}", hex::encode(random))?;
    }
    Ok(())
}

/// Leaves each XSP and ADP running only the applications its farm's roles need,
/// as the guide wants the Webex hosts prepared (guide A §3.4: L2497, no other
/// applications on the Webex XSPs; L2499, the NPS host runs NPS alone): a fresh
/// simulated XSP has Xsi and DMS deployed, which the lab undeploys and deactivates
/// on nps1 with the host's own CLI, as its operator would have before xspctl runs
/// (xspctl itself only warns about them: docs/decisions.md D45, D49).
fn leave_needed_applications(pb: &Playbook, lab: &Lab) -> Result<(), String> {
    for h in pb.hosts.iter().filter(|h| h.product != Product::As) {
        let sim = lab
            .host(&h.name)
            .ok_or_else(|| format!("host {}: not started", h.name))?;
        let mut cli = sim.bwcli();
        cli.start();
        let mut run = |line: &str| cli.input(line).output;
        run("cd /Maintenance/ManagedObjects");
        let listing = run("get");
        // The listing without its prompt, the last line.
        let body = listing.rsplit_once('\n').map_or("", |(b, _)| b);
        let GetOutput::Table(table) = parse_get(body)
            .map_err(|e| format!("host {}: ManagedObjects `get`: {e}\n{listing}", h.name))?
        else {
            return Err(format!(
                "host {}: ManagedObjects `get` printed no table\n{listing}",
                h.name
            ));
        };
        for row in &table.rows {
            let cell = |c: &str| table.cell(row, c).unwrap_or_default();
            let (name, path, state) = (cell("Name"), cell("Context Path"), cell("State"));
            if crate::topology::needs(h, name) || !matches!(state, "Active" | "Deployed") {
                continue;
            }
            // An application active without a context path is deactivated by name.
            let which = if path.is_empty() { name } else { path };
            let mut steps = vec![format!("deactivate application {which}")];
            if state == "Deployed" {
                steps.insert(0, format!("undeploy application {which}"));
            }
            for step in steps {
                let answer = run(&step);
                if !answer.contains("...Done") {
                    return Err(format!(
                        "host {}: `{step}` in /Maintenance/ManagedObjects failed: {answer}",
                        h.name
                    ));
                }
            }
        }
    }
    Ok(())
}

/// known_hosts lines for every simulated host (`[address]:port key`).
fn write_known_hosts(lab: &Lab, path: &Path) -> std::io::Result<()> {
    let mut text = String::new();
    for e in lab.hosts() {
        if let Some(port) = e.ssh_port {
            text.push_str(&format!("[{}]:{port} {}\n", e.address, e.host_public_key));
        }
    }
    crate::fsutil::write_atomic(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lab_host_gets_the_patches_its_modules_need() {
        let text = "version: 1
defaults:
  connection: { user: bwadmin, agent: true }
farms:
  - name: xsp
    product: xsp
    release: R23
    roles: [xsi, authservice]
    webex:
      authservice: { mode: mtls }
    hosts:
      - { name: xsp1, address: 127.0.0.1 }
  - name: plain
    product: xsp
    release: R23
    roles: [xsi]
    hosts:
      - { name: xsp2, address: 127.0.0.2 }
";
        let pb = crate::playbook::load_str(Path::new("lab.yaml"), text).expect("playbook");
        let patches = |i: usize| sim_host(&pb.hosts[i]).expect("lab host").patches;
        // guide B §2.2 step 2: R23's AuthService patches.
        assert_eq!(
            patches(0),
            [
                "AP.platform.23.0.1075.ap376509",
                "AP.xsp.23.0.1075.ap376509"
            ]
        );
        assert!(patches(1).is_empty());
    }

    #[test]
    fn the_lab_writes_every_secret_its_playbook_names() {
        let text = include_str!("../../playbooks/lab.yaml");
        let named: std::collections::BTreeSet<&str> = text
            .split("file:../.lab/secrets/")
            .skip(1)
            .map(|rest| rest.split_whitespace().next().unwrap_or_default())
            .collect();
        let written: std::collections::BTreeSet<&str> = LAB_SECRETS.into_iter().collect();
        assert_eq!(named, written);
        let dir = tempfile::tempdir().unwrap();
        let secrets = dir.path().join("secrets");
        write_lab_secrets(&secrets).unwrap();
        let first = std::fs::read_to_string(secrets.join(LAB_SECRETS[0])).unwrap();
        write_lab_secrets(&secrets).unwrap();
        let second = std::fs::read_to_string(secrets.join(LAB_SECRETS[0])).unwrap();
        assert_ne!(first, second, "a fresh value on every run");
        assert!(first.starts_with("lab-") && first.len() > 30, "{first}");
        for name in LAB_SECRETS {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(secrets.join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
    }
}
