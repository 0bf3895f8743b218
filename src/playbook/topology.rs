//! Topology rules: what may run where, from the playbook alone (validate time; no
//! host touched), located at the role or release that breaks them. The rules that
//! need the host (which applications it has active) run at plan and verify time
//! (`modules::nps_proxy::topology`). Sources: solution guide A §2 (L1624), §3.2,
//! §3.4 (L1055, L1622-1626, L2487-2500); guide B §0, §6, §7.2.
use std::collections::BTreeSet;

use super::diagnostic::Report;
use super::model::Role;
use super::yaml::{Node, Pos};
use crate::catalog::{Product, Release};

/// Which roles go with which product, and what may share a host (solution guide A §3.2,
/// §3.4; guide B §0, §6): located errors at the role.
pub(crate) fn farm_roles(
    product: Product,
    roles: &BTreeSet<Role>,
    at: &Node,
    farm: &str,
    report: &mut Report,
) {
    let role_pos = |role: Role| {
        at.as_seq()
            .and_then(|items| items.iter().find(|i| i.as_str() == Some(role.name())))
            .map_or(at.pos, |i| i.pos)
    };
    if product == Product::As {
        for other in roles.iter().filter(|r| **r != Role::As) {
            report.error(
                role_pos(*other),
                format!("farm `{farm}` is an AS farm, and `{other}` runs on XSP or ADP"),
                Some(
                    "give the AS farm `roles: [as]`, and put the XSP roles in an XSP or ADP farm"
                        .to_string(),
                ),
            );
        }
        return;
    }
    if roles.contains(&Role::As) {
        report.error(
            role_pos(Role::As),
            format!(
                "role `as` is the Application Server's, but farm `{farm}` is product {product}"
            ),
            Some("remove `as`, or set `product: as` for an AS farm".to_string()),
        );
    }
    if roles.contains(&Role::Nps) && roles.len() > 1 {
        report.error(
            role_pos(Role::Nps),
            format!("farm `{farm}`: NPS must not be co-located with other applications (solution guide A §3.4; B §0)"),
            Some("put `nps` in a farm of its own: a dedicated NPS XSP or ADP".to_string()),
        );
    }
    if roles.contains(&Role::AuthService) && !roles.contains(&Role::Xsi) {
        report.error(
            role_pos(Role::AuthService),
            format!("farm `{farm}`: AuthService must run with Xsi, which accepts the tokens it validates (solution guide A §3.4)"),
            Some("add `xsi` to the roles".to_string()),
        );
    }
    if roles.contains(&Role::CallSettings) && !roles.contains(&Role::Xsi) {
        report.error(
            role_pos(Role::CallSettings),
            format!("farm `{farm}`: Call Settings Webview must run on the XSPs that host Xsi-Actions (solution guide B §6)"),
            Some("add `xsi` to the roles".to_string()),
        );
    }
}

/// guide A §2 (L1624), guide B §7.1-§7.2: the NPS XSP runs R22 or later (an ADP
/// can host it too).
pub(crate) fn nps_release(
    release: Release,
    roles: &BTreeSet<Role>,
    at: Pos,
    farm: &str,
    report: &mut Report,
) {
    if roles.contains(&Role::Nps) && !release.can_host_nps() {
        report.error(
            at,
            format!("farm `{farm}`: the NPS server for Webex needs R22 or later, not {release} (solution guide A §2)"),
            Some("run NPS on an R22+ XSP or an ADP".to_string()),
        );
    }
}

/// The hosts of a farm run compatible releases: the same, or two adjacent ones
/// during a rolling upgrade (a host's own `release`); releases further apart
/// share no farm (docs/decisions.md, "topology: releases within a farm").
/// `releases` holds each host's release and where it is written, in file order.
pub(crate) fn farm_releases(farm: &str, releases: &[(&str, Release, Pos)], report: &mut Report) {
    let Some((low_host, low, _)) = releases
        .iter()
        .filter(|(_, r, _)| step(*r).is_some())
        .min_by_key(|(_, r, _)| step(*r))
    else {
        return;
    };
    for (host, release, at) in releases {
        let apart = step(*release).zip(step(*low)).map(|(a, b)| a - b);
        if apart.is_some_and(|d| d > 1) {
            report.error(
                *at,
                format!(
                    "farm `{farm}`: host `{host}` runs {release} and host `{low_host}` runs {low}; a farm's hosts run one release, or two adjacent ones while a rolling upgrade is under way"
                ),
                Some(format!(
                    "upgrade the farm one release at a time, or put the {release} hosts in a farm of their own"
                )),
            );
        }
    }
}

/// The order of the BroadWorks releases (ADP has its own: a product of its own).
fn step(release: Release) -> Option<u8> {
    match release {
        Release::R21Sp1 => Some(0),
        Release::R22 => Some(1),
        Release::R23 => Some(2),
        Release::R24 => Some(3),
        Release::Adp => None,
    }
}
