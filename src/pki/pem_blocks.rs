//! PEM blocks of a text file, each with the line it starts on, so that a problem
//! with one certificate is reported where the operator can find it. The base64
//! inside a block is decoded by `x509-parser`.
use x509_parser::pem::{Pem, parse_x509_pem};

/// One `-----BEGIN <label>-----` ... `-----END <label>-----` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The label, e.g. `CERTIFICATE` or `PRIVATE KEY`.
    pub label: String,
    /// The 1-based line of its BEGIN line.
    pub line: usize,
    /// The block's text, BEGIN and END lines included.
    pub text: String,
}

/// Why the text is not a sequence of PEM blocks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PemError {
    /// A BEGIN line without its END line.
    #[error("line {line}: `-----BEGIN {label}-----` has no matching END line")]
    Unterminated {
        /// The BEGIN line.
        line: usize,
        /// Its label.
        label: String,
    },
    /// An END line without a BEGIN line before it.
    #[error("line {line}: an END line without a BEGIN line")]
    Unopened {
        /// The END line.
        line: usize,
    },
    /// The block's base64 body does not decode.
    #[error("line {line}: the {label} block does not decode: {reason}")]
    Body {
        /// The BEGIN line.
        line: usize,
        /// Its label.
        label: String,
        /// What the decoder said.
        reason: String,
    },
}

/// The blocks of `text`, in order. Text between blocks (comments, `subject=`
/// lines as `openssl x509 -text` prints them) is ignored.
pub fn blocks(text: &str) -> Result<Vec<Block>, PemError> {
    let mut out = Vec::new();
    let mut open: Option<(usize, String, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let number = i + 1;
        if let Some(label) = marker(line, "BEGIN") {
            if let Some((at, label, _)) = open {
                return Err(PemError::Unterminated { line: at, label });
            }
            open = Some((number, label.to_string(), format!("{line}\n")));
        } else if marker(line, "END").is_some() {
            let Some((at, label, mut body)) = open.take() else {
                return Err(PemError::Unopened { line: number });
            };
            body.push_str(line);
            body.push('\n');
            out.push(Block {
                label,
                line: at,
                text: body,
            });
        } else if let Some((_, _, body)) = open.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    match open {
        Some((line, label, _)) => Err(PemError::Unterminated { line, label }),
        None => Ok(out),
    }
}

/// The label of a `-----BEGIN <label>-----` (or END) line.
fn marker<'a>(line: &'a str, kind: &str) -> Option<&'a str> {
    line.strip_prefix("-----")?
        .strip_suffix("-----")?
        .strip_prefix(kind)?
        .strip_prefix(' ')
}

impl Block {
    /// The decoded DER content.
    pub fn decode(&self) -> Result<Pem, PemError> {
        parse_x509_pem(self.text.as_bytes())
            .map(|(_, pem)| pem)
            .map_err(|e| PemError::Body {
                line: self.line,
                label: self.label.clone(),
                reason: e.to_string(),
            })
    }

    /// Whether it holds a private key of any kind.
    pub fn is_private_key(&self) -> bool {
        self.label.ends_with("PRIVATE KEY")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_carry_their_lines_and_text_between_is_ignored() {
        let text = "subject=CN=x\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n\n  -----BEGIN PRIVATE KEY-----\nBBBB\n-----END PRIVATE KEY-----\n";
        let b = blocks(text).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!((b[0].label.as_str(), b[0].line), ("CERTIFICATE", 2));
        assert_eq!((b[1].label.as_str(), b[1].line), ("PRIVATE KEY", 6));
        assert!(b[1].is_private_key() && !b[0].is_private_key());
        assert_eq!(
            b[0].text,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
        );
    }

    #[test]
    fn broken_framing_names_the_line() {
        assert_eq!(
            blocks("-----BEGIN CERTIFICATE-----\nAAAA\n").unwrap_err(),
            PemError::Unterminated {
                line: 1,
                label: "CERTIFICATE".into()
            }
        );
        assert_eq!(
            blocks("x\n-----END CERTIFICATE-----\n").unwrap_err(),
            PemError::Unopened { line: 2 }
        );
        let bad = blocks("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n").unwrap();
        assert!(matches!(
            bad[0].decode(),
            Err(PemError::Body { line: 1, .. })
        ));
    }
}
