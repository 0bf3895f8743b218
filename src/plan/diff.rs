//! diff(DesiredTree, LiveTree): the write operations that converge a host, and the
//! tree as it will be after them.
use crate::desired::want::{NotANumber, SecretWant, Want};
use crate::desired::{AttributeFact, Fact, TableFact};
use crate::live::{LiveContext, LiveTree, MissingColumn};
use crate::plan::{Op, Verb};

/// Why no safe operations can be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiffError {
    /// A column the comparison needs is not in the host's `get` output.
    #[error(transparent)]
    MissingColumn(#[from] MissingColumn),
    /// An operation would address a row by an empty key value.
    #[error(
        "refusing to write `{context}> {line}`: its key value {position} is empty\n  help: the host listed a row with an empty key, or the playbook names an empty value; nothing was changed"
    )]
    EmptyKey {
        /// The context written.
        context: String,
        /// The command line that would have been sent.
        line: String,
        /// Which key value is empty (1-based, context arguments first).
        position: usize,
    },
    /// A numeric want (at least / at most) met a live value that is not a number
    /// (docs/decisions.md D17).
    #[error(
        "{context}: attribute {name} holds {value:?}, which is not a number, so it cannot be compared with the wanted value ({want})\n  help: check the attribute on the host (`get` in {context}); nothing was changed"
    )]
    NotANumber {
        /// The attribute context.
        context: String,
        /// The attribute.
        name: String,
        /// The value the host holds.
        value: String,
        /// The want, in words.
        want: String,
    },
}

/// The operations that bring `live` to `facts`, in a safe order across all facts:
/// in-place changes, then replacements, then additions, then removals — so that no
/// list ever empties, even for a moment, while another level is being filled (an
/// empty level inherits a broader setting; docs/decisions.md D9) — and secrets
/// last: a secret cannot be restored (its old value is never readable), so any
/// other write that fails stops the apply before a secret is replaced.
pub fn diff(facts: &[Fact], live: &LiveTree) -> Result<Vec<Op>, DiffError> {
    let mut phases = Phases::default();
    for fact in facts {
        match fact {
            Fact::Table(t) => diff_table(t, live.get(&t.at), &mut phases)?,
            Fact::Attribute(a) => match &a.want {
                Want::Secret(w) => phases.secrets.extend(diff_secret(a, w, live)),
                _ => phases.sets.extend(diff_attribute(a, live)?),
            },
        }
    }
    Ok(phases
        .sets
        .into_iter()
        .chain(phases.replaces)
        .chain(phases.adds)
        .chain(phases.deletes)
        .chain(phases.secrets)
        .collect())
}

/// Refuses an operation on a table row whose key (context arguments, then the
/// row's key cells) holds an empty value: the CLI would take the next word as it.
fn non_empty_key(op: Op, key_len: usize) -> Result<Op, DiffError> {
    match op
        .args
        .iter()
        .take(key_len)
        .position(|a| a.trim().is_empty())
    {
        Some(i) => Err(DiffError::EmptyKey {
            context: op.context.clone(),
            line: op.command_line(),
            position: i + 1,
        }),
        None => Ok(op),
    }
}

/// Operations sorted by the phase they run in.
#[derive(Default)]
struct Phases {
    sets: Vec<Op>,
    replaces: Vec<Op>,
    adds: Vec<Op>,
    deletes: Vec<Op>,
    secrets: Vec<Op>,
}

/// The host's value of an attribute, if it shows one.
fn live_attribute<'a>(a: &AttributeFact, live: &'a LiveTree) -> Option<&'a str> {
    live.get(&a.context_ref())
        .and_then(|c| c.attribute(&a.name))
}

/// Names the attribute in a want's complaint about the host's value.
fn not_a_number(a: &AttributeFact, e: NotANumber) -> DiffError {
    DiffError::NotANumber {
        context: a.context.clone(),
        name: a.name.clone(),
        value: e.value,
        want: a.want.describe(),
    }
}

