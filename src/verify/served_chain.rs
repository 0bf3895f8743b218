//! The certificate chain an endpoint serves, checked the way a strict modern client
//! checks it (issue #11 check 2): the chain is validated with rustls's `webpki`
//! against the CAs the playbook names (`verify.server_ca`) or the public roots a
//! Webex client trusts (webpki-roots), for TLS server use (EKU serverAuth); the
//! leaf is not self-signed; the chain is sent in order; its names cover the
//! interface's FQDN; its key is strong enough and fits the configured suites.
//!
//! Sources: solution guide A §8.1 (L1616, L1672–1674: CA-signed, not self-signed,
//! every intermediate included, the FQDN as CN or SAN; wildcards allowed but not
//! recommended, L1280–1292); guide B §13 (flag self-signed certificates) and §20.
use std::time::Duration;

use rustls_pki_types::{CertificateDer, DnsName, ServerName, TrustAnchor, UnixTime};
use webpki::{EndEntityCert, KeyUsage};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;

use crate::modules::certkey::{KeyType, servable};
use crate::pki::server_cert::{Coverage, key_type, names_cover};
use crate::playbook::VerifySettings;
use crate::report::{CheckId, Finding, Verdict};

/// The smallest RSA key a certificate may have (bits): webpki verifies no RSA
/// signature under 2048 bits, and the CA/Browser Forum issues none.
pub const MIN_RSA_BITS: usize = 2048;
/// The smallest EC key (bits): P-256.
pub const MIN_EC_BITS: usize = 256;

/// The CAs verify trusts for the certificates servers present.
#[derive(Debug, Clone)]
pub struct ServerTrust {
    anchors: Vec<TrustAnchor<'static>>,
    /// What the anchors are, for findings ("the CAs of verify.server_ca (FILE)").
    source: String,
}

impl ServerTrust {
    /// The public roots a Webex client trusts: the Mozilla set (webpki-roots).
    pub fn public_roots() -> ServerTrust {
        ServerTrust {
            anchors: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            source: "the public roots (webpki-roots, the Mozilla set)".into(),
        }
    }

    /// The CA certificates (DER) of a file the playbook names.
    pub fn from_cas(ders: &[Vec<u8>], file: &std::path::Path) -> Result<ServerTrust, String> {
        let anchors = ders
            .iter()
            .map(|der| {
                webpki::anchor_from_trusted_cert(&CertificateDer::from(der.as_slice()))
                    .map(|a| a.to_owned())
                    .map_err(|e| format!("{}: a CA certificate is unusable: {e:?}", file.display()))
            })
            .collect::<Result<_, _>>()?;
        Ok(ServerTrust {
            anchors,
            source: format!("the CAs of `verify.server_ca` ({})", file.display()),
        })
    }

    /// The trust the playbook's `verify` section asks for.
    pub fn of_playbook(settings: &VerifySettings) -> Result<ServerTrust, String> {
        match &settings.server_ca {
            None => Ok(ServerTrust::public_roots()),
            Some(ca) => {
                let ders = crate::playbook::read_server_cas(ca)?;
                ServerTrust::from_cas(&ders, &ca.path)
            }
        }
    }
}

/// What an endpoint served, and what it should serve.
pub struct Served<'a> {
    /// The host the endpoint belongs to.
    pub host: &'a str,
    /// The endpoint, e.g. `HTTP 192.0.2.1:443`.
    pub endpoint: String,
    /// The certificates it sent, leaf first (DER).
    pub chain: &'a [Vec<u8>],
    /// The interface's FQDN (`webex.certificates.*.fqdn`), which a SAN of its
    /// certificate must name, when the playbook gives one.
    pub fqdn: Option<&'a str>,
    /// The host's own FQDN (the host's `fqdn`, which `dns.*` checks), which the
    /// certificate must name too: in a SAN, or in the CN where guide A §7.1-7.2
    /// puts a node's own FQDN.
    pub host_fqdn: Option<&'a str>,
    /// The TLS suites configured on the interface (IANA names).
    pub configured_suites: &'a [String],
}

