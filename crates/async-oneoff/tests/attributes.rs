//! The attributes of the `macros` feature, used as users write them: `#[oneoff::test_each_backend]`
//! runs each body here once on every backend of this build (CI builds this file with the
//! default features, with each backend alone and with all of them: only the enabled backends'
//! tests appear, which `each_enabled_backend_has_one_test` checks against the test binary's own
//! list), `#[oneoff::test]` on the default runner or a chosen one, and `#[oneoff::main]`.
//!
//! The timeouts and hangs are checked twice: through the attribute with `#[should_panic]`, and
//! by calling what the attribute expands to, to read the failure's message.

use std::any::Any;
use std::collections::BTreeSet;
use std::error::Error as StdError;
use std::panic::{AssertUnwindSafe, catch_unwind, panic_any};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use oneoff::{AsyncContext, Backend, OneOffRunner, current_context, panic_message};

/// The backend this run is on, from the context oneoff sets around it.
fn running_backend() -> &'static str {
    match current_context() {
        Some(AsyncContext::Oneoff(backend)) => backend.name(),
        other => panic!("a test body runs inside a oneoff run, found {other:?}"),
    }
}

/// A backend's name as a test name has it.
fn test_name(backend: &str) -> String {
    backend.replace('-', "_")
}

/// Each generated test runs on the backend it is named after: its thread is named after the
/// test (`attributes::runs_on_the_backend_it_is_named_after::tokio_mt`).
#[oneoff::test_each_backend]
async fn runs_on_the_backend_it_is_named_after() {
    let backend = running_backend();
    let thread = thread::current();
    let test = thread.name().expect("the test's thread has its name");
    assert!(
        test.ends_with(&format!("::{}", test_name(backend))),
        "the test {test} ran on {backend}"
    );
    futures_lite::future::yield_now().await;
}

/// One test per enabled backend and no other, read from the test binary's `--list`.
#[test]
fn each_enabled_backend_has_one_test() {
    let listed = listed_tests(&[]);
    let prefix = "runs_on_the_backend_it_is_named_after::";
    let generated: BTreeSet<&str> = listed
        .iter()
        .filter_map(|test| test.strip_prefix(prefix))
        .collect();
    let enabled: Vec<String> = Backend::ALL.iter().map(|b| test_name(b.name())).collect();
    let expected: BTreeSet<&str> = enabled.iter().map(String::as_str).collect();
    assert_eq!(
        generated, expected,
        "the tests of {prefix}*, against Backend::ALL"
    );
}

/// `#[ignore]` applies to every generated test: listed among the ignored ones, and never run by
/// a plain `cargo test` (it would fail).
#[oneoff::test_each_backend]
#[ignore = "checks that #[ignore] reaches every generated test"]
async fn ignored_on_every_backend() {
    panic!("an ignored test ran");
}

#[test]
fn ignore_reaches_every_generated_test() {
    let ignored = listed_tests(&["--ignored"]);
    let prefix = "ignored_on_every_backend::";
    let count = ignored
        .iter()
        .filter(|test| test.starts_with(prefix))
        .count();
    assert_eq!(count, Backend::ALL.len(), "ignored tests: {ignored:?}");
}

/// The names of this binary's tests, as `--list` prints them, with `extra` arguments.
fn listed_tests(extra: &[&str]) -> Vec<String> {
    let binary = std::env::current_exe().expect("the test binary's path");
    let output = Command::new(binary)
        .arg("--list")
        .args(extra)
        .output()
        .expect("the test binary lists its tests");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout)
        .expect("test names are UTF-8")
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_owned)
        .collect()
}

#[oneoff::test_each_backend]
#[should_panic(expected = "boom 7")]
async fn a_panic_reaches_the_test_with_its_message() {
    futures_lite::future::yield_now().await;
    panic!("boom {}", 7);
}

/// A panic payload that is not a string.
#[derive(Debug, PartialEq)]
struct PanicCode(u32);

#[oneoff::test_each_backend]
#[should_panic]
async fn a_panic_with_any_payload_fails_the_test() {
    panic_any(PanicCode(7));
}

async fn panics_with_a_code() {
    panic_any(PanicCode(7));
}

#[test]
fn a_panic_keeps_its_payload() {
    let payload = catch_unwind(|| {
        oneoff::__private::run_test::<oneoff::Runner, _, _>(
            "payload",
            Duration::from_secs(60),
            panics_with_a_code,
        )
    })
    .expect_err("the panic reaches the test");
    assert_eq!(payload.downcast_ref::<PanicCode>(), Some(&PanicCode(7)));
}

#[oneoff::test_each_backend(timeout = "200ms")]
#[should_panic(expected = "did not finish within 200ms")]
async fn a_pending_test_times_out() {
    std::future::pending::<()>().await;
}

#[oneoff::test_each_backend(timeout = "200ms")]
#[should_panic(expected = "did not finish within 200ms")]
async fn a_test_that_never_goes_idle_times_out() {
    loop {
        futures_lite::future::yield_now().await;
    }
}

/// Runs what the attributes expand to and returns the message it fails with.
fn failure_of<F, Fut>(timeout: Duration, test: F) -> String
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::IntoFuture,
    Fut::Output: oneoff::__private::TestOutput,
{
    let payload: Box<dyn Any + Send> = catch_unwind(AssertUnwindSafe(|| {
        oneoff::__private::run_test::<oneoff::Runner, _, _>("attributes::case", timeout, test)
    }))
    .expect_err("the test fails");
    panic_message(payload.as_ref()).to_owned()
}

