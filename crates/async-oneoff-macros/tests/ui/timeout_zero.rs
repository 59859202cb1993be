#[oneoff::test_each_backend(timeout = "0s")]
async fn never_in_time() {}

fn main() {}
