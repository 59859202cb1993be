#[oneoff::test(backend)]
async fn no_value() {}

fn main() {}
