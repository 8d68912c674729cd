//! Quick start (being written).
fn main() {}
