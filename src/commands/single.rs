//! `rollback` and `unlock`: one host at a time.
use std::io::IsTerminal;

use super::{Output, load_playbook_to_connect, run_context, select_hosts};
use crate::cli::{Cli, RollbackArgs, UnlockArgs};
use crate::exit::Outcome;
use crate::fleet::Progress;
use crate::hostrun::{rollback_host, unlock_host};
use crate::report::{HostResult, RunReport};

fn one_host(
    cli: &Cli,
    file: &std::path::Path,
    name: &str,
    command: &str,
    out: &Output,
    work: impl FnOnce(&crate::playbook::Host, &crate::hostrun::RunContext, &Progress) -> HostResult,
) -> Outcome {
    let pb = match load_playbook_to_connect(file) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let host = match select_hosts(&pb, &[name.to_string()]) {
        Ok(mut h) => h.remove(0),
        Err(o) => return o,
    };
    let ctx = match run_context(&cli.state_dir) {
        Ok(c) => c,
        Err(o) => return o,
    };
    let result = work(&host, &ctx, &Progress::plain(&host.name));
    let report = RunReport {
        command: command.to_string(),
        run_id: ctx.run_id.clone(),
        hosts: vec![result],
    };
    out.print(&report);
    report.outcome()
}

/// `rollback --host H [--backup ID]`.
pub fn rollback(cli: &Cli, a: &RollbackArgs, out: &Output) -> Outcome {
    if !a.yes {
        if !std::io::stdin().is_terminal() {
            eprintln!("error: refusing to roll back without --yes when not on a terminal");
            return Outcome::Error;
        }
        eprint!(
            "Roll back host {} to backup {}? Only 'yes' is accepted: ",
            a.host,
            a.backup.as_deref().unwrap_or("(newest)")
        );
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if answer.trim() != "yes" {
            return Outcome::Ok;
        }
    }
    one_host(
        cli,
        &a.playbook.file,
        &a.host,
        "rollback",
        out,
        |h, c, p| rollback_host(h, a.backup.as_deref(), c, p),
    )
}

/// `unlock --host H`.
pub fn unlock(cli: &Cli, a: &UnlockArgs, out: &Output) -> Outcome {
    one_host(cli, &a.playbook.file, &a.host, "unlock", out, unlock_host)
}
