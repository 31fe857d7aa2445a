//! Work shared out among the CPU backend's threads natively (rayon's pool, which burn's matrix
//! products use too); done in order on the one thread the page has.

/// How many threads the CPU backend has.
pub(super) fn count() -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    return rayon::current_num_threads();
    #[cfg(target_arch = "wasm32")]
    return 1;
}

/// `f` of each item, in order; each item on a thread of its own when `spread` and there are
/// threads. Only CPU tensors should be spread: a GPU backend's work is queued from one thread.
pub(super) fn map<T: Send, R: Send>(
    items: Vec<T>,
    spread: bool,
    f: impl Fn(T) -> R + Sync + Send,
) -> Vec<R> {
    #[cfg(not(target_arch = "wasm32"))]
    if spread && count() > 1 {
        use rayon::prelude::*;
        return items.into_par_iter().map(f).collect();
    }
    let _ = spread;
    items.into_iter().map(f).collect()
}
