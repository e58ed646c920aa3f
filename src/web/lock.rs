//! An async lock that runs commit sections (write storage, then change state) one at a time.
//!
//! Storage writes are asynchronous; without the lock two operations could each write
//! their record and change the state in a different order, leaving the stored record
//! and the state apart.

use core::cell::RefCell;
use js_sys::{Function, Promise};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// A FIFO lock built on a chain of JS promises.
pub struct CommitLock {
    tail: RefCell<Promise>,
}

/// Holding this is holding the lock; dropping it lets the next waiter in.
pub struct Guard {
    release: Option<Function>,
}

impl CommitLock {
    /// An unlocked lock.
    pub fn new() -> CommitLock {
        CommitLock {
            tail: RefCell::new(Promise::resolve(&JsValue::UNDEFINED)),
        }
    }

    /// Waits for every earlier holder to finish, then holds the lock.
    pub async fn acquire(&self) -> Guard {
        let mut release = None;
        let mine = Promise::new(&mut |resolve, _reject| release = Some(resolve));
        let previous = self.tail.replace(mine);
        // The previous link only ever resolves.
        let _ = JsFuture::from(previous).await;
        Guard { release }
    }
}

impl Default for CommitLock {
    fn default() -> Self {
        CommitLock::new()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.call0(&JsValue::UNDEFINED);
        }
    }
}