/// A secret's `set <name>`: no value on the line (the CLI prompts for it) and
/// none in the operation, which names the playbook's reference.
fn diff_secret(a: &AttributeFact, w: &SecretWant, live: &LiveTree) -> Option<Op> {
    let reason = w.set_reason(live_attribute(a, live))?;
    Some(Op {
        context: a.context.clone(),
        verb: Verb::Set,
        args: vec![a.name.clone()],
        before: None,
        after: None,
        want: Some(format!("secret, will be set: {}", reason.describe())),
        secrets: vec![w.reference.to_string()],
        confirm: false,
        restart: a.restart,
    })
}

fn diff_attribute(a: &AttributeFact, live: &LiveTree) -> Result<Option<Op>, DiffError> {
    let current = live_attribute(a, live);
    let Some(to) = a.want.target(current).map_err(|e| not_a_number(a, e))? else {
        return Ok(None);
    };
    // An empty value is null, which the CLI writes as `clear <name>` (D20).
    let (verb, args) = match to.is_empty() {
        true => (Verb::Clear, vec![a.name.clone()]),
        false => (Verb::Set, vec![a.name.clone(), to.clone()]),
    };
    Ok(Some(Op {
        context: a.context.clone(),
        verb,
        args,
        before: current.map(str::to_string),
        after: Some(to),
        want: a.want.plan_note(),
        secrets: Vec::new(),
        confirm: false,
        restart: a.restart,
    }))
}

fn diff_table(
    t: &TableFact,
    live: Option<&LiveContext>,
    phases: &mut Phases,
) -> Result<(), DiffError> {
    let key_len = t.key_len();
    let current: Vec<Vec<String>> = live
        .map(|c| c.rows_by(&t.at.context, &t.columns))
        .transpose()?
        .unwrap_or_default()
        .into_iter()
        .filter(|r| t.selects(r))
        .collect();
    let key = |r: &Vec<String>| r[..key_len.min(r.len())].to_vec();
    let op = |verb: Verb,
              cells: &[String],
              before: Option<&Vec<String>>,
              after: Option<&Vec<String>>| {
        non_empty_key(
            Op {
                context: t.at.context.clone(),
                verb,
                args: t.at.args.iter().chain(cells).cloned().collect(),
                before: before.map(|r| r.join(" ")),
                after: after.map(|r| r.join(" ")),
                want: None,
                secrets: Vec::new(),
                confirm: false,
                restart: t.restart,
            },
            t.at.args.len() + key_len,
        )
    };

    if is_ordered_list(t) && !keeps_order(&current, &t.rows) {
        return reorder_list(&current, &t.rows, &op, phases);
    }
    for want in &t.rows {
        match current.iter().find(|have| key(have) == key(want)) {
            Some(have) if have == want => {}
            Some(have) if t.settable => {
                phases
                    .sets
                    .push(op(Verb::Set, want, Some(have), Some(want))?)
            }
            Some(have) => {
                phases
                    .replaces
                    .push(op(Verb::Delete, &key(have), Some(have), None)?);
                phases.replaces.push(op(Verb::Add, want, None, Some(want))?);
            }
            None => phases.adds.push(op(Verb::Add, want, None, Some(want))?),
        }
    }
    for have in &current {
        if !t.rows.iter().any(|want| key(want) == key(have)) {
            phases
                .deletes
                .push(op(Verb::Delete, &key(have), Some(have), None)?);
        }
    }
    Ok(())
}

/// Whether a table is a list whose order is managed: every column is the key and
/// rows cannot be set in place (a cipher or protocol list). Its order is the
/// server's preference, so plan, verify and rollback compare it (docs/decisions.md,
/// "plan: cipher order is managed").
pub fn is_ordered_list(t: &TableFact) -> bool {
    t.key_len() == t.columns.len() && !t.settable
}

/// Whether adding the missing rows at the end (where `add` puts them) and deleting
/// the unwanted ones leaves `want` in its order: the wanted rows the host holds
/// already come first in `want`, in the host's order.
fn keeps_order(current: &[Vec<String>], want: &[Vec<String>]) -> bool {
    let kept: Vec<&Vec<String>> = current.iter().filter(|r| want.contains(r)).collect();
    kept.len() <= want.len() && kept.iter().zip(want).all(|(k, w)| *k == w)
}

/// Makes one operation on a table: verb, cells, the row before and after.
type MakeOp<'a> = dyn Fn(Verb, &[String], Option<&Vec<String>>, Option<&Vec<String>>) -> Result<Op, DiffError>
    + 'a;