const RENEW: &str = "get a certificate from a CA Webex trusts and load it with its chain (`webex.certificates`, or `sslUpdate` with keyFile, certificateFile and chainFile: solution guide B §5.8 step 3, §13)";

/// The chain findings of `served` at `now` (seconds since the Unix epoch): trusted,
/// order, name (when an FQDN is known) and key. Nothing when the leaf is missing or
/// does not parse: `tls.certificate-expiry` says so.
pub fn chain_findings(served: &Served, trust: &ServerTrust, now: i64) -> Vec<Finding> {
    let parsed: Vec<X509Certificate> = served
        .chain
        .iter()
        .map_while(|der| X509Certificate::from_der(der).ok().map(|(_, c)| c))
        .collect();
    let Some(leaf) = parsed.first() else {
        return Vec::new();
    };
    let finding = |id, status, expected: &str, observed: String| {
        Finding::about(
            served.host,
            id,
            format!("{} certificate", served.endpoint),
            status,
            expected,
            observed,
        )
    };
    let evidence: Vec<String> = parsed
        .iter()
        .enumerate()
        .map(|(i, c)| format!("sent #{}: {} (issuer {})", i + 1, c.subject(), c.issuer()))
        .collect();
    let mut out = vec![
        trusted(served, &parsed, trust, now, &finding).with_evidence(evidence.clone()),
        order(&parsed, &finding).with_evidence(evidence),
    ];
    let wanted = wanted_names(served);
    if !wanted.is_empty() {
        out.push(name(served.chain, leaf, &wanted, &finding));
    }
    out.push(key(leaf, served.configured_suites, &finding));
    out
}

type MakeFinding<'f> = dyn Fn(CheckId, Verdict, &str, String) -> Finding + 'f;

/// The chain validates, with webpki, to a trusted CA for TLS server use; the leaf
/// is not self-signed.
fn trusted(
    served: &Served,
    parsed: &[X509Certificate],
    trust: &ServerTrust,
    now: i64,
    finding: &MakeFinding,
) -> Finding {
    let id = CheckId::TlsCertificateTrusted;
    let expected = format!("a chain to {} for TLS server use", trust.source);
    let leaf = &parsed[0];
    if is_self_signed(leaf) {
        return finding(
            id,
            Verdict::Fail,
            &expected,
            format!("self-signed ({})", leaf.subject()),
        )
        .with_fix(RENEW);
    }
    let ders: Vec<CertificateDer> = served
        .chain
        .iter()
        .map(|d| CertificateDer::from(d.as_slice()))
        .collect();
    let verdict = EndEntityCert::try_from(&ders[0]).and_then(|ee| {
        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &trust.anchors,
            &ders[1..],
            UnixTime::since_unix_epoch(Duration::from_secs(now.max(0).unsigned_abs())),
            KeyUsage::server_auth(),
            None,
            None,
        )
        .map(|_| ())
    });
    let fail =
        |observed: String, fix: &str| finding(id, Verdict::Fail, &expected, observed).with_fix(fix);
    match verdict {
        Ok(()) => finding(id, Verdict::Pass, &expected, "trusted".into()),
        Err(webpki::Error::UnknownIssuer) => {
            let end = chain_end(parsed);
            let observed = if is_self_signed(end) {
                format!("the chain's root {} is not among {}", end.subject(), trust.source)
            } else {
                format!(
                    "incomplete chain or unknown CA: the chain ends at {}, whose issuer {} is neither sent by the server nor among {}",
                    end.subject(),
                    end.issuer(),
                    trust.source
                )
            };
            fail(
                observed,
                "send every intermediate (the chainFile of sslUpdate, guide A §8.1 L1616); behind a TLS-bridging proxy, name the internal CA in `verify.server_ca`",
            )
        }
        Err(webpki::Error::CertExpired { .. }) | Err(webpki::Error::CertNotValidYet { .. }) => {
            fail("a certificate of the chain is outside its validity (see tls.certificate-expiry)".into(), RENEW)
        }
        Err(webpki::Error::RequiredEkuNotFoundContext(_)) => fail(
            "a certificate's extended key usage does not allow TLS server authentication (no serverAuth)".into(),
            RENEW,
        ),
        Err(e) => fail(format!("refused by webpki: {e:?}"), RENEW),
    }
}

