//! A figure and its spread: a cold one ([`Spread`], percentiles), a warm one ([`Figure`], the
//! range), and whether two figures are within each other's noise.

use oneoff_workloads::stats;
use serde::Serialize;

/// A warm figure whose slowest sample took more than this many times its fastest is unsteady:
/// the machine changed under it, so its median is not shown as clean.
pub(crate) const UNSTEADY: f64 = 1.5;

/// A cold figure over its samples (ns, KiB or a count): the median, 10th and 90th percentiles.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct Spread {
    pub(crate) median: u64,
    pub(crate) p10: u64,
    pub(crate) p90: u64,
}

impl Spread {
    /// The spread of `values`; `None` for none.
    pub(crate) fn of(mut values: Vec<u64>) -> Option<Spread> {
        Some(Spread {
            median: stats::median(&mut values)?,
            p10: stats::percentile(&mut values, 10)?,
            p90: stats::percentile(&mut values, 90)?,
        })
    }
}

/// A warm figure over its samples, nanoseconds per call: the median and the range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Figure {
    /// The median over the samples.
    pub(crate) median: f64,
    /// The fastest sample.
    pub(crate) min: f64,
    /// The slowest sample.
    pub(crate) max: f64,
    /// Whether the samples disagree by more than [`UNSTEADY`] (not for a difference).
    pub(crate) unsteady: bool,
    /// Every sample's figure, in the order they ran (none for a difference).
    pub(crate) samples: Vec<f64>,
}

impl Figure {
    /// The figure of `samples`; `None` for none.
    pub(crate) fn of(samples: Vec<f64>) -> Option<Figure> {
        let mut sorted = samples.clone();
        let median = stats::median(&mut sorted)?;
        let (min, max) = (sorted[0], sorted[sorted.len() - 1]);
        Some(Figure {
            median,
            min,
            max,
            unsteady: min > 0.0 && max > min * UNSTEADY,
            samples,
        })
    }

    /// What `self` adds to `plain`: the medians' difference, spread to the extremes' differences.
    pub(crate) fn minus(&self, plain: &Figure) -> Figure {
        Figure {
            median: self.median - plain.median,
            min: self.min - plain.max,
            max: self.max - plain.min,
            unsteady: false,
            samples: Vec::new(),
        }
    }
}

/// Two ranges `[low, high]` that share a point: two figures within each other's noise.
pub(crate) fn overlap(a: (f64, f64), b: (f64, f64)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cold_spread_is_median_and_the_tenth_and_ninetieth_percentiles() {
        let spread = Spread::of((1..=10).rev().collect()).unwrap();
        assert_eq!((spread.median, spread.p10, spread.p90), (5, 1, 9));
        assert!(Spread::of(Vec::new()).is_none());
    }

    #[test]
    fn samples_that_disagree_are_unsteady() {
        let steady = Figure::of(vec![100.0, 120.0, 110.0]).unwrap();
        assert_eq!(
            (steady.median, steady.min, steady.max),
            (110.0, 100.0, 120.0)
        );
        assert!(!steady.unsteady);
        let unsteady = Figure::of(vec![142_012.0, 1_455_995.0, 150_000.0]).unwrap();
        assert!(unsteady.unsteady);
        assert_eq!(unsteady.median, 150_000.0);
        let difference = Figure::of(vec![-3.0, 9.0, 2.0]).unwrap();
        assert!(!difference.unsteady, "a difference has no ratio");
        assert!(Figure::of(Vec::new()).is_none());
        let added = Figure::of(vec![130.0, 125.0]).unwrap().minus(&steady);
        assert_eq!((added.median, added.min, added.max), (15.0, 5.0, 30.0));
    }

    #[test]
    fn ranges_overlap_when_they_share_a_point() {
        assert!(overlap((1.0, 3.0), (3.0, 5.0)));
        assert!(overlap((1.0, 9.0), (3.0, 5.0)));
        assert!(!overlap((1.0, 2.9), (3.0, 5.0)));
    }
}
