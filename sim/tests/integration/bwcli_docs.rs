//! docs/simulator.md holds the context reference generated from the data files;
//! this test fails when it is out of date. `UPDATE_SIMULATOR_DOCS=1 cargo nextest run -p
//! xspsim -E 'test(bwcli_docs::)'` rewrites it.
use xspsim::catalog::catalog;
use xspsim::catalog::docs::{BEGIN_MARKER, END_MARKER, render_generated};

#[test]
fn the_simulator_reference_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/simulator.md");
    let text = std::fs::read_to_string(&path).expect("docs/simulator.md");
    let start = text.find(BEGIN_MARKER).expect("begin marker") + BEGIN_MARKER.len();
    let end = text.find(END_MARKER).expect("end marker");
    let generated = render_generated(catalog());
    if text[start..end] == generated[..] {
        return;
    }
    if std::env::var_os("UPDATE_SIMULATOR_DOCS").is_some() {
        let updated = format!("{}{}{}", &text[..start], generated, &text[end..]);
        std::fs::write(&path, updated).expect("write docs/simulator.md");
        return;
    }
    panic!(
        "docs/simulator.md is out of date: run UPDATE_SIMULATOR_DOCS=1 cargo nextest run -p xspsim -E 'test(bwcli_docs::)'"
    );
}
