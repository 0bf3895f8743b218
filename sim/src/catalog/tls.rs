//! Where each TLS endpoint takes its settings from, per release (docs/decisions.md
//! D1-D4), and the list formats of the R21 container options.
use serde::Deserialize;

use super::model::{Applicability, CtiLayout, Platform};
use super::values::{CheckContext, ValueError, ValueType};
use crate::host::{Endpoint, Product, Release, TlsProtocol};

/// The provider defaults (D2).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsDefaults {
    /// Protocol names.
    pub protocols: Vec<String>,
    /// IANA cipher names, preference order.
    pub ciphers: Vec<String>,
}

/// How a container option value lists its items (D4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListFormat {
    /// Apache `SSLProtocol` syntax: `-ALL +TLSv1.2`.
    Apache,
    /// Items separated by `:`.
    Colon,
    /// Items separated by `,`.
    Comma,
}

/// What a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// TLS protocol names.
    Protocols,
    /// IANA cipher names.
    Ciphers,
}

/// A container option that carries a TLS list.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerOption {
    /// The container, e.g. `platform`.
    pub container: String,
    /// The option name.
    pub name: String,
    /// Its list format.
    pub format: ListFormat,
}

/// Where one endpoint's settings come from at some releases.
#[derive(Debug, Clone)]
pub struct EndpointDef {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// Products and releases.
    pub applies: Applicability,
    /// The interface table whose row is this endpoint.
    pub interface_table: String,
    /// The row key (placeholders).
    pub interface_key: Vec<String>,
    /// A fixed port (placeholder), or...
    pub port: Option<String>,
    /// ...the `path:attribute` holding the port, or...
    pub port_attribute: Option<(String, String)>,
    /// ...the interface row's column holding it.
    pub port_column: Option<String>,
    /// A `path:attribute` that must be true for the endpoint to serve.
    pub enabled_attribute: Option<(String, String)>,
    /// The row's boolean column that must be true.
    pub enabled_column: String,
    /// The row's client-authentication column.
    pub client_auth_column: String,
    /// A per-web-application client-auth table, keyed like the interface.
    pub client_auth_webapps: Option<String>,
    /// The trust-anchor table.
    pub trusts: String,
    /// Protocol levels, most specific first (D1).
    pub protocol_levels: Vec<String>,
    /// Cipher levels, most specific first (D1).
    pub cipher_levels: Vec<String>,
    /// The container option holding protocols (R21, D4).
    pub protocol_option: Option<ContainerOption>,
    /// The container option holding ciphers (R21, D4).
    pub cipher_option: Option<ContainerOption>,
}

/// The TLS data file.
#[derive(Debug, Clone)]
pub struct TlsData {
    /// Provider defaults.
    pub defaults: TlsDefaults,
    /// Endpoint definitions.
    pub endpoints: Vec<EndpointDef>,
}

impl TlsData {
    /// The definition of `endpoint` on a host's platform.
    pub fn endpoint(&self, endpoint: Endpoint, on: Platform) -> Option<&EndpointDef> {
        self.endpoints
            .iter()
            .find(|e| e.endpoint == endpoint && e.applies.covers_on(on))
    }

    /// The list rule of a container option, if it carries a TLS list.
    pub fn container_rule(&self, container: &str, name: &str) -> Option<(ListFormat, ItemKind)> {
        self.endpoints.iter().find_map(|e| {
            let hit = |o: &Option<ContainerOption>| {
                o.as_ref()
                    .filter(|o| o.container.eq_ignore_ascii_case(container) && o.name == name)
                    .map(|o| o.format)
            };
            hit(&e.protocol_option)
                .map(|f| (f, ItemKind::Protocols))
                .or_else(|| hit(&e.cipher_option).map(|f| (f, ItemKind::Ciphers)))
        })
    }
}

