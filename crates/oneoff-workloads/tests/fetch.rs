//! The second workload, `fetch(arg)` (one TCP round trip to a loopback server), on every
//! backend of the list, with every network stack this build has: the backend's own stack and
//! `async-io`'s give the answer, one-shot and on a runner; a runtime's own sockets under any
//! other backend fail: tokio's with `Error::NeedsTokio`, compio's and monoio's with their
//! panic, which reaches the caller as `Error::Panicked`. Each case runs under the watchdog; the server is `std::net` on 127.0.0.1,
//! bounded in connections and lifetime.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use oneoff::{Error, OneOffRunner};
use oneoff_workloads::answer;
use oneoff_workloads::fetch::{LoopbackServer, Stack};

/// How long any one case may take before the watchdog calls it hung.
const LIMIT: Duration = Duration::from_secs(60);

/// `fetch(arg)` on `stack`, one-shot on `R`, with a panic returned as `Error::Panicked`.
fn fetch_on<R: OneOffRunner>(
    stack: Stack,
    addr: SocketAddr,
    arg: u64,
) -> Option<Result<io::Result<u64>, Error>> {
    use oneoff_workloads::fetch as on;
    match stack {
        Stack::AsyncIo => Some(R::try_run(on::fetch_async_io(addr, arg))),
        Stack::Tokio => Some(R::try_run(on::fetch_tokio(addr, arg))),
        Stack::AsyncStd => Some(R::try_run(on::fetch_async_std(addr, arg))),
        Stack::Compio => Some(R::try_run(on::fetch_compio(addr, arg))),
        Stack::Monoio => Some(R::try_run(on::fetch_monoio(addr, arg))),
    }
}

/// Every stack of this build on `R`: the answer where the stack runs under it, an error where
/// it does not (`Error::NeedsTokio` for tokio's, the stack's panic as `Error::Panicked`).
fn every_stack<R: OneOffRunner>() {
    let server = LoopbackServer::start(100, LIMIT).expect("a loopback server");
    let mut answered = 0;
    for (arg, stack) in (1..).zip(Stack::ALL) {
        let Some(outcome) = fetch_on::<R>(stack, server.addr(), arg) else {
            continue;
        };
        if stack.runs_under(R::BACKEND.io()) {
            answered += 1;
            let fetched =
                outcome.unwrap_or_else(|err| panic!("{} on {}: {err}", stack.name(), R::NAME));
            assert_eq!(
                fetched.unwrap(),
                answer(arg),
                "{} on {}",
                stack.name(),
                R::NAME
            );
        } else if matches!(stack, Stack::Tokio) {
            assert!(
                matches!(&outcome, Err(Error::NeedsTokio { backend }) if *backend == R::NAME),
                "tokio under {}: expected Error::NeedsTokio, got {outcome:?}",
                R::NAME
            );
        } else {
            assert!(
                matches!(&outcome, Err(Error::Panicked { backend, .. }) if *backend == R::NAME),
                "{} under {}: expected the stack's panic outside its runtime, got {outcome:?}",
                stack.name(),
                R::NAME
            );
        }
    }
    assert!(answered >= 1, "async-io's stack at least");
    // A foreign stack may connect before it panics (monoio's does), so only a lower bound.
    let served = server.stop();
    assert!(
        served >= answered,
        "{served} connections for {answered} answers"
    );
}

/// The backend's own stack, many times on one runner, and in a one-shot run per call.
fn native_stack_repeatedly<R: OneOffRunner>() {
    let server = LoopbackServer::start(1_000, LIMIT).expect("a loopback server");
    let stack = Stack::native(R::BACKEND.io());
    for arg in 0..20 {
        let fetched = fetch_on::<R>(stack, server.addr(), arg)
            .expect("the build has the backend's own stack")
            .unwrap();
        assert_eq!(fetched.unwrap(), answer(arg));
    }
    let runner = R::new().unwrap();
    for arg in 0..50 {
        let fetched = runner
            .block_on(fetch_native::<R>(server.addr(), arg))
            .unwrap();
        assert_eq!(fetched.unwrap(), answer(arg));
    }
    assert_eq!(server.stop(), 70);
}

/// The backend's own stack as one future type, for a runner's `block_on`.
async fn fetch_native<R: OneOffRunner>(addr: SocketAddr, arg: u64) -> io::Result<u64> {
    use oneoff_workloads::fetch as on;
    match Stack::native(R::BACKEND.io()) {
        Stack::Tokio => on::fetch_tokio(addr, arg).await,
        Stack::AsyncStd => on::fetch_async_std(addr, arg).await,
        Stack::Compio => on::fetch_compio(addr, arg).await,
        Stack::Monoio => on::fetch_monoio(addr, arg).await,
        Stack::AsyncIo => on::fetch_async_io(addr, arg).await,
    }
}

/// A bad answer is an error, not a panic or a hang: a server that answers nonsense.
#[test]
fn a_bad_answer_is_an_error() {
    let result = oneoff_workloads::watchdog("fetch::a_bad_answer_is_an_error", LIMIT, || {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            BufReader::new(&stream)
                .read_line(&mut String::new())
                .unwrap();
            (&stream).write_all(b"not a number\n").unwrap();
        });
        let outcome =
            futures_lite::future::block_on(oneoff_workloads::fetch::fetch_async_io(addr, 1));
        server.join().unwrap();
        outcome
    });
    let err = result.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert!(
        err.to_string().contains("not one line with a number"),
        "{err}"
    );
}

/// Instantiates the cases for each backend of the list, each under the watchdog.
macro_rules! fetch_cases {
    ($($(#[$doc:meta])* $name:literal (feature $feature:literal) $variant:ident => $runner:ty,)*) => {$(
        #[allow(non_snake_case)]
        mod $variant {
            use super::*;

            #[test]
            fn every_stack() {
                let name = concat!(stringify!($variant), "::every_stack");
                oneoff_workloads::watchdog(name, LIMIT, super::every_stack::<$runner>);
            }

            #[test]
            fn native_stack_repeatedly() {
                let name = concat!(stringify!($variant), "::native_stack_repeatedly");
                oneoff_workloads::watchdog(name, LIMIT, super::native_stack_repeatedly::<$runner>);
            }
        }
    )*};
}

oneoff::for_each_backend!(fetch_cases);
