//! `fetch`: one TCP round trip to a loopback server (connect, one request line, one answer
//! line), each backend on the network stack its users would write it with: tokio's sockets on
//! tokio's runtimes, compio's on compio, monoio's on monoio, async-std's on async-std, and
//! `async-io`'s everywhere else. The server is `oneoff_workloads::fetch::LoopbackServer`
//! (`std::net` on 127.0.0.1, one thread), started once for the group.
//!
//! The floor is one poll of the `async-io` fetch: the connect it starts, a lower bound.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use oneoff_benches::{
    DirectAsyncStd, DirectCompio, DirectFuturesExecutor, DirectFuturesLite, DirectMonoio,
    DirectPollster, DirectSmol, DirectTokio, DirectTokioLocal, DirectTokioMultiThread,
    bench_backend,
};
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
    let mut group = c.benchmark_group("fetch");
    oneoff_benches::bench_floor(&mut group, &|| fetch_async_io(addr, 1));
    let on_tokio = || fetch_tokio(addr, 1);
    let on_async_io = || fetch_async_io(addr, 1);
    bench_backend::<DirectTokio, _>(&mut group, &on_tokio);
    bench_backend::<DirectTokioMultiThread, _>(&mut group, &on_tokio);
    bench_backend::<DirectSmol, _>(&mut group, &on_async_io);
    bench_backend::<DirectFuturesLite, _>(&mut group, &on_async_io);
    bench_backend::<DirectPollster, _>(&mut group, &on_async_io);
    bench_backend::<DirectTokioLocal, _>(&mut group, &on_tokio);
    bench_backend::<DirectFuturesExecutor, _>(&mut group, &on_async_io);
    bench_backend::<DirectCompio, _>(&mut group, &|| fetch_compio(addr, 1));
    bench_backend::<DirectMonoio, _>(&mut group, &|| fetch_monoio(addr, 1));
    bench_backend::<DirectAsyncStd, _>(&mut group, &|| fetch_async_std(addr, 1));
    group.finish();
    drop(server);
}

criterion_group! {
    name = benches;
    config = oneoff_benches::criterion();
    targets = fetch
}
criterion_main!(benches);
