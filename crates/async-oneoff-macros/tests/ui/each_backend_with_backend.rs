#[oneoff::test_each_backend(backend = oneoff::FuturesLite)]
async fn one_backend() {}

fn main() {}
