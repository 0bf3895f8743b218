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

/// The words of one command, quotes removed.
pub fn split(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in command.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => current.push(c),
            None if c == '\'' || c == '"' => {
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
