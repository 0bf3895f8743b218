//! Collects one host's evidence for a bundle, read-only, on one session:
//! verify's findings, then `bwshowver`, every context the playbook's modules
//! read when rendering and planning, the TLS discovery, the contexts the rules
//! and `contexts.yaml` name (each read once: verify's reads are the snapshot's),
//! the patch listing (once), the certificates each TLS endpoint serves, the
//! AuthService key file (only to mask it and compare its hash across the farm;
//! it is never bundled), and the logs support asks for ([`super::logs`]).
use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::certs::{ServedCertificate, served};
use super::configured::{ConfiguredFile, configured_files};
use super::evidence::{HostFacts, PatchComparison, Snapshot, Unreadable, Version};
use super::logs::{LogLimits, Logs, collect_logs};
use crate::desired::{ContextRef, Probe};
use crate::fleet::Progress;
use crate::hostrun::{
    RunContext, SessionFacts, VerifyHow, discovered_endpoints, open, read_and_plan, verify_on,
};
use crate::live::LiveContext;
use crate::live::cached::InstalledReads;
use crate::live::link::{HostLink, LinkError, LockOwner, Release, ShellRead, WriteResult};
use crate::modules::authservice::{KEY_FILE, KEY_MANAGEMENT};
use crate::modules::tls_module;
use crate::plan::Op;
use crate::plan::files::HostFile;
use crate::plan::secrets::SecretPolicy;
use crate::playbook::{Host, VerifySettings};
use crate::report::{HostResult, HostStatus};
use crate::secret::Secret;
use crate::verify::peers::Peers;
use crate::verify::selection::CheckSelection;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtraContext {
    context: String,
    products: Vec<String>,
    source: String,
}

static EXTRA: LazyLock<Vec<ExtraContext>> = LazyLock::new(|| {
    // Compiled-in data; `the_context_list_loads` proves it reads.
    serde_saphyr::from_str(include_str!("contexts.yaml"))
        .unwrap_or_else(|e| panic!("diagnose data: contexts.yaml: {e}"))
});

/// The contexts diagnose reads besides the modules' and the rules': each with
/// the products that have it and the document that names it.
pub fn extra_contexts() -> impl Iterator<Item = (&'static str, &'static [String], &'static str)> {
    EXTRA
        .iter()
        .map(|e| (e.context.as_str(), e.products.as_slice(), e.source.as_str()))
}

/// Everything collected from one host.
#[derive(Debug, Clone)]
pub struct Collected {
    /// The host's facts.
    pub facts: HostFacts,
    /// The bwcli snapshot (not yet redacted).
    pub snapshot: Snapshot,
    /// verify's result on the host.
    pub verify: HostResult,
    /// The certificates each endpoint served.
    pub certificates: Vec<ServedCertificate>,
    /// Every AuthService key file's text the session read (an operator's copy,
    /// and each transient export), to mask (never bundled).
    pub authservice_keys: Vec<String>,
    /// What `listPatch.pl` printed (masked by the session).
    pub patches: Option<String>,
    /// The logs of the window (not yet redacted); None when the host was not reached.
    pub logs: Option<Logs>,
    /// The secrets the playbook's modules set on the host, resolved, to mask.
    pub secrets: Vec<Secret>,
    /// The required patches against the installed ones; None when the host was
    /// not reached.
    pub patch_comparison: Option<PatchComparison>,
    /// The certificate files the playbook's modules configure on the host.
    pub configured: Vec<ConfiguredFile>,
}