/// Rewrites a list into `want`'s order without ever emptying it (D9): the longest
/// head of `want` that the host holds in that order stays; the rest of `want` is
/// deleted where held and added again in order (`add` appends); rows not wanted
/// go last. When nothing can stay, `want`'s first row is added before anything is
/// deleted. (docs/decisions.md, "plan: cipher order is managed".)
fn reorder_list(
    current: &[Vec<String>],
    want: &[Vec<String>],
    op: &MakeOp,
    phases: &mut Phases,
) -> Result<(), DiffError> {
    // The longest head of `want` that is a subsequence of `current`.
    let mut stay = 0;
    for have in current {
        if stay < want.len() && *have == want[stay] {
            stay += 1;
        }
    }
    let mut from = stay;
    if stay == 0
        && let Some(first) = want.first()
    {
        // `first` is not held (or it would stay), so adding it cannot duplicate.
        phases
            .replaces
            .push(op(Verb::Add, first, None, Some(first))?);
        from = 1;
    }
    let rest = &want[from..];
    for have in current.iter().filter(|h| rest.contains(h)) {
        phases
            .replaces
            .push(op(Verb::Delete, have, Some(have), None)?);
    }
    for w in rest {
        phases.replaces.push(op(Verb::Add, w, None, Some(w))?);
    }
    for have in current.iter().filter(|h| !want.contains(h)) {
        phases
            .deletes
            .push(op(Verb::Delete, have, Some(have), None)?);
    }
    Ok(())
}

