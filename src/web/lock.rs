//! An async lock that runs commit sections (write storage, then change state) one at a time.
//!
//! Storage writes are asynchronous; without the lock two operations could each write
//! their record and change the state in a different order, leaving the stored record
//! and the state apart. Plain Rust: a ticket per waiter, served in order.

use super::waiters::Waiters;
use core::cell::Cell;

/// A FIFO lock: holders get it in the order they asked.
#[derive(Default)]
pub struct CommitLock {
    next_ticket: Cell<u32>,
    serving: Cell<u32>,
    waiting: Waiters,
}

/// Holding this is holding the lock; dropping it lets the next waiter in.
pub struct Guard<'a> {
    lock: &'a CommitLock,
}

impl CommitLock {
    /// Waits for every earlier holder to finish, then holds the lock.
    pub async fn acquire(&self) -> Guard<'_> {
        let ticket = self.next_ticket.get();
        self.next_ticket.set(ticket.wrapping_add(1));
        self.waiting
            .until(|| (self.serving.get() == ticket).then_some(()))
            .await;
        Guard { lock: self }
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        let lock = self.lock;
        lock.serving.set(lock.serving.get().wrapping_add(1));
        // Every waiter looks again; the one whose ticket is served goes on.
        lock.waiting.wake_all();
    }
}
