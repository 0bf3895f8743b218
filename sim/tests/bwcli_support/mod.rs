//! Shared helpers of the bwcli integration tests.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use xspsim::cli::Session;
use xspsim::host::{Faults, HostSpec, LoginShell, Product, Release, Reply, SessionEnd, SimHost};

/// A spec for a lab host on 127.0.0.1.
pub fn spec(name: &str, product: Product, release: Release) -> HostSpec {
    HostSpec {
        name: name.to_string(),
        fqdn: format!("{name}.lab.xspctl.test"),
        product,
        release,
        address: IpAddr::from([127, 0, 0, 1]),
        ssh_port: 2222,
        https_port: 8443,
        cti_port: 8012,
        user: "bwadmin".to_string(),
        password: Some("lab-password".to_string()),
        authorized_keys: vec![],
        login_shell: LoginShell::Bash,
        faults: Faults::default(),
        layout: Default::default(),
    }
}

/// Opens a host in `dir`.
pub fn host(dir: &Path, name: &str, product: Product, release: Release) -> Arc<SimHost> {
    SimHost::open(dir, spec(name, product, release)).expect("open host")
}

/// A started bwcli session.
pub struct Cli {
    /// The session.
    pub session: Session,
    /// The banner and first prompt.
    pub banner: String,
}

impl Cli {
    /// Starts a session on `host`.
    pub fn start(host: &Arc<SimHost>) -> Cli {
        let mut session = host.bwcli();
        let r = session.start();
        assert_eq!(r.end, SessionEnd::Continue);
        Cli {
            session,
            banner: r.output,
        }
    }

    /// Types a line; returns the whole reply.
    pub fn reply(&mut self, line: &str) -> Reply {
        self.session.input(line)
    }

    /// Types a line; returns the output (with the next prompt).
    pub fn run(&mut self, line: &str) -> String {
        let r = self.reply(line);
        assert_eq!(
            r.end,
            SessionEnd::Continue,
            "session ended after {line:?}: {}",
            r.output
        );
        r.output
    }

    /// Types a line; returns the output without the trailing prompt `prompt`.
    pub fn out(&mut self, line: &str, prompt: &str) -> String {
        let o = self.run(line);
        match o.strip_suffix(prompt) {
            Some(body) => body.to_string(),
            None => panic!("output of {line:?} does not end with {prompt:?}:\n{o}"),
        }
    }
}

/// Writes a host file.
pub fn put(host: &SimHost, path: &str, data: &[u8]) {
    let local = host.fs_root().join(path.trim_start_matches('/'));
    std::fs::create_dir_all(local.parent().expect("parent")).expect("mkdir");
    std::fs::write(local, data).expect("write");
}

/// A certificate authority for tests: a self-signed root, an issuing CA it signs,
/// and a server leaf the issuing CA signs.
pub struct TestPki {
    /// Root certificate PEM (`Test Root CA`, self-signed).
    pub root_pem: String,
    /// Issuing CA certificate PEM (`Test Issuing CA`).
    pub issuing_pem: String,
    /// Leaf certificate PEM (CN = the name given).
    pub leaf_pem: String,
    /// Leaf private key PEM.
    pub leaf_key_pem: String,
}

fn cert(
    cn: &str,
    key: &openssl::pkey::PKey<openssl::pkey::Private>,
    issuer: Option<(
        &openssl::x509::X509,
        &openssl::pkey::PKey<openssl::pkey::Private>,
    )>,
    ca: bool,
) -> openssl::x509::X509 {
    use openssl::asn1::Asn1Time;
    use openssl::bn::BigNum;
    use openssl::hash::MessageDigest;
    use openssl::x509::extension::BasicConstraints;
    use openssl::x509::{X509, X509NameBuilder};
    let mut name = X509NameBuilder::new().expect("name");
    name.append_entry_by_text("CN", cn).expect("cn");
    let name = name.build();
    let mut b = X509::builder().expect("builder");
    b.set_version(2).expect("version");
    let serial = BigNum::from_u32(cn.len() as u32 + 1)
        .expect("bn")
        .to_asn1_integer()
        .expect("serial");
    b.set_serial_number(&serial).expect("serial");
    b.set_subject_name(&name).expect("subject");
    b.set_pubkey(key).expect("pubkey");
    b.set_not_before(&Asn1Time::days_from_now(0).expect("t"))
        .expect("nb");
    b.set_not_after(&Asn1Time::days_from_now(30).expect("t"))
        .expect("na");
    if ca {
        b.append_extension(BasicConstraints::new().critical().ca().build().expect("bc"))
            .expect("ext");
    }
    match issuer {
        Some((icert, ikey)) => {
            b.set_issuer_name(icert.subject_name()).expect("issuer");
            b.sign(ikey, MessageDigest::sha256()).expect("sign");
        }
        None => {
            b.set_issuer_name(&name).expect("issuer");
            b.sign(key, MessageDigest::sha256()).expect("sign");
        }
    }
    b.build()
}

impl TestPki {
    /// A new PKI whose leaf is for `leaf_cn`.
    pub fn new(leaf_cn: &str) -> TestPki {
        use openssl::ec::{EcGroup, EcKey};
        use openssl::nid::Nid;
        use openssl::pkey::PKey;
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("group");
        let key = || PKey::from_ec_key(EcKey::generate(&group).expect("ec")).expect("pkey");
        let (root_key, issuing_key, leaf_key) = (key(), key(), key());
        let root = cert("Test Root CA", &root_key, None, true);
        let issuing = cert(
            "Test Issuing CA",
            &issuing_key,
            Some((&root, &root_key)),
            true,
        );
        let leaf = cert(leaf_cn, &leaf_key, Some((&issuing, &issuing_key)), false);
        let pem =
            |c: &openssl::x509::X509| String::from_utf8(c.to_pem().expect("pem")).expect("utf8");
        TestPki {
            root_pem: pem(&root),
            issuing_pem: pem(&issuing),
            leaf_pem: pem(&leaf),
            leaf_key_pem: String::from_utf8(leaf_key.private_key_to_pem_pkcs8().expect("key"))
                .expect("utf8"),
        }
    }
}
