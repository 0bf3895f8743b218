//! Certificates the operator supplies, read and checked before anything reaches a
//! host: the Webex trust anchors for CTI mutual TLS (issue #9), parsed with
//! `x509-parser`.
pub mod anchors;
pub mod pem_blocks;
pub mod server_ca;
pub mod server_cert;

/// Problems found in certificate files, one per line pair as `FILE[:LINE]: error:
/// MESSAGE` and `  help: HELP`; line 0 names the file alone.
fn render_problems<'a>(
    problems: impl Iterator<Item = (&'a str, usize, &'a str, &'a str)>,
) -> String {
    problems
        .map(|(file, line, message, help)| {
            let at = match line {
                0 => file.to_string(),
                line => format!("{file}:{line}"),
            };
            format!("{at}: error: {message}\n  help: {help}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}
