//! Builds the OpenSSL server context that serves a host's running TLS settings:
//! exactly the configured protocols and suites (legacy ones included, at
//! `@SECLEVEL=0`), the certificate chain, and client authentication against the
//! trust anchors.
use openssl::dh::Dh;
use openssl::pkey::PKey;
use openssl::ssl::{SslContext, SslMethod, SslOptions, SslVerifyMode, SslVersion};
use openssl::stack::Stack;
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;

use super::{TlsError, TlsQuirks, ciphers};
use crate::host::{TlsProtocol, TlsSettings};

/// The RFC 7919 ffdhe2048 group (`openssl genpkey -genparam -algorithm DH -pkeyopt
/// group:ffdhe2048`).
const FFDHE2048: &[u8] = include_bytes!("../../data/ffdhe2048.pem");

const ALL_PROTOCOLS: [TlsProtocol; 4] = [
    TlsProtocol::Tls10,
    TlsProtocol::Tls11,
    TlsProtocol::Tls12,
    TlsProtocol::Tls13,
];

fn version(protocol: TlsProtocol) -> SslVersion {
    match protocol {
        TlsProtocol::Tls10 => SslVersion::TLS1,
        TlsProtocol::Tls11 => SslVersion::TLS1_1,
        TlsProtocol::Tls12 => SslVersion::TLS1_2,
        TlsProtocol::Tls13 => SslVersion::TLS1_3,
    }
}

fn disabling_option(protocol: TlsProtocol) -> SslOptions {
    match protocol {
        TlsProtocol::Tls10 => SslOptions::NO_TLSV1,
        TlsProtocol::Tls11 => SslOptions::NO_TLSV1_1,
        TlsProtocol::Tls12 => SslOptions::NO_TLSV1_2,
        TlsProtocol::Tls13 => SslOptions::NO_TLSV1_3,
    }
}

/// Builds the server context for `settings`, with the host's TLS `quirks`. Suites
/// OpenSSL does not know are skipped with a warning.
pub fn build(settings: &TlsSettings, quirks: &TlsQuirks) -> Result<SslContext, TlsError> {
    let mut builder = SslContext::builder(SslMethod::tls_server())?;
    // Security level 0: OpenSSL 3 otherwise refuses TLS 1.0/1.1, SHA-1 and small keys,
    // which a badly configured real server still serves.
    builder.set_security_level(0);

    let resolved = ciphers::resolve(&settings.ciphers);
    for name in &resolved.unknown {
        tracing::warn!(cipher = %name, "cipher suite unknown to OpenSSL; skipped");
    }
    let mut enabled: Vec<TlsProtocol> = settings.protocols.clone();
    if resolved.tls12.is_empty() {
        // No TLS ≤1.2 suite configured: those protocols cannot negotiate anything.
        enabled.retain(|p| *p == TlsProtocol::Tls13);
    } else {
        builder.set_cipher_list(&format!("{}:@SECLEVEL=0", resolved.tls12.join(":")))?;
    }
    builder.set_ciphersuites(&resolved.tls13.join(":"))?;
    // The configured order is the server's preference (docs/decisions.md, "plan:
    // cipher order is managed"), as on a BroadWorks interface: the client's order
    // does not win.
    builder.set_options(SslOptions::CIPHER_SERVER_PREFERENCE);
    set_protocols(&mut builder, &enabled)?;
    // DHE suites need parameters: the RFC 7919 ffdhe2048 group, which scanners such
    // as testssl do not flag as a common prime (the RFC 5114 group they do).
    let dh = match quirks.dh_params()? {
        Some(dh) => dh,
        None => Dh::params_from_pem(FFDHE2048)?,
    };
    builder.set_tmp_dh(&dh)?;
    if let Some(groups) = &quirks.groups {
        builder.set_groups_list(groups)?;
    }

    let mut chain = X509::stack_from_pem(settings.cert_chain_pem.as_bytes())?.into_iter();
    let leaf = chain.next().ok_or(TlsError::NoCertificate)?;
    builder.set_certificate(&leaf)?;
    for intermediate in chain {
        builder.add_extra_chain_cert(intermediate)?;
    }
    let key = PKey::private_key_from_pem(settings.key_pem.as_bytes())?;
    builder.set_private_key(&key)?;
    builder.check_private_key()?;

    builder.set_session_id_context(b"xspsim")?;
    if settings.client_auth_required {
        let mut store = X509StoreBuilder::new()?;
        let mut names = Stack::new()?;
        for pem in &settings.trust_anchors_pem {
            for anchor in X509::stack_from_pem(pem.as_bytes())? {
                names.push(anchor.subject_name().to_owned()?)?;
                store.add_cert(anchor)?;
            }
        }
        builder.set_cert_store(store.build());
        builder.set_client_ca_list(names);
        builder.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    } else {
        builder.set_verify(SslVerifyMode::NONE);
    }
    Ok(builder.build())
}

