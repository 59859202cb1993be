//! A group's benchmarks in a shuffled order: the floor first, then every oneoff/direct pair at a
//! random place (a oneoff variant without a direct twin alone), its two halves in a random order,
//! so that no variant always runs after the same one (a oneoff variant that always ran right before
//! its direct twin read up to ×1.7 slower by order alone). The order is seeded: the seed is printed
//! and recorded, and `ONEOFF_BENCH_SEED` repeats it.

use std::future::Future;
use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion};

use crate::config::quick;
use oneoff::OneOffRunner;

use crate::direct::{Direct, EachBackend, floor, for_each_backend};
use crate::record::{MeasuredBench, Record, Session, unix_ns};

/// Registers one benchmark in a group when it runs.
type Registration<'a> = Box<dyn for<'g> FnOnce(&mut BenchmarkGroup<'g, WallTime>) + 'a>;

/// One benchmark of the plan.
struct Bench<'a> {
    backend: String,
    variant: String,
    job: Registration<'a>,
}

/// A oneoff variant and its direct twin, run one right after the other; or the oneoff variant
/// alone, for a backend without a twin.
struct BenchPair<'a> {
    oneoff: Bench<'a>,
    direct: Option<Bench<'a>>,
}

/// The benchmarks of one workload's group, run in a seeded shuffled order.
///
/// # Examples
///
/// ```no_run
/// use oneoff_benches::Plan;
///
/// let mut criterion = oneoff_benches::criterion();
/// let make = || async { 1 };
/// let mut plan = Plan::new("ready");
/// plan.floor(&make);
/// plan.backend::<oneoff::Smol, _>(&make);
/// plan.run(&mut criterion);
/// ```
pub struct Plan<'a> {
    workload: String,
    floor: Option<Bench<'a>>,
    pairs: Vec<BenchPair<'a>>,
    twins: Vec<[String; 2]>,
}

impl<'a> Plan<'a> {
    /// An empty plan for the group `workload`.
    pub fn new(workload: &str) -> Self {
        Plan {
            workload: workload.to_owned(),
            floor: None,
            pairs: Vec::new(),
            twins: Vec::new(),
        }
    }

    /// The floor of `make`'s future, `<workload>/none/floor`, run first.
    pub fn floor<Fut: Future>(&mut self, make: &'a impl Fn() -> Fut) {
        self.floor = Some(bench("none", "floor", move |group, id| {
            group.bench_function(id, |b| b.iter(|| floor(make())));
        }));
    }

    /// The four variants of backend `B` on `make`'s futures, as two pairs: `oneshot` with
    /// `direct-oneshot`, `reused` with `direct-reused`. Each kept runtime lives only while its
    /// own variant runs, so that no idle runtime's threads share the machine with another
    /// variant.
    ///
    /// # Panics
    ///
    /// When a oneoff call fails (a runtime that cannot start, a nested call): a bench that
    /// does not measure what it says must not report a figure.
    pub fn backend<B: Direct, Fut: Future>(&mut self, make: &'a impl Fn() -> Fut) {
        let name = B::NAME;
        self.pairs.push(BenchPair {
            oneoff: oneshot::<B, _>(make),
            direct: Some(bench(name, "direct-oneshot", move |group, id| {
                group.bench_function(id, |b| b.iter(|| B::direct_oneshot(black_box(make()))));
            })),
        });
        self.pairs.push(BenchPair {
            oneoff: reused::<B, _>(make),
            direct: Some(bench(name, "direct-reused", move |group, id| {
                let kept = B::keep();
                group.bench_function(id, |b| {
                    b.iter(|| B::direct_reused(&kept, black_box(make())))
                });
            })),
        });
        if B::SAME_CALL_TWICE {
            let workload = &self.workload;
            let twin = [
                format!("{workload}/{name}/direct-oneshot"),
                format!("{workload}/{name}/direct-reused"),
            ];
            self.twins.push(twin);
        }
    }

