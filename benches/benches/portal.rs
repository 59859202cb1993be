//! `portal`: the round trip of a ready future through a `BlockingPortal` (sent from the bench's
//! thread, run on the portal's, its output handed back), on every backend (`call`), and on
//! `TokioCompat` where the backend does not provide tokio (`compat-call`), beside its direct twin
//! where one is written: the same round trip by hand with a channel and a runtime kept on a
//! thread, as `reqwest::blocking` does. And `compat`: the per-call cost of `TokioCompat` on every
//! backend that does not provide tokio, beside the same call without it. `cargo xtask compare`
//! reads `portal/<backend>/call` and the `compat` group from here.
//!
//! Ids: `portal/<backend>/{call,compat-call,direct}`, `portal/none/floor`;
//! `compat/<backend>/{reused,compat-reused,oneshot,compat-oneshot,compat-tokio-spawn}` and
//! `compat/tokio/tokio-spawn`.

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, criterion_group, criterion_main};
use oneoff::{
    AsyncStd, BlockingPortal, FuturesLite, OneOffRunner, Pollster, Smol, Tokio, TokioCompat,
    TokioMultiThread,
};
use oneoff_benches::{EachRunner, for_each_runner};

/// A job of the hand-written twins: a boxed future that hands its output back itself.
type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A runtime kept on a thread of its own, fed jobs over a channel: the portal written by hand.
struct ByHand {
    send: Box<dyn Fn(Job)>,
    thread: Option<JoinHandle<()>>,
}

impl ByHand {
    /// A tokio runtime on a thread, fed over tokio's unbounded channel, each job a
    /// `tokio::spawn` task.
    fn tokio(mut builder: tokio::runtime::Builder) -> ByHand {
        let runtime = builder.enable_all().build().expect("tokio runtime");
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<Job>();
        let thread = thread::spawn(move || {
            runtime.block_on(async move {
                while let Some(job) = receiver.recv().await {
                    tokio::spawn(job);
                }
            })
        });
        ByHand {
            send: Box::new(move |job| sender.send(job).expect("the runtime thread runs")),
            thread: Some(thread),
        }
    }

    /// `block_on` (the backend's) of a smol executor on a thread, fed over smol's unbounded
    /// channel, each job an executor task.
    fn executor(block_on: fn(Pin<Box<dyn Future<Output = ()> + Send>>)) -> ByHand {
        let (sender, receiver) = smol::channel::unbounded::<Job>();
        let thread = thread::spawn(move || {
            let executor = smol::Executor::new();
            block_on(Box::pin(async move {
                executor
                    .run(async {
                        while let Ok(job) = receiver.recv().await {
                            executor.spawn(job).detach();
                        }
                    })
                    .await
            }))
        });
        ByHand {
            send: Box::new(move |job| sender.try_send(job).expect("the runtime thread runs")),
            thread: Some(thread),
        }
    }

    /// Sends a ready future and waits for its output.
    fn call(&self, value: u64) -> u64 {
        let (reply, replied) = mpsc::sync_channel(1);
        (self.send)(Box::pin(async move {
            let _ = reply.send(black_box(value));
        }));
        replied.recv().expect("the runtime thread replies")
    }
}

impl Drop for ByHand {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop.
        self.send = Box::new(|_| {});
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the runtime thread ends");
        }
    }
}

/// `portal/<name>/<variant>`: a ready future's round trip through a portal of `R`.
fn bench_call<R: OneOffRunner + 'static>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    variant: &str,
) {
    let portal = BlockingPortal::<R>::new().expect("portal");
    group.bench_function(BenchmarkId::new(name, variant), |b| {
        b.iter(|| {
            portal
                .call(async { black_box(1_u64) })
                .expect("portal call")
        })
    });
    portal.close().expect("portal closes");
}

/// The portal of every backend, and of its `TokioCompat` where it does not provide tokio.
struct Portals<'g, 'c>(&'g mut BenchmarkGroup<'c, WallTime>);

impl EachRunner for Portals<'_, '_> {
    fn runner<B: OneOffRunner + 'static>(&mut self) {
        bench_call::<B>(self.0, B::NAME, "call");
        if !B::PROVIDES_TOKIO {
            bench_call::<TokioCompat<B>>(self.0, B::NAME, "compat-call");
        }
    }
}

