//! `OneOffRunner::spawn` finds the pool of the runner whose `block_on` runs the calling code,
//! among several runners of one thread, and none once that runner is dropped.

use std::cell::Cell;
use std::rc::Rc;

use futures_channel::oneshot;
use oneoff_core::{Error, OneOffRunner};
use oneoff_futures_executor::FuturesExecutor;

#[test]
fn spawn_goes_to_the_pool_of_the_running_runner() {
    let first = FuturesExecutor::new().unwrap();
    let second = FuturesExecutor::new().unwrap();
    let (send, receive) = oneshot::channel::<u32>();
    // A task that waits, left on `first`'s pool by a run of `first`.
    let task = first
        .block_on(async { FuturesExecutor::spawn(async move { receive.await.unwrap() }) })
        .unwrap()
        .unwrap();
    let seen = Rc::new(Cell::new(0));
    let seen_here = Rc::clone(&seen);
    second
        .block_on(async move {
            let inner = FuturesExecutor::spawn(async { 2 }).unwrap();
            seen_here.set(inner.await.unwrap());
        })
        .unwrap();
    assert_eq!(seen.get(), 2, "second's task did not run on second's pool");
    send.send(9).unwrap();
    // The waiting task is on `first`'s pool: `first`'s run drives it to the answer.
    assert_eq!(first.block_on(task).unwrap().unwrap(), 9);
}

#[test]
fn a_dropped_runner_is_not_found_and_spawn_outside_a_run_is_refused() {
    assert!(matches!(
        FuturesExecutor::spawn(async {}),
        Err(Error::Unsupported { .. })
    ));
    let runner = FuturesExecutor::new().unwrap();
    let three = runner.block_on(async { FuturesExecutor::spawn(async { 3 }).unwrap().await });
    assert_eq!(three.unwrap().unwrap(), 3);
    drop(runner);
    // A one-shot run has no pool, whatever runners existed before it.
    let refused = FuturesExecutor::run(async { FuturesExecutor::spawn(async {}).is_err() });
    assert!(refused.unwrap());
    let next = FuturesExecutor::new().unwrap();
    let four = next.block_on(async { FuturesExecutor::spawn(async { 4 }).unwrap().await });
    assert_eq!(four.unwrap().unwrap(), 4);
}

#[test]
fn a_panicking_run_puts_the_mark_back() {
    let runner = FuturesExecutor::new().unwrap();
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runner.block_on(async { std::panic::panic_any(1_u16) })
    }));
    assert!(unwound.is_err());
    assert!(matches!(
        FuturesExecutor::spawn(async {}),
        Err(Error::Unsupported { .. })
    ));
    let five = runner.block_on(async { FuturesExecutor::spawn(async { 5 }).unwrap().await });
    assert_eq!(five.unwrap().unwrap(), 5);
}
