//! A `static` for state the module keeps for the page's life (the executor's queue, the
//! callbacks waiting for wx).
//!
//! `no_std` has no `thread_local!`; the module never runs on more than one thread (no
//! shared memory, no atomics: WXWebAssembly runs it on the logic layer's one thread), so
//! a `RefCell` in a static is sound there.

use core::cell::RefCell;

/// A `RefCell` that may live in a `static` because the module is single-threaded.
pub struct PageStatic<T>(RefCell<T>);

// SAFETY: the wasm module has one thread (see the module docs): the value is never
// reached from two threads, which is all `Sync` promises.
unsafe impl<T> Sync for PageStatic<T> {}

impl<T> PageStatic<T> {
    /// A static holding `value`.
    pub const fn new(value: T) -> PageStatic<T> {
        PageStatic(RefCell::new(value))
    }

    /// Runs `f` with the value borrowed mutably; `None` if it is already borrowed (a
    /// re-entrant call), which callers treat as "not now" rather than panicking.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        self.0.try_borrow_mut().ok().map(|mut v| f(&mut v))
    }
}
