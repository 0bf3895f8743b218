//! `verify --watch INTERVAL`: how long from the start of one run to the start of
//! the next, written `90s`, `15m`, `1h`, `1d` or sums such as `1h30m`.
use std::time::Duration;

/// The shortest interval: one run a second at most.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// The longest interval: 30 days.
pub const MAX_INTERVAL: Duration = Duration::from_secs(30 * 86_400);

/// Parses an interval; the error names the character where the text goes wrong
/// and how to write it (clap prints it after the argument it belongs to).
pub fn parse(text: &str) -> Result<Duration, String> {
    const HOW: &str = "write a number and a unit (s, m, h, d), or a sum such as 1h30m";
    if text.is_empty() {
        return Err(format!("empty interval; {HOW}"));
    }
    let mut total = Duration::ZERO;
    let mut at = 0;
    let bytes = text.as_bytes();
    while at < bytes.len() {
        let digits = bytes[at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 {
            return Err(format!(
                "at character {}: expected a number, found `{}`; {HOW}",
                at + 1,
                &text[at..].chars().next().unwrap_or(' ')
            ));
        }
        let number: u64 = text[at..at + digits]
            .parse()
            .map_err(|_| format!("at character {}: number too large; {HOW}", at + 1))?;
        at += digits;
        let unit_at = at;
        let unit = match bytes.get(at) {
            Some(b's') => 1,
            Some(b'm') => 60,
            Some(b'h') => 3600,
            Some(b'd') => 86_400,
            Some(_) => {
                return Err(format!(
                    "at character {}: unknown unit `{}`; {HOW}",
                    unit_at + 1,
                    &text[unit_at..].chars().next().unwrap_or(' ')
                ));
            }
            None => {
                return Err(format!(
                    "at character {}: `{number}` has no unit; {HOW}",
                    unit_at + 1
                ));
            }
        };
        at += 1;
        total = number
            .checked_mul(unit)
            .and_then(|s| total.checked_add(Duration::from_secs(s)))
            .ok_or_else(|| format!("`{text}` is too long; at most 30d"))?;
    }
    if total < MIN_INTERVAL {
        return Err(format!("`{text}` is shorter than 1s"));
    }
    if total > MAX_INTERVAL {
        return Err(format!("`{text}` is longer than 30d"));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_sums() {
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse("30d"), Ok(MAX_INTERVAL));
    }

    #[test]
    fn errors_name_the_character_and_the_fix() {
        let e = parse("1x").unwrap_err();
        assert!(e.starts_with("at character 2: unknown unit `x`"), "{e}");
        assert!(e.contains("s, m, h, d"), "{e}");
        assert!(
            parse("1h30")
                .unwrap_err()
                .starts_with("at character 5: `30` has no unit")
        );
        assert!(
            parse("h")
                .unwrap_err()
                .starts_with("at character 1: expected a number, found `h`")
        );
        assert!(parse("").unwrap_err().starts_with("empty interval"));
        assert_eq!(parse("0s").unwrap_err(), "`0s` is shorter than 1s");
        assert_eq!(parse("31d").unwrap_err(), "`31d` is longer than 30d");
        assert!(parse("99999999999999999999s").is_err());
    }
}
