#[oneoff::test_each_backend]
fn sync_test() {}

fn main() {}
