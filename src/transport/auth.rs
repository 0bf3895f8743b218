//! User authentication: the configured methods in order, each only when the server
//! offers it; a failure lists what was tried and what the server offers.
//!
//! Keyboard-interactive gets the password only at a plain password prompt: a
//! server that asks for the current and a new password (an expired password under
//! PAM) gets empty answers, and the failure says the password has expired, with
//! the server's instruction text.
use std::path::Path;

use ssh2::{ErrorCode, KeyboardInteractivePrompt, Prompt, Session};

use super::error::TransportError;
use super::key_cache::{CachedKey, KeyCache};
use super::target::{AuthMethod, SshTarget};
use crate::secret::Masker;
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
    let mut expired = false;
    for method in &target.auth {
        let outcome = match method {
            AuthMethod::KeyFile { path, passphrase } => {
                if !offers("publickey") {
                    Err("publickey not offered by the server".to_string())
                } else if let Err(e) = std::fs::metadata(path) {
                    Err(format!("cannot read it: {e}"))
                } else {
                    key_file(session, &target.user, path, passphrase.as_ref())
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
                    let result = session
                        .userauth_password(&target.user, secret.expose())
                        .map_err(|e| e.message().to_string());
                    // libssh2: "Password Expired, and no callback specified" when the
                    // server answers with SSH_MSG_USERAUTH_PASSWD_CHANGEREQ.
                    let change = result
                        .as_ref()
                        .is_err_and(|why| why.to_ascii_lowercase().contains("expired"));
                    expired |= change;
                    result.map_err(|why| {
                        if change {
                            format!("the password has expired ({why})")
                        } else {
                            why
                        }
                    })
                } else if offers("keyboard-interactive") {
                    let mut answer = PasswordPrompt {
                        secret,
                        change_asked: false,
                        server_said: Vec::new(),
                    };
                    let result = session
                        .userauth_keyboard_interactive(&target.user, &mut answer)
                        .map_err(|e| e.message().to_string());
                    expired |= answer.change_asked;
                    keyboard_interactive_outcome(result, &answer)
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
        help: auth_help(&target.auth, expired),
    })
}

/// Authenticates with a private key file, read once per run ([`KeyCache`]): an
/// Ed25519 key signs in process, other keys go to libssh2 from memory, or from
/// the file when libssh2 cannot parse that key from memory.
fn key_file(
    session: &Session,
    user: &str,
    path: &Path,
    passphrase: Option<&Secret>,
) -> Result<(), String> {
    let passphrase = passphrase.map(Secret::expose);
    let cache = KeyCache::global();
    let from_file = || {
        session
            .userauth_pubkey_file(user, None, path, passphrase)
            .map_err(|e| e.message().to_string())
    };
    match cache
        .get(path)
        .map_err(|e| format!("cannot read it: {e}"))?
    {
        CachedKey::File => from_file(),
        CachedKey::Memory { text, public } => {
            if let Some(signer) = cache.signer(path, &text, passphrase) {
                match signer.authenticate(session, user) {
                    Ok(()) => return Ok(()),
                    Err(e) if refused_by_server(&e) => return Err(e.message().to_string()),
                    // Anything else: libssh2's own path below says what it makes of it.
                    Err(_) => {}
                }
            }
            match session.userauth_pubkey_memory(user, public.as_deref(), text.expose(), passphrase)
            {
                Ok(()) => Ok(()),
                // The server refused the key: the file would not do better.
                Err(e) if refused_by_server(&e) => Err(e.message().to_string()),
                // libssh2 could not use the key from memory (its format, or the
                // passphrase): the file method says which, as it always did.
                Err(_) => {
                    cache.use_file(path);
                    from_file()
                }
            }
        }
    }
}

/// libssh2's answer when the server refused a key (not when the key could not be used).
fn refused_by_server(e: &ssh2::Error) -> bool {
    matches!(
        e.code(),
        ErrorCode::Session(
            LIBSSH2_ERROR_AUTHENTICATION_FAILED | LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED
        )
    )
}

/// libssh2's `LIBSSH2_ERROR_AUTHENTICATION_FAILED` (also "public key unrecognized").
const LIBSSH2_ERROR_AUTHENTICATION_FAILED: i32 = -18;
/// libssh2's `LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED`.
const LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED: i32 = -19;

/// What to check after a failed authentication, for the methods configured.
fn auth_help(methods: &[AuthMethod], expired: bool) -> String {
    if expired {
        return "the password has expired: log in once interactively (ssh) to change it, put the new password in the playbook, and run again".to_string();
    }
    let passwords = methods
        .iter()
        .filter(|m| matches!(m, AuthMethod::Password(_)))
        .count();
    if methods.is_empty() {
        "configure a key_file, the agent or a password for the host".to_string()
    } else if passwords == methods.len() {
        "check the user name and the password".to_string()
    } else if passwords == 0 {
        "check the user name, and that the key is in the host's authorized_keys".to_string()
    } else {
        "check the user name, that the key is in the host's authorized_keys, or the password"
            .to_string()
    }
}

/// The outcome of keyboard-interactive: an expired password (the server asked
/// to change it) and the server's instruction text are named.
fn keyboard_interactive_outcome(
    result: Result<(), String>,
    answer: &PasswordPrompt<'_>,
) -> Result<(), String> {
    let said = if answer.server_said.is_empty() {
        String::new()
    } else {
        format!("; the server said: {:?}", answer.server_said.join(" / "))
    };
    match result {
        Err(_) if answer.change_asked => Err(format!(
            "the password has expired (the server asks for a password change, which xspctl does not answer){said}"
        )),
        Err(why) => Err(format!("{why}{said}")),
        Ok(()) => Ok(()),
    }
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

/// What a keyboard-interactive prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asked {
    /// The password: `Password:`, `bwadmin@host's password:`.
    Password,
    /// Part of a password change: `Current password:`, `(current) UNIX
    /// password:`, `New password:`, `Retype new password:`.
    PasswordChange,
    /// Anything else (a one-time code, a question).
    Other,
}

/// Words that make a password prompt part of a password change.
const CHANGE_WORDS: &[&str] = &[
    "current", "old", "new", "retype", "re-type", "re-enter", "reenter", "again", "confirm",
    "verify", "change", "expired",
];

/// Classifies one prompt text.
fn classify_prompt(text: &str) -> Asked {
    let lower = text.to_lowercase();
    if !lower.contains("password") {
        return Asked::Other;
    }
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .collect();
    if words.iter().any(|w| CHANGE_WORDS.contains(w)) {
        Asked::PasswordChange
    } else {
        Asked::Password
    }
}

/// Answers to one round of prompts: the secret at a plain password prompt only;
/// nothing at all when any prompt belongs to a password change (the secret is
/// never offered as the current or the new password).
fn answers(prompts: &[&str], secret: &Secret) -> (Vec<String>, bool) {
    let asked: Vec<Asked> = prompts.iter().map(|p| classify_prompt(p)).collect();
    let change = asked.contains(&Asked::PasswordChange);
    let replies = asked
        .iter()
        .map(|a| match a {
            Asked::Password if !change => secret.expose().to_string(),
            _ => String::new(),
        })
        .collect();
    (replies, change)
}

/// Answers keyboard-interactive prompts (see [`answers`]) and keeps what the
/// server said (instructions, and the prompts of a password change).
struct PasswordPrompt<'a> {
    secret: &'a Secret,
    change_asked: bool,
    server_said: Vec<String>,
}

