//! Every check id verify can emit, in one table: a finding's id is a [`CheckId`], so
//! code cannot emit an id this table (and docs/checks.md, generated from it and
//! `checks.yaml`: `check_docs`) does not list. Ids are stable: scripts and CI match on them.
use serde::{Serialize, Serializer};

/// Declares [`CheckId`], its list and its spelling from one table.
macro_rules! check_ids {
    ($( $(#[doc = $doc:literal])* $variant:ident => $id:literal, source: $source:expr; )*) => {
        /// A stable check id (docs/checks.md).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum CheckId {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl CheckId {
            /// Every id, in the table's order.
            pub const ALL: &'static [CheckId] = &[$(CheckId::$variant),*];

            /// Every id as reports spell it, in the table's order.
            pub const NAMES: &'static [&'static str] = &[$($id),*];

            /// The id as reports spell it (`tls.refuses-protocol`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(CheckId::$variant => $id,)*
                }
            }

            /// The document the check's rule comes from, when a reference document
            /// states it (the others check the playbook itself).
            pub fn source(self) -> Option<&'static str> {
                match self {
                    $(CheckId::$variant => $source,)*
                }
            }
        }
    };
}

check_ids! {
    /// The host's configuration holds the playbook's settings.
    ConfigDrift => "config.drift", source: None;
    /// No applied change still waits for a restart.
    ConfigRestartPending => "config.restart-pending", source: None;
    /// An endpoint accepts TLS 1.2 (with a playbook suite, when it lists any).
    TlsAcceptsTls12 => "tls.accepts-tls12",
        source: Some("solution guide A §5.2 (L1124-1136); guide B §3");
    /// An endpoint refuses a protocol: TLS 1.0/1.1 always, TLS 1.2/1.3 when the
    /// playbook leaves them out.
    TlsRefusesProtocol => "tls.refuses-protocol",
        source: Some("solution guide A §5.2 (L1126-1136); guide B §3");
    /// An endpoint refuses the weak suites the playbook does not list.
    TlsRefusesSuite => "tls.refuses-suite",
        source: Some("solution guide A §5.2 (L1126-1136); guide B §3");
    /// Every suite an endpoint accepts, enumerated per protocol by raw ClientHello,
    /// is configured and meets the guide's cipher rule (or is waived).
    TlsSuiteEnumeration => "tls.suite-enumeration",
        source: Some("solution guide A §5.2 (L1126-1136), §5.3; guide B §3");
    /// An endpoint chooses suites by its own order, and that order is the configured one.
    TlsServerOrder => "tls.server-order",
        source: Some("solution guide A §5.2 (L1147)");
    /// An endpoint accepts TLS 1.3, with the playbook's TLS 1.3 suites, when the
    /// playbook wants it.
    TlsAcceptsTls13 => "tls.accepts-tls13",
        source: None;
    /// No key-exchange group under 128-bit security is accepted (nor, as a
    /// warning, one RFC 8422 deprecates).
    TlsKeyExchangeGroups => "tls.key-exchange-groups",
        source: Some("RFC 8422 §5.1.1; NIST SP 800-52r2 §3.3.1; docs/decisions.md (the guides are silent)");
    /// DHE suites use a DH group of at least 2048 bits.
    TlsDhSize => "tls.dh-size",
        source: Some("NIST SP 800-52r2 §3.3.1; RFC 7919; docs/decisions.md (the guides are silent)");
    /// TLS ≤ 1.2 handshakes carry renegotiation_info (secure renegotiation).
    TlsSecureRenegotiation => "tls.secure-renegotiation",
        source: Some("RFC 5746; docs/decisions.md (the guides are silent)");
    /// A fallback to an older protocol with TLS_FALLBACK_SCSV is refused.
    TlsFallbackScsv => "tls.fallback-scsv",
        source: Some("RFC 7507; docs/decisions.md (the guides are silent)");
    /// The certificate an endpoint serves is not expired, nor expiring within 60 days.
    TlsCertificateExpiry => "tls.certificate-expiry",
        source: Some("solution guide B §13 (server certificates); issue #11 check 2");
    /// A CTI interface's CertificateRequest names the Webex trust anchors.
    MtlsClientCaList => "mtls.client-ca-list",
        source: Some("solution guide B §5.6 (R22+), §5.7 (R21 SP1): CTI trust anchors; issue #11 check 5");
    /// A CTI interface accepts the playbook's Webex-like client certificate.
    MtlsAcceptsWebexClient => "mtls.accepts-webex-client",
        source: Some("solution guide B §5.1, §5.6, §5.7; issue #9 item 7");
    /// A CTI interface refuses a client certificate from a CA it does not trust.
    MtlsRefusesUntrustedClient => "mtls.refuses-untrusted-client",
        source: Some("solution guide B §5.6, §5.7; issue #11 check 5");
    /// A CTI interface requires a client certificate.
    MtlsRequiresClientCertificate => "mtls.requires-client-certificate",
        source: Some("solution guide B §5.8 (client authentication on the CTI interface); issue #11 check 5");
    /// The certificate an endpoint serves is the one the playbook supplies for the
    /// interface (`webex.certificates`).
    TlsCertificateSupplied => "tls.certificate-supplied",
        source: Some("solution guide B §5.8 step 3, §13; issue #11 check 2");
    /// The chain an endpoint serves validates (rustls webpki) to `verify.server_ca`
    /// or the public roots, for TLS server use, and its leaf is not self-signed.
    TlsCertificateTrusted => "tls.certificate-trusted",
        source: Some("solution guide A §8.1 (L1616, L1672); guide B §13, §20; issue #11 check 2");
    /// An endpoint sends its chain in order: leaf first, then each issuer.
    TlsCertificateOrder => "tls.certificate-order",
        source: Some("solution guide A §8.1 (L1616: every intermediate included); issue #11 check 2");
    /// The served certificate's SAN names the interface's FQDN.
    TlsCertificateName => "tls.certificate-name",
        source: Some("solution guide A §8.1 (L1122, L1674, L1280-1292); guide B §13");
    /// The served certificate's key is strong enough and fits the configured suites.
    TlsCertificateKey => "tls.certificate-key",
        source: Some("solution guide A §5.2 (L1138-1144: ECDSA and RSA suites); issue #9 item 4, issue #11 check 2");
    /// A waiver of the playbook's `verify.waivers` has expired: the finding it
    /// covered counts again.
    VerifyWaiverExpired => "verify.waiver-expired",
        source: None;
    /// Every host of a farm holds the same Xsi-Events call-control application name.
    XsiEventsCallControlName => "xsi-events.call-control-name",
        source: Some("solution guide B §20: every Xsi-Events used with Webex shares one callControlApplicationName");
    /// Every patch the host's release, server type, roles and modules require is
    /// active (`listPatch.pl`).
    PatchesMissing => "patches.missing",
        source: Some("solution guide B §17 (source lines 5280-5500) and its feature tables; guide A §10; management-sync §2.5, §6.2");
    /// Every AuthService of a farm holds the same RSA key pair: a fresh
    /// `exportKeys` has the same SHA-256 on each host.
    AuthserviceKeyFingerprint => "authservice.key-fingerprint",
        source: Some("solution guide B §2.2 step 9 (source lines 2635-2661)");
    /// A host's FQDN resolves to IPv4 A records (an IPv6-only name is an error, an
    /// AAAA record beside them a warning).
    DnsIpv4Address => "dns.ipv4-address",
        source: Some("solution guide A §9.5 (source line 889: IPv4 only), §7.4; issue #11 check 6");
    /// A host's FQDN has exactly one A record.
    DnsSingleAddress => "dns.single-address",
        source: Some("solution guide A §7.6 (source line 2320: every A/AAAA record maps to exactly one IP), §7.7");
    /// A host's FQDN resolves to an address of one of its secure interfaces.
    DnsInterfaceAddress => "dns.interface-address",
        source: Some("solution guide A §7.4, §7.6; issue #11 check 6");
    /// The certificate served at a host's FQDN's address names the FQDN.
    DnsCertificateName => "dns.certificate-name",
        source: Some("solution guide A §7.1, §7.2 (the node's FQDN in the certificate); issue #11 check 6");
    /// `_xsi-client._tcp.<domain>` lists the host, at one of its HTTP ports.
    DnsXsiClientSrv => "dns.xsi-client-srv",
        source: Some("solution guide A §7.6, §7.7 (source lines 2269-2391)");
    /// Every resolver `verify.dns` names gives the same answers.
    DnsResolversAgree => "dns.resolvers-agree",
        source: None;
    /// A secure interface accepts TCP and answers TLS from where xspctl runs.
    ReachInbound => "reach.inbound",
        source: Some("solution guide A §9.1, §9.3 (443/TLS, 8012/TLS inbound)");
    /// The host opens a TCP connection to each Webex endpoint its roles need.
    ReachOutbound => "reach.outbound",
        source: Some("solution guide A §9.2 (egress tables per region), §9.3");
    /// The host's clock is synchronised by chrony or ntpd.
    TimeNtpSynchronised => "time.ntp-synchronised",
        source: Some("issue #11 check 8; docs/decisions.md (the guides are silent)");
    /// The host's clock is within a few seconds of the controller's.
    TimeClockSkew => "time.clock-skew",
        source: Some("issue #11 check 8; docs/decisions.md (the guides are silent)");
    /// The NPS host has no application active besides NotificationPushServer.
    TopologyNpsAlone => "topology.nps-alone",
        source: Some("solution guide A §3.4 (L2499: never co-locate NPS with other applications); guide B §0");
    /// An XSP or ADP has no application active that none of its farm's roles needs.
    TopologyApplications => "topology.applications",
        source: Some("solution guide A §3.4 (L2497: no other applications on the Webex XSPs)");
    /// AuthService's Federation `ClusterMap` lists the identity providers FLS
    /// returned (CI token mode).
    AuthserviceFlsClusterMap => "authservice.fls-cluster-map",
        source: Some("solution guide B §2.2 step 7 (source line 2623)");
    /// The Xsi-Actions URL for Partner Hub answers as Webex calls it (TLS, then HTTPS).
    HandoffXsiActions => "handoff.xsi-actions",
        source: Some("solution guide B §8 (cluster wizard), §15 (`/v2.0/`); guide A §7.3, §7.4");
    /// The Xsi-Events URL for Partner Hub answers as Webex calls it.
    HandoffXsiEvents => "handoff.xsi-events",
        source: Some("solution guide B §8 (cluster wizard), §15 (`/v2.0/`); guide A §7.3, §7.4");
    /// The CTI interface for Partner Hub completes mutual TLS with a Webex-like client.
    HandoffCti => "handoff.cti",
        source: Some("solution guide B §5.9, §5.10, §8 (cluster wizard)");
    /// The AuthService URL for Partner Hub answers as Webex calls it.
    HandoffAuthservice => "handoff.authservice",
        source: Some("solution guide B §2.2 step 3 (`/authService`), §8 (cluster wizard); guide A §7.3, §7.4");
    /// The DMS URL answers as Webex clients call it.
    HandoffDms => "handoff.dms",
        source: Some("solution guide A §7.6, §8.1 (DMS over HTTPS); guide B §4");
    /// Every host of a farm runs the same BroadWorks release and build (`bwshowver`).
    FarmRelease => "farm.release",
        source: Some(FARM_ALIKE);
    /// Every host of a farm on one build has the same patches installed (`listPatch.pl`).
    FarmPatches => "farm.patches",
        source: Some(FARM_ALIKE);
    /// Every host of a farm accepts the same protocols and suites per interface kind.
    FarmTls => "farm.tls",
        source: Some(FARM_ALIKE);
    /// Every CTI interface of a farm names the same CAs in its CertificateRequest.
    FarmTrustAnchors => "farm.trust-anchors",
        source: Some(FARM_ALIKE);
    /// Every Xsi host of a farm shows the same Xsi-Actions and Xsi-Events settings.
    FarmXsiSettings => "farm.xsi-settings",
        source: Some(FARM_ALIKE);
}

/// Why a farm's hosts must be alike (the `farm.*` checks).
const FARM_ALIKE: &str = "solution guide A §7.1 (L1270-1280: the load balancer spreads the cloud's and the clients' traffic across the XSPs transparently); guide B §14 (a farm grows by XSPs with the same apps and config); issue #11 check 8";

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CheckId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::CheckId;

    #[test]
    fn ids_are_unique_and_spelled_as_reports_match_them() {
        let ids: BTreeSet<&str> = CheckId::ALL.iter().map(|id| id.as_str()).collect();
        assert_eq!(ids.len(), CheckId::ALL.len(), "an id is listed twice");
        for id in ids {
            assert!(
                id.split('.').count() == 2
                    && id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-.".contains(c)),
                "`{id}`: ids are `area.kebab-case-name`"
            );
        }
    }
}