    /// The two oneoff variants of backend `B`, which has no direct twin: `oneshot` and
    /// `reused`, each alone.
    pub fn without_twin<B: OneOffRunner + 'static, Fut: Future>(
        &mut self,
        make: &'a impl Fn() -> Fut,
    ) {
        for oneoff in [oneshot::<B, _>(make), reused::<B, _>(make)] {
            self.pairs.push(BenchPair {
                oneoff,
                direct: None,
            });
        }
    }

    /// Every backend's variants on `make`'s futures, its direct twins where it has them (see
    /// [`for_each_backend`]).
    pub fn every_backend<Fut: Future>(&mut self, make: &'a impl Fn() -> Fut) {
        struct Add<'p, 'a, M> {
            plan: &'p mut Plan<'a>,
            make: &'a M,
        }
        impl<'a, Fut: Future, M: Fn() -> Fut> EachBackend for Add<'_, 'a, M> {
            fn twin<B: Direct>(&mut self) {
                self.plan.backend::<B, Fut>(self.make);
            }
            fn alone<B: OneOffRunner + 'static>(&mut self) {
                self.plan.without_twin::<B, Fut>(self.make);
            }
        }
        for_each_backend(&mut Add { plan: self, make });
    }

    /// A hand-written pair: `<backend>/<oneoff_variant>` through oneoff and
    /// `<backend>/<direct_variant>` written directly, each a routine for
    /// `BenchmarkGroup::bench_function`.
    pub fn pair_of(
        &mut self,
        backend: &str,
        (oneoff_variant, mut oneoff): (&str, impl FnMut(&mut criterion::Bencher<'_>) + 'a),
        (direct_variant, mut direct): (&str, impl FnMut(&mut criterion::Bencher<'_>) + 'a),
    ) {
        self.pairs.push(BenchPair {
            oneoff: bench(backend, oneoff_variant, move |group, id| {
                group.bench_function(id, |b| oneoff(b));
            }),
            direct: Some(bench(backend, direct_variant, move |group, id| {
                group.bench_function(id, |b| direct(b));
            })),
        });
    }

    /// The order the benchmarks run in, for `seed`: the floor, then the pairs shuffled, each
    /// pair's halves in a random order.
    fn schedule(self, seed: u64) -> (Vec<Bench<'a>>, Vec<[String; 2]>) {
        let mut rng = fastrand::Rng::with_seed(seed ^ fnv1a(&self.workload));
        let mut pairs = self.pairs;
        rng.shuffle(&mut pairs);
        let mut order: Vec<Bench<'a>> = self.floor.into_iter().collect();
        for BenchPair { oneoff, direct } in pairs {
            match direct {
                Some(direct) if rng.bool() => order.extend([oneoff, direct]),
                Some(direct) => order.extend([direct, oneoff]),
                None => order.push(oneoff),
            }
        }
        (order, self.twins)
    }

    /// Runs the group in its shuffled order and, when benchmarking, records the run.
    pub fn run(self, c: &mut Criterion) {
        let session = Session::get();
        let workload = self.workload.clone();
        let mut record = Record::new(session, &workload, quick());
        let (order, twins) = self.schedule(session.seed);
        record.twins = twins;
        let mut group = c.benchmark_group(workload.as_str());
        for Bench {
            backend,
            variant,
            job,
        } in order
        {
            let id = format!("{workload}/{backend}/{variant}");
            let before = session.estimates_written(&id);
            job(&mut group);
            // Unchanged estimates: criterion's filter skipped it.
            if let Some(written) = session.estimates_written(&id)
                && Some(written) != before
            {
                record.measured.push(MeasuredBench {
                    id: id.clone(),
                    estimates_mtime_ns: written,
                });
            }
            record.order.push(id);
        }
        group.finish();
        record.finished_unix_ns = unix_ns(std::time::SystemTime::now());
        session.write(&record);
    }
}

/// `<backend>/oneshot`: [`OneOffRunner::run`] of `make`'s future, a fresh runtime each time.
fn oneshot<'a, B: OneOffRunner + 'static, Fut: Future>(make: &'a impl Fn() -> Fut) -> Bench<'a> {
    bench(B::NAME, "oneshot", move |group, id| {
        group.bench_function(id, |b| {
            b.iter(|| B::run(black_box(make())).expect("oneoff one-shot run"))
        });
    })
}

/// `<backend>/reused`: [`OneOffRunner::block_on`] of `make`'s future on a runner kept while
/// the benchmark runs.
fn reused<'a, B: OneOffRunner + 'static, Fut: Future>(make: &'a impl Fn() -> Fut) -> Bench<'a> {
    bench(B::NAME, "reused", move |group, id| {
        let runner = B::new().expect("oneoff runner");
        group.bench_function(id, |b| {
            b.iter(|| {
                runner
                    .block_on(black_box(make()))
                    .expect("oneoff reused run")
            })
        });
    })
}

/// A benchmark whose `register` gets the group and its id when it runs.
fn bench<'a>(
    backend: &str,
    variant: &str,
    register: impl for<'g> FnOnce(&mut BenchmarkGroup<'g, WallTime>, BenchmarkId) + 'a,
) -> Bench<'a> {
    let id = BenchmarkId::new(backend, variant);
    Bench {
        backend: backend.to_owned(),
        variant: variant.to_owned(),
        job: Box::new(move |group| register(group, id)),
    }
}

