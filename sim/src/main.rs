//! xspsim: the BroadWorks XSP/ADP/AS simulator.
fn main() {
    println!("xspsim");
}
