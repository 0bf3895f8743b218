//! User authentication: the configured methods in order, each only when the server
//! offers it; a failure lists what was tried and what the server offers.
use ssh2::{KeyboardInteractivePrompt, Prompt, Session};

use super::error::TransportError;
use super::target::{AuthMethod, SshTarget};
use crate::bwcli::Masker;
use crate::secret::Secret;

/// Authenticates `session` as `target.user`.
pub fn authenticate(session: &Session, target: &SshTarget) -> Result<(), TransportError> {
    let label = target.label();
    let offered: Vec<String> = match session.auth_methods(&target.user) {
        Ok(list) => list.split(',').map(str::to_string).collect(),
        Err(e) => {
            if session.authenticated() {
                return Ok(());
            }
            return Err(super::session::ssh_failure(
                &label,
                "asking for authentication methods",
                &e,
                target.connect_timeout,
            ));
        }
    };
    if session.authenticated() {
        return Ok(());
    }
    let masker = Masker::new(target.auth.iter().filter_map(|m| match m {
        AuthMethod::KeyFile { passphrase, .. } => passphrase.as_ref(),
        AuthMethod::Password(p) => Some(p),
        AuthMethod::Agent => None,
    }));
    let offers = |m: &str| offered.iter().any(|o| o == m);
    let mut tried = Vec::new();
    for method in &target.auth {
        let outcome = match method {
            AuthMethod::KeyFile { path, passphrase } => {
                if !offers("publickey") {
                    Err("publickey not offered by the server".to_string())
                } else if let Err(e) = std::fs::metadata(path) {
                    Err(format!("cannot read it: {e}"))
                } else {
                    session
                        .userauth_pubkey_file(
                            &target.user,
                            None,
                            path,
                            passphrase.as_ref().map(Secret::expose),
                        )
                        .map_err(|e| e.message().to_string())
                }
            }
            AuthMethod::Agent => {
                if offers("publickey") {
                    agent(session, &target.user)
                } else {
                    Err("publickey not offered by the server".to_string())
                }
            }
            AuthMethod::Password(secret) => {
                if offers("password") {
                    session
                        .userauth_password(&target.user, secret.expose())
                        .map_err(|e| e.message().to_string())
                } else if offers("keyboard-interactive") {
                    let mut answer = PasswordPrompt { secret };
                    session
                        .userauth_keyboard_interactive(&target.user, &mut answer)
                        .map_err(|e| e.message().to_string())
                } else {
                    Err(
                        "neither password nor keyboard-interactive offered by the server"
                            .to_string(),
                    )
                }
            }
        };
        match outcome {
            Ok(()) if session.authenticated() => return Ok(()),
            Ok(()) => tried.push(format!("{}: not accepted", method.describe())),
            Err(why) => tried.push(format!("{}: {}", method.describe(), masker.mask(&why))),
        }
    }
    Err(TransportError::Auth {
        target: label,
        tried,
        offered,
    })
}

/// Tries every key the agent holds.
fn agent(session: &Session, user: &str) -> Result<(), String> {
    let mut agent = session.agent().map_err(|e| e.message().to_string())?;
    agent.connect().map_err(|e| {
        format!(
            "cannot reach the agent (is SSH_AUTH_SOCK set?): {}",
            e.message()
        )
    })?;
    agent
        .list_identities()
        .map_err(|e| e.message().to_string())?;
    let identities = agent.identities().map_err(|e| e.message().to_string())?;
    if identities.is_empty() {
        let _ = agent.disconnect();
        return Err("the agent holds no keys".to_string());
    }
    let accepted = identities
        .iter()
        .any(|id| agent.userauth(user, id).is_ok() && session.authenticated());
    let _ = agent.disconnect();
    if accepted {
        Ok(())
    } else {
        Err(format!(
            "none of the agent's {} keys was accepted",
            identities.len()
        ))
    }
}

/// Answers keyboard-interactive password prompts with the secret.
struct PasswordPrompt<'a> {
    secret: &'a Secret,
}

impl KeyboardInteractivePrompt for PasswordPrompt<'_> {
    fn prompt<'b>(
        &mut self,
        _user: &str,
        _instructions: &str,
        prompts: &[Prompt<'b>],
    ) -> Vec<String> {
        prompts
            .iter()
            .map(|p| {
                if p.text.to_ascii_lowercase().contains("password") {
                    self.secret.expose().to_string()
                } else {
                    String::new()
                }
            })
            .collect()
    }
}
