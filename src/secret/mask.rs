//! Masking secrets in text before it is recorded, logged or returned.
use super::Secret;

/// What a secret is replaced with in transcripts, outputs and errors.
pub const MASK: &str = "********";

/// The secrets of one session; every text leaving the driver passes through it.
#[derive(Debug, Clone, Default)]
pub struct Masker {
    /// Longest first, so a secret that contains another is masked whole.
    secrets: Vec<Secret>,
}

impl Masker {
    /// A masker for these secrets.
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a Secret>) -> Masker {
        let mut m = Masker::default();
        for s in secrets {
            m.add(s);
        }
        m
    }

    /// Adds a secret to mask from now on (empty values are ignored).
    pub fn add(&mut self, secret: &Secret) {
        if secret.expose().is_empty() || self.secrets.contains(secret) {
            return;
        }
        self.secrets.push(secret.clone());
        self.secrets
            .sort_by_key(|s| std::cmp::Reverse(s.expose().len()));
    }

    /// `text` with every known secret replaced by [`MASK`].
    pub fn mask(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if out.contains(s.expose()) {
                out = out.replace(s.expose(), MASK);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_occurrence_is_masked_longest_first() {
        let a = Secret::new("abc");
        let b = Secret::new("abcdef");
        let m = Masker::new([&a, &b]);
        assert_eq!(m.mask("x abcdef y abc z"), "x ******** y ******** z");
    }

    #[test]
    fn empty_secrets_mask_nothing() {
        let m = Masker::new([&Secret::new("")]);
        assert_eq!(m.mask("text"), "text");
    }
}
