//! What each host of a farm runs and serves, for the `farm.*` checks (issue #11
//! check 8; `verify::farm` compares the values across the farm): the release and
//! build `bwshowver` reports, the patches `listPatch.pl` lists, per interface kind
//! the protocols and suites verify's enumeration saw accepted, the CA names each
//! CTI interface's CertificateRequest lists, and on Xsi hosts every attribute of
//! the Xsi contexts the modules read.
use std::collections::{BTreeMap, BTreeSet};

use crate::bwcli::ShowVersion;
use crate::desired::ContextRef;
use crate::live::LiveContext;
use crate::live::link::{HostLink, LinkError, ShellRead};
use crate::modules::patches::parse_listing;
use crate::playbook::{Host, Role};
use crate::report::{CheckId, Finding, Verdict};
use crate::verify::enumerate::ProtocolStatus;
use crate::verify::farm::{FarmValue, Shown};
use crate::verify::mtls::CA_NAME_LINE;

/// The Xsi contexts the modules read (`xsi_events`, `directory_sync`): every
/// attribute they show is compared. None of them is per host by nature (the
/// interfaces' addresses, ports and certificates live elsewhere).
const XSI_CONTEXTS: &[&str] = &[
    "/Applications/Xsi-Actions/OverloadControl",
    "/Applications/Xsi-Actions/Paging",
    "/Applications/Xsi-Events/BWIntegration",
    "/Applications/Xsi-Events/GeneralSettings",
];

/// The values read on the host through `link` (the run's cached reads: the
/// patch listing is the one the patches check read): its release (`version`,
/// read at connect), its patches, and on a host with role xsi its Xsi settings.
/// A CLI or shell error is a value that fails; a lost connection is an error.
pub fn read(
    host: &Host,
    version: &ShowVersion,
    link: &mut dyn HostLink,
) -> Result<Vec<FarmValue>, LinkError> {
    let build = format!("{}_{}", version.release, version.build);
    let mut values = vec![
        FarmValue {
            id: CheckId::FarmRelease,
            what: "release".into(),
            why: "every host runs the same BroadWorks build (`bwshowver`)",
            fix: "upgrade or patch the odd host to the farm's build with the BroadWorks tools",
            among: None,
            declared: Some(host.release.playbook_name().to_string()),
            shown: Shown::Value(build.clone()),
        },
        FarmValue {
            id: CheckId::FarmPatches,
            what: "patches".into(),
            why: "every host of one build has the same patches (`listPatch.pl`)",
            fix: "install or back out patches with the BroadWorks patch tools until the hosts list the same",
            among: Some(build),
            declared: None,
            shown: patches(host, link)?,
        },
    ];
    if host.roles.contains(&Role::Xsi) {
        values.push(FarmValue {
            id: CheckId::FarmXsiSettings,
            what: "Xsi settings".into(),
            why: "every Xsi host shows the same Xsi-Actions and Xsi-Events settings",
            fix: "set the attribute to the farm's value on the odd host (`cd CONTEXT`, `set NAME VALUE`), or let the playbook's modules set it on every host",
            among: None,
            declared: None,
            shown: xsi_settings(host, link)?,
        });
    }
    Ok(values)
}

/// The patches `listPatch.pl` lists: an active one by its name, any other with
/// its state (`AP.xsp.23.0.1075.ap376509 (Inactive)`).
fn patches(host: &Host, link: &mut dyn HostLink) -> Result<Shown, LinkError> {
    let unreadable = |observed: String| Shown::Unreadable {
        observed,
        fix: format!(
            "run `{}` on {} and repair what it shows",
            ShellRead::ListPatches.command_line(),
            host.name
        ),
    };
    let text = match link.shell_read(ShellRead::ListPatches) {
        Ok(t) => t,
        Err(e @ LinkError::Shell { .. }) => return Ok(unreadable(e.to_string())),
        Err(e) => return Err(e),
    };
    Ok(match parse_listing(&text) {
        Ok(listing) => Shown::Items(
            listing
                .patches
                .iter()
                .map(|(name, state)| match listing.is_active(name) {
                    true => name.clone(),
                    false => format!("{name} ({state})"),
                })
                .collect(),
        ),
        Err(e) => unreadable(e.to_string()),
    })
}

