#[oneoff::test(timeout = "30")]
async fn seconds_or_what() {}

fn main() {}