/// Collects `host` on one session. `contexts` are the rules' contexts with the
/// products they apply to (empty: any).
pub fn collect_host(
    host: &Host,
    ctx: &RunContext,
    timeout: Duration,
    (peers, settings): (&Peers, &VerifySettings),
    progress: &Progress,
    contexts: &[(String, Vec<String>)],
    limits: LogLimits,
) -> Collected {
    let started = Instant::now();
    let mut facts = HostFacts {
        name: host.name.clone(),
        farm: host.farm.clone(),
        product: host.product.playbook_name().to_string(),
        release: host.release.playbook_name().to_string(),
        roles: host.roles.iter().map(|r| r.name().to_string()).collect(),
        version: None,
        authservice_keys_sha256: None,
        errors: Vec::new(),
    };
    let mut out = Collected {
        facts: facts.clone(),
        snapshot: Snapshot::default(),
        verify: HostResult::failed(&host.name, &host.farm, HostStatus::Failed, String::new()),
        certificates: Vec::new(),
        authservice_keys: Vec::new(),
        patches: None,
        logs: None,
        secrets: Vec::new(),
        patch_comparison: None,
        configured: Vec::new(),
    };
    let mut link = match open(host, progress) {
        Ok(l) => l,
        Err(e) => {
            facts.errors.push(format!("cannot connect: {e}"));
            out.verify.error = Some(e.to_string());
            out.facts = facts;
            return out;
        }
    };
    facts.version = Some(Version::from(link.version()));
    let session = SessionFacts::of(host, ctx, &link);
    let mut rec = Recorder::new(&mut link);
    // verify reads through the recorder: its reads are the snapshot's, and what
    // the rest reads again comes from there.
    progress.step("verify");
    let how = VerifyHow {
        selection: &CheckSelection::all(),
        timeout,
        peers,
        settings,
        progress,
    };
    out.verify = verify_on(host, &mut rec, session, &how);
    out.verify.duration_ms = started.elapsed().as_millis() as u64;
    progress.step("reading what the modules read");
    let mut probes: Vec<Probe> = Vec::new();
    match read_and_plan(host, &mut rec, progress, SecretPolicy::Compare) {
        Ok(read) => {
            probes.extend(read.desired.probes);
            out.secrets = read.secrets.values().cloned().collect();
            progress.step("reading the configured certificates");
            out.configured = configured_files(&read.desired.files, &mut rec);
        }
        Err(e) => facts.errors.push(format!("rendering the playbook: {e}")),
    }
    progress.step("comparing the required patches with the installed ones");
    out.patch_comparison = Some(compare_patches(host, &mut rec));
    match tls_module::discovery(host, &mut rec) {
        Ok(found) => match discovered_endpoints(host, found.as_ref()) {
            Ok(tree) => probes.extend(tree.probes),
            Err(e) => facts.errors.push(format!("TLS interfaces: {e}")),
        },
        Err(e) => facts.errors.push(format!("TLS discovery: {e}")),
    }
    progress.step("reading the rules' contexts");
    let product = host.product.playbook_name();
    let extra = EXTRA
        .iter()
        .map(|e| (e.context.clone(), e.products.clone()))
        .chain(contexts.iter().cloned());
    for (context, products) in extra {
        if !products.is_empty() && !products.iter().any(|p| p == product) {
            continue;
        }
        let at = ContextRef {
            context,
            args: Vec::new(),
        };
        if rec.read(&at).is_err() && rec.broken {
            facts.errors.push(format!(
                "the session failed while reading {at}; the snapshot is partial"
            ));
            break;
        }
    }
    progress.step("listing the installed patches");
    match rec.shell_read(ShellRead::ListPatches) {
        Ok(text) => out.patches = Some(text),
        Err(e) => facts.errors.push(format!("listing the patches: {e}")),
    }
    if host.product != crate::catalog::Product::As {
        // The keys compared across the farm: a fresh export's (verify's farm
        // check), else the key file an operator left there (guide B §2.2 step
        // 9.4). Their text is masked, and never bundled.
        progress.step("reading the AuthService key file");
        let left = match rec.read_file(KEY_FILE) {
            Ok(f) => f.map(|f| f.bytes),
            Err(e) => {
                facts.errors.push(format!("reading {KEY_FILE}: {e}"));
                None
            }
        };
        facts.authservice_keys_sha256 = rec
            .exported
            .as_ref()
            .or(left.as_ref())
            .map(|k| hex::encode(Sha256::digest(k)));
    }
    out.authservice_keys = rec
        .key_files
        .iter()
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect();
    out.snapshot = rec.snapshot;
    progress.step("collecting the logs");
    let logs = collect_logs(&link, product, limits, std::time::SystemTime::now());
    facts.errors.extend(logs.errors.iter().cloned());
    out.logs = Some(logs);
    // The session's masked transcript, verify's reads included.
    let path = ctx
        .store
        .transcript_path(&ctx.run_id, &format!("{}.diagnose", host.name));
    if let Err(e) = link.finish().write_to(&path) {
        tracing::warn!("transcript {}: {e}", path.display());
    }
    probes.sort_by(|a, b| (&a.address, a.port).cmp(&(&b.address, b.port)));
    probes.dedup_by(|a, b| (&a.address, a.port) == (&b.address, b.port));
    for p in &probes {
        progress.step(&format!("certificate {}:{}", p.address, p.port));
        out.certificates
            .push(served(p, peers.clients.webex.as_ref(), timeout));
    }
    out.facts = facts;
    out
}

