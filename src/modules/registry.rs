//! The registry: every module, in the order their facts are rendered and applied,
//! and their playbook sections in the same order. Adding a module adds one line
//! to each list.
use super::Module;
use super::allow_client_app::AllowClientApp;
use super::authservice::Authservice;
use super::certificates::Certificates;
use super::cti_client_identity::CtiClientIdentity;
use super::cti_mtls::CtiMtls;
use super::directory_sync::DirectorySync;
use super::flowthrough::Flowthrough;
use super::nps_proxy::NpsProxy;
use super::nps_proxy::allowed_apps::NpsAllowedApplications;
use super::patches::Patches;
use super::tls_module::Tls;
use super::xsi_events::XsiEvents;
use crate::playbook::module_api::Field;

/// Every module.
pub(crate) static MODULES: &[&dyn Module] = &[
    &Tls,
    &XsiEvents,
    &DirectorySync,
    &AllowClientApp,
    &CtiMtls,
    &CtiClientIdentity,
    &Flowthrough,
    &NpsProxy,
    &NpsAllowedApplications,
    &Patches,
    &Certificates,
    &Authservice,
];

/// The keys of `webex`: one per module, in the order of [`MODULES`].
pub(crate) static WEBEX_FIELDS: &[Field] = &[
    super::tls_module::FIELD,
    super::xsi_events::FIELD,
    super::directory_sync::FIELD,
    super::allow_client_app::FIELD,
    super::cti_mtls::FIELD,
    super::cti_client_identity::FIELD,
    super::flowthrough::FIELD,
    super::nps_proxy::FIELD,
    super::nps_proxy::allowed_apps::FIELD,
    super::patches::FIELD,
    super::certificates::FIELD,
    super::authservice::FIELD,
];

/// The module whose key is `key`.
pub(crate) fn module(key: &str) -> Option<&'static dyn Module> {
    MODULES.iter().copied().find(|m| m.key() == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_has_its_playbook_section_in_the_same_place() {
        assert_eq!(MODULES.len(), WEBEX_FIELDS.len());
        for (m, f) in MODULES.iter().zip(WEBEX_FIELDS) {
            assert_eq!(m.key(), f.name);
            for (name, _) in m.templates() {
                assert!(
                    name.starts_with(&format!("{}/", m.key())),
                    "template {name} of module {}",
                    m.key()
                );
            }
        }
    }
}
