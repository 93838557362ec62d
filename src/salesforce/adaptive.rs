//! Adaptive concurrency: the bound on calls in flight starts at the default and grows towards the
//! maximum while the org answers well, and backs off at once when it does not.
//!
//! After each window of answers (as many as the bound) that brought no HTTP 503 or 429, no
//! `REQUEST_LIMIT_EXCEEDED` and no rise in latency, the bound doubles (after a first back-off it
//! grows by a quarter instead, so it does not run straight back into the trouble). Any 503, 429
//! or limit error halves it at once, as does a window whose mean latency rose to more than
//! 1.5 × the best window's plus 20 ms (an org answering slower the more it is sent is
//! overloaded). Answers to calls sent before a back-off are not counted again: one burst of 503s
//! to the calls in flight halves the bound once, not once per call.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::permits::Permits;
use crate::logging;

/// How much slower than the best window a window may be before it counts as rising latency.
const LATENCY_RISE_FACTOR: f64 = 1.5;
const LATENCY_RISE_SLACK: Duration = Duration::from_millis(20);

#[derive(Debug)]
pub(crate) struct Adaptive {
    permits: Arc<Permits>,
    ceiling: usize,
    state: Mutex<State>,
}

#[derive(Debug, Clone, PartialEq)]
struct State {
    limit: usize,
    /// Raised at every back-off; an answer to a call sent in an earlier epoch is not counted.
    epoch: u64,
    window_answers: usize,
    window_latency: Duration,
    best_mean: Option<Duration>,
    backed_off: bool,
}

/// A move of the bound and why.
#[derive(Debug, Clone, PartialEq)]
struct Change {
    from: usize,
    to: usize,
    why: String,
}

impl State {
    fn new(limit: usize) -> Self {
        Self { limit, epoch: 0, window_answers: 0, window_latency: Duration::ZERO, best_mean: None, backed_off: false }
    }

    fn back_off(&mut self, why: String) -> Option<Change> {
        let from = self.limit;
        self.limit = (self.limit / 2).max(1);
        self.epoch += 1;
        self.backed_off = true;
        self.window_answers = 0;
        self.window_latency = Duration::ZERO;
        (self.limit != from).then_some(Change { from, to: self.limit, why })
    }

    fn answered(&mut self, sent_in: u64, latency: Duration, ceiling: usize) -> Option<Change> {
        if sent_in != self.epoch {
            return None;
        }
        self.window_answers += 1;
        self.window_latency += latency;
        if self.window_answers < self.limit {
            return None;
        }
        let mean = self.window_latency / u32::try_from(self.window_answers).unwrap_or(u32::MAX);
        self.window_answers = 0;
        self.window_latency = Duration::ZERO;
        if let Some(best) = self.best_mean.filter(|best| mean > best.mul_f64(LATENCY_RISE_FACTOR) + LATENCY_RISE_SLACK)
        {
            return self.back_off(format!(
                "latency rose to {} ms a call from {} ms",
                mean.as_millis(),
                best.as_millis()
            ));
        }
        self.best_mean = Some(self.best_mean.map_or(mean, |best| best.min(mean)));
        if self.limit >= ceiling {
            return None;
        }
        let from = self.limit;
        let step = if self.backed_off { (self.limit / 4).max(1) } else { self.limit };
        self.limit = (self.limit + step).min(ceiling);
        Some(Change {
            from,
            to: self.limit,
            why: format!("no 503, no limit error, latency steady at {} ms a call", mean.as_millis()),
        })
    }
}

impl Adaptive {
    /// Starts at the permits' current bound and never goes past `ceiling`.
    pub(crate) fn new(permits: Arc<Permits>, ceiling: usize) -> Self {
        let start = permits.limit();
        Self { permits, ceiling: ceiling.max(start), state: Mutex::new(State::new(start)) }
    }

    /// The epoch a call is sent in, to hand back with its answer.
    pub(crate) fn epoch(&self) -> u64 {
        self.lock().epoch
    }

    /// An answer that says nothing against the load: its latency counts towards the window.
    pub(crate) fn answered(&self, sent_in: u64, latency: Duration) {
        let change = self.lock().answered(sent_in, latency, self.ceiling);
        self.apply(change);
    }

    /// An answer that says the org is overloaded or out of allowance (503, 429, limit error).
    pub(crate) fn overloaded(&self, sent_in: u64, why: &str) {
        let change = {
            let mut state = self.lock();
            if sent_in == state.epoch { state.back_off(why.to_string()) } else { None }
        };
        self.apply(change);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn apply(&self, change: Option<Change>) {
        let Some(Change { from, to, why }) = change else { return };
        self.permits.set_limit(to);
        let verb = if to > from { "raised" } else { "lowered" };
        logging::log(1, format_args!("concurrency {verb} from {from} to {to}: {why}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEADY: Duration = Duration::from_millis(50);

    fn window(state: &mut State, latency: Duration, ceiling: usize) -> Option<Change> {
        let (epoch, answers) = (state.epoch, state.limit);
        (0..answers).filter_map(|_| state.answered(epoch, latency, ceiling)).last()
    }

    #[test]
    fn grows_while_healthy_up_to_the_ceiling() {
        let mut state = State::new(16);
        assert_eq!(window(&mut state, STEADY, 64).map(|change| change.to), Some(32));
        assert_eq!(window(&mut state, STEADY, 64).map(|change| change.to), Some(64));
        assert_eq!(window(&mut state, STEADY, 64), None, "never past the ceiling");
        assert_eq!(state.limit, 64);
    }

    #[test]
    fn backs_off_at_once_and_only_once_per_burst() {
        let mut state = State::new(32);
        let sent_in = state.epoch;
        assert_eq!(state.back_off("HTTP 503".into()).map(|change| change.to), Some(16));
        // The other calls of the same burst answer 503 too: they were sent before the back-off.
        let mut again = state.clone();
        assert!(again.epoch != sent_in);
        assert_eq!(again.answered(sent_in, STEADY, 64), None);
        // After a back-off growth is by a quarter.
        assert_eq!(window(&mut state, STEADY, 64).map(|change| change.to), Some(20));
    }

    #[test]
    fn rising_latency_is_a_back_off() {
        let mut state = State::new(16);
        assert_eq!(window(&mut state, STEADY, 64).map(|change| change.to), Some(32));
        // Twice as slow at twice the load: the org is overloaded.
        let change = window(&mut state, STEADY * 2, 64).expect("a change");
        assert_eq!((change.from, change.to), (32, 16));
        assert!(change.why.contains("latency rose to 100 ms"), "{}", change.why);
        // Noise well within the slack is not a rise.
        let mut noisy = State::new(16);
        window(&mut noisy, STEADY, 64);
        assert_eq!(window(&mut noisy, STEADY + Duration::from_millis(25), 64).map(|change| change.to), Some(64));
    }

    #[test]
    fn never_below_one() {
        let mut state = State::new(1);
        assert_eq!(state.back_off("HTTP 503".into()), None);
        assert_eq!(state.limit, 1);
    }
}
