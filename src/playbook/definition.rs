//! The playbook's shape: the one definition the checker and the JSON Schema come from.
//! docs/playbook.md explains it for operators.
use super::model::{Role, TlsLevel};
use super::schema::{Field, Format, ListOf, Object, Schema};
use crate::catalog::{Product, Release, TlsProtocol};

/// The whole playbook.
pub(crate) static PLAYBOOK: Object = Object {
    name: "playbook",
    doc: "xspctl desired state: the BroadWorks servers to prepare for Webex for BroadWorks, how to reach them, and the settings they must hold.",
    shared: false,
    fields: &[
        Field {
            name: "version",
            doc: "Playbook format version; this xspctl reads version 1.",
            schema: Schema::Integer { min: 1, max: 1 },
            required: true,
            example: "1",
            merged: false,
        },
        Field {
            name: "defaults",
            doc: "Settings every farm and host inherits; a farm overrides them, a host overrides its farm.",
            schema: Schema::Object(&DEFAULTS),
            required: false,
            example: "{ connection: { user: bwadmin } }",
            merged: false,
        },
        Field {
            name: "jump_hosts",
            doc: "SSH jump hosts (bastions) by name, for `connection.jump`.",
            schema: Schema::Map(&Schema::Object(&JUMP_HOST)),
            required: false,
            example: "{ bastion: { address: 192.0.2.10 } }",
            merged: false,
        },
        Field {
            name: "farms",
            doc: "The farms: groups of hosts of one product, release and role set.",
            schema: Schema::List(&ListOf {
                items: Schema::Object(&FARM),
                min: 1,
                unique: false,
            }),
            required: true,
            example: "[{ name: xsp-east, product: xsp, release: R23, roles: [xsi], hosts: [...] }]",
            merged: false,
        },
    ],
};

static DEFAULTS: Object = Object {
    name: "defaults",
    doc: "Settings every farm and host inherits.",
    shared: false,
    fields: &[CONNECTION_FIELD, WEBEX_FIELD],
};

static FARM: Object = Object {
    name: "farm",
    doc: "A farm: hosts that run the same product, release and applications.",
    shared: false,
    fields: &[
        Field {
            name: "name",
            doc: "The farm's name, unique in the playbook.",
            schema: Schema::Text(Format::Name),
            required: true,
            example: "xsp-east",
            merged: false,
        },
        Field {
            name: "product",
            doc: "The BroadWorks server: `xsp`, `adp` or `as`.",
            schema: Schema::Enum(Product::PLAYBOOK_NAMES),
            required: true,
            example: "xsp",
            merged: false,
        },
        RELEASE_FIELD,
        Field {
            name: "roles",
            doc: "The applications the hosts serve: xsi (Xsi-Actions and Xsi-Events), authservice, cti, dms, nps, callsettings (XSP/ADP) or as (AS). NPS must be alone (solution guide A §3.4).",
            schema: Schema::List(&ListOf {
                items: Schema::Enum(Role::NAMES),
                min: 1,
                unique: true,
            }),
            required: true,
            example: "[xsi, authservice, cti, dms]",
            merged: false,
        },
        CONNECTION_FIELD,
        WEBEX_FIELD,
        Field {
            name: "hosts",
            doc: "The farm's hosts.",
            schema: Schema::List(&ListOf {
                items: Schema::Object(&HOST),
                min: 1,
                unique: false,
            }),
            required: true,
            example: "[{ name: xsp1, address: 192.0.2.21 }]",
            merged: false,
        },
    ],
};

const RELEASE_FIELD: Field = Field {
    name: "release",
    doc: "The BroadWorks release: R21SP1 (or \"R21 SP1\"), R22, R23, R24 or ADP.",
    schema: Schema::Enum(Release::PLAYBOOK_NAMES),
    required: true,
    example: "R23",
    merged: false,
};

static HOST: Object = Object {
    name: "host",
    doc: "A server of the farm.",
    shared: false,
    fields: &[
        Field {
            name: "name",
            doc: "The host's name, unique in the playbook (used with --host).",
            schema: Schema::Text(Format::Name),
            required: true,
            example: "xsp1",
            merged: false,
        },
        Field {
            name: "address",
            doc: "The SSH address: an IP address or a DNS name.",
            schema: Schema::Text(Format::Address),
            required: true,
            example: "192.0.2.21",
            merged: false,
        },
        Field {
            required: false,
            doc: "The host's release, when it differs from its farm's (during a rolling upgrade).",
            ..RELEASE_FIELD
        },
        CONNECTION_FIELD,
        WEBEX_FIELD,
    ],
};

const CONNECTION_FIELD: Field = Field {
    name: "connection",
    doc: "SSH connection settings; merged key by key over the inherited ones.",
    schema: Schema::Object(&CONNECTION),
    required: false,
    example: "{ port: 22 }",
    merged: true,
};

