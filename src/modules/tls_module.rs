//! The TLS module on the registry: its playbook section (`webex.tls`), its
//! settings (built by `playbook::tls`, which holds the cipher and level rules),
//! and its render step: discover the host's interfaces and CTI layout, check that
//! the served certificates fit the wanted suites, render `templates/tls/`.
use super::tls::{Discovered, Family, Wish, check_certificate_keys, discover, render_tls};
use super::{ModuleError, Scope, TypedModule, certificates};
use crate::catalog::{Product, TlsProtocol, provider_defaults};
use crate::desired::DesiredTree;
use crate::live::link::HostLink;
use crate::playbook::module_api::{
    Field, Format, HostFacts, ListOf, Node, Object, Pos, Report, Schema,
};
use crate::playbook::{Host, InterfaceTls, TlsLevel, TlsModule};

/// The TLS module.
pub struct Tls;

/// Its playbook section.
pub(crate) const FIELD: Field = Field::new(
    "tls",
    "TLS protocols and cipher suites on the HTTP (Xsi, AuthService) and CTI interfaces (solution guide B §3, §5.2-§5.5). XSP and ADP only.",
    Schema::Object(&TLS_MODULE),
    "{ http: { level: interface, protocols: [TLSv1.2] } }",
);

static TLS_MODULE: Object = Object {
    name: "tls",
    doc: "TLS protocols and cipher suites.",
    shared: false,
    fields: &[
        Field::new(
            "http",
            "The HTTP server interfaces (Xsi-Actions, Xsi-Events, AuthService, DMS).",
            Schema::Object(&INTERFACE_TLS),
            "{ level: interface, protocols: [TLSv1.2] }",
        ),
        Field::new(
            "cti",
            "The CTI interfaces.",
            Schema::Object(&INTERFACE_TLS),
            "{ level: interface, protocols: [TLSv1.2] }",
        ),
        Field::new(
            "waivers",
            "Suites allowed although they break the guide's cipher rule, each with the reason.",
            Schema::List(&ListOf::items(Schema::Object(&WAIVER))),
            "[{ cipher: TLS_RSA_WITH_AES_256_GCM_SHA384, reason: \"legacy load balancer, CHG-1234\" }]",
        ),
    ],
};

static INTERFACE_TLS: Object = Object {
    name: "interface_tls",
    doc: "Protocols and cipher suites of one interface type.",
    shared: true,
    fields: &[
        Field::new(
            "level",
            "Where the lists are set: interface, interface-type, system-openssl or system-jsse on R22 and later; container-options on R21 SP1 (the only level there).",
            Schema::Enum(TlsLevel::NAMES),
            "interface",
        ).required(),
        Field::new(
            "protocols",
            "Protocols to offer; must include TLSv1.2. TLSv1.3 on R24 and ADP only. Absent: leave protocols alone.",
            Schema::List(&ListOf::unique_items(Schema::Enum(TlsProtocol::NAMES))),
            "[TLSv1.2]",
        ),
        Field::new(
            "ciphers",
            "Cipher suites to offer, by IANA name, in preference order. Absent: leave suites alone.",
            Schema::List(&ListOf::unique_items(Schema::Text(Format::Cipher))),
            "[TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]",
        ),
        Field::new(
            "interfaces",
            "The interfaces to configure; absent: every secure interface of the host.",
            Schema::List(&ListOf::unique_items(Schema::Object(&INTERFACE))),
            "[{ ip: 192.0.2.21, port: 443 }]",
        ),
    ],
};

static INTERFACE: Object = Object {
    name: "interface",
    doc: "An interface, by IP address (HTTP also by port).",
    shared: false,
    fields: &[
        Field::new(
            "ip",
            "The interface's IP address.",
            Schema::Text(Format::Ip),
            "192.0.2.21",
        )
        .required(),
        Field::new(
            "port",
            "HTTP only: the interface's port (443 usually); absent: every port of the address.",
            Schema::Integer { min: 1, max: 65535 },
            "443",
        ),
    ],
};