#[test]
fn a_timeout_names_the_test_and_the_backend() {
    let message = failure_of(Duration::from_millis(100), std::future::pending::<()>);
    let expected = format!(
        "attributes::case did not finish within 100ms on {} and was cancelled",
        oneoff::Runner::NAME
    );
    assert!(message.starts_with(&expected), "{message}");
}

/// Parks its thread for good: no timeout can cancel it.
async fn parks_for_good() {
    loop {
        thread::park();
    }
}

#[test]
fn a_test_that_blocks_its_thread_is_called_hung() {
    let started = Instant::now();
    let message = failure_of(Duration::from_millis(100), parks_for_good);
    let expected = format!("attributes::case hung on {}", oneoff::Runner::NAME);
    assert!(message.starts_with(&expected), "{message}");
    // The bug this guards against is a test binary that never ends.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[oneoff::test(timeout = "200ms")]
#[should_panic(expected = "hung on")]
async fn a_blocked_test_fails_instead_of_stalling_the_run() {
    loop {
        thread::park();
    }
}

#[test]
fn an_error_names_the_test_and_the_backend() {
    let message = failure_of(Duration::from_secs(60), || async {
        Err::<(), _>("no answer")
    });
    let expected = format!(
        "attributes::case returned an error on {}: \"no answer\"",
        oneoff::Runner::NAME
    );
    assert_eq!(message, expected);
}

#[oneoff::test_each_backend]
#[should_panic(expected = "returned an error on")]
async fn an_err_fails_the_test() -> Result<(), String> {
    Err("wrong answer".to_owned())
}

/// An error type that is not `Send` (`Box<dyn Error>`), with `?`.
#[oneoff::test_each_backend]
async fn ok_passes_with_a_non_send_error() -> Result<(), Box<dyn StdError>> {
    let answer: u32 = "42".parse()?;
    assert_eq!(answer, 42);
    Ok(())
}

/// A real reactor on every backend: async-io's, which drives itself on a thread of its own,
/// through smol's TCP types, over loopback.
#[oneoff::test_each_backend(timeout = "30s")]
async fn tcp_echo_over_loopback() -> std::io::Result<()> {
    let listener = smol::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = async {
        let (mut stream, _) = listener.accept().await?;
        let mut buffer = [0; 5];
        stream.read_exact(&mut buffer).await?;
        stream.write_all(&buffer).await?;
        Ok::<_, std::io::Error>(())
    };
    let client = async {
        let mut stream = smol::net::TcpStream::connect(address).await?;
        stream.write_all(b"hello").await?;
        let mut echoed = Vec::new();
        stream.read_to_end(&mut echoed).await?;
        Ok::<_, std::io::Error>(echoed)
    };
    let (served, echoed) = futures_lite::future::zip(server, client).await;
    served?;
    assert_eq!(echoed?, b"hello");
    Ok(())
}

/// The body sees the items of the module it is written in.
fn helper() -> u32 {
    41
}

#[oneoff::test_each_backend]
async fn the_body_sees_its_module() {
    assert_eq!(helper() + 1, 42);
}

#[oneoff::test]
async fn test_runs_on_the_default_runner() {
    assert_eq!(running_backend(), oneoff::Runner::NAME);
}

#[oneoff::test(backend = oneoff::Configured<oneoff::Runner>)]
#[should_panic(expected = "on the configured runner")]
async fn test_on_a_chosen_runner() {
    assert_eq!(running_backend(), oneoff::Runner::NAME);
    panic!("on the configured runner");
}

#[cfg(feature = "tokio-compat")]
#[oneoff::test(backend = oneoff::TokioCompat<oneoff::Runner>)]
async fn test_in_tokio_compat() {
    tokio::time::sleep(Duration::from_millis(1)).await;
}

#[oneoff::main]
async fn answer() -> u32 {
    futures_lite::future::yield_now().await;
    42
}

#[oneoff::main(backend = oneoff::Runner)]
async fn parse_answer() -> Result<u32, std::num::ParseIntError> {
    "42".parse()
}

#[test]
fn main_returns_what_the_body_returns() {
    assert_eq!(answer(), 42);
    assert_eq!(parse_answer(), Ok(42));
}

#[test]
fn main_inside_a_run_panics_with_the_nested_error() {
    let payload = oneoff::run(async { catch_unwind(answer) })
        .unwrap()
        .expect_err("a nested main cannot run");
    let message = panic_message(payload.as_ref());
    assert!(
        message.starts_with("#[oneoff::main] could not run main: cannot block on a future"),
        "{message}"
    );
}

/// The facade under another path, as in a crate that renames the dependency.
mod renamed {
    pub(crate) use oneoff as facade;
}

#[oneoff::test_each_backend(crate = crate::renamed::facade)]
async fn the_facade_may_be_renamed() {
    futures_lite::future::yield_now().await;
}

#[oneoff::test(crate = crate::renamed::facade, backend = crate::renamed::facade::Runner)]
async fn test_with_the_facade_renamed() {
    assert_eq!(running_backend(), oneoff::Runner::NAME);
}
