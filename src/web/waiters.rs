//! Tasks waiting for something plain Rust signals (the commit lock's turn, a login in
//! flight settling): each registers its waker, and a signal wakes them all to look again.

use alloc::vec::Vec;
use core::cell::RefCell;
use core::future::poll_fn;
use core::task::{Poll, Waker};

/// The wakers of the tasks waiting on one thing.
#[derive(Default)]
pub struct Waiters(RefCell<Vec<Waker>>);

impl Waiters {
    /// Waits until `ready` gives a value; it is asked again after every [`Waiters::wake_all`].
    pub async fn until<T>(&self, ready: impl Fn() -> Option<T>) -> T {
        poll_fn(|cx| match ready() {
            Some(value) => Poll::Ready(value),
            None => {
                self.0.borrow_mut().push(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }

    /// Wakes every waiting task (each polls from a microtask and asks again).
    pub fn wake_all(&self) {
        let waiting = core::mem::take(&mut *self.0.borrow_mut());
        for waker in waiting {
            waker.wake();
        }
    }
}