pub(crate) static CONNECTION: Object = Object {
    name: "connection",
    doc: "How to reach hosts over SSH.",
    shared: true,
    fields: &[
        PORT,
        USER,
        KEY_FILE,
        KEY_PASSPHRASE,
        AGENT,
        PASSWORD,
        KNOWN_HOSTS,
        JUMP,
        CONNECT_TIMEOUT,
        Field {
            name: "command_timeout",
            doc: "Longest wait for one command's answer (default 30s).",
            schema: Schema::Text(Format::Duration),
            required: false,
            example: "30s",
            merged: false,
        },
        KEEPALIVE,
    ],
};

pub(crate) static JUMP_HOST: Object = Object {
    name: "jump_host",
    doc: "An SSH jump host. It inherits `defaults.connection` except `jump`.",
    shared: true,
    fields: &[
        Field {
            name: "address",
            doc: "The jump host's address: an IP address or a DNS name.",
            schema: Schema::Text(Format::Address),
            required: true,
            example: "192.0.2.10",
            merged: false,
        },
        PORT,
        USER,
        KEY_FILE,
        KEY_PASSPHRASE,
        AGENT,
        PASSWORD,
        KNOWN_HOSTS,
        Field {
            doc: "Another jump host to reach this one through.",
            ..JUMP
        },
        CONNECT_TIMEOUT,
        KEEPALIVE,
    ],
};

const PORT: Field = Field {
    name: "port",
    doc: "SSH port (default 22).",
    schema: Schema::Integer { min: 1, max: 65535 },
    required: false,
    example: "22",
    merged: false,
};
const USER: Field = Field {
    name: "user",
    doc: "Login user, e.g. bwadmin (required, here or inherited).",
    schema: Schema::Text(Format::Text),
    required: false,
    example: "bwadmin",
    merged: false,
};
const KEY_FILE: Field = Field {
    name: "key_file",
    doc: "Private key file; `~` is your home, relative paths start at the playbook's directory.",
    schema: Schema::Text(Format::Path),
    required: false,
    example: "~/.ssh/id_ed25519",
    merged: false,
};
const KEY_PASSPHRASE: Field = Field {
    name: "key_passphrase",
    doc: "The key file's passphrase, as a reference: env:NAME or file:PATH.",
    schema: Schema::Text(Format::SecretRef),
    required: false,
    example: "env:XSP_KEY_PASSPHRASE",
    merged: false,
};
const AGENT: Field = Field {
    name: "agent",
    doc: "Try the keys of the running ssh-agent (default false).",
    schema: Schema::Bool,
    required: false,
    example: "true",
    merged: false,
};
const PASSWORD: Field = Field {
    name: "password",
    doc: "The password, as a reference: env:NAME or file:PATH; never the password itself.",
    schema: Schema::Text(Format::SecretRef),
    required: false,
    example: "env:XSP_PASSWORD",
    merged: false,
};
const KNOWN_HOSTS: Field = Field {
    name: "known_hosts",
    doc: "known_hosts file that host keys are checked against (default ~/.ssh/known_hosts).",
    schema: Schema::Text(Format::Path),
    required: false,
    example: "~/.ssh/known_hosts",
    merged: false,
};
const JUMP: Field = Field {
    name: "jump",
    doc: "The name of a `jump_hosts` entry to connect through.",
    schema: Schema::Text(Format::Name),
    required: false,
    example: "bastion",
    merged: false,
};
const CONNECT_TIMEOUT: Field = Field {
    name: "connect_timeout",
    doc: "Longest wait for TCP connect, SSH handshake and login (default 10s).",
    schema: Schema::Text(Format::Duration),
    required: false,
    example: "10s",
    merged: false,
};
const KEEPALIVE: Field = Field {
    name: "keepalive",
    doc: "Interval of SSH keepalives; 0s turns them off (default 15s).",
    schema: Schema::Text(Format::Duration),
    required: false,
    example: "15s",
    merged: false,
};

const WEBEX_FIELD: Field = Field {
    name: "webex",
    doc: "Webex for BroadWorks settings; merged key by key over the inherited ones.",
    schema: Schema::Object(&WEBEX),
    required: false,
    example: "{ tls: { http: { level: interface, protocols: [TLSv1.2] } } }",
    merged: true,
};

pub(crate) static WEBEX: Object = Object {
    name: "webex",
    doc: "Webex for BroadWorks settings, one key per module.",
    shared: true,
    fields: &[Field {
        name: "tls",
        doc: "TLS protocols and cipher suites on the HTTP (Xsi, AuthService) and CTI interfaces (solution guide B §3, §5.2-§5.5). XSP and ADP only.",
        schema: Schema::Object(&TLS_MODULE),
        required: false,
        example: "{ http: { level: interface, protocols: [TLSv1.2] } }",
        merged: false,
    }],
};