/// `portal/<name>/direct`: the portal's round trip by hand, on the runtime thread `make` starts.
fn by_hand(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, make: impl FnOnce() -> ByHand) {
    let by_hand = make();
    group.bench_function(BenchmarkId::new(name, "direct"), |b| {
        b.iter(|| by_hand.call(1))
    });
}

fn portal(c: &mut Criterion) {
    let mut group = c.benchmark_group("portal");
    oneoff_benches::bench_floor(&mut group, &|| async { 1_u64 });
    for_each_runner(&mut Portals(&mut group));
    let tokio = |builder| move || ByHand::tokio(builder);
    let executor = |block_on| move || ByHand::executor(block_on);
    let current_thread = tokio::runtime::Builder::new_current_thread;
    by_hand(&mut group, Tokio::NAME, tokio(current_thread()));
    by_hand(
        &mut group,
        TokioMultiThread::NAME,
        tokio(tokio::runtime::Builder::new_multi_thread()),
    );
    by_hand(&mut group, Smol::NAME, executor(smol::block_on));
    by_hand(
        &mut group,
        FuturesLite::NAME,
        executor(futures_lite::future::block_on),
    );
    by_hand(&mut group, Pollster::NAME, executor(pollster::block_on));
    by_hand(
        &mut group,
        AsyncStd::NAME,
        executor(async_std::task::block_on),
    );
    group.finish();
}

/// `TokioCompat<B>` beside `B`, reused and one-shot, on a ready future, for every backend that
/// does not provide tokio.
struct Compats<'g, 'c>(&'g mut BenchmarkGroup<'c, WallTime>);

impl EachRunner for Compats<'_, '_> {
    fn runner<B: OneOffRunner + 'static>(&mut self) {
        if !B::PROVIDES_TOKIO {
            bench_compat::<B>(self.0);
        }
    }
}

fn bench_compat<R: OneOffRunner>(group: &mut BenchmarkGroup<'_, WallTime>) {
    let name = R::NAME;
    let ready = || async { black_box(1_u64) };
    {
        let runner = R::new().expect("runner");
        group.bench_function(BenchmarkId::new(name, "reused"), |b| {
            b.iter(|| runner.block_on(ready()).expect("run"))
        });
    }
    {
        let runner = TokioCompat::<R>::new().expect("runner");
        group.bench_function(BenchmarkId::new(name, "compat-reused"), |b| {
            b.iter(|| runner.block_on(ready()).expect("run"))
        });
    }
    group.bench_function(BenchmarkId::new(name, "oneshot"), |b| {
        b.iter(|| R::run(ready()).expect("run"))
    });
    group.bench_function(BenchmarkId::new(name, "compat-oneshot"), |b| {
        b.iter(|| TokioCompat::<R>::run(ready()).expect("run"))
    });
    {
        let runner = TokioCompat::<R>::new().expect("runner");
        group.bench_function(BenchmarkId::new(name, "compat-tokio-spawn"), |b| {
            b.iter(|| runner.block_on(tokio_spawn()).expect("run"))
        });
    }
}

/// A future whose progress needs the tokio runtime: a `tokio::spawn` task, awaited. Under
/// `TokioCompat` the task runs on the compatibility thread; on `Tokio`, on the calling one.
async fn tokio_spawn() -> u64 {
    tokio::spawn(async { black_box(1_u64) })
        .await
        .expect("the task completes")
}

fn compat(c: &mut Criterion) {
    let mut group = c.benchmark_group("compat");
    oneoff_benches::bench_floor(&mut group, &|| async { 1_u64 });
    {
        // The baseline of `compat-tokio-spawn`: the same future on tokio's own runtime.
        let runner = Tokio::new().expect("runner");
        group.bench_function(BenchmarkId::new(Tokio::NAME, "tokio-spawn"), |b| {
            b.iter(|| runner.block_on(tokio_spawn()).expect("run"))
        });
    }
    for_each_runner(&mut Compats(&mut group));
    group.finish();
}

criterion_group! {
    name = benches;
    config = oneoff_benches::criterion();
    targets = portal, compat
}
criterion_main!(benches);
