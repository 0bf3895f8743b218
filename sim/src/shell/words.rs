//! A small shell word splitter: `;` and `&&` sequence commands; single and double
//! quotes group words.

/// The commands of a line, each with whether it runs only if the previous succeeded.
pub fn sequence(line: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut only_if_ok = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                current.push(c);
            }
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                current.push(c);
            }
            (None, ';') => {
                out.push((std::mem::take(&mut current), only_if_ok));
                only_if_ok = false;
            }
            (None, '&') if chars.peek() == Some(&'&') => {
                chars.next();
                out.push((std::mem::take(&mut current), only_if_ok));
                only_if_ok = true;
            }
            (None, c) => current.push(c),
        }
    }
    out.push((current, only_if_ok));
    out.retain(|(c, _)| !c.trim().is_empty());
    out
}

/// The words of one command, single and double quotes removed.
pub fn split(command: &str) -> Vec<String> {
    crate::cli::lexer::quoted_words(command, &['\'', '"'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_and_words() {
        assert_eq!(
            sequence("stopbw; startbw && bwshowver"),
            [
                ("stopbw".to_string(), false),
                (" startbw ".to_string(), false),
                (" bwshowver".to_string(), true)
            ]
        );
        assert_eq!(
            split("nc -z -w 2 'a b' \"c\""),
            ["nc", "-z", "-w", "2", "a b", "c"]
        );
        assert_eq!(sequence("echo 'a;b'").len(), 1);
    }
}