/// The host's required patches against its installed ones: the minimum list of
/// its release and server type and its roles' features (solution guide B §17)
/// whether the playbook sets `webex.patches` or not, and what its modules need.
fn compare_patches(host: &Host, link: &mut dyn HostLink) -> PatchComparison {
    use crate::modules::TypedModule;
    use crate::modules::patches::{Patches, PatchesSettings, check_host};
    use crate::playbook::module_api::Settings;
    let mut host = host.clone();
    if host.webex.get::<PatchesSettings>(Patches::KEY).is_none() {
        let mut modules: Vec<(&'static str, Settings)> = host
            .webex
            .configured()
            .map(|(k, s)| (k, s.clone()))
            .collect();
        modules.push((
            Patches::KEY,
            Settings::new(PatchesSettings {
                minimum: true,
                features: Vec::new(),
            }),
        ));
        host.webex = crate::playbook::Webex::new(modules);
    }
    match check_host(&host, link) {
        Ok(check) => PatchComparison { check, error: None },
        Err(e) => PatchComparison {
            check: None,
            error: Some(e.to_string()),
        },
    }
}

/// A read-only link that records every context read (or why it could not be),
/// reads the patch listing and `bwshowver` once, and refuses every change:
/// diagnose never writes to a host. The one exception is AuthService's transient
/// key export (the farm check's fingerprint, guide B §2.2 step 9): `exportKeys`,
/// then [`KEY_FILE`] removed, or put back exactly as it was read before
/// (docs/decisions.md D61 s4-diag).
struct Recorder<'a> {
    inner: &'a mut dyn HostLink,
    snapshot: Snapshot,
    /// A transport error ended the session: no more reads are tried.
    broken: bool,
    /// The contexts the CLI refused to show, with its answer (not asked again).
    refused: BTreeMap<ContextRef, LinkError>,
    /// The listing and the version, as first read.
    installed: InstalledReads,
    /// Every content of [`KEY_FILE`] read (to mask).
    key_files: Vec<Vec<u8>>,
    /// Its contents as read before an export (what may be put back).
    key_files_before: Vec<Vec<u8>>,
    /// An `exportKeys` was sent and its file not yet put back: [`KEY_FILE`] may
    /// be removed, or rewritten with what it held before.
    exporting: bool,
    /// What the last export wrote (the AuthService's keys now).
    exported: Option<Vec<u8>>,
}