/// Whether `cert` names itself as its issuer (a root, or a self-signed leaf).
fn is_self_signed(cert: &X509Certificate) -> bool {
    cert.subject().as_raw() == cert.issuer().as_raw()
}

/// The last certificate reached from the leaf by following issuers among those
/// sent; the walk stops at a self-signed certificate (a root issues no further).
fn chain_end<'c>(parsed: &'c [X509Certificate<'c>]) -> &'c X509Certificate<'c> {
    let mut end = &parsed[0];
    // Each step moves to another sent certificate: at most as many steps as sent.
    for _ in 0..parsed.len() {
        if is_self_signed(end) {
            break;
        }
        let issuer = parsed[1..]
            .iter()
            .find(|c| c.subject().as_raw() == end.issuer().as_raw());
        match issuer {
            Some(next) => end = next,
            None => break,
        }
    }
    end
}

/// Each certificate sent is issued by the one after it (leaf first), as strict
/// clients expect.
fn order(parsed: &[X509Certificate], finding: &MakeFinding) -> Finding {
    let id = CheckId::TlsCertificateOrder;
    let expected = "leaf first, then each issuer in turn";
    let misplaced = parsed
        .windows(2)
        .position(|pair| pair[0].issuer().as_raw() != pair[1].subject().as_raw());
    match misplaced {
        None => finding(
            id,
            Verdict::Pass,
            expected,
            format!("{} certificate(s) in order", parsed.len()),
        ),
        Some(i) => finding(
            id,
            Verdict::Fail,
            expected,
            format!(
                "certificate #{} ({}) is not the issuer {} of certificate #{}",
                i + 2,
                parsed[i + 1].subject(),
                parsed[i].issuer(),
                i + 1
            ),
        )
        .with_fix("write the chain file leaf's issuer first, then its issuer, and so on, and load it again with sslUpdate (guide B §5.8 step 3)"),
    }
}

/// A name the served certificate must cover.
#[derive(Debug, Clone, Copy)]
struct WantedName<'a> {
    fqdn: &'a str,
    /// The host's own FQDN: the CN may name it (guide A §7.1-7.2).
    host: bool,
}

impl WantedName<'_> {
    fn expected(&self) -> String {
        if self.host {
            format!(
                "the host's FQDN {} named (a SAN, or the CN: guide A §7.1-7.2)",
                self.fqdn
            )
        } else {
            format!("a SAN naming {}", self.fqdn)
        }
    }
}

/// The interface's FQDN, then the host's when it is another name.
fn wanted_names<'a>(served: &Served<'a>) -> Vec<WantedName<'a>> {
    let same = |a: &str, b: &str| {
        a.trim_end_matches('.')
            .eq_ignore_ascii_case(b.trim_end_matches('.'))
    };
    let mut wanted: Vec<WantedName> = served
        .fqdn
        .map(|fqdn| WantedName { fqdn, host: false })
        .into_iter()
        .collect();
    if let Some(fqdn) = served.host_fqdn
        && !served.fqdn.is_some_and(|f| same(f, fqdn))
    {
        wanted.push(WantedName { fqdn, host: true });
    }
    wanted
}

/// The leaf's names cover every wanted name: a SAN a strict client (webpki)
/// accepts; only a wildcard, or (for the interface's FQDN) only the CN, is a
/// warning. With two names the observed text says which is which.
fn name(
    chain: &[Vec<u8>],
    leaf: &X509Certificate,
    wanted: &[WantedName],
    finding: &MakeFinding,
) -> Finding {
    let results: Vec<(Verdict, String)> = wanted
        .iter()
        .map(|w| name_verdict(chain, leaf, *w))
        .collect();
    let rank = |v: Verdict| match v {
        Verdict::Fail => 2,
        Verdict::Warn => 1,
        _ => 0,
    };
    let status = results
        .iter()
        .map(|(v, _)| *v)
        .max_by_key(|v| rank(*v))
        .unwrap_or(Verdict::Pass);
    let expected: Vec<String> = wanted.iter().map(WantedName::expected).collect();
    let observed = match &results[..] {
        [(_, one)] => one.clone(),
        many => many
            .iter()
            .zip(wanted)
            .map(|((_, o), w)| format!("{}: {o}", w.fqdn))
            .collect::<Vec<_>>()
            .join("; "),
    };
    let f = finding(
        CheckId::TlsCertificateName,
        status,
        &expected.join("; "),
        observed,
    );
    if status == Verdict::Pass {
        f
    } else {
        f.with_fix("get a certificate whose SAN names the interface's FQDN and whose SAN (or CN) names the host's FQDN (guide A §7.1-7.2, §8.1 L1674), or correct the FQDN in the playbook")
    }
}