/// Every attribute of [`XSI_CONTEXTS`] as the host shows it: `CONTEXT NAME = VALUE`.
fn xsi_settings(host: &Host, link: &mut dyn HostLink) -> Result<Shown, LinkError> {
    let mut items = BTreeSet::new();
    for context in XSI_CONTEXTS {
        let at = ContextRef {
            context: context.to_string(),
            args: Vec::new(),
        };
        let unreadable = |observed: String| Shown::Unreadable {
            observed,
            fix: format!(
                "check `{context}` on {} (`cd {context}` then `get`)",
                host.name
            ),
        };
        match link.read(&at) {
            Ok(LiveContext::Attributes(pairs)) => {
                items.extend(pairs.iter().map(|(n, v)| format!("{context} {n} = {v}")));
            }
            Ok(LiveContext::Table { .. }) => {
                return Ok(unreadable(format!(
                    "`get` in {context} shows a table, not attributes"
                )));
            }
            Err(e @ LinkError::Cli { .. }) => return Ok(unreadable(e.to_string())),
            Err(e) => return Err(e),
        }
    }
    Ok(Shown::Items(items))
}

/// The values verify's probes observed on the host, from its findings: per
/// interface kind (`HTTP`, `CTI`) the protocols and suites accepted
/// (`tls.suite-enumeration`: every interface of the kind together), and the CA
/// names of the CTI interfaces' CertificateRequests (`mtls.client-ca-list`).
/// A kind the host has no interface of gives no value: it is not compared.
pub fn observed(findings: &[Finding]) -> Vec<FarmValue> {
    let mut tls: BTreeMap<String, Shown> = BTreeMap::new();
    let mut anchors: Option<Shown> = None;
    for f in findings {
        // The subjects of an endpoint's findings start with its kind and address:
        // `HTTP 10.0.0.1:443 suites` (verify::tls).
        let (kind, endpoint) = split_subject(&f.subject);
        match (f.id, &f.enumeration) {
            (CheckId::TlsSuiteEnumeration, Some(e)) => {
                let shown = match e
                    .protocols
                    .iter()
                    .find(|p| p.status == ProtocolStatus::Error)
                {
                    Some(p) => Shown::Unreadable {
                        observed: format!(
                            "the enumeration of {endpoint} did not finish: {} {}",
                            p.protocol.name(),
                            p.reason.as_deref().unwrap_or("error")
                        ),
                        fix: "run verify again once the interface answers".into(),
                    },
                    None => Shown::Items(
                        e.protocols
                            .iter()
                            .flat_map(|p| {
                                p.accepted
                                    .iter()
                                    .map(|s| format!("{} {s}", p.protocol.name()))
                            })
                            .collect(),
                    ),
                };
                merge(
                    tls.entry(kind.to_string())
                        .or_insert(Shown::Items(BTreeSet::new())),
                    shown,
                );
            }
            (CheckId::MtlsClientCaList, _) => {
                merge(
                    anchors.get_or_insert(Shown::Items(BTreeSet::new())),
                    ca_names(f, endpoint),
                );
            }
            _ => {}
        }
    }
    let mut values: Vec<FarmValue> = tls
        .into_iter()
        .map(|(kind, shown)| FarmValue {
            id: CheckId::FarmTls,
            what: format!("{kind} TLS"),
            why: "every host accepts the same protocols and suites on its interfaces of this kind (verify's enumeration)",
            fix: "give the odd host the farm's TLS settings (`webex.tls` for the farm, `xspctl apply`), then restart it",
            among: None,
            declared: None,
            shown,
        })
        .collect();
    values.extend(anchors.map(|shown| FarmValue {
        id: CheckId::FarmTrustAnchors,
        what: "CTI trust anchors".into(),
        why: "every CTI interface of the farm names the same CAs in its CertificateRequest",
        fix: "load the farm's trust anchors on the odd host (`webex.cti_mtls.trust_anchors`, `xspctl apply`), then restart it",
        among: None,
        declared: None,
        shown,
    }));
    values
}