static WAIVER: Object = Object {
    name: "waiver",
    doc: "A suite allowed although it breaks the guide's cipher rule.",
    shared: false,
    fields: &[
        Field::new(
            "cipher",
            "The suite's IANA name.",
            Schema::Text(Format::Cipher),
            "TLS_RSA_WITH_AES_256_GCM_SHA384",
        )
        .required(),
        Field::new(
            "reason",
            "Why it is allowed (a ticket, a client that needs it).",
            Schema::Text(Format::Text),
            "\"legacy load balancer, CHG-1234\"",
        )
        .required(),
    ],
};

impl TypedModule for Tls {
    type Settings = TlsModule;
    type Farm = ();
    const KEY: &'static str = "tls";
    // solution guide B §3: the SSL settings are XSP/ADP CLI contexts.
    const SCOPE: Scope = Scope {
        products: &[Product::Xsp, Product::Adp],
        since: None,
        role: None,
        source: "the TLS contexts are XSP/ADP CLI contexts, solution guide B §3",
    };
    const TEMPLATES: &'static [(&'static str, &'static str)] = &[
        (
            "tls/r21.yaml",
            include_str!("../../templates/tls/r21.yaml.tera"),
        ),
        (
            "tls/r22.yaml",
            include_str!("../../templates/tls/r22.yaml.tera"),
        ),
    ];

    fn build(
        &self,
        node: &Node,
        key_pos: Pos,
        host: &HostFacts<'_>,
        report: &mut Report,
    ) -> Option<TlsModule> {
        crate::playbook::tls_settings(node, key_pos, host, report)
    }

    fn render(
        &self,
        host: &Host,
        tls: &TlsModule,
        _farm: Option<&()>,
        link: &mut dyn HostLink,
    ) -> Result<DesiredTree, ModuleError> {
        let family = family(host);
        let discovered = discover(family, link).map_err(ModuleError::new)?;
        let (protocols, ciphers) = defaults(host);
        let http = tls.http.as_ref().map(wish);
        let cti = tls.cti.as_ref().map(wish);
        check_certificate_keys(
            family,
            http.as_ref(),
            cti.as_ref(),
            &discovered,
            link,
            host.connection.connect_timeout,
            &|side, ip, port| certificates::replaces(host, side, ip, port),
        )
        .map_err(ModuleError::new)?;
        render_tls(
            family,
            http.as_ref(),
            cti.as_ref(),
            &discovered,
            (&protocols, &ciphers),
        )
        .map_err(ModuleError::new)
    }
}

fn wish(w: &InterfaceTls) -> Wish {
    Wish {
        level: w.level.name().to_string(),
        protocols: w
            .protocols
            .iter()
            .map(|p| p.bwcli_name().to_string())
            .collect(),
        ciphers: w.ciphers.iter().map(|c| c.iana.to_string()).collect(),
        interfaces: w
            .interfaces
            .as_ref()
            .map(|list| list.iter().map(|s| (s.ip.to_string(), s.port)).collect()),
    }
}

/// What TLS discovery reads from an XSP or ADP (its interfaces and CTI layout);
/// None for an AS, which serves no TLS endpoint.
pub fn discovery(host: &Host, link: &mut dyn HostLink) -> Result<Option<Discovered>, ModuleError> {
    if !matches!(host.product, Product::Xsp | Product::Adp) {
        return Ok(None);
    }
    discover(family(host), link)
        .map(Some)
        .map_err(ModuleError::new)
}

/// The TLS template family of a host's release.
pub fn family(host: &Host) -> Family {
    if host.release.has_ssl_hierarchy() {
        Family::R22
    } else {
        Family::R21
    }
}

/// The SSL provider's defaults at the host's release (D2): protocols by their bwcli
/// names, suites by their IANA names.
pub fn defaults(host: &Host) -> (Vec<String>, Vec<String>) {
    let (protocols, ciphers) = provider_defaults(host.release);
    (
        protocols
            .iter()
            .map(|p: &TlsProtocol| p.bwcli_name().to_string())
            .collect(),
        ciphers.iter().map(|c| c.iana.to_string()).collect(),
    )
}
