//! The playbook's shape: the one definition the checker and the JSON Schema come from.
//! docs/playbook.md explains it for operators.
use super::model::Role;
use super::schema::{Field, Format, ListOf, Object, Schema};
use crate::catalog::{Product, Release};

/// The whole playbook.
pub(crate) static PLAYBOOK: Object = Object {
    name: "playbook",
    doc: "xspctl desired state: the BroadWorks servers to prepare for Webex for BroadWorks, how to reach them, and the settings they must hold.",
    shared: false,
    fields: &[
        Field::new(
            "version",
            "Playbook format version; this xspctl reads version 1.",
            Schema::Integer { min: 1, max: 1 },
            "1",
        )
        .required(),
        Field::new(
            "defaults",
            "Settings every farm and host inherits; a farm overrides them, a host overrides its farm.",
            Schema::Object(&DEFAULTS),
            "{ connection: { user: bwadmin } }",
        ),
        Field::new(
            "jump_hosts",
            "SSH jump hosts (bastions) by name, for `connection.jump`.",
            Schema::Map(&Schema::Object(&JUMP_HOST)),
            "{ bastion: { address: 192.0.2.10 } }",
        ),
        Field::new(
            "farms",
            "The farms: groups of hosts of one product, release and role set.",
            Schema::List(&ListOf::items(Schema::Object(&FARM))),
            "[{ name: xsp-east, product: xsp, release: R23, roles: [xsi], hosts: [...] }]",
        )
        .required(),
        super::verify_section::FIELD,
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
        Field::new(
            "name",
            "The farm's name, unique in the playbook.",
            Schema::Text(Format::Name),
            "xsp-east",
        ).required(),
        Field::new(
            "product",
            "The BroadWorks server: `xsp`, `adp` or `as`.",
            Schema::Enum(Product::PLAYBOOK_NAMES),
            "xsp",
        ).required(),
        RELEASE_FIELD,
        Field::new(
            "roles",
            "The applications the hosts serve: xsi (Xsi-Actions and Xsi-Events), authservice, cti, dms, nps, callsettings (XSP/ADP) or as (AS). NPS must be alone (solution guide A §3.4).",
            Schema::List(&ListOf::unique_items(Schema::Enum(Role::NAMES))),
            "[xsi, authservice, cti, dms]",
        ).required(),
        CONNECTION_FIELD,
        WEBEX_FIELD,
        Field::new(
            "hosts",
            "The farm's hosts.",
            Schema::List(&ListOf::items(Schema::Object(&HOST))),
            "[{ name: xsp1, address: 192.0.2.21 }]",
        ).required(),
    ],
};

const RELEASE_FIELD: Field = Field::new(
    "release",
    "The BroadWorks release: R21SP1 (or \"R21 SP1\"), R22, R23, R24 or ADP.",
    Schema::Enum(Release::PLAYBOOK_NAMES),
    "R23",
)
.required();

static HOST: Object = Object {
    name: "host",
    doc: "A server of the farm.",
    shared: false,
    fields: &[
        Field::new(
            "name",
            "The host's name, unique in the playbook (used with --host).",
            Schema::Text(Format::Name),
            "xsp1",
        )
        .required(),
        Field::new(
            "address",
            "The SSH address: an IP address or a DNS name.",
            Schema::Text(Format::Address),
            "192.0.2.21",
        )
        .required(),
        Field {
            required: false,
            doc: "The host's release, when it differs from its farm's (during a rolling upgrade).",
            ..RELEASE_FIELD
        },
        Field::new(
            "fqdn",
            "The name Webex and its clients reach the host by; verify checks that it resolves to one IPv4 address of the host's interfaces, that the certificate served there names it, and that the resolvers agree (solution guide A §7.6, §9.5).",
            Schema::Text(Format::Address),
            "xsp1.example.com",
        ),
        CONNECTION_FIELD,
        WEBEX_FIELD,
    ],
};

const CONNECTION_FIELD: Field = Field::new(
    "connection",
    "SSH connection settings; merged key by key over the inherited ones.",
    Schema::Object(&CONNECTION),
    "{ port: 22 }",
)
.merged();

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
        Field::new(
            "command_timeout",
            "Longest wait for one command's answer (default 30s).",
            Schema::Text(Format::Duration),
            "30s",
        ),
        KEEPALIVE,
    ],
};

pub(crate) static JUMP_HOST: Object = Object {
    name: "jump_host",
    doc: "An SSH jump host. It inherits `defaults.connection` except `jump`.",
    shared: true,
    fields: &[
        Field::new(
            "address",
            "The jump host's address: an IP address or a DNS name.",
            Schema::Text(Format::Address),
            "192.0.2.10",
        )
        .required(),
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

const PORT: Field = Field::new(
    "port",
    "SSH port (default 22).",
    Schema::Integer { min: 1, max: 65535 },
    "22",
);
const USER: Field = Field::new(
    "user",
    "Login user, e.g. bwadmin (required, here or inherited).",
    Schema::Text(Format::Text),
    "bwadmin",
);
const KEY_FILE: Field = Field::new(
    "key_file",
    "Private key file; `~` is your home, relative paths start at the playbook's directory.",
    Schema::Text(Format::Path),
    "~/.ssh/id_ed25519",
);
const KEY_PASSPHRASE: Field = Field::new(
    "key_passphrase",
    "The key file's passphrase, as a reference: env:NAME or file:PATH.",
    Schema::Text(Format::SecretRef),
    "env:XSP_KEY_PASSPHRASE",
);
const AGENT: Field = Field::new(
    "agent",
    "Try the keys of the running ssh-agent (default false).",
    Schema::Bool,
    "true",
);
const PASSWORD: Field = Field::new(
    "password",
    "The password, as a reference: env:NAME or file:PATH; never the password itself.",
    Schema::Text(Format::SecretRef),
    "env:XSP_PASSWORD",
);
const KNOWN_HOSTS: Field = Field::new(
    "known_hosts",
    "known_hosts file that host keys are checked against (default ~/.ssh/known_hosts).",
    Schema::Text(Format::Path),
    "~/.ssh/known_hosts",
);
const JUMP: Field = Field::new(
    "jump",
    "The name of a `jump_hosts` entry to connect through.",
    Schema::Text(Format::Name),
    "bastion",
);
const CONNECT_TIMEOUT: Field = Field::new(
    "connect_timeout",
    "Longest wait for TCP connect, SSH handshake and login (default 10s).",
    Schema::Text(Format::Duration),
    "10s",
);
const KEEPALIVE: Field = Field::new(
    "keepalive",
    "Interval of SSH keepalives; 0s turns them off (default 15s).",
    Schema::Text(Format::Duration),
    "15s",
);

const WEBEX_FIELD: Field = Field::new(
    "webex",
    "Webex for BroadWorks settings; merged key by key over the inherited ones.",
    Schema::Object(&WEBEX),
    "{ tls: { http: { level: interface, protocols: [TLSv1.2] } } }",
)
.merged();

pub(crate) static WEBEX: Object = Object {
    name: "webex",
    doc: "Webex for BroadWorks settings, one key per module (src/modules/registry.rs).",
    shared: true,
    fields: crate::modules::registry::WEBEX_FIELDS,
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