impl<'a> Recorder<'a> {
    fn new(inner: &'a mut dyn HostLink) -> Recorder<'a> {
        Recorder {
            inner,
            snapshot: Snapshot::default(),
            broken: false,
            refused: BTreeMap::new(),
            installed: InstalledReads::default(),
            key_files: Vec::new(),
            key_files_before: Vec::new(),
            exporting: false,
            exported: None,
        }
    }
}

fn refused(what: &str) -> LinkError {
    LinkError::Cli {
        context: "diagnose".into(),
        command: what.into(),
        message: "diagnose reads hosts only; it never changes them".into(),
    }
}

impl HostLink for Recorder<'_> {
    fn read(&mut self, at: &ContextRef) -> Result<LiveContext, LinkError> {
        if let Some(found) = self.snapshot.read.get(at) {
            return Ok(found.clone());
        }
        if let Some(e) = self.refused.get(at) {
            return Err(e.clone());
        }
        if self.broken {
            return Err(LinkError::Transport("the session failed earlier".into()));
        }
        match self.inner.read(at) {
            Ok(found) => {
                self.snapshot
                    .read
                    .contexts
                    .insert(at.clone(), found.clone());
                Ok(found)
            }
            Err(e) => {
                self.broken = e.is_transport();
                if !self.broken {
                    self.refused.insert(at.clone(), e.clone());
                }
                if !self.snapshot.unreadable.iter().any(|u| &u.at == at) {
                    self.snapshot.unreadable.push(Unreadable {
                        at: at.clone(),
                        error: e.to_string(),
                    });
                }
                Err(e)
            }
        }
    }

    fn shell_read(&mut self, what: ShellRead) -> Result<String, LinkError> {
        // Read-only by its type. The patch listing and the version are read once
        // (verify, the comparison and patches.txt).
        self.installed.read(self.inner, what)
    }

    fn write(&mut self, op: &Op, secrets: &[Secret]) -> Result<WriteResult, LinkError> {
        let export = op.context == KEY_MANAGEMENT && op.args == ["exportKeys"];
        if !export || !secrets.is_empty() {
            return Err(refused(&op.command_line()));
        }
        self.exporting = true;
        self.inner.write(op, secrets)
    }

    fn read_file(&mut self, path: &str) -> Result<Option<HostFile>, LinkError> {
        let file = self.inner.read_file(path)?;
        if let Some(f) = file.as_ref().filter(|_| path == KEY_FILE) {
            if !self.key_files.contains(&f.bytes) {
                self.key_files.push(f.bytes.clone());
            }
            if self.exporting {
                self.exported = Some(f.bytes.clone());
            } else if !self.key_files_before.contains(&f.bytes) {
                self.key_files_before.push(f.bytes.clone());
            }
        }
        Ok(file)
    }

    fn replace_file(&mut self, path: &str, bytes: &[u8], mode: u32) -> Result<(), LinkError> {
        // Only the key file an export overwrote, put back as it was.
        if path != KEY_FILE || !self.exporting || !self.key_files_before.iter().any(|k| k == bytes)
        {
            return Err(refused(&format!("replace {path}")));
        }
        self.exporting = false;
        self.inner.replace_file(path, bytes, mode)
    }

    fn remove_file(&mut self, path: &str) -> Result<(), LinkError> {
        // Only the file an export made.
        if path != KEY_FILE || !self.exporting {
            return Err(refused(&format!("remove {path}")));
        }
        self.exporting = false;
        self.inner.remove_file(path)
    }

    fn rename_file(&mut self, from: &str, _: &str) -> Result<(), LinkError> {
        Err(refused(&format!("rename {from}")))
    }

    fn mask(&mut self, secret: &Secret) {
        self.inner.mask(secret)
    }

    fn lock(&mut self, _: &LockOwner) -> Result<(), LinkError> {
        Err(refused("lock"))
    }

    fn unlock(&mut self, _: &str) -> Result<Release, LinkError> {
        Ok(Release::NotHeld)
    }

    fn reconnect(&mut self) -> Result<(), LinkError> {
        Err(refused("reconnect"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_context_list_loads() {
        assert!(
            EXTRA
                .iter()
                .any(|e| e.context == "/Monitoring/Alarm/AlarmsTable")
        );
        for e in EXTRA.iter() {
            assert!(e.context.starts_with('/'), "{}", e.context);
            assert!(!e.products.is_empty() && !e.source.is_empty());
        }
    }
}
