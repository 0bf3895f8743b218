//! Splitting a typed line into commands (`;`) and words (double quotes group words),
//! as bwcli-behavior §2 and §3 describe. The shell commands split words the same
//! way, with single quotes too ([`quoted_words`]).

/// Splits a line at every `;` outside double quotes; empty commands are dropped.
pub fn split_commands(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ';' if !quoted => {
                if !current.trim().is_empty() {
                    out.push(current.trim().to_string());
                }
                current.clear();
            }
            _ => current.push(c),
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

/// Splits a command into words at whitespace; a double-quoted part is one word
/// (quotes removed, `""` is an empty word). An unterminated quote runs to the end.
pub fn words(command: &str) -> Vec<String> {
    quoted_words(command, &['"'])
}

/// Splits a command into words at whitespace; a part between two of the same
/// character of `quotes` is one word, or part of one (quotes removed, two quotes
/// together are an empty word). An unterminated quote runs to the end.
pub fn quoted_words(command: &str, quotes: &[char]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in command.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => current.push(c),
            None if quotes.contains(&c) => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            None => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_split_at_semicolons_outside_quotes() {
        assert_eq!(
            split_commands("sys;sec;black;add 1 2"),
            ["sys", "sec", "black", "add 1 2"]
        );
        assert_eq!(split_commands("clearAll;y"), ["clearAll", "y"]);
        assert_eq!(
            split_commands(r#"set pattern "a;b" ; get;;"#),
            [r#"set pattern "a;b""#, "get"]
        );
        assert!(split_commands("  ").is_empty());
    }

    #[test]
    fn quotes_group_words() {
        assert_eq!(
            words(r#"detail "Business Communicator - PC""#),
            ["detail", "Business Communicator - PC"]
        );
        assert_eq!(
            words(r#"add platform bw.apache.sslenabledprotocols "-ALL +TLSv1.2""#),
            [
                "add",
                "platform",
                "bw.apache.sslenabledprotocols",
                "-ALL +TLSv1.2"
            ]
        );
        assert_eq!(words(r#"set url """#), ["set", "url", ""]);
        assert_eq!(words("  get   1  "), ["get", "1"]);
        assert_eq!(words("it's"), ["it's"]);
    }
}
