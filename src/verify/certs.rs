//! Certificate checks on what an endpoint serves (issue #11 check 2, first part):
//! the served certificate's expiry, parsed with `x509-parser`. Webex refuses an
//! expired certificate; the operator is warned 60 and 30 days ahead.
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use crate::report::{CheckId, Finding, Verdict};

/// Days before expiry from which a certificate is a warning.
pub const WARN_DAYS: i64 = 60;
/// Days before expiry from which the warning says it is urgent.
pub const URGENT_DAYS: i64 = 30;

/// The expiry finding of the leaf of `chain` (DER, leaf first) as served by the
/// endpoint `subject`, at `now` (seconds since the Unix epoch).
pub fn expiry(host: &str, subject: String, chain: &[Vec<u8>], now: i64) -> Finding {
    let id = CheckId::TlsCertificateExpiry;
    let expected = format!("a certificate valid for more than {WARN_DAYS} days");
    let Some(leaf) = chain.first() else {
        return Finding::about(
            host,
            id,
            subject,
            Verdict::Fail,
            expected,
            "the server sent no certificate",
        );
    };
    let cert = match X509Certificate::from_der(leaf) {
        Ok((_, c)) => c,
        Err(e) => {
            return Finding::about(
                host,
                id,
                subject,
                Verdict::Fail,
                expected,
                format!("the served certificate does not parse: {e}"),
            );
        }
    };
    let not_after = cert.validity().not_after;
    let days = (not_after.timestamp() - now).div_euclid(86_400);
    let evidence = [
        format!("subject: {}", cert.subject()),
        format!("issuer: {}", cert.issuer()),
        format!("not after: {not_after}"),
    ];
    let (status, observed) = match days {
        d if d < 0 => (Verdict::Fail, format!("expired on {not_after}")),
        d if d < URGENT_DAYS => (
            Verdict::Warn,
            format!("expires in {d} days, on {not_after} (under {URGENT_DAYS} days)"),
        ),
        d if d < WARN_DAYS => (
            Verdict::Warn,
            format!("expires in {d} days, on {not_after} (under {WARN_DAYS} days)"),
        ),
        d => (
            Verdict::Pass,
            format!("valid for {d} more days, until {not_after}"),
        ),
    };
    let finding =
        Finding::about(host, id, subject, status, expected, observed).with_evidence(evidence);
    match status {
        Verdict::Pass => finding,
        _ => finding.with_fix(
            "renew the interface certificate and load it with `sslUpdate` (solution guide B §5.8 step 3, §13)",
        ),
    }
}

/// Whether the leaf of `chain` (DER, leaf first), served by the endpoint `subject`, is
/// the certificate the playbook supplies for the interface (`supplied_pem`, checked
/// when the playbook was loaded).
pub fn supplied(host: &str, subject: String, chain: &[Vec<u8>], supplied_pem: &str) -> Finding {
    let finding = |status, observed: &str| {
        Finding::about(
            host,
            CheckId::TlsCertificateSupplied,
            subject.clone(),
            status,
            "the certificate `webex.certificates` supplies for this interface",
            observed,
        )
    };
    let wanted = match x509_parser::pem::parse_x509_pem(supplied_pem.as_bytes()) {
        Ok((_, pem)) => pem.contents,
        Err(e) => {
            return finding(
                Verdict::Fail,
                &format!("the playbook's certificate does not parse as PEM: {e}"),
            );
        }
    };
    let describe = |der: &[u8]| {
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(der));
        match X509Certificate::from_der(der) {
            Ok((_, c)) => format!("{} (issuer {}, sha256 {sha})", c.subject(), c.issuer()),
            Err(_) => format!("(unparsable, sha256 {sha})"),
        }
    };
    let served = chain.first();
    let evidence = [
        format!(
            "served: {}",
            served.map_or("(none)".into(), |d| describe(d))
        ),
        format!("supplied: {}", describe(&wanted)),
    ];
    match served {
        None => finding(Verdict::Fail, "the server sent no certificate"),
        Some(leaf) if *leaf == wanted => finding(Verdict::Pass, "served"),
        Some(_) => finding(Verdict::Fail, "another certificate is served").with_fix(
            "`xspctl apply -f PLAYBOOK` installs the playbook's certificate (sslUpdate); restart BroadWorks so that the interface serves it",
        ),
    }
    .with_evidence(evidence)
}

