//! The line discipline of an interactive channel: what a pty does between the keys
//! a client types and the lines a shell reads (echo, backspace, CR/LF/CRLF, ^C, ^D),
//! and the newline translation of output (`\n` → `\r\n`) when a pty was requested.

/// What one input byte produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Nothing complete yet.
    Pending,
    /// A complete line, without its terminator.
    Line(String),
    /// One keystroke, read in single-key mode (a pager prompt is showing).
    Key(String),
    /// Ctrl-C.
    Interrupt,
    /// Ctrl-D on an empty line.
    EndOfInput,
}

/// How input is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Whole lines; typed characters are echoed if `echo` (and a pty exists).
    Line {
        /// Whether to echo (false while a password prompt shows).
        echo: bool,
    },
    /// One key at a time, without echo (a `--More--` prompt shows).
    Key,
}

const BACKSPACE: u8 = 0x08;
const DELETE: u8 = 0x7f;
const CTRL_C: u8 = 0x03;
const CTRL_D: u8 = 0x04;
const CR: u8 = b'\r';
const LF: u8 = b'\n';

/// A line editor for one channel.
#[derive(Debug)]
pub struct LineEditor {
    pty: bool,
    line: Vec<u8>,
    after_cr: bool,
    echo_out: Vec<u8>,
}

impl LineEditor {
    /// A line editor; `pty` says whether a terminal was requested (echo and output
    /// translation happen only then).
    pub fn new(pty: bool) -> LineEditor {
        LineEditor {
            pty,
            line: Vec::new(),
            after_cr: false,
            echo_out: Vec::new(),
        }
    }

    /// Feeds one input byte in the given mode.
    pub fn push(&mut self, byte: u8, mode: Mode) -> Event {
        // A LF right after a CR completes the same CRLF line ending.
        let after_cr = std::mem::replace(&mut self.after_cr, byte == CR);
        if byte == LF && after_cr {
            return Event::Pending;
        }
        match mode {
            Mode::Key => {
                let key = if byte == CR || byte == LF {
                    "\n".to_string()
                } else {
                    String::from_utf8_lossy(&[byte]).into_owned()
                };
                Event::Key(key)
            }
            Mode::Line { echo } => self.push_line_byte(byte, echo && self.pty),
        }
    }

    fn push_line_byte(&mut self, byte: u8, echo: bool) -> Event {
        match byte {
            CR | LF => {
                // With echo off (a password prompt) the line end is not echoed
                // either, as a terminal does; the next prompt starts on a new line.
                if echo {
                    self.echo_out.extend_from_slice(b"\r\n");
                }
                let line = String::from_utf8_lossy(&self.line).into_owned();
                self.line.clear();
                Event::Line(line)
            }
            BACKSPACE | DELETE => {
                if self.pop_char() && echo {
                    self.echo_out.extend_from_slice(b"\x08 \x08");
                }
                Event::Pending
            }
            CTRL_C => {
                self.line.clear();
                if self.pty {
                    self.echo_out.extend_from_slice(b"^C\r\n");
                }
                Event::Interrupt
            }
            CTRL_D if self.line.is_empty() => Event::EndOfInput,
            CTRL_D => Event::Pending,
            _ => {
                self.line.push(byte);
                if echo {
                    self.echo_out.push(byte);
                }
                Event::Pending
            }
        }
    }

    /// Removes the last (UTF-8) character of the line; false if the line was empty.
    fn pop_char(&mut self) -> bool {
        let Some(mut last) = self.line.pop() else {
            return false;
        };
        // Continuation bytes are 0b10xx_xxxx: keep popping to the lead byte.
        while last & 0xC0 == 0x80 {
            match self.line.pop() {
                Some(byte) => last = byte,
                None => break,
            }
        }
        true
    }

    /// Takes the echo bytes accumulated since the last call.
    pub fn take_echo(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.echo_out)
    }

    /// Translates output for the client: with a pty, every `\n` not already preceded
    /// by `\r` becomes `\r\n`; without one, the text is sent as is.
    pub fn output(&self, text: &str) -> Vec<u8> {
        if !self.pty {
            return text.as_bytes().to_vec();
        }
        let mut out = Vec::with_capacity(text.len() + text.len() / 16);
        let mut previous = 0u8;
        for &byte in text.as_bytes() {
            if byte == LF && previous != CR {
                out.push(CR);
            }
            out.push(byte);
            previous = byte;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ECHO: Mode = Mode::Line { echo: true };

    fn feed(editor: &mut LineEditor, input: &[u8], mode: Mode) -> Vec<Event> {
        input
            .iter()
            .map(|&b| editor.push(b, mode))
            .filter(|e| *e != Event::Pending)
            .collect()
    }

    #[test]
    fn cr_lf_and_crlf_each_end_one_line() {
        let mut editor = LineEditor::new(true);
        let events = feed(&mut editor, b"a\rb\nc\r\nd\n\ne\r\r", ECHO);
        let lines: Vec<Event> = ["a", "b", "c", "d", "", "e", ""]
            .iter()
            .map(|s| Event::Line(s.to_string()))
            .collect();
        assert_eq!(events, lines);
    }

    #[test]
    fn echo_only_with_pty_and_not_while_hidden() {
        let mut editor = LineEditor::new(true);
        feed(&mut editor, b"get\r", ECHO);
        assert_eq!(editor.take_echo(), b"get\r\n");
        feed(&mut editor, b"secret\r", Mode::Line { echo: false });
        assert!(editor.take_echo().is_empty());
        let mut no_pty = LineEditor::new(false);
        assert_eq!(
            feed(&mut no_pty, b"get\n", ECHO),
            vec![Event::Line("get".into())]
        );
        assert!(no_pty.take_echo().is_empty());
    }

    #[test]
    fn backspace_erases_whole_characters() {
        let mut editor = LineEditor::new(true);
        let events = feed(&mut editor, "gé\x7f\x7f\x08et\r".as_bytes(), ECHO);
        assert_eq!(events, vec![Event::Line("et".into())]);
        // Two erasures echoed (the third had nothing to erase), then "et", then CRLF.
        assert_eq!(editor.take_echo(), "gé\x08 \x08\x08 \x08et\r\n".as_bytes());
    }

    #[test]
    fn ctrl_c_and_ctrl_d() {
        let mut editor = LineEditor::new(true);
        assert_eq!(feed(&mut editor, b"abc\x03", ECHO), vec![Event::Interrupt]);
        assert_eq!(editor.take_echo(), b"abc^C\r\n");
        assert_eq!(feed(&mut editor, b"x\x04", ECHO), vec![]);
        assert_eq!(
            feed(&mut editor, b"\x7f\x04", ECHO),
            vec![Event::EndOfInput]
        );
    }

    #[test]
    fn key_mode_returns_single_keys() {
        let mut editor = LineEditor::new(true);
        assert_eq!(
            feed(&mut editor, b" ", Mode::Key),
            vec![Event::Key(" ".into())]
        );
        assert_eq!(
            feed(&mut editor, b"\r\n", Mode::Key),
            vec![Event::Key("\n".into())]
        );
        assert!(editor.take_echo().is_empty());
    }

    #[test]
    fn output_translates_newlines_only_with_pty() {
        let editor = LineEditor::new(true);
        assert_eq!(editor.output("a\nb\r\nc"), b"a\r\nb\r\nc");
        let raw = LineEditor::new(false);
        assert_eq!(raw.output("a\nb"), b"a\nb");
    }
}
