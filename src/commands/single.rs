//! `rollback`, `unlock` and `backups`: one host at a time.
use std::io::{IsTerminal, Write};
use std::time::Duration;

use super::{
    Output, load_playbook, load_playbook_to_connect, run_context, select_hosts, store_for,
};
use crate::cli::{BackupsArgs, Cli, RestartMode, RollbackArgs, UnlockArgs};
use crate::exit::Outcome;
use crate::fleet::Progress;
use crate::hostrun::{RunContext, restart_one, rollback_host, unlock_host};
use crate::playbook::Host;
use crate::report::{Format, HostResult, HostStatus, RunReport};
use crate::store::{Backup, Store};

/// The playbook's host `name` and the store of its state; `load` reads the
/// playbook (checking local connection files too when the command connects).
fn host_and_store(
    cli: &Cli,
    file: &std::path::Path,
    name: &str,
    load: fn(&std::path::Path) -> Result<crate::playbook::Playbook, Outcome>,
) -> Result<(Host, Store), Outcome> {
    let pb = load(file)?;
    let host = select_hosts(&pb, &[name.to_string()])?.remove(0);
    Ok((host, store_for(cli.state_dir.as_deref(), &pb.path)))
}

/// Prints a one-host report and returns its outcome.
fn finish(command: &str, ctx: &RunContext, result: HostResult, out: &Output) -> Outcome {
    let report = RunReport {
        command: command.to_string(),
        run_id: ctx.run_id.clone(),
        hosts: vec![result],
    };
    out.print(&report);
    report.outcome()
}

/// Asks `question` on the terminal; only `yes` agrees. Without a terminal it
/// refuses, saying which flag skips the question.
fn ask(question: &str, flag: &str) -> bool {
    if !std::io::stdin().is_terminal() {
        eprintln!("error: refusing without {flag} when not on a terminal");
        return false;
    }
    eprint!("{question} Only 'yes' is accepted: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    answer.trim() == "yes"
}

/// `rollback --host H [--backup ID] [--restart rolling]`.
pub fn rollback(cli: &Cli, a: &RollbackArgs, out: &Output) -> Outcome {
    let (host, store) =
        match host_and_store(cli, &a.playbook.file, &a.host, load_playbook_to_connect) {
            Ok(p) => p,
            Err(o) => return o,
        };
    let backup = match store.load_backup(&host.name, a.backup.as_deref()) {
        Ok(b) => b,
        Err(e) => {
            eprintln!(
                "error: cannot load the backup of host {}: {e}\n  help: `xspctl backups -f {} --host {}` lists them",
                host.name,
                a.playbook.file.display(),
                host.name
            );
            return Outcome::Error;
        }
    };
    if !a.yes {
        let question = format!(
            "Roll back host {} to backup {} (taken {}), holding:\n  {}\n?",
            host.name,
            backup.id,
            backup.created,
            backup.contents().join("\n  ")
        );
        if !ask(&question, "--yes") {
            eprintln!("nothing rolled back");
            return Outcome::Ok;
        }
    }
    let ctx = match run_context(store) {
        Ok(c) => c,
        Err(o) => return o,
    };
    let progress = Progress::plain(&host.name);
    let mut result = rollback_host(&host, &backup, &ctx, &progress);
    if a.restart == RestartMode::Rolling && result.status == HostStatus::RestartRequired {
        restart_after_rollback(&host, &ctx, a.restart_timeout, &progress, &mut result);
    }
    finish("rollback", &ctx, result, out)
}

fn restart_after_rollback(
    host: &Host,
    ctx: &RunContext,
    timeout: u64,
    progress: &Progress,
    result: &mut HostResult,
) {
    match restart_one(host, ctx, Duration::from_secs(timeout), progress) {
        Ok(took) => result.restarted(took),
        Err(e) => {
            result.status = HostStatus::Failed;
            result.error = Some(format!(
                "restart failed: {e}\n  the restored settings are not in effect; restart BroadWorks on {} (`restartbw`)",
                host.name
            ));
        }
    }
}

/// `unlock --host H [--force [--yes]]`.
pub fn unlock(cli: &Cli, a: &UnlockArgs, out: &Output) -> Outcome {
    let (host, store) =
        match host_and_store(cli, &a.playbook.file, &a.host, load_playbook_to_connect) {
            Ok(p) => p,
            Err(o) => return o,
        };
    let ctx = match run_context(store) {
        Ok(c) => c,
        Err(o) => return o,
    };
    let confirm = |who: &str| {
        a.yes
            || ask(
                &format!("Remove the lock of host {} held by {who}?", host.name),
                "--yes",
            )
    };
    let result = unlock_host(&host, &ctx, &Progress::plain(&host.name), a.force, confirm);
    finish("unlock", &ctx, result, out)
}

/// One backup as listed by `backups`.
#[derive(serde::Serialize)]
struct Listed {
    id: String,
    created: String,
    holds: Vec<String>,
}

/// `backups --host H`: the host's backups, oldest first; nothing is contacted.
pub fn backups(cli: &Cli, a: &BackupsArgs, out: &Output) -> Outcome {
    let (host, store) = match host_and_store(cli, &a.playbook.file, &a.host, load_playbook) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let loaded: Result<Vec<Backup>, std::io::Error> =
        store.backup_ids(&host.name).and_then(|ids| {
            ids.iter()
                .map(|id| store.load_backup(&host.name, Some(id)))
                .collect()
        });
    let listed: Vec<Listed> = match loaded {
        Ok(b) => b
            .into_iter()
            .map(|b| Listed {
                holds: b.contents(),
                id: b.id,
                created: b.created,
            })
            .collect(),
        Err(e) => {
            eprintln!(
                "error: cannot read the backups of host {} under {}: {e}",
                host.name,
                store.root().display()
            );
            return Outcome::Error;
        }
    };
    if out.format == Format::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&listed).unwrap_or_default()
        );
        return Outcome::Ok;
    }
    if listed.is_empty() {
        println!(
            "no backups of host {} in {}",
            host.name,
            store.root().join("backups").display()
        );
        return Outcome::Ok;
    }
    for b in &listed {
        println!("{}  taken {}", b.id, b.created);
        for line in &b.holds {
            println!("    {line}");
        }
    }
    Outcome::Ok
}
