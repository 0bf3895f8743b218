//! What a module's playbook section sees while the playbook is built: the YAML
//! node with positions, the report that collects located errors, the schema
//! language its section is described in, and the facts of the host it is for.
use std::any::Any;
use std::collections::BTreeSet;
use std::fmt::Debug;
use std::sync::Arc;

pub(crate) use super::connection::PathBase;
pub(crate) use super::diagnostic::Report;
pub(crate) use super::formats::{SecretSyntax, parse_secret_ref};
use super::model::Role;
pub(crate) use super::schema::{Field, Format, ListOf, Object, Schema};
pub(crate) use super::yaml::{Node, Pos};
use crate::catalog::{Product, Release};

/// What a module's rules need to know about the host its settings are for.
pub(crate) struct HostFacts<'a> {
    /// The host's farm.
    pub farm: &'a str,
    /// Its product.
    pub product: Product,
    /// Its release.
    pub release: Release,
    /// Its farm's roles.
    pub roles: &'a BTreeSet<Role>,
    /// How the playbook's relative paths resolve (its directory, `~`).
    pub paths: &'a PathBase,
}

/// A module's typed settings for one host, behind one type-erased handle so
/// that `Webex` holds every module's settings without naming their types.
pub trait ModuleSettings: Any + Debug + Send + Sync {
    /// The settings as `Any`, to get the module's own type back.
    fn as_any(&self) -> &dyn Any;
    /// Whether `other` holds the same settings (the same type and value).
    fn same(&self, other: &dyn ModuleSettings) -> bool;
}

impl<T: Any + Debug + Send + Sync + PartialEq> ModuleSettings for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn same(&self, other: &dyn ModuleSettings) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }
}

/// One module's settings for a host.
#[derive(Debug, Clone)]
pub struct Settings(Arc<dyn ModuleSettings>);

impl Settings {
    /// Wraps a module's typed settings.
    pub fn new(settings: impl ModuleSettings) -> Settings {
        Settings(Arc::new(settings))
    }

    /// The settings as type `T`, if they are of that type.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref()
    }
}

impl PartialEq for Settings {
    fn eq(&self, other: &Settings) -> bool {
        self.0.same(&*other.0)
    }
}

impl Eq for Settings {}
