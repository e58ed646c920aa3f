//! Running futures: a small single-threaded executor in place of wasm-bindgen-futures'
//! `spawn_local` and `future_to_promise`.
//!
//! Theirs batches wakeups through `queueMicrotask`, looked up on the global object, with
//! a fallback queue and a JSPI path: about 3 KB of the shipped wasm and six imports.
//! The SDK needs only two things: run a future to its end ([`spawn`]) and hand JS a
//! Promise for one ([`promise`]). The SDK awaits no JS Promise: wx callbacks and timers
//! are awaited through `callback.rs`, the commit lock and a login in flight in plain Rust.
//!
//! A task woken from JS (a wx callback, a timer) is polled at once, in that callback:
//! no microtask hop between wx answering and the SDK going on (about 1.5 µs of
//! `auth.request`'s overhead). A task woken from inside a poll (a lock released, a
//! login settled) and a new task are queued and polled from a microtask
//! (`Promise.resolve().then(run)`), so no poll ever runs inside another and an API call
//! returns before its work starts. One `run` function, made once, drains the queue
//! (tasks woken while it runs are polled in the same turn, in the order of their wakes);
//! a closure per wake cost a finalization registration each.

use super::page_static::PageStatic;
use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use core::future::Future;
use core::mem::{self, ManuallyDrop};
use core::pin::Pin;
use core::task::{Context, RawWaker, RawWakerVTable, Waker};
use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

#[wasm_bindgen]
extern "C" {
    /// A promise seen only as something to call `then(callback)` on, with any function.
    type Thenable;
    #[wasm_bindgen(method)]
    fn then(this: &Thenable, callback: &JsValue);
}

/// A spawned future, until it finishes (then `None`, so what it holds is freed at once).
struct Task {
    future: RefCell<Option<Pin<Box<dyn Future<Output = ()>>>>>,
    /// Whether a poll is already queued: many wakes before it make one poll.
    queued: Cell<bool>,
}

/// Runs `future` to its end; it is first polled from a microtask.
pub fn spawn(future: impl Future<Output = ()> + 'static) {
    let task = Rc::new(Task {
        future: RefCell::new(Some(Box::pin(future))),
        queued: Cell::new(false),
    });
    schedule(&task);
}

/// A Promise that settles as `future` does: resolved with its `Ok`, rejected with its `Err`.
pub fn promise(future: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    let mut settle = None;
    let promise = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
    if let Some((resolve, reject)) = settle {
        spawn(async move {
            let (callback, value) = match future.await {
                Ok(value) => (resolve, value),
                Err(error) => (reject, error),
            };
            let _ = callback.call1(&JsValue::UNDEFINED, &value);
        });
    }
    promise
}

/// The tasks waiting to be polled, and the microtask that will poll them.
struct Queue {
    tasks: Vec<Rc<Task>>,
    /// Whether a `run` microtask is pending.
    scheduled: bool,
    /// `run`, made once.
    run: Option<Function>,
    /// Whether a task is being polled right now.
    polling: bool,
}

static QUEUE: PageStatic<Queue> = PageStatic::new(Queue {
    tasks: Vec::new(),
    scheduled: false,
    run: None,
    polling: false,
});

/// Queues one poll of `task`, unless one is queued already.
fn schedule(task: &Rc<Task>) {
    if task.queued.replace(true) {
        return;
    }
    let start = QUEUE.with(|q| {
        q.tasks.push(task.clone());
        if mem::replace(&mut q.scheduled, true) {
            return None;
        }
        Some(q.run.get_or_insert_with(run_function).clone())
    });
    if let Some(run) = start.flatten() {
        Promise::resolve(&JsValue::UNDEFINED)
            .unchecked_into::<Thenable>()
            .then(&run);
    }
}

fn run_function() -> Function {
    Closure::<dyn FnMut()>::new(run)
        .into_js_value()
        .unchecked_into()
}

/// Polls every queued task, and those woken meanwhile, until none is left.
fn run() {
    loop {
        let batch = QUEUE.with(|q| {
            if q.tasks.is_empty() {
                q.scheduled = false;
            }
            mem::take(&mut q.tasks)
        });
        let batch = batch.unwrap_or_default();
        if batch.is_empty() {
            return;
        }
        for task in &batch {
            poll(task);
        }
    }
}

/// A wake: from JS (a wx callback, a timer) the task is polled at once; from inside
/// a poll it is queued, so no poll ever runs inside another.
fn wake_task(task: &Rc<Task>) {
    let idle = QUEUE.with(|q| !q.polling).unwrap_or(false);
    if idle && !task.queued.get() {
        poll(task);
    } else {
        schedule(task);
    }
}

fn poll(task: &Rc<Task>) {
    let outer = QUEUE.with(|q| core::mem::replace(&mut q.polling, true));
    poll_now(task);
    QUEUE.with(|q| q.polling = outer.unwrap_or(false));
}

fn poll_now(task: &Rc<Task>) {
    task.queued.set(false);
    let waker = waker(task);
    let mut cx = Context::from_waker(&waker);
    // Polls run only from microtasks, one at a time: the future is never borrowed here.
    let Ok(mut slot) = task.future.try_borrow_mut() else {
        return;
    };
    let finished = slot
        .as_mut()
        .is_some_and(|future| future.as_mut().poll(&mut cx).is_ready());
    if finished {
        *slot = None;
    }
}

/// A waker is an `Rc<Task>` held as a raw pointer; waking it queues a poll.
static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_waker, wake, wake_by_ref, drop_waker);

fn waker(task: &Rc<Task>) -> Waker {
    let data = Rc::into_raw(task.clone()).cast::<()>();
    // SAFETY: `data` is an `Rc<Task>` turned into a pointer, which is what every
    // function of VTABLE takes it for; the module is single-threaded, so the waker
    // never crosses threads although `Waker` would allow it.
    unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
}

// SAFETY (the four functions below): `data` always comes from `Rc::into_raw` of an
// `Rc<Task>` (see `waker`), and each function keeps the strong count right: a clone
// adds one, wake and drop give one back, wake_by_ref leaves it as it was.
unsafe fn clone_waker(data: *const ()) -> RawWaker {
    Rc::increment_strong_count(data.cast::<Task>());
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    let task = Rc::from_raw(data.cast::<Task>());
    wake_task(&task);
}

unsafe fn wake_by_ref(data: *const ()) {
    let task = ManuallyDrop::new(Rc::from_raw(data.cast::<Task>()));
    wake_task(&task);
}

unsafe fn drop_waker(data: *const ()) {
    drop(Rc::from_raw(data.cast::<Task>()));
}
