//! A counting semaphore with two queues: calls on a critical path (query paging, whose next page
//! depends on this one) are let through before bulk calls (readMetadata batches), so a long
//! sequential chain is never stuck behind hundreds of independent calls.

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
    available: usize,
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
        Self { state: Mutex::new(State { available: count.max(1), high: VecDeque::new(), low: VecDeque::new() }) }
    }

    pub(crate) async fn acquire(&self, priority: Priority) -> Permit<'_> {
        let receiver = {
            let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if state.available > 0 {
                state.available -= 1;
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
        loop {
            let next = match state.high.pop_front() {
                Some(sender) => sender,
                None => match state.low.pop_front() {
                    Some(sender) => sender,
                    None => break,
                },
            };
            // A waiter that gave up (its future was dropped) cannot take the slot: try the next.
            if next.send(()).is_ok() {
                return;
            }
        }
        state.available += 1;
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
}
