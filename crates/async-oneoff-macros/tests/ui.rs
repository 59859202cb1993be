//! The attributes' errors, as the compiler prints them: each case in `ui/` is a misuse, and its
//! `.stderr` file pins the message and where it points.

#[test]
fn misuse_is_a_readable_compile_error() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
