//! Collection: from a source (project folder, snapshot, org) to the normalized [`Inventory`].
//!
//! Nothing here knows that rules exist.
//!
//! [`Inventory`]: crate::model::Inventory

mod forceignore;
pub mod normalize;
pub mod org;
pub mod project;
pub mod snapshot;

/// Maps `items` on every core, keeping their order: parsing and normalizing thousands of files
/// is CPU work that scales with cores.
pub(crate) fn parallel_map<T: Sync, R: Send>(items: &[T], map: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, 8);
    let chunk_size = items.len().div_ceil(workers).max(1);
    let map = &map;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk_size)
            .map(|chunk| scope.spawn(move || chunk.iter().map(map).collect::<Vec<R>>()))
            .collect();
        handles.into_iter().flat_map(|handle| handle.join().unwrap_or_default()).collect()
    })
}
