//! Changes to a host's configuration, with configured-versus-running semantics:
//! a change the data marks as needing a restart goes to the configured
//! configuration only; any other change goes to both at once.
use super::{Facts, HostState, Row, row_key};
use crate::catalog::model::ContextDef;

/// A change to one context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOp {
    /// Set attributes (an empty value clears a nullable one).
    SetAttrs(Vec<(String, String)>),
    /// Add a row (every column present).
    AddRow(Row),
    /// Change columns of the row with this key.
    SetRow {
        /// The key values.
        key: Vec<String>,
        /// Column name and new value.
        values: Vec<(String, String)>,
    },
    /// Remove the row with this key.
    DeleteRow(Vec<String>),
    /// Replace every row.
    ReplaceRows(Vec<Row>),
}

/// A change and the context it applies to.
#[derive(Debug, Clone)]
pub struct Write<'a> {
    /// The context definition.
    pub def: &'a ContextDef,
    /// The concrete path (the state key).
    pub path: String,
    /// The change.
    pub op: WriteOp,
}

/// Why a change was refused (the documented bwcli texts, bwcli-behavior §3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    /// No row has that key (JM-BL).
    #[error("Entry not found")]
    NotFound,
    /// A row with that key exists (JM-BL).
    #[error("entry is already present in list")]
    AlreadyPresent,
}

/// What an applied change implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// It takes effect only after a restart.
    pub needs_restart: bool,
}

fn apply_rows(mut rows: Vec<Row>, def: &ContextDef, op: &WriteOp) -> Result<Vec<Row>, OpError> {
    let position = |rows: &[Row], key: &[String]| rows.iter().position(|r| row_key(def, r) == key);
    match op {
        WriteOp::SetAttrs(_) => {}
        WriteOp::AddRow(row) => {
            if position(&rows, &row_key(def, row)).is_some() {
                return Err(OpError::AlreadyPresent);
            }
            rows.push(row.clone());
        }
        WriteOp::SetRow { key, values } => {
            let i = position(&rows, key).ok_or(OpError::NotFound)?;
            for (k, v) in values {
                rows[i].insert(k.clone(), v.clone());
            }
        }
        WriteOp::DeleteRow(key) => {
            let i = position(&rows, key).ok_or(OpError::NotFound)?;
            rows.remove(i);
        }
        WriteOp::ReplaceRows(new) => rows = new.clone(),
    }
    Ok(rows)
}

/// Applies a change to the configured configuration, and to the running one where
/// no restart is needed (bumping the generation when the running one changes).
pub fn apply(state: &mut HostState, facts: &Facts, w: &Write<'_>) -> Result<Applied, OpError> {
    let mut running_changed = false;
    let needs_restart;
    match &w.op {
        WriteOp::SetAttrs(values) => {
            let mut any_restart = false;
            for (name, value) in values {
                let field = w.def.field(name);
                let restart = w.def.needs_restart(field);
                any_restart |= restart;
                state
                    .configured
                    .contexts
                    .entry(w.path.clone())
                    .or_default()
                    .attrs
                    .insert(name.clone(), value.clone());
                if !restart {
                    state
                        .running
                        .contexts
                        .entry(w.path.clone())
                        .or_default()
                        .attrs
                        .insert(name.clone(), value.clone());
                    running_changed = true;
                }
            }
            needs_restart = any_restart;
        }
        op => {
            let rows = state.configured.rows(&w.path, w.def, facts);
            let rows = apply_rows(rows, w.def, op)?;
            if !w.def.restart {
                state
                    .running
                    .contexts
                    .entry(w.path.clone())
                    .or_default()
                    .rows = Some(rows.clone());
                running_changed = true;
            }
            state
                .configured
                .contexts
                .entry(w.path.clone())
                .or_default()
                .rows = Some(rows);
            needs_restart = w.def.restart;
        }
    }
    if running_changed {
        state.generation += 1;
    }
    Ok(Applied { needs_restart })
}

/// `stopbw`: BroadWorks stops; returns false if it was already stopped.
pub fn stop(state: &mut HostState) -> bool {
    if !state.bw_running {
        return false;
    }
    state.bw_running = false;
    state.generation += 1;
    true
}

/// `startbw`: BroadWorks starts with the configured configuration; returns false if
/// it was already running.
pub fn start(state: &mut HostState) -> bool {
    if state.bw_running {
        return false;
    }
    state.running = state.configured.clone();
    state.bw_running = true;
    state.generation += 1;
    true
}

/// `restartbw` / `bwrestart`: stop (if running), then start.
pub fn restart(state: &mut HostState) {
    stop(state);
    start(state);
}