#[cfg(test)]
mod tests {
    use rcgen::{CertificateParams, KeyPair};
    use time::{Duration, OffsetDateTime};

    use super::*;

    fn served(days_left: i64) -> Vec<Vec<u8>> {
        let mut p = CertificateParams::new(vec!["xsp1.example.com".to_string()]).unwrap();
        p.not_before = OffsetDateTime::now_utc() - Duration::days(400);
        p.not_after = OffsetDateTime::now_utc() + Duration::days(days_left) + Duration::hours(1);
        let cert = p.self_signed(&KeyPair::generate().unwrap()).unwrap();
        vec![cert.der().to_vec()]
    }

    fn check(days_left: i64) -> Finding {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        expiry(
            "xsp1",
            "HTTP 192.0.2.1:443 certificate".into(),
            &served(days_left),
            now,
        )
    }

    #[test]
    fn warned_at_60_and_30_days_and_failed_once_expired() {
        let ok = check(200);
        assert_eq!(ok.status, Verdict::Pass);
        assert!(
            ok.observed.starts_with("valid for 200 more days"),
            "{}",
            ok.observed
        );
        let soon = check(50);
        assert_eq!(soon.status, Verdict::Warn);
        assert!(
            soon.observed.contains("(under 60 days)"),
            "{}",
            soon.observed
        );
        let urgent = check(20);
        assert_eq!(urgent.status, Verdict::Warn);
        assert!(
            urgent.observed.starts_with("expires in 20 days"),
            "{}",
            urgent.observed
        );
        assert!(urgent.observed.contains("(under 30 days)"));
        assert!(urgent.fix.as_deref().unwrap().contains("sslUpdate"));
        let gone = check(-3);
        assert_eq!(gone.status, Verdict::Fail);
        assert!(gone.observed.starts_with("expired on"), "{}", gone.observed);
        assert!(gone.evidence.iter().any(|e| e.starts_with("not after: ")));
    }

    #[test]
    fn no_certificate_or_garbage_fails() {
        let none = expiry("h", "s".into(), &[], 0);
        assert_eq!(none.status, Verdict::Fail);
        let bad = expiry("h", "s".into(), &[vec![1, 2, 3]], 0);
        assert_eq!(bad.status, Verdict::Fail);
        assert!(bad.observed.contains("does not parse"), "{}", bad.observed);
    }

    #[test]
    fn the_supplied_certificate_passes_and_another_fails_naming_both() {
        let mut p = CertificateParams::new(vec!["xsp1.example.com".to_string()]).unwrap();
        p.not_after = OffsetDateTime::now_utc() + Duration::days(90);
        let cert = p.self_signed(&KeyPair::generate().unwrap()).unwrap();
        let subject = || "HTTP 192.0.2.1:443 certificate".to_string();
        let same = supplied("xsp1", subject(), &[cert.der().to_vec()], &cert.pem());
        assert_eq!(same.status, Verdict::Pass, "{same:?}");
        let other = supplied("xsp1", subject(), &served(90), &cert.pem());
        assert_eq!(other.status, Verdict::Fail);
        assert_eq!(other.observed, "another certificate is served");
        assert!(
            other.evidence[0].starts_with("served: "),
            "{:?}",
            other.evidence
        );
        assert!(
            other.evidence[1].starts_with("supplied: "),
            "{:?}",
            other.evidence
        );
        assert!(other.fix.as_deref().unwrap().contains("sslUpdate"));
        let none = supplied("xsp1", subject(), &[], &cert.pem());
        assert_eq!(none.observed, "the server sent no certificate");
    }
}
