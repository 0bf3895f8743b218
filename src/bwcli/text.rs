//! From raw terminal bytes to plain text: ISO-8859-1/UTF-8 decoding, ANSI escape
//! sequences, carriage returns, backspaces and erase-line, CR/LF normalisation.
//!
//! The CLI runs on a PTY, so its output is what a terminal would draw. We replay the
//! few cursor movements that matter on a line model (`\r`, backspace, `ESC[K`,
//! cursor left/right/column) and drop every other escape sequence
//! (bwcli-behavior.md §1: BWSSH-PY decodes ISO-8859-1 and strips `ESC[...m/h/l`).

/// Decodes terminal bytes line by line: a line that is valid UTF-8 is read as
/// UTF-8, any other line as ISO-8859-1 (every byte is the code point of that value),
/// so no byte is ever lost or replaced.
pub fn decode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        match std::str::from_utf8(line) {
            Ok(s) => out.push_str(s),
            Err(e) if e.error_len().is_none() && e.valid_up_to() + 4 > line.len() => {
                // An incomplete UTF-8 sequence at the very end: more bytes are coming.
                // Keep the valid part; the caller decodes the whole buffer again later.
                out.push_str(&String::from_utf8_lossy(&line[..e.valid_up_to()]));
            }
            Err(_) => out.extend(line.iter().map(|b| char::from(*b))),
        }
    }
    out
}

/// Replays `text` on a line model of a terminal and returns the lines it draws,
/// joined with `\n`. Complete lines lose trailing white space; the last line (the
/// one the cursor is on, where prompts are) is kept as drawn.
pub fn render(text: &str) -> String {
    let mut screen = Screen::default();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => screen.newline(),
            '\r' => screen.col = 0,
            '\u{8}' => screen.col = screen.col.saturating_sub(1),
            '\u{1b}' => screen.escape(&mut chars),
            '\t' => screen.put('\t'),
            c if c.is_control() => {}
            c => screen.put(c),
        }
    }
    screen.finish()
}

/// Decodes and renders in one step.
pub fn normalise(bytes: &[u8]) -> String {
    render(&decode(bytes))
}

#[derive(Default)]
struct Screen {
    done: Vec<String>,
    line: Vec<char>,
    col: usize,
}

impl Screen {
    fn put(&mut self, c: char) {
        if self.col < self.line.len() {
            self.line[self.col] = c;
        } else {
            self.line.resize(self.col, ' ');
            self.line.push(c);
        }
        self.col += 1;
    }

    fn newline(&mut self) {
        let line: String = self.line.drain(..).collect();
        self.done.push(line.trim_end().to_string());
        self.col = 0;
    }

    /// Interprets one escape sequence; an incomplete one at the end is dropped.
    fn escape(&mut self, chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
        match chars.next() {
            Some('[') => {
                let mut params = String::new();
                let mut last = None;
                for c in chars.by_ref() {
                    if ('\u{40}'..='\u{7e}').contains(&c) {
                        last = Some(c);
                        break;
                    }
                    params.push(c);
                }
                if let Some(fin) = last {
                    self.csi(&params, fin);
                }
            }
            // OSC: up to BEL or ESC \ (string terminator).
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\u{7}' {
                        break;
                    }
                    if c == '\u{1b}' {
                        chars.next();
                        break;
                    }
                }
            }
            // Character-set designation: one more character.
            Some('(' | ')' | '*' | '+') => {
                chars.next();
            }
            // Any other two-character escape (ESC =, ESC >, ESC 7, ...), or the end.
            _ => {}
        }
    }

    fn csi(&mut self, params: &str, fin: char) {
        let n = |default: usize| -> usize {
            params
                .trim_start_matches('?')
                .split(';')
                .next()
                .and_then(|p| p.parse().ok())
                .filter(|v| *v > 0)
                .unwrap_or(default)
        };
        match fin {
            // Erase in line: 0 = cursor to end, 1 = start to cursor, 2 = whole line.
            'K' => match params {
                "1" => {
                    let upto = self.col.min(self.line.len());
                    self.line[..upto].iter_mut().for_each(|c| *c = ' ');
                }
                "2" => self.line.clear(),
                _ => self.line.truncate(self.col),
            },
            'C' => self.col += n(1),
            'D' => self.col = self.col.saturating_sub(n(1)),
            'G' => self.col = n(1) - 1,
            _ => {}
        }
    }

    fn finish(mut self) -> String {
        let last: String = self.line.drain(..).collect();
        self.done.push(last);
        self.done.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_colour_codes_are_removed() {
        let raw = b"\x1b[1mXSP_CLI\x1b[0m> get\r\n  port = 8001\r\n\x1b[?2004hXSP_CLI> ";
        assert_eq!(normalise(raw), "XSP_CLI> get\n  port = 8001\nXSP_CLI> ");
    }

    #[test]
    fn carriage_return_overwrites_and_erase_line_truncates() {
        assert_eq!(render("--More--\r\x1b[K  TLSv1\n"), "  TLSv1\n");
        assert_eq!(render("--More--\r        \rTLSv1.2\n"), "TLSv1.2\n");
        assert_eq!(render("abc\rX\n"), "Xbc\n");
    }

    #[test]
    fn backspace_moves_left_and_space_erases() {
        assert_eq!(render("abd\u{8}c\n"), "abc\n");
        assert_eq!(render("ab\u{8} \u{8}\n"), "a\n");
    }

    #[test]
    fn osc_and_charset_sequences_are_dropped() {
        assert_eq!(render("\x1b]0;title\x07\x1b(Bx\x1b=y"), "xy");
        // An incomplete sequence at the end draws nothing.
        assert_eq!(render("x\x1b["), "x");
    }

    #[test]
    fn iso_8859_1_lines_are_decoded_byte_for_byte() {
        let raw = b"caf\xe9\nna\xc3\xafve\n";
        assert_eq!(decode(raw), "caf\u{e9}\nna\u{ef}ve\n");
    }

    #[test]
    fn a_split_utf8_sequence_at_the_end_is_kept_for_later() {
        let raw = b"ab\xc3";
        assert_eq!(decode(raw), "ab");
        assert_eq!(decode(b"ab\xc3\xaf"), "ab\u{ef}");
    }

    #[test]
    fn trailing_space_is_kept_on_the_prompt_line_only() {
        assert_eq!(render("name = \nXSP_CLI> "), "name =\nXSP_CLI> ");
    }
}
