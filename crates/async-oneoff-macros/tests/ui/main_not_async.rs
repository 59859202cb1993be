#[oneoff::main]
fn main() {}