/// Whether the leaf covers one wanted name, and what was seen.
fn name_verdict(
    chain: &[Vec<u8>],
    leaf: &X509Certificate,
    wanted: WantedName,
) -> (Verdict, String) {
    let fqdn = wanted.fqdn;
    let der = CertificateDer::from(chain[0].as_slice());
    let strict = DnsName::try_from(fqdn.trim_end_matches('.').to_string())
        .ok()
        .is_some_and(|dns| {
            EndEntityCert::try_from(&der).is_ok_and(|ee| {
                ee.verify_is_valid_for_subject_name(&ServerName::DnsName(dns))
                    .is_ok()
            })
        });
    match (names_cover(leaf, fqdn), strict) {
        (Coverage::Exact, true) => (Verdict::Pass, "named".into()),
        (Coverage::Wildcard(w), true) => (
            Verdict::Warn,
            format!("covered only by the wildcard {w} (allowed, not recommended: guide A §7.2)"),
        ),
        (Coverage::Exact, false) if wanted.host => (
            Verdict::Pass,
            "named by the CN (guide A §7.1-7.2: a node's own FQDN in the CN)".into(),
        ),
        (Coverage::Wildcard(w), false) if wanted.host => (
            Verdict::Warn,
            format!(
                "covered only by the wildcard {w} in the CN (allowed, not recommended: guide A §7.2)"
            ),
        ),
        (Coverage::Exact | Coverage::Wildcard(_), false) => (
            Verdict::Warn,
            "named only by the CN: the guide accepts it, strict clients (webpki) ignore the CN"
                .into(),
        ),
        (Coverage::No(names), _) => (
            Verdict::Fail,
            format!("not named: the certificate names {}", names.join(", ")),
        ),
    }
}

/// The leaf's key: RSA of at least 2048 bits or EC of at least 256, and able to
/// serve the configured suites (an ECDSA suite needs an EC key, an RSA suite an
/// RSA key: a suite the key cannot serve is never negotiated).
fn key(leaf: &X509Certificate, configured: &[String], finding: &MakeFinding) -> Finding {
    let id = CheckId::TlsCertificateKey;
    let expected = format!(
        "an RSA key of at least {MIN_RSA_BITS} bits or an EC key of at least {MIN_EC_BITS}, fitting the configured suites"
    );
    let kind = key_type(leaf);
    let bits = leaf.public_key().parsed().map_or(0, |k| k.key_size());
    let described = format!("{kind} {bits} bits");
    let weak = match leaf.public_key().parsed() {
        Ok(PublicKey::RSA(_)) => bits < MIN_RSA_BITS,
        Ok(PublicKey::EC(_)) => bits < MIN_EC_BITS,
        _ => true,
    };
    let replace = "get a certificate with an RSA-2048 (or stronger) or an EC P-256/P-384 key and load it with sslUpdate (guide B §13)";
    if weak {
        return finding(
            id,
            Verdict::Fail,
            &expected,
            format!("a weak or unsupported key: {described}"),
        )
        .with_fix(replace);
    }
    let Some(served) = servable(&kind, configured) else {
        return finding(id, Verdict::Pass, &expected, described);
    };
    let cannot: Vec<&str> = signed_suites(configured)
        .into_iter()
        .filter(|s| !served.contains(s))
        .collect();
    let (status, observed) = match (served.is_empty(), cannot.is_empty()) {
        (false, true) => return finding(id, Verdict::Pass, &expected, described),
        (true, _) => (
            Verdict::Fail,
            format!("{described}: none of the configured suites can be served with it"),
        ),
        (false, false) => (
            Verdict::Warn,
            format!(
                "{described}: configured suites it cannot serve: {}",
                cannot.join(", ")
            ),
        ),
    };
    finding(id, status, &expected, observed).with_fix(suites_fix(&kind))
}

