//! The farm stage: before any host is rendered, each module that needs it reads
//! its farm's reference host (the farm's first host in the playbook) once, and
//! every selected host of the farm renders with what it found. What a stage finds
//! stays in memory (it may be key material); the reference host's session is
//! kept in the run's transcripts as `<host>.farm-stage.log`, masked like any other.
use super::{RunContext, open};
use crate::fleet::Progress;
use crate::modules::Module;
use crate::modules::registry;
use crate::playbook::module_api::Settings;
use crate::playbook::{FarmFacts, Host, Playbook};

/// Runs the farm stages the selected `hosts` need and records their results in
/// the hosts; a stage that fails makes each host that needs it fail with why.
pub fn farm_stage(pb: &Playbook, hosts: &mut [Host], ctx: &RunContext) {
    for farm in &pb.farms {
        if !hosts.iter().any(|h| h.farm == farm.name) {
            continue;
        }
        let Some(reference) = farm
            .hosts
            .first()
            .and_then(|name| pb.hosts.iter().find(|h| h.name == *name))
        else {
            continue;
        };
        let needed: Vec<(&dyn Module, &Settings)> = reference
            .webex
            .configured()
            .filter_map(|(key, settings)| {
                registry::module(key)
                    .filter(|m| m.needs_farm_stage(settings))
                    .map(|m| (m, settings))
            })
            .collect();
        if needed.is_empty() {
            continue;
        }
        let found = run_stages(reference, &needed, ctx);
        for host in hosts.iter_mut().filter(|h| h.farm == farm.name) {
            for (key, facts) in &found {
                if needs(host, key) {
                    host.webex.set_farm_facts(key, facts.clone());
                }
            }
        }
    }
}

/// Connects to `reference` and runs each stage there.
fn run_stages(
    reference: &Host,
    needed: &[(&dyn Module, &Settings)],
    ctx: &RunContext,
) -> Vec<(&'static str, FarmFacts)> {
    let progress = Progress::plain(&reference.name);
    progress.step("farm stage: reading the farm's reference host");
    let mut link = match open(reference, &progress) {
        Ok(link) => link,
        Err(e) => {
            let why = format!(
                "farm {}: its reference host {} could not be read: {e}",
                reference.farm, reference.name
            );
            return needed
                .iter()
                .map(|(m, _)| (m.key(), FarmFacts::Failed(why.clone())))
                .collect();
        }
    };
    let found = needed
        .iter()
        .map(|(module, settings)| {
            let facts = match module.farm_stage(reference, settings, &mut link) {
                Ok(facts) => FarmFacts::Found(facts),
                Err(e) => FarmFacts::Failed(format!(
                    "farm {}: the `{}` farm stage on reference host {} failed: {e}",
                    reference.farm,
                    module.key(),
                    reference.name
                )),
            };
            (module.key(), facts)
        })
        .collect();
    let path = ctx
        .store
        .transcript_path(&ctx.run_id, &format!("{}.farm-stage", reference.name));
    if let Err(e) = link.finish().write_to(&path) {
        tracing::warn!("transcript {}: {e}", path.display());
    }
    found
}

/// Whether `host`'s own settings of module `key` need the farm stage.
fn needs(host: &Host, key: &str) -> bool {
    host.webex
        .configured()
        .any(|(k, s)| k == key && registry::module(k).is_some_and(|m| m.needs_farm_stage(s)))
}