/// Parses a protocol list in `format`; unknown names are refused.
pub fn parse_protocol_list(
    format: ListFormat,
    value: &str,
    ctx: CheckContext<'_>,
) -> Result<Vec<String>, ValueError> {
    let expected = || {
        ValueError::Expected(match format {
            ListFormat::Apache => format!(
                "Apache SSLProtocol syntax such as \"-ALL +TLSv1.2\" with protocols {}",
                ctx.protocols.join(", ")
            ),
            _ => format!("protocol names from {}", ctx.protocols.join(", ")),
        })
    };
    let mut out: Vec<String> = Vec::new();
    match format {
        ListFormat::Apache => {
            for token in value.split_whitespace() {
                let (sign, name) = match token.as_bytes().first() {
                    Some(b'+') => ('+', &token[1..]),
                    Some(b'-') => ('-', &token[1..]),
                    _ => ('+', token),
                };
                let names: Vec<String> = if name.eq_ignore_ascii_case("all") {
                    ctx.protocols.to_vec()
                } else {
                    vec![
                        ValueType::Protocol
                            .check(name, ctx)
                            .map_err(|_| expected())?,
                    ]
                };
                for n in names {
                    out.retain(|p| p != &n);
                    if sign == '+' {
                        out.push(n);
                    }
                }
            }
            out.sort_by_key(|p| ctx.protocols.iter().position(|q| q == p));
        }
        ListFormat::Colon | ListFormat::Comma => {
            for item in split_items(format, value) {
                let p = ValueType::Protocol
                    .check(item, ctx)
                    .map_err(|_| expected())?;
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
    }
    if out.is_empty() {
        return Err(expected());
    }
    Ok(out)
}

/// Parses a cipher list in `format` (colon or comma separated IANA names).
pub fn parse_cipher_list(
    format: ListFormat,
    value: &str,
    ctx: CheckContext<'_>,
) -> Result<Vec<String>, ValueError> {
    let mut out = Vec::new();
    for item in split_items(format, value) {
        let c = ctx.ciphers.check(item)?;
        if !out.contains(&c) {
            out.push(c);
        }
    }
    if out.is_empty() {
        return Err(ValueError::UnknownCipher(None));
    }
    Ok(out)
}

fn split_items(format: ListFormat, value: &str) -> impl Iterator<Item = &str> {
    let sep = if format == ListFormat::Colon {
        ':'
    } else {
        ','
    };
    value.split(sep).map(str::trim).filter(|s| !s.is_empty())
}

/// The contract's protocol enum for a bwcli protocol name.
pub fn protocol_enum(name: &str) -> Option<TlsProtocol> {
    match name {
        "TLSv1" => Some(TlsProtocol::Tls10),
        "TLSv1.1" => Some(TlsProtocol::Tls11),
        "TLSv1.2" => Some(TlsProtocol::Tls12),
        "TLSv1.3" => Some(TlsProtocol::Tls13),
        _ => None,
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTls {
    pub defaults: TlsDefaults,
    #[serde(rename = "endpoint")]
    pub endpoints: Vec<RawEndpoint>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEndpoint {
    endpoint: String,
    products: Vec<Product>,
    since: Option<Release>,
    until: Option<Release>,
    cti_layout: Option<CtiLayout>,
    interface_table: String,
    interface_key: Vec<String>,
    port: Option<String>,
    port_attribute: Option<String>,
    port_column: Option<String>,
    enabled_attribute: Option<String>,
    enabled_column: String,
    client_auth_column: String,
    client_auth_webapps: Option<String>,
    trusts: String,
    #[serde(default)]
    protocol_levels: Vec<String>,
    #[serde(default)]
    cipher_levels: Vec<String>,
    protocol_option: Option<ContainerOption>,
    cipher_option: Option<ContainerOption>,
}

fn path_attr(s: Option<String>) -> Result<Option<(String, String)>, String> {
    s.map(|s| {
        s.split_once(':')
            .map(|(p, a)| (p.to_string(), a.to_string()))
            .ok_or_else(|| format!("`{s}` is not `path:attribute`"))
    })
    .transpose()
}

impl RawEndpoint {
    pub(super) fn build(self) -> Result<EndpointDef, String> {
        let endpoint = match self.endpoint.as_str() {
            "http" => Endpoint::Http,
            "cti" => Endpoint::Cti,
            other => return Err(format!("unknown endpoint `{other}`")),
        };
        let ports = [
            self.port.is_some(),
            self.port_attribute.is_some(),
            self.port_column.is_some(),
        ];
        if ports.iter().filter(|p| **p).count() != 1 {
            return Err(format!(
                "endpoint {}: exactly one of port, port_attribute, port_column",
                self.endpoint
            ));
        }
        let levels = !self.protocol_levels.is_empty() && !self.cipher_levels.is_empty();
        let options = self.protocol_option.is_some() && self.cipher_option.is_some();
        if levels == options {
            return Err(format!(
                "endpoint {}: either levels or container options",
                self.endpoint
            ));
        }
        Ok(EndpointDef {
            endpoint,
            applies: Applicability {
                products: Some(self.products),
                since: self.since,
                until: self.until,
                cti_layout: self.cti_layout,
            },
            interface_table: self.interface_table,
            interface_key: self.interface_key,
            port: self.port,
            port_attribute: path_attr(self.port_attribute)?,
            port_column: self.port_column,
            enabled_attribute: path_attr(self.enabled_attribute)?,
            enabled_column: self.enabled_column,
            client_auth_column: self.client_auth_column,
            client_auth_webapps: self.client_auth_webapps,
            trusts: self.trusts,
            protocol_levels: self.protocol_levels,
            cipher_levels: self.cipher_levels,
            protocol_option: self.protocol_option,
            cipher_option: self.cipher_option,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::catalog;

    fn ctx(protocols: &[String]) -> CheckContext<'_> {
        CheckContext {
            protocols,
            ciphers: &catalog().ciphers,
        }
    }

    fn r21() -> Vec<String> {
        vec!["TLSv1".into(), "TLSv1.1".into(), "TLSv1.2".into()]
    }

    #[test]
    fn apache_protocol_syntax() {
        let p = r21();
        assert_eq!(
            parse_protocol_list(ListFormat::Apache, "-ALL +TLSv1.2", ctx(&p)),
            Ok(vec!["TLSv1.2".to_string()])
        );
        assert_eq!(
            parse_protocol_list(ListFormat::Apache, "ALL -TLSv1", ctx(&p)),
            Ok(vec!["TLSv1.1".to_string(), "TLSv1.2".to_string()])
        );
        assert!(parse_protocol_list(ListFormat::Apache, "-ALL +TLSv1.3", ctx(&p)).is_err());
        assert!(parse_protocol_list(ListFormat::Apache, "-ALL", ctx(&p)).is_err());
    }

    #[test]
    fn separated_lists() {
        let p = r21();
        assert_eq!(
            parse_protocol_list(ListFormat::Comma, "TLSv1.2, TLSv1.1", ctx(&p)),
            Ok(vec!["TLSv1.2".to_string(), "TLSv1.1".to_string()])
        );
        assert_eq!(
            parse_cipher_list(
                ListFormat::Colon,
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                ctx(&p)
            ),
            Ok(vec![
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".to_string(),
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384".to_string()
            ])
        );
        assert_eq!(
            parse_cipher_list(ListFormat::Comma, "ECDHE-RSA-AES128-GCM-SHA256", ctx(&p)),
            Err(ValueError::OpenSslCipher(
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".to_string()
            ))
        );
    }

    #[test]
    fn container_rules_come_from_the_endpoints() {
        let tls = &catalog().tls;
        assert_eq!(
            tls.container_rule("platform", "bw.apache.sslenabledprotocols"),
            Some((ListFormat::Apache, ItemKind::Protocols))
        );
        assert_eq!(
            tls.container_rule("tomcat", "bw.cti.enabledciphers"),
            Some((ListFormat::Comma, ItemKind::Ciphers))
        );
        assert_eq!(
            tls.container_rule("tomcat", "bw.authservice.authServiceUrl"),
            None
        );
    }
}