/// The configured suites a certificate's key authenticates (TLS 1.2 and older),
/// whatever the key's type.
fn signed_suites(configured: &[String]) -> Vec<&str> {
    [KeyType::Rsa, KeyType::Ec, KeyType::Dsa]
        .iter()
        .filter_map(|k| servable(k, configured))
        .flatten()
        .collect()
}

fn suites_fix(kind: &KeyType) -> String {
    format!(
        "list suites the {kind} key can serve (ECDHE_RSA for an RSA key, ECDHE_ECDSA for an EC key), or load a certificate with the key type the suites need"
    )
}

#[cfg(test)]
mod tests {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa,
        KeyPair,
    };
    use time::OffsetDateTime;

    use super::*;

    struct Pki {
        root: CertifiedIssuer<'static, KeyPair>,
        issuing: CertifiedIssuer<'static, KeyPair>,
    }

    fn ca(cn: &str) -> CertificateParams {
        let mut p = CertificateParams::new(Vec::new()).unwrap();
        p.distinguished_name.push(rcgen::DnType::CommonName, cn);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p
    }

    impl Pki {
        fn new() -> Pki {
            let root = CertifiedIssuer::self_signed(ca("Test Root"), KeyPair::generate().unwrap())
                .unwrap();
            let issuing =
                CertifiedIssuer::signed_by(ca("Test Issuing"), KeyPair::generate().unwrap(), &root)
                    .unwrap();
            Pki { root, issuing }
        }

        fn leaf(&self, names: &[&str], eku: ExtendedKeyUsagePurpose) -> Vec<u8> {
            let mut p =
                CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                    .unwrap();
            p.distinguished_name
                .push(rcgen::DnType::CommonName, names[0]);
            p.extended_key_usages = vec![eku];
            p.signed_by(&KeyPair::generate().unwrap(), &self.issuing)
                .unwrap()
                .der()
                .to_vec()
        }

        fn trust(&self) -> ServerTrust {
            ServerTrust::from_cas(&[self.root.der().to_vec()], std::path::Path::new("ca.pem"))
                .unwrap()
        }

        fn issuing_der(&self) -> Vec<u8> {
            self.issuing.der().to_vec()
        }
    }

    const ECDSA: &str = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
    const RSA: &str = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";

    /// The findings on `chain`, by check id.
    fn check(
        chain: &[Vec<u8>],
        trust: &ServerTrust,
        fqdn: Option<&str>,
        suites: &[&str],
    ) -> Vec<Finding> {
        check_names(chain, trust, fqdn, None, suites)
    }

    /// The findings on `chain` with the interface's and the host's FQDN.
    fn check_names(
        chain: &[Vec<u8>],
        trust: &ServerTrust,
        fqdn: Option<&str>,
        host_fqdn: Option<&str>,
        suites: &[&str],
    ) -> Vec<Finding> {
        let suites: Vec<String> = suites.iter().map(|s| s.to_string()).collect();
        let served = Served {
            host: "xsp1",
            endpoint: "HTTP 127.0.0.1:443".into(),
            chain,
            fqdn,
            host_fqdn,
            configured_suites: &suites,
        };
        chain_findings(&served, trust, OffsetDateTime::now_utc().unix_timestamp())
    }

    fn of(findings: &[Finding], id: CheckId) -> &Finding {
        findings
            .iter()
            .find(|f| f.id == id)
            .unwrap_or_else(|| panic!("{id:?} in {findings:?}"))
    }

    #[test]
    fn a_complete_ordered_named_chain_passes_every_check() {
        let pki = Pki::new();
        let chain = [
            pki.leaf(&["xsp1.example.com"], ExtendedKeyUsagePurpose::ServerAuth),
            pki.issuing_der(),
        ];
        let f = check(&chain, &pki.trust(), Some("xsp1.example.com"), &[ECDSA]);
        assert_eq!(f.len(), 4, "{f:?}");
        for finding in &f {
            assert_eq!(finding.status, Verdict::Pass, "{finding:?}");
        }
        assert!(
            of(&f, CheckId::TlsCertificateKey)
                .observed
                .contains("256 bits")
        );
    }

    #[test]
    fn self_signed_incomplete_untrusted_and_client_only_chains_fail_naming_why() {
        let pki = Pki::new();
        let leaf = pki.leaf(&["xsp1.example.com"], ExtendedKeyUsagePurpose::ServerAuth);
        let incomplete = check(std::slice::from_ref(&leaf), &pki.trust(), None, &[]);
        let t = of(&incomplete, CheckId::TlsCertificateTrusted);
        assert_eq!(t.status, Verdict::Fail);
        assert!(t.observed.starts_with("incomplete chain or unknown CA: the chain ends at CN=xsp1.example.com, whose issuer CN=Test Issuing"), "{}", t.observed);
        assert!(t.observed.contains("verify.server_ca"), "{}", t.observed);

        let public = check(
            &[leaf, pki.issuing_der(), pki.root.der().to_vec()],
            &ServerTrust::public_roots(),
            None,
            &[],
        );
        let t = of(&public, CheckId::TlsCertificateTrusted);
        assert_eq!(t.status, Verdict::Fail);
        assert!(
            t.observed
                .starts_with("the chain's root CN=Test Root is not among the public roots"),
            "{}",
            t.observed
        );

        let own = CertificateParams::new(vec!["xsp1.example.com".to_string()]).unwrap();
        let own = own.self_signed(&KeyPair::generate().unwrap()).unwrap();
        let selfsigned = check(&[own.der().to_vec()], &pki.trust(), None, &[]);
        let t = of(&selfsigned, CheckId::TlsCertificateTrusted);
        assert_eq!(t.status, Verdict::Fail);
        assert!(t.observed.starts_with("self-signed"), "{}", t.observed);
        assert!(t.fix.as_deref().unwrap().contains("sslUpdate"));

        let client = pki.leaf(&["xsp1.example.com"], ExtendedKeyUsagePurpose::ClientAuth);
        let f = check(&[client, pki.issuing_der()], &pki.trust(), None, &[]);
        let t = of(&f, CheckId::TlsCertificateTrusted);
        assert_eq!(t.status, Verdict::Fail);
        assert!(t.observed.contains("no serverAuth"), "{}", t.observed);
    }

    #[test]
    fn a_chain_out_of_order_fails_the_order_check_only() {
        let pki = Pki::new();
        let leaf = pki.leaf(&["xsp1.example.com"], ExtendedKeyUsagePurpose::ServerAuth);
        let f = check(
            &[leaf, pki.root.der().to_vec(), pki.issuing_der()],
            &pki.trust(),
            None,
            &[],
        );
        assert_eq!(of(&f, CheckId::TlsCertificateTrusted).status, Verdict::Pass);
        let o = of(&f, CheckId::TlsCertificateOrder);
        assert_eq!(o.status, Verdict::Fail);
        assert_eq!(
            o.observed,
            "certificate #2 (CN=Test Root) is not the issuer CN=Test Issuing of certificate #1"
        );
    }

    #[test]
    fn names_pass_exactly_warn_by_wildcard_and_fail_otherwise() {
        let pki = Pki::new();
        let trust = pki.trust();
        let name = |names: &[&str], fqdn: &str| {
            let chain = [
                pki.leaf(names, ExtendedKeyUsagePurpose::ServerAuth),
                pki.issuing_der(),
            ];
            of(
                &check(&chain, &trust, Some(fqdn), &[]),
                CheckId::TlsCertificateName,
            )
            .clone()
        };
        assert_eq!(
            name(&["xsp1.example.com"], "XSP1.example.com.").status,
            Verdict::Pass
        );
        let wild = name(&["*.example.com"], "xsp1.example.com");
        assert_eq!(wild.status, Verdict::Warn);
        assert!(
            wild.observed.contains("wildcard *.example.com"),
            "{}",
            wild.observed
        );
        let wrong = name(&["xsp2.example.com", "xsi.example.com"], "xsp1.example.com");
        assert_eq!(wrong.status, Verdict::Fail);
        assert_eq!(
            wrong.observed,
            "not named: the certificate names xsp2.example.com, xsi.example.com"
        );
    }

    /// The host's own FQDN is checked besides the interface's: a SAN or the CN
    /// (guide A §7.1-7.2) names it; alone, or together with the interface's.
    #[test]
    fn the_hosts_fqdn_is_checked_besides_the_interfaces() {
        let pki = Pki::new();
        let trust = pki.trust();
        let chain = [
            pki.leaf(
                &["xsp.example.com", "xsp1.example.com"],
                ExtendedKeyUsagePurpose::ServerAuth,
            ),
            pki.issuing_der(),
        ];
        let name = |fqdn: Option<&str>, host: Option<&str>| {
            of(
                &check_names(&chain, &trust, fqdn, host, &[]),
                CheckId::TlsCertificateName,
            )
            .clone()
        };
        let both = name(Some("xsp.example.com"), Some("xsp1.example.com"));
        assert_eq!(both.status, Verdict::Pass, "{both:?}");
        assert_eq!(
            both.expected,
            "a SAN naming xsp.example.com; the host's FQDN xsp1.example.com named (a SAN, or the CN: guide A §7.1-7.2)"
        );
        assert_eq!(
            both.observed,
            "xsp.example.com: named; xsp1.example.com: named"
        );
        let host_only = name(None, Some("xsp2.example.com"));
        assert_eq!(host_only.status, Verdict::Fail);
        assert_eq!(
            host_only.observed,
            "not named: the certificate names xsp.example.com, xsp1.example.com"
        );
        assert!(host_only.fix.is_some());
        let wrong_host = name(Some("xsp.example.com"), Some("xsp2.example.com"));
        assert_eq!(wrong_host.status, Verdict::Fail);
        assert!(
            wrong_host
                .observed
                .starts_with("xsp.example.com: named; xsp2.example.com: not named"),
            "{}",
            wrong_host.observed
        );
        // The same name twice is checked once.
        let same = name(Some("xsp1.example.com"), Some("XSP1.example.com."));
        assert_eq!(
            (same.status, same.observed.as_str()),
            (Verdict::Pass, "named")
        );
    }

    #[test]
    fn weak_keys_and_suites_the_key_cannot_serve_are_found() {
        let pki = Pki::new();
        let chain = [
            pki.leaf(&["xsp1.example.com"], ExtendedKeyUsagePurpose::ServerAuth),
            pki.issuing_der(),
        ];
        let trust = pki.trust();
        let none = check(&chain, &trust, None, &[RSA]);
        let k = of(&none, CheckId::TlsCertificateKey);
        assert_eq!(k.status, Verdict::Fail);
        assert!(
            k.observed.contains("none of the configured suites"),
            "{}",
            k.observed
        );
        let some = check(&chain, &trust, None, &[ECDSA, RSA]);
        let k = of(&some, CheckId::TlsCertificateKey);
        assert_eq!(k.status, Verdict::Warn);
        assert!(
            k.observed.ends_with(&format!("cannot serve: {RSA}")),
            "{}",
            k.observed
        );

        // RSA-1024, which rcgen cannot make: OpenSSL, self-signed.
        let rsa = openssl::rsa::Rsa::generate(1024).unwrap();
        let key = openssl::pkey::PKey::from_rsa(rsa).unwrap();
        let mut name = openssl::x509::X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "weak").unwrap();
        let name = name.build();
        let mut b = openssl::x509::X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(9).unwrap())
            .unwrap();
        b.sign(&key, openssl::hash::MessageDigest::sha256())
            .unwrap();
        let weak = check(&[b.build().to_der().unwrap()], &trust, None, &[RSA]);
        let k = of(&weak, CheckId::TlsCertificateKey);
        assert_eq!(k.status, Verdict::Fail);
        assert_eq!(k.observed, "a weak or unsupported key: RSA 1024 bits");
    }
}
