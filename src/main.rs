//! xspctl command-line entry point.
fn main() {
    println!("xspctl");
}
