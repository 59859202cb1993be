#[oneoff::test(flavor = "multi_thread")]
async fn tokio_style() {}

fn main() {}
