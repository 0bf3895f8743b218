//! Exit codes: stable and documented in `docs/exit-codes.md`.
use std::process::ExitCode;

/// The outcome of a command, as a process exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// 0: everything is as desired; nothing to do, or done.
    Ok,
    /// 2: changes are pending (plan with `--detailed-exitcode`, a restart still
    /// required after apply) or verify found problems.
    Pending,
    /// 1: an error: invalid input, a host that failed, a refused plan.
    Error,
}

impl Outcome {
    /// The numeric exit status.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Ok => 0,
            Outcome::Error => 1,
            Outcome::Pending => 2,
        }
    }

    /// The worse of two outcomes: an error beats pending, pending beats ok.
    pub fn worst(self, other: Outcome) -> Outcome {
        self.max(other)
    }
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> ExitCode {
        ExitCode::from(o.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_error_wins() {
        assert_eq!(Outcome::Ok.code(), 0);
        assert_eq!(Outcome::Error.code(), 1);
        assert_eq!(Outcome::Pending.code(), 2);
        assert_eq!(Outcome::Pending.worst(Outcome::Error), Outcome::Error);
        assert_eq!(Outcome::Ok.worst(Outcome::Pending), Outcome::Pending);
    }
}