/// The tree as it will read once `facts` are applied to `live`.
pub fn converged(facts: &[Fact], live: &LiveTree) -> Result<LiveTree, DiffError> {
    let mut tree = live.clone();
    for fact in facts {
        let at = fact.context_ref();
        match fact {
            Fact::Table(t) => {
                let (headers, mut rows) = match tree.get(&at) {
                    Some(LiveContext::Table { headers, rows }) => (headers.clone(), rows.clone()),
                    _ => (t.columns.clone(), Vec::new()),
                };
                let project = LiveContext::Table {
                    headers: headers.clone(),
                    rows: rows.clone(),
                };
                let projected = if rows.is_empty() {
                    Vec::new()
                } else {
                    project.rows_by(&t.at.context, &t.columns)?
                };
                let mut kept = Vec::new();
                for (row, p) in rows.drain(..).zip(projected) {
                    if !t.selects(&p) {
                        kept.push(row);
                    }
                }
                for want in &t.rows {
                    kept.push(
                        headers
                            .iter()
                            .map(|h| {
                                t.columns
                                    .iter()
                                    .position(|c| c.eq_ignore_ascii_case(h))
                                    .and_then(|i| want.get(i).cloned())
                                    .unwrap_or_default()
                            })
                            .collect(),
                    );
                }
                tree.contexts.insert(
                    at,
                    LiveContext::Table {
                        headers,
                        rows: kept,
                    },
                );
            }
            Fact::Attribute(a) => {
                let Some(value) = a
                    .want
                    .converged(live_attribute(a, &tree))
                    .map_err(|e| not_a_number(a, e))?
                else {
                    continue;
                };
                let mut pairs = match tree.get(&at) {
                    Some(LiveContext::Attributes(p)) => p.clone(),
                    _ => Vec::new(),
                };
                match pairs.iter_mut().find(|(n, _)| *n == a.name) {
                    Some(pair) => pair.1 = value,
                    None => pairs.push((a.name.clone(), value)),
                }
                tree.contexts.insert(at, LiveContext::Attributes(pairs));
            }
        }
    }
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::ContextRef;
    use crate::desired::want::{Exact, Want};

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn protocols_fact(rows: &[&str]) -> TableFact {
        TableFact {
            at: ContextRef {
                context: "/Interface/Http/HttpServer/SSLSettings/Protocols".into(),
                args: s(&["10.0.0.1", "443"]),
            },
            columns: s(&["Protocol Name"]),
            key_len: None,
            select: vec![],
            rows: rows.iter().map(|r| s(&[r])).collect(),
            settable: false,
            restart: true,
            loaded_by: None,
        }
    }

    fn live_with(fact: &TableFact, headers: &[&str], rows: &[&[&str]]) -> LiveTree {
        let mut t = LiveTree::default();
        t.contexts.insert(
            fact.at.clone(),
            LiveContext::Table {
                headers: s(headers),
                rows: rows.iter().map(|r| s(r)).collect(),
            },
        );
        t
    }

    #[test]
    fn exact_set_adds_before_it_deletes() {
        let f = protocols_fact(&["TLSv1.2"]);
        let live = live_with(&f, &["Protocol Name"], &[&["TLSv1"], &["TLSv1.1"]]);
        let ops = diff(&[Fact::Table(f.clone())], &live).unwrap();
        let lines: Vec<String> = ops.iter().map(Op::command_line).collect();
        assert_eq!(
            lines,
            [
                "add 10.0.0.1 443 TLSv1.2",
                "delete 10.0.0.1 443 TLSv1",
                "delete 10.0.0.1 443 TLSv1.1"
            ]
        );
        let after = converged(&[Fact::Table(f.clone())], &live).unwrap();
        assert!(diff(&[Fact::Table(f)], &after).unwrap().is_empty());
    }

    #[test]
    fn additions_to_one_level_come_before_removals_from_another() {
        // Emptying the interface level (listed first) must wait until the common
        // level holds its list, or the interface would fall back to the defaults.
        let mut interface = protocols_fact(&[]);
        interface.at.context = "/Interface/Http/HttpServer/SSLSettings/Protocols".into();
        let mut common = protocols_fact(&["TLSv1.2"]);
        common.at = ContextRef {
            context: "/Interface/Http/SSLCommonSettings/Protocols".into(),
            args: vec![],
        };
        let live = live_with(&interface, &["Protocol Name"], &[&["TLSv1"]]);
        let ops = diff(&[Fact::Table(interface), Fact::Table(common)], &live).unwrap();
        let verbs: Vec<Verb> = ops.iter().map(|o| o.verb).collect();
        assert_eq!(verbs, [Verb::Add, Verb::Delete], "{ops:?}");
    }

    /// Runs `ops` on a one-column list the way bwcli does (`add` appends), checking
    /// after each that the list is not empty; returns the final list.
    fn run_on_list(start: &[&str], ops: &[Op]) -> Vec<String> {
        let mut list: Vec<String> = s(start);
        for o in ops {
            let row = o.args.last().unwrap().clone();
            match o.verb {
                Verb::Add => {
                    assert!(!list.contains(&row), "duplicate add {row} in {ops:?}");
                    list.push(row)
                }
                Verb::Delete => list.retain(|r| *r != row),
                Verb::Set | Verb::Clear | Verb::Run => unreachable!(),
            }
            assert!(!list.is_empty(), "the list emptied at {o:?} of {ops:?}");
        }
        list
    }

    #[test]
    fn a_list_in_the_wrong_order_is_rewritten_in_order_without_emptying() {
        let cases: &[(&[&str], &[&str])] = &[
            (&["B", "A"], &["A", "B"]),
            (&["C", "B", "A"], &["A", "B", "C"]),
            (&["A", "C", "B"], &["A", "B", "C"]),
            (&["X", "B", "A"], &["A", "B"]),
            (&["B", "X"], &["A", "B"]),
            (&["B"], &["A", "B"]),
            (&["A", "B", "C"], &["C"]),
            (&["A", "B"], &["B", "A", "C"]),
        ];
        for (have, want) in cases {
            let f = protocols_fact(want);
            let live = live_with(
                &f,
                &["Protocol Name"],
                &have.iter().map(std::slice::from_ref).collect::<Vec<_>>(),
            );
            let ops = diff(&[Fact::Table(f.clone())], &live).unwrap();
            assert_eq!(run_on_list(have, &ops), s(want), "{have:?} -> {want:?}");
            // Once in order, nothing is left to do.
            let after = live_with(
                &f,
                &["Protocol Name"],
                &want.iter().map(std::slice::from_ref).collect::<Vec<_>>(),
            );
            assert!(diff(&[Fact::Table(f)], &after).unwrap().is_empty());
        }
    }

    #[test]
    fn the_same_set_in_another_order_is_a_change() {
        let f = protocols_fact(&["A", "B"]);
        let live = live_with(&f, &["Protocol Name"], &[&["B"], &["A"]]);
        let lines: Vec<String> = diff(&[Fact::Table(f)], &live)
            .unwrap()
            .iter()
            .map(Op::command_line)
            .collect();
        assert_eq!(lines, ["delete 10.0.0.1 443 B", "add 10.0.0.1 443 B"]);
    }

    #[test]
    fn converged_table_gives_no_ops_and_missing_context_is_empty() {
        let f = protocols_fact(&["TLSv1.2"]);
        let live = live_with(&f, &["Protocol Name"], &[&["TLSv1.2"]]);
        assert!(diff(&[Fact::Table(f.clone())], &live).unwrap().is_empty());
        let ops = diff(&[Fact::Table(f)], &LiveTree::default()).unwrap();
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].verb, Verb::Add);
    }

    #[test]
    fn keyed_rows_are_set_in_place_and_quoted() {
        let f = TableFact {
            at: ContextRef {
                context: "/Maintenance/ContainerOptions".into(),
                args: vec![],
            },
            columns: s(&["Container", "Name", "Value"]),
            key_len: Some(2),
            select: s(&["platform", "bw.apache.sslenabledprotocols"]),
            rows: vec![s(&[
                "platform",
                "bw.apache.sslenabledprotocols",
                "-ALL +TLSv1.2",
            ])],
            settable: true,
            restart: true,
            loaded_by: None,
        };
        let live = live_with(
            &f,
            &["Container", "Name", "Value"],
            &[
                &["platform", "bw.apache.sslenabledprotocols", "+ALL"],
                &["tomcat", "bw.other", "x"],
            ],
        );
        let ops = diff(&[Fact::Table(f.clone())], &live).unwrap();
        assert_eq!(ops.len(), 1);
        assert_eq!(
            ops[0].command_line(),
            "set platform bw.apache.sslenabledprotocols \"-ALL +TLSv1.2\""
        );
        assert_eq!(
            ops[0].before.as_deref(),
            Some("platform bw.apache.sslenabledprotocols +ALL")
        );
        let after = converged(&[Fact::Table(f.clone())], &live).unwrap();
        assert!(diff(&[Fact::Table(f.clone())], &after).unwrap().is_empty());
        // The unrelated option is kept.
        assert_eq!(
            after.get(&f.at).unwrap().rows_by("/M", &s(&["Name"])),
            Ok(vec![
                s(&["bw.other"]),
                s(&["bw.apache.sslenabledprotocols"])
            ])
        );
    }

    #[test]
    fn attribute_differs_only_when_value_differs() {
        let a = AttributeFact {
            context: "/Interface/CTI".into(),
            name: "securePort".into(),
            want: Want::Exact(Exact {
                value: "8012".into(),
            }),
            restart: true,
        };
        let mut live = LiveTree::default();
        live.contexts.insert(
            Fact::Attribute(a.clone()).context_ref(),
            LiveContext::Attributes(vec![("securePort".into(), "8013".into())]),
        );
        let ops = diff(&[Fact::Attribute(a.clone())], &live).unwrap();
        assert_eq!(ops[0].command_line(), "set securePort 8012");
        assert_eq!(ops[0].before.as_deref(), Some("8013"));
        let after = converged(&[Fact::Attribute(a.clone())], &live).unwrap();
        assert!(diff(&[Fact::Attribute(a)], &after).unwrap().is_empty());
    }

    #[test]
    fn an_empty_key_value_is_never_written() {
        // A live row read with an empty key cell would be deleted as `delete ""`.
        let f = protocols_fact(&["TLSv1.2"]);
        let live = live_with(&f, &["Protocol Name"], &[&[""]]);
        let e = diff(&[Fact::Table(f)], &live).unwrap_err();
        assert!(matches!(e, DiffError::EmptyKey { position: 3, .. }), "{e}");
        // A fact whose context argument is empty (an interface read as "").
        let mut g = protocols_fact(&["TLSv1.2"]);
        g.at.args[0] = String::new();
        let e = diff(&[Fact::Table(g)], &LiveTree::default()).unwrap_err();
        assert_eq!(
            e.to_string().lines().next().unwrap(),
            "refusing to write `/Interface/Http/HttpServer/SSLSettings/Protocols> add \"\" 443 TLSv1.2`: its key value 1 is empty"
        );
    }

    #[test]
    fn a_needed_column_the_host_does_not_show_is_an_error() {
        let f = protocols_fact(&["TLSv1.2"]);
        let live = live_with(&f, &["Protocol"], &[&["TLSv1.2"]]);
        let e = diff(&[Fact::Table(f.clone())], &live).unwrap_err();
        assert!(matches!(e, DiffError::MissingColumn(_)), "{e}");
        assert!(converged(&[Fact::Table(f)], &live).is_err());
    }

    /// A one-attribute live tree: `name = value` in `context`.
    fn live_attr(context: &str, name: &str, value: &str) -> LiveTree {
        let mut live = LiveTree::default();
        live.contexts.insert(
            ContextRef {
                context: context.into(),
                args: vec![],
            },
            LiveContext::Attributes(vec![(name.into(), value.into())]),
        );
        live
    }

    fn queue_size(yaml_want: &str) -> Fact {
        let text = format!(
            "{{context: /Applications/Xsi-Events/BWIntegration, name: eventQueueSize, {yaml_want}, restart: true}}"
        );
        Fact::Attribute(serde_saphyr::from_str(&text).unwrap())
    }

    #[test]
    fn at_least_keeps_a_higher_value_and_raises_a_lower_one() {
        let fact = queue_size("at_least: 2000");
        let ctx = "/Applications/Xsi-Events/BWIntegration";
        let high = live_attr(ctx, "eventQueueSize", "5000");
        assert!(diff(std::slice::from_ref(&fact), &high).unwrap().is_empty());
        assert_eq!(converged(std::slice::from_ref(&fact), &high).unwrap(), high);

        let low = live_attr(ctx, "eventQueueSize", "1000");
        let ops = diff(std::slice::from_ref(&fact), &low).unwrap();
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].command_line(), "set eventQueueSize 2000");
        assert_eq!(
            ops[0].note().as_deref(),
            Some("was: 1000; wanted: at least 2000")
        );
        let after = converged(std::slice::from_ref(&fact), &low).unwrap();
        assert_eq!(after, live_attr(ctx, "eventQueueSize", "2000"));
        assert!(diff(&[fact], &after).unwrap().is_empty());
    }

    #[test]
    fn a_non_numeric_live_value_is_an_error_naming_it() {
        let fact = queue_size("at_most: 10");
        let live = live_attr(
            "/Applications/Xsi-Events/BWIntegration",
            "eventQueueSize",
            "unbounded",
        );
        let e = diff(std::slice::from_ref(&fact), &live).unwrap_err();
        assert_eq!(
            e.to_string().lines().next().unwrap(),
            "/Applications/Xsi-Events/BWIntegration: attribute eventQueueSize holds \"unbounded\", which is not a number, so it cannot be compared with the wanted value (at most 10)"
        );
        assert!(converged(&[fact], &live).is_err());
    }

    #[test]
    fn one_of_and_present_once_leave_an_accepted_value_alone() {
        let ctx = "/Applications/Xsi-Events/BWIntegration";
        let one_of = queue_size("one_of: [\"3000\", \"4000\"]");
        let held = live_attr(ctx, "eventQueueSize", "4000");
        assert!(
            diff(std::slice::from_ref(&one_of), &held)
                .unwrap()
                .is_empty()
        );
        let other = live_attr(ctx, "eventQueueSize", "1000");
        let ops = diff(&[one_of], &other).unwrap();
        assert_eq!(ops[0].command_line(), "set eventQueueSize 3000");
        assert_eq!(
            ops[0].note().as_deref(),
            Some("was: 1000; wanted: one of 3000, 4000")
        );

        let once = queue_size("present_once: \"3000\"");
        assert!(
            diff(std::slice::from_ref(&once), &other)
                .unwrap()
                .is_empty()
        );
        let ops = diff(&[once], &live_attr(ctx, "eventQueueSize", "")).unwrap();
        assert_eq!(ops[0].command_line(), "set eventQueueSize 3000");
    }
}
