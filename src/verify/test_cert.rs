//! A self-signed RSA server certificate for the loopback TLS servers of verify's
//! unit tests.
use std::net::TcpListener;
use std::time::Duration;

use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::ssl::SslAcceptor;
use openssl::x509::{X509, X509NameBuilder};

/// An RSA-2048 key and a certificate for it named `cn`, valid for a day.
pub(crate) fn self_signed(cn: &str) -> (PKey<Private>, X509) {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", cn).unwrap();
    let name = name.build();
    let mut cert = X509::builder().unwrap();
    cert.set_version(2).unwrap();
    cert.set_subject_name(&name).unwrap();
    cert.set_issuer_name(&name).unwrap();
    cert.set_pubkey(&key).unwrap();
    cert.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    cert.set_not_after(&Asn1Time::days_from_now(1).unwrap())
        .unwrap();
    cert.sign(&key, MessageDigest::sha256()).unwrap();
    (key, cert.build())
}

/// Serves `acceptor` on a loopback port for `n` connections (each handshake, then
/// shutdown; reads time out after 5 s) on a thread; returns the port.
pub(crate) fn serve_loopback(acceptor: SslAcceptor, n: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(n).flatten() {
            stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
            if let Ok(mut s) = acceptor.accept(stream) {
                let _ = s.shutdown();
            }
        }
    });
    port
}
