#[oneoff::test(timeout = "1s", timeout = "2s")]
async fn twice() {}

fn main() {}