/// A stable hash of a group's name, so that each group gets its own order from one seed.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(plan: Plan<'_>, seed: u64) -> Vec<String> {
        let (order, _) = plan.schedule(seed);
        order
            .into_iter()
            .map(|bench| format!("{}/{}", bench.backend, bench.variant))
            .collect()
    }

    fn plan() -> Plan<'static> {
        static MAKE: fn() -> std::future::Ready<u8> = || std::future::ready(1);
        let mut plan = Plan::new("ready");
        plan.floor(&MAKE);
        plan.every_backend(&MAKE);
        plan
    }

    #[test]
    fn the_same_seed_gives_the_same_order() {
        assert_eq!(ids(plan(), 7), ids(plan(), 7));
        assert_ne!(ids(plan(), 7), ids(plan(), 8));
    }

    #[test]
    fn the_floor_leads_and_each_pair_stays_together_in_both_orders() {
        let order = ids(plan(), 42);
        assert_eq!(order[0], "none/floor");
        // A backend of the list without a direct twin has its oneoff variants alone.
        let twinned = |backend: &str| {
            let direct = format!("{backend}/direct-");
            order.iter().any(|id| id.starts_with(&direct))
        };
        let (mut i, mut pairs, mut oneoff_first) = (1, 0, 0);
        while i < order.len() {
            let (backend_a, variant_a) = order[i].split_once('/').unwrap();
            if !twinned(backend_a) {
                i += 1;
                continue;
            }
            let Some(b) = order.get(i + 1) else {
                panic!("an unpaired benchmark: {order:?}")
            };
            let (backend_b, variant_b) = b.split_once('/').unwrap();
            assert_eq!(backend_a, backend_b, "{order:?}");
            let (oneoff, direct) = if variant_a.starts_with("direct-") {
                (variant_b, variant_a)
            } else {
                oneoff_first += 1;
                (variant_a, variant_b)
            };
            assert_eq!(direct, format!("direct-{oneoff}"), "{order:?}");
            pairs += 1;
            i += 2;
        }
        assert!(
            0 < oneoff_first && oneoff_first < pairs,
            "every pair in the same order: {order:?}"
        );
    }

    #[test]
    fn every_backend_of_the_list_is_planned() {
        let order = ids(plan(), 1);
        for backend in oneoff::Backend::ALL {
            for variant in ["oneshot", "reused"] {
                let id = format!("{backend}/{variant}");
                assert!(order.contains(&id), "{id} missing from {order:?}");
            }
        }
    }

    #[test]
    fn a_backend_without_a_twin_has_its_oneoff_variants_alone() {
        static MAKE: fn() -> std::future::Ready<u8> = || std::future::ready(1);
        let mut plan = Plan::new("ready");
        plan.without_twin::<oneoff::TokioCompat<oneoff::Pollster>, _>(&MAKE);
        let mut order = ids(plan, 3);
        order.sort();
        assert_eq!(order, ["pollster/oneshot", "pollster/reused"]);
    }

    #[test]
    fn identical_twins_are_declared() {
        let (_, twins) = plan().schedule(1);
        assert!(twins.contains(&[
            "ready/pollster/direct-oneshot".to_owned(),
            "ready/pollster/direct-reused".to_owned()
        ]));
    }
}
