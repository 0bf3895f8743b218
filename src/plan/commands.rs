//! Command facts against the host: a command runs when the read of its context
//! lacks the rows it makes, or when a file it reads is uploaded by the same plan.
use crate::desired::CommandFact;
use crate::live::{LiveTree, MissingColumn};
use crate::plan::{Op, Verb};

/// The rows of the command's context as `live` holds them, projected on the
/// observed columns.
/// (None observed: no rows).
pub fn observed(c: &CommandFact, live: &LiveTree) -> Result<Vec<Vec<String>>, MissingColumn> {
    let Some(observe) = &c.observe else {
        return Ok(Vec::new());
    };
    Ok(live
        .get(&c.context_ref())
        .map(|ctx| ctx.rows_by(&c.context, &observe.columns))
        .transpose()?
        .unwrap_or_default())
}

/// The keys (leading `key_len` cells) of observed rows.
pub fn keys(c: &CommandFact, rows: &[Vec<String>]) -> Vec<Vec<String>> {
    let key_len = c.observe.as_ref().map_or(1, |o| o.key_len);
    rows.iter()
        .map(|r| r[..key_len.min(r.len())].to_vec())
        .collect()
}

/// Why a command must run against `live` when the plan uploads `uploaded`, or
/// None when its effect is there and its files are unchanged. A command without
/// an observation always runs, for the reason its module gave.
pub fn reason(
    c: &CommandFact,
    live: &LiveTree,
    uploaded: &[&str],
) -> Result<Option<String>, MissingColumn> {
    let Some(observe) = &c.observe else {
        return Ok(Some(
            c.because
                .clone()
                .unwrap_or_else(|| "its module wants it run".to_string()),
        ));
    };
    let held = keys(c, &observed(c, live)?);
    let missing: Vec<String> = observe
        .present
        .iter()
        .filter(|k| !held.contains(k))
        .map(|k| k.join(" "))
        .collect();
    let key_name = observe.columns.first().map_or("row", String::as_str);
    let mut why: Vec<String> = missing
        .iter()
        .map(|k| format!("no {key_name} {k}"))
        .collect();
    why.extend(
        c.uses
            .iter()
            .filter(|p| uploaded.contains(&p.as_str()))
            .map(|p| format!("{p} is uploaded")),
    );
    Ok((!why.is_empty()).then(|| why.join("; ")))
}

/// The command as an operation, with why it runs.
pub fn run_op(c: &CommandFact, line: &[String], why: String) -> Op {
    Op {
        context: c.context.clone(),
        verb: Verb::Run,
        args: line.to_vec(),
        before: None,
        after: None,
        want: Some(why),
        secrets: c.secrets.clone(),
        confirm: c.confirm,
        restart: c.restart,
    }
}

/// The commands to run, in order.
pub fn diff_commands(
    commands: &[CommandFact],
    live: &LiveTree,
    uploaded: &[&str],
) -> Result<Vec<Op>, MissingColumn> {
    let mut ops = Vec::new();
    for c in commands {
        if let Some(why) = reason(c, live, uploaded)? {
            ops.push(run_op(c, &c.line, why));
        }
    }
    Ok(ops)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::LiveContext;

    fn trust() -> CommandFact {
        serde_saphyr::from_str(
            "{context: /Interface/Http/SSLCommonSettings/ClientAuthentication/Trusts,
              line: [updateTrust, webex-ca, /var/broadworks/tmp/ca.pem],
              observe: {columns: [Alias, Issuer], present: [[webex-ca]]},
              uses: [/var/broadworks/tmp/ca.pem], undo: [delete, webex-ca]}",
        )
        .unwrap()
    }

    fn live(rows: &[&[&str]]) -> LiveTree {
        let mut t = LiveTree::default();
        t.contexts.insert(
            trust().context_ref(),
            LiveContext::Table {
                headers: vec!["Alias".into(), "Owner".into(), "Issuer".into()],
                rows: rows
                    .iter()
                    .map(|r| r.iter().map(|c| c.to_string()).collect())
                    .collect(),
            },
        );
        t
    }

    #[test]
    fn a_command_runs_when_its_row_is_missing_or_its_file_is_uploaded() {
        let c = trust();
        let ops = diff_commands(std::slice::from_ref(&c), &live(&[]), &[]).unwrap();
        assert_eq!(
            ops[0].command_line(),
            "updateTrust webex-ca /var/broadworks/tmp/ca.pem"
        );
        assert_eq!(ops[0].note().as_deref(), Some("no Alias webex-ca"));
        let held = live(&[&["webex-ca", "CN=ca", "CN=ca[self-signed]"]]);
        assert!(
            diff_commands(std::slice::from_ref(&c), &held, &[])
                .unwrap()
                .is_empty()
        );
        let ops = diff_commands(&[c], &held, &["/var/broadworks/tmp/ca.pem"]).unwrap();
        assert_eq!(
            ops[0].want.as_deref(),
            Some("/var/broadworks/tmp/ca.pem is uploaded")
        );
    }
}
