//! A oneoff smol call from a thread-local's destructor runs its future instead of panicking,
//! whichever of the thread's thread-locals are gone by then: smol's thread-local parker, the
//! runner named for `spawn`, or neither.

use std::sync::Mutex;
use std::time::Duration;

use oneoff_core::Error;
use oneoff_smol::Smol;
use oneoff_workloads::watchdog;

const LIMIT: Duration = Duration::from_secs(60);

/// What each destructor's calls gave, or the panic they raised.
static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Makes oneoff smol calls when the thread's thread-locals are destroyed.
struct CallsOnDrop(&'static str);

impl Drop for CallsOnDrop {
    fn drop(&mut self) {
        let calls = std::panic::catch_unwind(|| {
            // A timer: the reactor must be driven, by this thread or by async-io's.
            let timed = Smol::run(async {
                smol::Timer::after(Duration::from_millis(1)).await;
                5
            });
            let runner = Smol::new().unwrap();
            let spawned = runner.block_on(async { oneoff_smol::spawn(async { 6 }).map(drop) });
            (timed, spawned)
        });
        let seen = match calls {
            Ok((timed, spawned)) => {
                // `spawn` may find no run to spawn onto here, but must say so.
                let spawned = match spawned {
                    Ok(Ok(())) => "spawned".to_owned(),
                    Ok(Err(Error::Unsupported { reason, .. })) => format!("unsupported: {reason}"),
                    other => format!("{other:?}"),
                };
                format!("{}: {:?}, {spawned}", self.0, timed)
            }
            Err(payload) => format!(
                "{}: panicked: {}",
                self.0,
                oneoff_core::panic_message(payload.as_ref())
            ),
        };
        SEEN.lock().unwrap().push(seen);
    }
}

thread_local! {
    static BEFORE: CallsOnDrop = const { CallsOnDrop("made before the first run") };
    static AFTER: CallsOnDrop = const { CallsOnDrop("made after the first run") };
}

#[test]
fn calls_from_thread_local_destructors_run() {
    watchdog("smol from a thread-local destructor", LIMIT, || {
        std::thread::spawn(|| {
            // Made before smol's parker, so destroyed after it; `AFTER` the other way round.
            BEFORE.with(|_| {});
            let spawned = Smol::run(async { oneoff_smol::spawn(async { 1 }).unwrap().await });
            assert_eq!(spawned.unwrap(), 1);
            AFTER.with(|_| {});
        })
        .join()
        .unwrap();
        let seen = SEEN.lock().unwrap();
        assert_eq!(seen.len(), 2, "{seen:?}");
        for seen in seen.iter() {
            assert!(seen.contains("Ok(5)"), "{seen}");
            assert!(!seen.contains("panicked"), "{seen}");
            assert!(
                seen.ends_with("spawned") || seen.contains("thread-locals are being destroyed"),
                "{seen}"
            );
        }
    });
}
