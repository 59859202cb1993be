//! What the runners of tokio's current-thread schedulers (`Tokio`, `TokioLocal`) owe beyond the
//! conformance suite: a bounded teardown, and a timed-out call that lets the tasks it woke run
//! before it returns, since those runtimes run their tasks only inside a call.
#![cfg(any(feature = "tokio", feature = "tokio-local"))]

use std::io::{ErrorKind, Read};
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use oneoff::{Error, OneOffRunner};
use oneoff_workloads::watchdog;

const LIMIT: Duration = Duration::from_secs(60);

/// A request as an HTTP client makes one: the socket is owned by a connection task spawned
/// onto the runtime, which ends (and so closes the socket) once the request side is dropped.
/// The server never answers, so the request waits until its timeout drops it.
async fn request_through_a_connection_task(address: std::net::SocketAddr) {
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let (request, requests) = smol::channel::bounded::<()>(1);
    tokio::spawn(async move {
        let _socket = stream;
        // An error once the request side is gone.
        let _ = requests.recv().await;
    });
    let _request = request;
    std::future::pending::<()>().await
}

/// A runner's `block_on_timeout` gives up on a request whose connection task owns the socket:
/// the socket is closed when the call returns, not at the runner's next call.
fn closes_what_a_timed_out_request_left<R: OneOffRunner>() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let runner = R::new().unwrap();
    let timed_out = runner.block_on_timeout(
        request_through_a_connection_task(address),
        Duration::from_millis(300),
    );
    assert!(
        matches!(timed_out, Err(Error::Timeout { .. })),
        "{timed_out:?}"
    );
    let (mut server_side, _) = listener.accept().unwrap();
    // Generous: the bug kept the socket open until the runner's next call, for ever here.
    server_side
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut byte = [0; 1];
    match server_side.read(&mut byte) {
        Ok(0) => {}
        Ok(_) => panic!("{}: the client sent data", R::NAME),
        Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            panic!(
                "{}: the socket of the timed-out request was still open 5 s after the call \
                 returned",
                R::NAME
            )
        }
        Err(err) if err.kind() == ErrorKind::ConnectionReset => {}
        Err(err) => panic!("{}: {err}", R::NAME),
    }
    // The runner stays usable.
    assert_eq!(runner.block_on(async { 1 }).unwrap(), 1);
}

#[cfg(feature = "tokio")]
#[test]
fn tokio_closes_what_a_timed_out_request_left() {
    watchdog("tokio timeout closes", LIMIT, || {
        closes_what_a_timed_out_request_left::<oneoff::Tokio>();
        closes_what_a_timed_out_request_left::<oneoff::TokioMultiThread>();
    });
}

#[cfg(feature = "tokio-local")]
#[test]
fn tokio_local_closes_what_a_timed_out_request_left() {
    watchdog("tokio-local timeout closes", LIMIT, || {
        closes_what_a_timed_out_request_left::<oneoff::TokioLocal>();
    });
}

/// A one-shot run that leaves a `spawn_blocking` job running returns within the teardown
/// bound (one second), not when the job ends.
fn teardown_is_bounded<R: OneOffRunner>() {
    let started = Instant::now();
    R::run(async {
        let (running, job_started) = mpsc::channel();
        drop(tokio::task::spawn_blocking(move || {
            running.send(()).unwrap();
            thread::sleep(Duration::from_secs(10));
        }));
        // Waits until the job runs, so that teardown has a job to wait for.
        tokio::task::spawn_blocking(move || job_started.recv().unwrap())
            .await
            .unwrap();
    })
    .unwrap();
    let took = started.elapsed();
    // Generous: the bound is 1 s, and the bug waited for the job's 10 s.
    assert!(
        took < Duration::from_secs(6),
        "{}: a one-shot run waited {took:?} for a job it left behind",
        R::NAME
    );
}

#[cfg(feature = "tokio")]
#[test]
fn tokio_teardown_is_bounded() {
    watchdog("tokio teardown", LIMIT, || {
        teardown_is_bounded::<oneoff::Tokio>();
        teardown_is_bounded::<oneoff::TokioMultiThread>();
    });
}

#[cfg(feature = "tokio-local")]
#[test]
fn tokio_local_teardown_is_bounded() {
    watchdog("tokio-local teardown", LIMIT, || {
        teardown_is_bounded::<oneoff::TokioLocal>();
    });
}
