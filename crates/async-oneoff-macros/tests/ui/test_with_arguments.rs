#[oneoff::test]
async fn with_input(input: u32) {
    assert_eq!(input, 1);
}

fn main() {}