/// The kind (`HTTP`) and the endpoint (`HTTP 10.0.0.1:443`) a subject names.
fn split_subject(subject: &str) -> (&str, &str) {
    let mut words = subject.splitn(3, ' ');
    let kind = words.next().unwrap_or("");
    let end = kind.len() + words.next().map_or(0, |a| a.len() + 1);
    (kind, &subject[..end])
}

/// What one CTI interface's CertificateRequest named: its CA names; the observed
/// text when it sent none; unreadable when the probe was not made.
fn ca_names(f: &Finding, endpoint: &str) -> Shown {
    let names: BTreeSet<String> = f
        .evidence
        .iter()
        .filter_map(|l| l.strip_prefix(CA_NAME_LINE))
        .map(str::to_string)
        .collect();
    match f.status {
        Verdict::Skip => Shown::Unreadable {
            observed: format!("{endpoint}: {}", f.observed),
            fix: "run verify again once the interface answers".into(),
        },
        _ if names.is_empty() => Shown::Value(f.observed.clone()),
        _ => Shown::Items(names),
    }
}

/// Adds `shown` (one interface's) to `into` (the kind's so far): sets join; an
/// unreadable interface makes the kind unreadable, and a value that is not a set
/// is kept as it is.
fn merge(into: &mut Shown, shown: Shown) {
    match (&mut *into, shown) {
        (Shown::Unreadable { .. }, _) => {}
        (Shown::Items(all), Shown::Items(more)) => all.extend(more),
        (Shown::Items(all), other) if all.is_empty() => *into = other,
        (_, other @ Shown::Unreadable { .. }) => *into = other,
        (Shown::Value(v), Shown::Value(more)) => *v = format!("{v}; {more}"),
        (Shown::Value(_), Shown::Items(_)) | (Shown::Items(_), Shown::Value(_)) => {
            *into = Shown::Value("CTI interfaces that differ: some send a CertificateRequest with CA names, some do not".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ca_finding(status: Verdict, observed: &str, names: &[&str]) -> Finding {
        Finding::about(
            "h",
            CheckId::MtlsClientCaList,
            "CTI 10.0.0.1:8012 client CA list",
            status,
            "names",
            observed,
        )
        .with_evidence(
            std::iter::once("10.0.0.1:8012 offered no client certificate".to_string())
                .chain(names.iter().map(|n| format!("{CA_NAME_LINE}{n}"))),
        )
    }

    #[test]
    fn the_ca_names_of_every_cti_interface_are_one_set() {
        let findings = [
            ca_finding(Verdict::Pass, "2 CA names", &["CN=Root", "CN=Inter"]),
            ca_finding(Verdict::Fail, "1 CA names; missing: CN=Inter", &["CN=Root"]),
        ];
        let values = observed(&findings);
        assert_eq!(values.len(), 1);
        assert_eq!(values[0].id, CheckId::FarmTrustAnchors);
        assert_eq!(
            values[0].shown,
            Shown::Items(["CN=Inter".to_string(), "CN=Root".to_string()].into())
        );
        // No CertificateRequest is a value of its own; an interface not reached
        // leaves nothing to compare.
        let none = "the server sent no CertificateRequest: client authentication is not requested";
        let values = observed(&[ca_finding(Verdict::Fail, none, &[])]);
        assert_eq!(values[0].shown, Shown::Value(none.into()));
        let values = observed(&[
            ca_finding(Verdict::Pass, "1 CA names", &["CN=Root"]),
            ca_finding(Verdict::Skip, "connection refused", &[]),
        ]);
        assert!(
            matches!(&values[0].shown, Shown::Unreadable { observed, .. } if observed == "CTI 10.0.0.1:8012: connection refused"),
            "{:?}",
            values[0].shown
        );
    }

    #[test]
    fn a_subject_names_the_kind_and_the_endpoint() {
        assert_eq!(
            split_subject("HTTP 10.0.0.1:443 suites"),
            ("HTTP", "HTTP 10.0.0.1:443")
        );
        assert_eq!(split_subject("CTI"), ("CTI", "CTI"));
    }
}
