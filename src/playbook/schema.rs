//! A small language for describing the playbook's shape once; the structural check
//! (`check.rs`) and the JSON Schema (`json_schema.rs`) are both derived from it.

/// The shape of a value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Schema {
    /// A mapping with documented keys; unknown keys are errors.
    Object(&'static Object),
    /// A mapping from names (see [`Format::Name`]) to values of one shape.
    Map(&'static Schema),
    /// A list.
    List(&'static ListOf),
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// A whole number in `min..=max`.
    Integer { min: i64, max: i64 },
    /// `true` or `false`.
    Bool,
    /// A non-empty string of this format.
    Text(Format),
}

/// A mapping with documented keys.
#[derive(Debug)]
pub(crate) struct Object {
    /// A short name; shared objects are JSON Schema definitions under this name.
    pub name: &'static str,
    /// What the mapping describes.
    pub doc: &'static str,
    /// Its keys.
    pub fields: &'static [Field],
    /// Whether it is used in several places (a JSON Schema definition).
    pub shared: bool,
}

/// One key of an [`Object`].
#[derive(Debug)]
pub(crate) struct Field {
    pub name: &'static str,
    pub doc: &'static str,
    pub schema: Schema,
    pub required: bool,
    /// A value to show in "add `key: value`" help, as YAML.
    pub example: &'static str,
    /// Whether the value is a layer merged with inherited ones (`connection`, `webex`): its
    /// mappings may be partial, so required keys are checked after merging.
    pub merged: bool,
}

/// A list of values of one shape.
#[derive(Debug)]
pub(crate) struct ListOf {
    pub items: Schema,
    /// At least this many items.
    pub min: usize,
    /// No item may appear twice.
    pub unique: bool,
}

impl Field {
    /// A key that may be absent; see [`Field::required`] and [`Field::merged`].
    pub const fn new(
        name: &'static str,
        doc: &'static str,
        schema: Schema,
        example: &'static str,
    ) -> Field {
        Field {
            name,
            doc,
            schema,
            required: false,
            example,
            merged: false,
        }
    }

    /// The same key, which must be present (here or, for a merged layer, after merging).
    pub const fn required(self) -> Field {
        Field {
            required: true,
            ..self
        }
    }

    /// The same key, its value a layer merged over the inherited ones.
    pub const fn merged(self) -> Field {
        Field {
            merged: true,
            ..self
        }
    }
}

impl ListOf {
    /// A non-empty list.
    pub const fn items(items: Schema) -> ListOf {
        ListOf {
            items,
            min: 1,
            unique: false,
        }
    }

    /// A non-empty list in which no item appears twice.
    pub const fn unique_items(items: Schema) -> ListOf {
        ListOf {
            unique: true,
            ..ListOf::items(items)
        }
    }
}

/// What a string must look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// Letters, digits, `.`, `_`, `-`; starts with a letter or digit; at most 63.
    Name,
    /// An IP address or a DNS name.
    Address,
    /// An IP address.
    Ip,
    /// `500ms`, `10s`, `2m`, `1h`, `1m30s`.
    Duration,
    /// `env:NAME` or `file:PATH`; never the secret itself.
    SecretRef,
    /// A file path; `~` is the home directory, relative paths start at the playbook's directory.
    Path,
    /// An IANA cipher-suite name.
    Cipher,
    /// Free text.
    Text,
}

/// The regular expression of [`Format::Name`].
pub(crate) const NAME_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$";
/// The regular expression of [`Format::Duration`].
pub(crate) const DURATION_PATTERN: &str = "^([0-9]+(ms|s|m|h))+$";
/// The regular expression of [`Format::SecretRef`].
pub(crate) const SECRET_REF_PATTERN: &str = "^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$";

impl Object {
    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        // `fields` is 'static, so the reference is too.
        let fields: &'static [Field] = self.fields;
        fields.iter().find(|f| f.name == name)
    }
}

/// Every object reachable from `schema`, each once.
pub(crate) fn objects(schema: Schema, out: &mut Vec<&'static Object>) {
    match schema {
        Schema::Object(o) => {
            if out.iter().any(|seen| std::ptr::eq(*seen, o)) {
                return;
            }
            out.push(o);
            for f in o.fields {
                objects(f.schema, out);
            }
        }
        Schema::Map(values) => objects(*values, out),
        Schema::List(list) => objects(list.items, out),
        Schema::Enum(_) | Schema::Integer { .. } | Schema::Bool | Schema::Text(_) => {}
    }
}
