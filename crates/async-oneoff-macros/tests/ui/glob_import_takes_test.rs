// `use oneoff::*` brings oneoff's `test` attribute in, and it takes the place of `#[test]`.
use oneoff::*;

#[test]
fn synchronous() {}

fn main() {
    let _ = Runner::new();
}
