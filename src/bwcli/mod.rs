//! The bwcli driver: a prompt state machine on a shell channel, `get` output
//! parsing, `bwshowver` parsing, and a masked transcript.
//!
//! See `docs/driver.md` for the behaviour and the reasons behind it.
pub mod channel;
pub mod classify;
pub mod command;
pub mod driver;
pub mod error;
pub mod get;
pub mod prompt;
pub mod text;
pub mod transcript;
pub mod version;

pub use channel::Channel;
pub use command::{CliCommand, CliOutput, quote_arg};
pub use driver::{Driver, DriverOptions};
pub use error::DriverError;
pub use get::{GetOutput, ParseError, Row, Table, parse_get};
pub use transcript::{Direction, Transcript, TranscriptEntry};
pub use version::{ShowVersion, ShowVersionError, parse_bwshowver};
