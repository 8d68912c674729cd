//! Ensure benchmark (being written).
fn main() {}
