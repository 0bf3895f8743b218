//! A blocking client of the control socket.
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use super::{ControlError, Request, Response, socket_path};
use crate::host::Faults;

/// Bound on each read and write.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Sends one request to the lab in `dir` and returns its response.
fn call(dir: &Path, request: &Request) -> Result<Response, ControlError> {
    let path = socket_path(dir);
    let io_error = |source| ControlError::Io {
        path: path.clone(),
        source,
    };
    let mut stream = UnixStream::connect(&path).map_err(io_error)?;
    stream.set_read_timeout(Some(TIMEOUT)).map_err(io_error)?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(io_error)?;
    let mut line =
        serde_json::to_string(request).map_err(|e| ControlError::Protocol(e.to_string()))?;
    line.push('\n');
    stream.write_all(line.as_bytes()).map_err(io_error)?;
    let mut answer = String::new();
    BufReader::new(&stream)
        .read_line(&mut answer)
        .map_err(io_error)?;
    let response: Response = serde_json::from_str(answer.trim())
        .map_err(|e| ControlError::Protocol(format!("{e}: {answer:?}")))?;
    if response.ok {
        Ok(response)
    } else {
        Err(ControlError::Refused(
            response.error.unwrap_or_else(|| "refused".to_string()),
        ))
    }
}

/// Replaces the faults of `host` in the lab served from `dir`; returns the faults now
/// in force.
pub fn set_faults(dir: &Path, host: &str, faults: &Faults) -> Result<Faults, ControlError> {
    let response = call(
        dir,
        &Request::SetFaults {
            host: host.to_string(),
            faults: faults.clone(),
        },
    )?;
    response
        .faults
        .ok_or_else(|| ControlError::Protocol("no faults in the response".to_string()))
}

/// The faults in force on `host` in the lab served from `dir`.
pub fn faults(dir: &Path, host: &str) -> Result<Faults, ControlError> {
    let response = call(
        dir,
        &Request::GetFaults {
            host: host.to_string(),
        },
    )?;
    response
        .faults
        .ok_or_else(|| ControlError::Protocol("no faults in the response".to_string()))
}

/// The names of the hosts the lab in `dir` serves.
pub fn hosts(dir: &Path) -> Result<Vec<String>, ControlError> {
    call(dir, &Request::Hosts)?
        .hosts
        .ok_or_else(|| ControlError::Protocol("no hosts in the response".to_string()))
}
