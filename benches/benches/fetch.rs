//! `fetch`: one TCP round trip to a loopback server (connect, one request line, one answer
//! line), each backend on the network stack its users would write it with: tokio's sockets on
//! tokio's runtimes, compio's on compio, monoio's on monoio, async-std's on async-std, and
//! `async-io`'s everywhere else. The server is `oneoff_workloads::fetch::LoopbackServer`
//! (`std::net` on 127.0.0.1, one thread), started once for the group.
//!
//! The floor is one poll of the `async-io` fetch: the connect it starts, a lower bound.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use oneoff::{
    AsyncStd, Compio, FuturesExecutor, FuturesLite, Monoio, Pollster, Smol, Tokio, TokioLocal,
    TokioMultiThread,
};
use oneoff_benches::Plan;
use oneoff_workloads::fetch::{
    LoopbackServer, fetch_async_io, fetch_async_std, fetch_compio, fetch_monoio, fetch_tokio,
};

/// Enough connections for a full run of the group; the server stops by itself after them, or
/// after this long.
const MAX_REQUESTS: u64 = 50_000_000;
const LIFETIME: Duration = Duration::from_secs(3600);

fn fetch(c: &mut Criterion) {
    let server = LoopbackServer::start(MAX_REQUESTS, LIFETIME).expect("a loopback server");
    let addr = server.addr();
    let floor = || fetch_async_io(addr, 1);
    let on_tokio = || fetch_tokio(addr, 1);
    let on_async_io = || fetch_async_io(addr, 1);
    let on_compio = || fetch_compio(addr, 1);
    let on_monoio = || fetch_monoio(addr, 1);
    let on_async_std = || fetch_async_std(addr, 1);
    let mut plan = Plan::new("fetch");
    plan.floor(&floor);
    plan.backend::<Tokio, _>(&on_tokio);
    plan.backend::<TokioMultiThread, _>(&on_tokio);
    plan.backend::<Smol, _>(&on_async_io);
    plan.backend::<FuturesLite, _>(&on_async_io);
    plan.backend::<Pollster, _>(&on_async_io);
    plan.backend::<TokioLocal, _>(&on_tokio);
    plan.backend::<FuturesExecutor, _>(&on_async_io);
    plan.backend::<Compio, _>(&on_compio);
    plan.backend::<Monoio, _>(&on_monoio);
    plan.backend::<AsyncStd, _>(&on_async_std);
    plan.run(c);
    drop(server);
}

criterion_group! {
    name = benches;
    config = oneoff_benches::criterion();
    targets = fetch
}
criterion_main!(benches);
