//! "Did you mean" for names the playbook got slightly wrong.

/// The candidate `given` most likely meant: the same word in another case, or the one
/// candidate closest to it within a small edit distance (none if two are equally close:
/// `R25` is as close to `R22` as to `R24`, and a guess would mislead).
pub(crate) fn did_you_mean<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    if let Some(same) = candidates.iter().find(|c| c.eq_ignore_ascii_case(given)) {
        return Some(same);
    }
    let lower = given.to_ascii_lowercase();
    let limit = (given.chars().count() / 3).clamp(1, 3);
    let scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&lower, &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(d, _)| *d <= limit)
        .collect();
    let best = scored.iter().map(|(d, _)| *d).min()?;
    let mut closest = scored.into_iter().filter(|(d, _)| *d == best);
    match (closest.next(), closest.next()) {
        (Some((_, one)), None) => Some(one),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_are_suggested() {
        let keys = ["level", "protocols", "ciphers", "interfaces"];
        assert_eq!(did_you_mean("ciphres", keys), Some("ciphers"));
        assert_eq!(did_you_mean("Protocols", keys), Some("protocols"));
        assert_eq!(did_you_mean("interface", keys), Some("interfaces"));
        assert_eq!(did_you_mean("mode", keys), None);
        assert_eq!(did_you_mean("r22", ["R21SP1", "R22"]), Some("R22"));
        assert_eq!(did_you_mean("R25", ["R21SP1", "R22", "R24", "ADP"]), None);
        assert_eq!(did_you_mean("XSP", ["xsp", "adp", "as"]), Some("xsp"));
        assert_eq!(did_you_mean("xps", ["xsp", "adp", "as"]), Some("xsp"));
    }
}