/// Allows exactly `enabled`, even when not contiguous: min/max bound the range and
/// `SSL_OP_NO_*` removes the gaps. With nothing enabled, every version is disabled
/// and handshakes fail.
fn set_protocols(
    builder: &mut openssl::ssl::SslContextBuilder,
    enabled: &[TlsProtocol],
) -> Result<(), TlsError> {
    let (Some(min), Some(max)) = (enabled.iter().min(), enabled.iter().max()) else {
        builder.set_options(
            SslOptions::NO_TLSV1
                | SslOptions::NO_TLSV1_1
                | SslOptions::NO_TLSV1_2
                | SslOptions::NO_TLSV1_3,
        );
        return Ok(());
    };
    builder.set_min_proto_version(Some(version(*min)))?;
    builder.set_max_proto_version(Some(version(*max)))?;
    let mut gaps = SslOptions::empty();
    for protocol in ALL_PROTOCOLS {
        if !enabled.contains(&protocol) {
            gaps |= disabling_option(protocol);
        }
    }
    builder.clear_options(
        SslOptions::NO_TLSV1
            | SslOptions::NO_TLSV1_1
            | SslOptions::NO_TLSV1_2
            | SslOptions::NO_TLSV1_3,
    );
    builder.set_options(gaps);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::net::{TcpListener, TcpStream};
    use std::time::Duration;

    use openssl::ssl::{Ssl, SslConnector};

    use super::*;

    /// A DHE handshake gets the 2048-bit RFC 7919 group, not the RFC 5114 one.
    #[test]
    fn dhe_suites_use_the_ffdhe2048_group() {
        let ck = crate::pki::self_signed("dh.lab.test", 1).expect("cert");
        let settings = TlsSettings {
            address: "127.0.0.1".parse().expect("address"),
            port: 0,
            protocols: vec![TlsProtocol::Tls12],
            ciphers: vec!["TLS_DHE_RSA_WITH_AES_128_GCM_SHA256".into()],
            cert_chain_pem: ck.cert_pem,
            key_pem: ck.key_pem,
            client_auth_required: false,
            trust_anchors_pem: vec![],
        };
        let ctx = build(&settings, &TlsQuirks::default()).expect("context");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().expect("accept");
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .expect("timeout");
            let _ = Ssl::new(&ctx).expect("ssl").accept(stream);
        });
        let mut client = SslConnector::builder(SslMethod::tls_client()).expect("client");
        client.set_verify(SslVerifyMode::NONE);
        client
            .set_cipher_list("DHE-RSA-AES128-GCM-SHA256")
            .expect("suite");
        client
            .set_max_proto_version(Some(SslVersion::TLS1_2))
            .expect("version");
        let stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let tls = client
            .build()
            .configure()
            .expect("configure")
            .verify_hostname(false)
            .use_server_name_indication(false)
            .connect("dh.lab.test", stream)
            .expect("DHE handshake");
        let key = tls.ssl().peer_tmp_key().expect("server key share");
        assert_eq!(key.bits(), 2048);
        let group = Dh::params_from_pem(FFDHE2048).expect("ffdhe2048");
        assert_eq!(key.dh().expect("DH").prime_p(), group.prime_p());
        drop(tls);
        server.join().expect("server");
    }
}
