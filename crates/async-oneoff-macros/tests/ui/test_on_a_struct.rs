#[oneoff::test]
struct NotATest;

fn main() {}
