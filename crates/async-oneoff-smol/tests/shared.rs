//! The fast path of a run (no `Executor::run` while nothing was spawned) must not strand a task:
//! on a runner shared by threads, a task spawned by one thread's run is driven for a run on
//! another thread that waits for it, even when the spawning run returns at once.

use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use oneoff_smol::Smol;
use oneoff_workloads::watchdog;

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn a_task_spawned_by_one_thread_is_driven_for_a_run_waiting_on_another() {
    watchdog("smol shared runner", LIMIT, || {
        for _ in 0..200 {
            let runner = Arc::new(Smol::new().unwrap());
            let (send, receive) = smol::channel::bounded::<u32>(1);
            let (started, started_here) = mpsc::channel();
            let waiter = {
                let runner = Arc::clone(&runner);
                thread::spawn(move || {
                    runner.block_on(async move {
                        started.send(()).unwrap();
                        receive.recv().await.unwrap()
                    })
                })
            };
            started_here.recv().unwrap();
            // This run spawns the task that answers the waiter, and returns at once.
            runner
                .block_on(async move {
                    oneoff_smol::spawn(async move { send.send(7).await.unwrap() })
                        .unwrap()
                        .detach()
                })
                .unwrap();
            assert_eq!(waiter.join().unwrap().unwrap(), 7);
        }
    });
}

#[test]
fn an_adopted_executor_runs_tasks_other_threads_spawned() {
    watchdog("smol adopted executor", LIMIT, || {
        let executor = Arc::new(smol::Executor::new());
        let runner = Smol::with_executor(Arc::clone(&executor));
        let (send, receive) = smol::channel::bounded::<u32>(1);
        let spawner = thread::spawn(move || {
            executor
                .spawn(async move { send.send(9).await.unwrap() })
                .detach()
        });
        spawner.join().unwrap();
        assert_eq!(
            runner
                .block_on(async { receive.recv().await.unwrap() })
                .unwrap(),
            9
        );
    });
}
