//! Which hosts a fleet command works on: `--host` and `--farm`, each repeatable and
//! comma-separated, each item a name or a glob pattern (`xsp*`, `xsp[12]`).
use glob::Pattern;

use crate::playbook::{Host, Playbook};

/// The hosts of `pb`, in playbook order, that match any `--host` item (when any is
/// given) and are in a farm matching any `--farm` item (when any is given). An
/// item that matches nothing is an error naming what there is.
pub fn select(pb: &Playbook, hosts: &[String], farms: &[String]) -> Result<Vec<Host>, String> {
    let host_patterns = patterns("--host", hosts)?;
    let farm_patterns = patterns("--farm", farms)?;
    let host_names: Vec<&str> = pb.hosts.iter().map(|h| h.name.as_str()).collect();
    let farm_names: Vec<&str> = pb.farms.iter().map(|f| f.name.as_str()).collect();
    unmatched("--host", "hosts", &host_patterns, &host_names, pb)?;
    unmatched("--farm", "farms", &farm_patterns, &farm_names, pb)?;
    let matches = |ps: &[(String, Pattern)], name: &str| {
        ps.is_empty() || ps.iter().any(|(_, p)| p.matches(name))
    };
    let chosen: Vec<Host> = pb
        .hosts
        .iter()
        .filter(|h| matches(&host_patterns, &h.name) && matches(&farm_patterns, &h.farm))
        .cloned()
        .collect();
    if chosen.is_empty() {
        return Err(format!(
            "--host {} and --farm {} have no host in common in {}\n  help: farms are: {}; hosts are: {}",
            hosts.join(","),
            farms.join(","),
            pb.path.display(),
            farm_names.join(", "),
            host_names.join(", ")
        ));
    }
    Ok(chosen)
}

/// Each item as a glob pattern; an empty item or a bad pattern is an error.
fn patterns(flag: &str, items: &[String]) -> Result<Vec<(String, Pattern)>, String> {
    items
        .iter()
        .map(|item| {
            let item = item.trim();
            if item.is_empty() {
                return Err(format!(
                    "{flag}: an empty name\n  help: separate names with single commas, e.g. `{flag} xsp1,xsp2`"
                ));
            }
            Pattern::new(item)
                .map(|p| (item.to_string(), p))
                .map_err(|e| {
                    format!(
                        "{flag} {item}: not a valid pattern: {e}\n  help: use a name, or `*`, `?` and `[...]`, e.g. `{flag} 'xsp*'`"
                    )
                })
        })
        .collect()
}

fn unmatched(
    flag: &str,
    what: &str,
    patterns: &[(String, Pattern)],
    names: &[&str],
    pb: &Playbook,
) -> Result<(), String> {
    for (item, p) in patterns {
        if !names.iter().any(|n| p.matches(n)) {
            return Err(format!(
                "{flag} {item}: no such {} in {}\n  help: {what} are: {}",
                &what[..what.len() - 1],
                pb.path.display(),
                names.join(", ")
            ));
        }
    }
    Ok(())
}
