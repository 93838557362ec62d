//! A counting semaphore with two queues: calls on a critical path (query paging, whose next page
//! depends on this one) are let through before bulk calls (readMetadata batches), so a long
//! sequential chain is never stuck behind hundreds of independent calls. The bound can move
//! while calls are in flight ([`Permits::set_limit`]): lowering it lets no new call go until
//! enough in flight have answered; raising it lets waiters go at once.

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::oneshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Priority {
    High,
    Low,
    /// The caller already holds a permit for a whole chain of calls (see `Client::hold`): the
    /// call goes out without queueing again, so a sequential chain never waits between its
    /// pages behind independent calls.
    Held,
}

#[derive(Debug)]
struct State {
    limit: usize,
    in_use: usize,
    high: VecDeque<oneshot::Sender<()>>,
    low: VecDeque<oneshot::Sender<()>>,
}

#[derive(Debug)]
pub(crate) struct Permits {
    state: Mutex<State>,
}

/// Held while a call is in flight; dropping it hands the slot to the next waiter.
#[derive(Debug)]
pub(crate) struct Permit<'a> {
    permits: &'a Permits,
}

impl Permits {
    pub(crate) fn new(count: usize) -> Self {
        Self {
            state: Mutex::new(State { limit: count.max(1), in_use: 0, high: VecDeque::new(), low: VecDeque::new() }),
        }
    }

    /// Calls that may be in flight at once now.
    pub(crate) fn limit(&self) -> usize {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner).limit
    }

    /// Moves the bound (at least 1); calls in flight beyond a lowered bound finish as usual.
    pub(crate) fn set_limit(&self, limit: usize) {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.limit = limit.max(1);
        hand_out(&mut state);
    }

    pub(crate) async fn acquire(&self, priority: Priority) -> Permit<'_> {
        let receiver = {
            let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if state.in_use < state.limit {
                state.in_use += 1;
                return Permit { permits: self };
            }
            let (sender, receiver) = oneshot::channel();
            match priority {
                Priority::High | Priority::Held => state.high.push_back(sender),
                Priority::Low => state.low.push_back(sender),
            }
            receiver
        };
        // A permit is handed over by `release`; the sender is only dropped with the permits.
        let _ = receiver.await;
        Permit { permits: self }
    }

    fn release(&self) {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.in_use = state.in_use.saturating_sub(1);
        hand_out(&mut state);
    }
}

/// Hands free slots to waiters, high priority first.
fn hand_out(state: &mut State) {
    while state.in_use < state.limit {
        let next = match state.high.pop_front() {
            Some(sender) => sender,
            None => match state.low.pop_front() {
                Some(sender) => sender,
                None => return,
            },
        };
        // A waiter that gave up (its future was dropped) cannot take the slot: try the next.
        if next.send(()).is_ok() {
            state.in_use += 1;
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.permits.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn never_more_than_the_bound_and_high_goes_first() {
        let permits = Arc::new(Permits::new(2));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let order = Arc::new(Mutex::new(Vec::new()));
        let first = permits.acquire(Priority::Low).await;
        let second = permits.acquire(Priority::Low).await;
        let mut tasks = Vec::new();
        for index in 0..6 {
            let (permits, in_flight, peak, order) =
                (Arc::clone(&permits), Arc::clone(&in_flight), Arc::clone(&peak), Arc::clone(&order));
            let priority = if index >= 4 { Priority::High } else { Priority::Low };
            tasks.push(tokio::spawn(async move {
                let _permit = permits.acquire(priority).await;
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                order.lock().expect("lock").push(priority);
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        drop(first);
        drop(second);
        for task in tasks {
            task.await.expect("task");
        }
        assert!(peak.load(Ordering::SeqCst) <= 2);
        let order = order.lock().expect("lock").clone();
        assert_eq!(&order[..2], &[Priority::High, Priority::High], "{order:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_moved_bound_holds_for_the_calls_that_follow() {
        let permits = Arc::new(Permits::new(2));
        let first = permits.acquire(Priority::Low).await;
        let second = permits.acquire(Priority::Low).await;
        permits.set_limit(1);
        // Both slots are taken and the bound is now 1: one answer frees no slot.
        drop(first);
        let waiting = tokio::spawn({
            let permits = Arc::clone(&permits);
            async move {
                let _permit = permits.acquire(Priority::Low).await;
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "a call went beyond the lowered bound");
        drop(second);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiting).await.expect("let through").expect("task");
        // Raising the bound lets a waiter go at once, without any answer.
        let held = permits.acquire(Priority::Low).await;
        let waiting = tokio::spawn({
            let permits = Arc::clone(&permits);
            async move {
                let _permit = permits.acquire(Priority::High).await;
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "the bound of 1 was already taken");
        permits.set_limit(2);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiting).await.expect("let through").expect("task");
        assert_eq!(permits.limit(), 2);
        drop(held);
    }
}