static TLS_MODULE: Object = Object {
    name: "tls",
    doc: "TLS protocols and cipher suites.",
    shared: false,
    fields: &[
        Field {
            name: "http",
            doc: "The HTTP server interfaces (Xsi-Actions, Xsi-Events, AuthService, DMS).",
            schema: Schema::Object(&INTERFACE_TLS),
            required: false,
            example: "{ level: interface, protocols: [TLSv1.2] }",
            merged: false,
        },
        Field {
            name: "cti",
            doc: "The CTI interfaces.",
            schema: Schema::Object(&INTERFACE_TLS),
            required: false,
            example: "{ level: interface, protocols: [TLSv1.2] }",
            merged: false,
        },
        Field {
            name: "waivers",
            doc: "Suites allowed although they break the guide's cipher rule, each with the reason.",
            schema: Schema::List(&ListOf {
                items: Schema::Object(&WAIVER),
                min: 1,
                unique: false,
            }),
            required: false,
            example: "[{ cipher: TLS_RSA_WITH_AES_256_GCM_SHA384, reason: \"legacy load balancer, CHG-1234\" }]",
            merged: false,
        },
    ],
};

static INTERFACE_TLS: Object = Object {
    name: "interface_tls",
    doc: "Protocols and cipher suites of one interface type.",
    shared: true,
    fields: &[
        Field {
            name: "level",
            doc: "Where the lists are set: interface, interface-type, system-openssl or system-jsse on R22 and later; container-options on R21 SP1 (the only level there).",
            schema: Schema::Enum(TlsLevel::NAMES),
            required: true,
            example: "interface",
            merged: false,
        },
        Field {
            name: "protocols",
            doc: "Protocols to offer; must include TLSv1.2. TLSv1.3 on R24 and ADP only. Absent: leave protocols alone.",
            schema: Schema::List(&ListOf {
                items: Schema::Enum(TlsProtocol::NAMES),
                min: 1,
                unique: true,
            }),
            required: false,
            example: "[TLSv1.2]",
            merged: false,
        },
        Field {
            name: "ciphers",
            doc: "Cipher suites to offer, by IANA name, in preference order. Absent: leave suites alone.",
            schema: Schema::List(&ListOf {
                items: Schema::Text(Format::Cipher),
                min: 1,
                unique: true,
            }),
            required: false,
            example: "[TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]",
            merged: false,
        },
        Field {
            name: "interfaces",
            doc: "The interfaces to configure; absent: every secure interface of the host.",
            schema: Schema::List(&ListOf {
                items: Schema::Object(&INTERFACE),
                min: 1,
                unique: true,
            }),
            required: false,
            example: "[{ ip: 192.0.2.21, port: 443 }]",
            merged: false,
        },
    ],
};

static INTERFACE: Object = Object {
    name: "interface",
    doc: "An interface, by IP address (HTTP also by port).",
    shared: false,
    fields: &[
        Field {
            name: "ip",
            doc: "The interface's IP address.",
            schema: Schema::Text(Format::Ip),
            required: true,
            example: "192.0.2.21",
            merged: false,
        },
        Field {
            name: "port",
            doc: "HTTP only: the interface's port (443 usually); absent: every port of the address.",
            schema: Schema::Integer { min: 1, max: 65535 },
            required: false,
            example: "443",
            merged: false,
        },
    ],
};

static WAIVER: Object = Object {
    name: "waiver",
    doc: "A suite allowed although it breaks the guide's cipher rule.",
    shared: false,
    fields: &[
        Field {
            name: "cipher",
            doc: "The suite's IANA name.",
            schema: Schema::Text(Format::Cipher),
            required: true,
            example: "TLS_RSA_WITH_AES_256_GCM_SHA384",
            merged: false,
        },
        Field {
            name: "reason",
            doc: "Why it is allowed (a ticket, a client that needs it).",
            schema: Schema::Text(Format::Text),
            required: true,
            example: "\"legacy load balancer, CHG-1234\"",
            merged: false,
        },
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(s: Schema, out: &mut Vec<(&'static str, &'static str)>) {
        match s {
            Schema::Object(o) => {
                for f in o.fields {
                    if !out.contains(&(o.name, f.name)) {
                        out.push((o.name, f.name));
                        fields(f.schema, out);
                    }
                }
            }
            Schema::Map(values) => fields(*values, out),
            Schema::List(list) => fields(list.items, out),
            Schema::Enum(_) | Schema::Integer { .. } | Schema::Bool | Schema::Text(_) => {}
        }
    }

    #[test]
    fn the_reference_documents_every_key() {
        let docs = include_str!("../../docs/playbook.md");
        let mut all = Vec::new();
        fields(Schema::Object(&PLAYBOOK), &mut all);
        assert!(all.len() > 30);
        for (object, field) in all {
            assert!(
                docs.contains(&format!("| `{field}` |")),
                "docs/playbook.md has no table row for `{field}` of `{object}`"
            );
        }
    }

    #[test]
    fn every_field_has_a_doc_sentence_and_an_example() {
        fn check(s: Schema) {
            if let Schema::Object(o) = s {
                for f in o.fields {
                    assert!(!f.example.is_empty(), "{}.{}", o.name, f.name);
                    assert!(
                        f.doc.ends_with('.'),
                        "{}.{}: doc is a sentence",
                        o.name,
                        f.name
                    );
                    check(f.schema);
                }
            }
            if let Schema::List(l) = s {
                check(l.items);
            }
            if let Schema::Map(v) = s {
                check(*v);
            }
        }
        check(Schema::Object(&PLAYBOOK));
    }
}
