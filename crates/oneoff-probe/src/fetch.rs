//! `fetch(arg)` as the probe runs it: each backend on the network stack its users would write
//! it with ([`Stack::native`]), and the check every answer passes before it counts.
//!
//! Every build has `tokio::net` and `async-io`'s sockets (the matrix runs them on every
//! backend); a backend's feature adds its own stack where it has one (`async-std`, `compio`,
//! `monoio`), so that a build for one backend compiles no other runtime's sockets.

use std::io;
use std::net::SocketAddr;

use oneoff::Backend;
use oneoff_workloads::fetch::{Stack, answer, fetch_on};

/// `fetch(arg)` from `addr` on `backend`'s own network stack.
///
/// # Errors
///
/// When the round trip fails, or this build lacks the stack (its backend's feature is off,
/// which no build the parent starts has).
pub(crate) async fn native(backend: Backend, addr: SocketAddr, arg: u64) -> io::Result<u64> {
    fetch_on(Stack::native(backend.name()), addr, arg).await
}

/// The answer of one call if it is `fetch(arg)`'s, else why not, in one line.
pub(crate) fn checked(
    outcome: Result<io::Result<u64>, oneoff::Error>,
    addr: SocketAddr,
    arg: u64,
) -> Result<u64, String> {
    match outcome {
        Ok(Ok(got)) if got == answer(arg) => Ok(got),
        Ok(Ok(got)) => Err(format!(
            "fetch({arg}) returned {got}, expected {}",
            answer(arg)
        )),
        Ok(Err(err)) => Err(format!("fetch({arg}) from {addr} failed: {err}")),
        Err(err) => Err(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use oneoff_workloads::fetch::LoopbackServer;
    use oneoff_workloads::watchdog;

    use super::*;

    #[test]
    fn every_backend_of_the_build_fetches_on_its_own_stack() {
        let server = LoopbackServer::start(100, Duration::from_secs(60)).unwrap();
        let addr = server.addr();
        let fetched = watchdog("native fetch", Duration::from_secs(60), move || {
            Backend::ALL
                .iter()
                .map(|backend| checked(backend.run(native(*backend, addr, 3)), addr, 3))
                .collect::<Vec<_>>()
        });
        assert!(
            fetched.iter().all(|answer| *answer == Ok(300)),
            "{fetched:?}"
        );
        assert_eq!(server.stop(), Backend::ALL.len() as u64);
    }

    #[test]
    fn a_wrong_or_failed_answer_is_one_line() {
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        assert_eq!(
            checked(Ok(Ok(301)), addr, 3).unwrap_err(),
            "fetch(3) returned 301, expected 300"
        );
        let refused = checked(Ok(Err(io::ErrorKind::ConnectionRefused.into())), addr, 3);
        assert!(
            refused
                .unwrap_err()
                .starts_with("fetch(3) from 127.0.0.1:9 failed")
        );
    }
}