impl KeyboardInteractivePrompt for PasswordPrompt<'_> {
    fn prompt<'b>(
        &mut self,
        _user: &str,
        instructions: &str,
        prompts: &[Prompt<'b>],
    ) -> Vec<String> {
        let texts: Vec<&str> = prompts.iter().map(|p| p.text.as_ref()).collect();
        let (replies, change) = answers(&texts, self.secret);
        let instructions = instructions.trim();
        if !instructions.is_empty() {
            self.server_said.push(instructions.to_string());
        }
        if change {
            self.change_asked = true;
            self.server_said
                .extend(texts.iter().map(|t| t.trim().to_string()));
        }
        replies
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORED: &str = "St0red-Pass";

    #[test]
    fn a_plain_password_prompt_gets_the_password() {
        let secret = Secret::new(STORED);
        for prompt in [
            "Password: ",
            "bwadmin@xsp1's password: ",
            "Password for bwadmin:",
        ] {
            assert_eq!(classify_prompt(prompt), Asked::Password, "{prompt}");
            assert_eq!(
                answers(&[prompt], &secret),
                (vec![STORED.to_string()], false)
            );
        }
    }

    // Linux-PAM pam_unix with an expired password, over sshd keyboard-interactive.
    #[test]
    fn an_expired_password_prompt_gets_no_password() {
        let secret = Secret::new(STORED);
        for prompt in [
            "Current password: ",
            "(current) UNIX password: ",
            "New password: ",
            "Retype new password: ",
            "Re-enter new password:",
            "Old Password:",
        ] {
            assert_eq!(classify_prompt(prompt), Asked::PasswordChange, "{prompt}");
            let (replies, change) = answers(&[prompt], &secret);
            assert!(change, "{prompt}");
            assert_eq!(replies, vec![String::new()], "{prompt}");
        }
        // A round that mixes a plain prompt with a change prompt gets nothing.
        let (replies, change) = answers(&["Password: ", "New password: "], &secret);
        assert!(change);
        assert!(replies.iter().all(String::is_empty));
    }

    #[test]
    fn other_prompts_get_an_empty_answer() {
        let secret = Secret::new(STORED);
        assert_eq!(classify_prompt("Verification code: "), Asked::Other);
        assert_eq!(
            answers(&["Verification code: "], &secret),
            (vec![String::new()], false)
        );
    }

    #[test]
    fn an_expired_password_fails_with_what_the_server_said() {
        let secret = Secret::new(STORED);
        let mut prompt = PasswordPrompt {
            secret: &secret,
            change_asked: false,
            server_said: Vec::new(),
        };
        let texts =
            ["You are required to change your password immediately (administrator enforced)"];
        prompt.server_said.push(texts[0].to_string());
        prompt.change_asked = true;
        let err = keyboard_interactive_outcome(
            Err("Authentication failed (keyboard-interactive)".into()),
            &prompt,
        )
        .unwrap_err();
        assert!(err.starts_with("the password has expired"), "{err}");
        assert!(err.contains("administrator enforced"), "{err}");
        assert!(!err.contains(STORED), "{err}");
    }

    #[test]
    fn the_help_names_only_what_was_configured() {
        let password = || AuthMethod::Password(Secret::new(STORED));
        let key = || AuthMethod::KeyFile {
            path: "/k".into(),
            passphrase: None,
        };
        let only_password = auth_help(&[password()], false);
        assert_eq!(only_password, "check the user name and the password");
        assert!(!only_password.contains("authorized_keys"));
        assert!(auth_help(&[key()], false).contains("authorized_keys"));
        assert!(!auth_help(&[key()], false).contains("password"));
        assert!(auth_help(&[key(), password()], false).contains("or the password"));
        assert!(auth_help(&[password()], true).starts_with("the password has expired"));
    }
}
