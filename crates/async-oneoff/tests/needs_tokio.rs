//! A future that needs tokio, run on a backend that is not tokio: `Error::NeedsTokio`, and
//! nothing printed on stderr, where tokio's "there is no reactor running" panic used to be
//! printed by the panic hook (the values are pinned on every backend by the conformance case
//! `tokio_futures`).
//!
//! The test harness captures what the panic hook prints, so each backend's case runs in a
//! child process (this test binary again, with `--nocapture`) whose stderr the parent reads.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::Command;
use std::time::Duration;

use oneoff::{Error, OneOffRunner, panic_message};
use oneoff_workloads::watchdog;

const LIMIT: Duration = Duration::from_secs(120);

/// Set in a child process to the name of the one test it runs.
const CHILD: &str = "ONEOFF_NEEDS_TOKIO_CHILD";

/// A panic of the child's own that is not tokio's: it must still be printed, once.
const OTHER_PANIC: &str = "a panic that is not tokio's";

/// In the child: a tokio timer, a tokio socket and `tokio::spawn` on `R`, one-shot, on a
/// runner and through a portal, then a panic that is not tokio's.
fn child<R: OneOffRunner + 'static>() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    // Made inside an async block: `tokio::time::sleep` itself panics where it is called.
    let sleep = || async { tokio::time::sleep(Duration::from_millis(1)).await };
    let connect = || async move { tokio::net::TcpStream::connect(address).await.is_ok() };
    let spawn = || async { tokio::spawn(async { 1 }).await.is_ok() };
    let runner = R::new().unwrap();
    let results = [
        R::run(sleep()).map(|()| true),
        R::run(connect()),
        R::run(spawn()),
        R::try_run(sleep()).map(|()| true),
        runner.block_on(connect()),
        runner.block_on_timeout(spawn(), Duration::from_secs(30)),
    ];
    results
        .into_iter()
        .for_each(needs_tokio_where_it_lacks::<R>);
    // A portal's calls are polled inside its runner's run, so they are guarded with it.
    #[cfg(feature = "portal")]
    {
        let portal = oneoff::BlockingPortal::<R>::new().unwrap();
        needs_tokio_where_it_lacks::<R>(portal.call(spawn()));
        needs_tokio_where_it_lacks::<R>(portal.call(connect()));
    }
    let payload = catch_unwind(AssertUnwindSafe(|| {
        runner.block_on(async { panic!("{OTHER_PANIC}") })
    }))
    .expect_err("the panic unwinds out of block_on");
    assert_eq!(panic_message(payload.as_ref()), OTHER_PANIC);
}

/// `Error::NeedsTokio` on a backend that does not give tokio's context, the output elsewhere.
fn needs_tokio_where_it_lacks<R: OneOffRunner>(result: Result<bool, Error>) {
    match result {
        Err(Error::NeedsTokio { backend }) => assert_eq!(backend, R::NAME),
        other => assert!(R::PROVIDES_TOKIO && other.is_ok(), "{}: {other:?}", R::NAME),
    }
}

/// In the parent: runs `test` in a child process and checks what it printed on stderr.
fn quiet(test: &str, run_child: fn()) {
    if std::env::var(CHILD).is_ok_and(|name| name == test) {
        watchdog(test, LIMIT, run_child);
        return;
    }
    let output = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, test)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{test}: the child failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("1 passed"), "{test}: no test ran: {stdout}");
    assert!(
        !stderr.contains("no reactor running"),
        "{test}: tokio's panic was printed:\n{stderr}"
    );
    assert_eq!(
        stderr.matches("panicked at").count(),
        1,
        "{test}: the child printed other than its one panic:\n{stderr}"
    );
    assert!(
        stderr.contains(OTHER_PANIC),
        "{test}: the panic that is not tokio's was not printed:\n{stderr}"
    );
}

macro_rules! each_backend {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {$(
        #[cfg(feature = $feature)]
        #[allow(non_snake_case)]
        mod $variant {
            use super::*;

            #[test]
            fn prints_nothing_of_tokio_s_panic() {
                let test = concat!(stringify!($variant), "::prints_nothing_of_tokio_s_panic");
                quiet(test, child::<$runner>);
            }

            /// In `TokioCompat` the same futures run, and nothing is printed either.
            #[cfg(feature = "tokio-compat")]
            #[test]
            fn compat_prints_nothing() {
                let test = concat!(stringify!($variant), "::compat_prints_nothing");
                quiet(test, child::<oneoff::TokioCompat<$runner>>);
            }
        }
    )*};
}

oneoff::for_each_backend!(each_backend);
