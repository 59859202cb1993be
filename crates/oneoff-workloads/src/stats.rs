//! The one definition of a median and a percentile that `cargo xtask compare` summarises every
//! figure with: the cold samples, the benches' samples of a warm figure and Python's rounds (whose
//! reference script takes its median the same way), so that the same samples give the same
//! figure wherever they are summarised.
//!
//! Both are by nearest rank: the value at rank ⌈n·p⌉ of the sorted samples, always one of the
//! samples (never an average of two), so an even count takes the lower of the two middle
//! values. Beside them, [`median_interval`] says how far the median of so many samples can be
//! trusted.

/// The `percent` percentile of `values` by nearest rank: the smallest value that at least
/// `percent`% of the values are at or below. `None` for no values. Sorts `values` in place.
///
/// # Panics
///
/// When `percent` is 0 or above 100, or when two values cannot be ordered (a NaN).
///
/// # Examples
///
/// ```
/// use oneoff_workloads::stats::percentile;
///
/// let mut values: Vec<u64> = (1..=10).collect();
/// assert_eq!(percentile(&mut values, 90), Some(9));
/// assert_eq!(percentile(&mut values, 100), Some(10));
/// assert_eq!(percentile::<u64>(&mut [], 90), None);
/// ```
pub fn percentile<T: PartialOrd + Copy>(values: &mut [T], percent: u32) -> Option<T> {
    assert!(
        (1..=100).contains(&percent),
        "a percentile is between 1 and 100, not {percent}"
    );
    if values.is_empty() {
        return None;
    }
    values.sort_by(|a, b| {
        a.partial_cmp(b)
            .unwrap_or_else(|| panic!("samples that cannot be ordered (a NaN?)"))
    });
    let count = values.len() as u64;
    let rank = (count * u64::from(percent)).div_ceil(100).clamp(1, count);
    Some(values[usize::try_from(rank).expect("a rank within the slice") - 1])
}

/// The median of `values` by nearest rank: the middle value, or the lower of the two middle
/// values when the count is even. `None` for no values. Sorts `values` in place.
///
/// # Panics
///
/// When two values cannot be ordered (a NaN).
///
/// # Examples
///
/// ```
/// use oneoff_workloads::stats::median;
///
/// assert_eq!(median(&mut [3, -1, 2]), Some(2));
/// assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
/// assert_eq!(median(&mut [2.5, 0.5]), Some(0.5));
/// assert_eq!(median::<i64>(&mut []), None);
/// ```
pub fn median<T: PartialOrd + Copy>(values: &mut [T]) -> Option<T> {
    percentile(values, 50)
}

/// A 95% confidence interval for the median of the distribution `values` were drawn from,
/// free of any assumption about its shape: two of the samples, at ranks n/2 - 0.98·√n and
/// n/2 + 1 + 0.98·√n of the sorted values, each rounded to the nearest (the normal approximation of the binomial
/// distribution of the number of samples below the median; at 100 samples, ranks 40 and 61).
/// Its width shrinks as 1/√n: four times the samples, half the width. `None` below 6 values,
/// where no pair of samples covers 95%. Sorts `values` in place.
///
/// # Panics
///
/// When two values cannot be ordered (a NaN).
///
/// # Examples
///
/// ```
/// use oneoff_workloads::stats::median_interval;
///
/// let mut values: Vec<u32> = (1..=100).collect();
/// assert_eq!(median_interval(&mut values), Some((40, 61)));
/// assert_eq!(median_interval(&mut [1, 2, 3]), None);
/// ```
pub fn median_interval<T: PartialOrd + Copy>(values: &mut [T]) -> Option<(T, T)> {
    let count = values.len();
    if count < 6 {
        return None;
    }
    percentile(values, 50)?;
    let half = count as f64 / 2.0;
    let reach = 0.98 * (count as f64).sqrt();
    let lower = ((half - reach).round() as usize).clamp(1, count);
    let upper = ((half + 1.0 + reach).round() as usize).clamp(1, count);
    Some((values[lower - 1], values[upper - 1]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn nearest_rank() {
        assert_eq!(median(&mut [7]), Some(7));
        assert_eq!(percentile(&mut [7], 90), Some(7));
        assert_eq!(median(&mut [30, 10, 20]), Some(20));
        assert_eq!(percentile(&mut [30, 10, 20], 90), Some(30));
        let mut tenths: Vec<u32> = (1..=10).collect();
        assert_eq!(median(&mut tenths), Some(5));
        assert_eq!(percentile(&mut tenths, 90), Some(9));
        assert_eq!(percentile(&mut tenths, 91), Some(10));
    }

    #[test]
    fn durations_and_floats() {
        let ms = Duration::from_millis;
        assert_eq!(median(&mut [ms(4), ms(1), ms(3), ms(2)]), Some(ms(2)));
        assert_eq!(median(&mut [1.5, -0.5, 9.0]), Some(1.5));
    }

    #[test]
    fn the_interval_narrows_with_the_square_root_of_the_count() {
        // Ranks from the binomial tables: n = 6 takes the extremes, n = 25 ranks 8 and 18.
        let mut six: Vec<u32> = (1..=6).rev().collect();
        assert_eq!(median_interval(&mut six), Some((1, 6)));
        let mut values: Vec<u32> = (1..=25).collect();
        assert_eq!(median_interval(&mut values), Some((8, 18)));
        let width = |n: u32| {
            let mut values: Vec<u32> = (1..=n).collect();
            let (low, high) = median_interval(&mut values).unwrap();
            high - low
        };
        assert_eq!(width(100), 21);
        assert_eq!(
            width(400),
            41,
            "four times the samples, half the width in ranks/n"
        );
        assert_eq!(median_interval(&mut [1, 2, 3, 4, 5]), None);
    }

    #[test]
    #[should_panic(expected = "between 1 and 100")]
    fn zero_percent_is_refused() {
        percentile(&mut [1], 0);
    }
}
