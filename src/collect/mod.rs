//! Collection: from a source (project folder, snapshot, org) to the normalized [`Inventory`].
//!
//! Nothing here knows that rules exist.
//!
//! [`Inventory`]: crate::model::Inventory

pub(crate) mod forceignore;
pub mod normalize;
pub mod org;
pub mod project;
pub mod snapshot;

/// A worker panicked on one item: a bug in sfaudit, reported against the item it was reading.
/// The panic's message stays out of every output: Rust's own messages quote the text being read
/// (a slice out of bounds shows 256 characters of it), which may be a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WorkerPanic;

impl WorkerPanic {
    /// The problem for the file the worker was reading: sfaudit stops rather than leave it out.
    pub(crate) fn diagnostic(&self, path: &str) -> crate::diag::Diagnostic {
        crate::diag::Diagnostic::at(
            path,
            None,
            "sfaudit failed while reading this file (an internal error; its message is left out, as it may quote \
             the file)",
            "please report this as a bug with the file attached; the scan does not cover this file and is incomplete",
        )
    }
}

/// Maps `items` on every core, keeping their order: parsing and normalizing thousands of files
/// is CPU work that scales with cores. A panic while mapping one item becomes that item's
/// `Err`, so no item is ever silently dropped.
pub(crate) fn parallel_map<T: Sync, R: Send>(items: &[T], map: impl Fn(&T) -> R + Sync) -> Vec<Result<R, WorkerPanic>> {
    parallel_map_owned(items.iter().collect(), map)
}

/// [`parallel_map`] over items it owns: each item is dropped as soon as it is mapped, so what
/// the items hold (parsed documents) is freed while the results are being built, not after.
/// Workers take the next item when they are done with one, so items of uneven cost (an app of
/// one file and an app of seven) still keep every core busy to the end.
pub(crate) fn parallel_map_owned<T: Send, R: Send>(
    items: Vec<T>,
    map: impl Fn(T) -> R + Sync,
) -> Vec<Result<R, WorkerPanic>> {
    let count = items.len();
    let workers = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, 8).min(count.max(1));
    let queue = std::sync::Mutex::new(items.into_iter().enumerate());
    let next = || queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner).next();
    let map = &map;
    let map_one =
        move |item: T| std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| map(item))).map_err(|_| WorkerPanic);
    let mut results: Vec<Option<Result<R, WorkerPanic>>> = std::iter::repeat_with(|| None).take(count).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mapped = Vec::new();
                    while let Some((index, item)) = next() {
                        mapped.push((index, map_one(item)));
                    }
                    mapped
                })
            })
            .collect();
        for handle in handles {
            // A worker thread that failed outside `map` leaves its items unfilled: they become
            // errors below, never items left out.
            for (index, result) in handle.join().unwrap_or_default() {
                results[index] = Some(result);
            }
        }
    });
    results.into_iter().map(|result| result.unwrap_or(Err(WorkerPanic))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_item_is_an_error_in_its_place_never_dropped() {
        let items: Vec<u32> = (0..100).collect();
        let results = parallel_map(&items, |item| {
            assert!(*item != 37 && *item != 80, "item {item} is broken");
            item * 2
        });
        assert_eq!(results.len(), 100);
        for (item, result) in items.iter().zip(&results) {
            match result {
                Ok(doubled) => assert_eq!(*doubled, item * 2),
                Err(panic) => {
                    assert!(*item == 37 || *item == 80, "{item}");
                    let shown = panic.diagnostic("f.xml").to_string();
                    assert!(!shown.contains("is broken"), "the panic's own text stays out: {shown}");
                }
            }
        }
        assert_eq!(results.iter().filter(|result| result.is_err()).count(), 2);
    }

    #[test]
    fn owned_items_are_mapped_in_order_on_any_number_of_items() {
        for count in [0, 1, 2, 3, 17] {
            let items: Vec<String> = (0..count).map(|item| item.to_string()).collect();
            let results = parallel_map_owned(items, |item| item + "!");
            let mapped: Vec<String> = results.into_iter().map(|result| result.expect("no panic")).collect();
            assert_eq!(mapped, (0..count).map(|item| format!("{item}!")).collect::<Vec<_>>());
        }
    }
}
