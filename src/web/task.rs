//! Running futures: a small single-threaded executor in place of wasm-bindgen-futures'
//! `spawn_local` and `future_to_promise`.
//!
//! Theirs batches wakeups through `queueMicrotask`, looked up on the global object, with
//! a fallback queue and a JSPI path: about 3 KB of the shipped wasm and six imports.
//! The SDK needs only two things: run a future to its end ([`spawn`]) and hand JS a
//! Promise for one ([`promise`]). Awaiting a JS Promise stays `JsFuture`'s job.
//!
//! A woken task is polled from a microtask (`Promise.resolve().then(poll)`), in the
//! order of the wakes, never from inside the wake itself: so no poll runs inside
//! another, and JS code the SDK calls never sees Rust re-entered through a wake.

use alloc::boxed::Box;
use alloc::rc::Rc;
use core::cell::{Cell, RefCell};
use core::future::Future;
use core::mem::ManuallyDrop;
use core::pin::Pin;
use core::task::{Context, RawWaker, RawWakerVTable, Waker};
use js_sys::Promise;
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

/// Queues one poll of `task`, unless one is queued already.
fn schedule(task: &Rc<Task>) {
    if task.queued.replace(true) {
        return;
    }
    let task = task.clone();
    // Called exactly once (the promise is resolved), which frees the closure.
    let poll_once = Closure::once_into_js(move || poll(&task));
    Promise::resolve(&JsValue::UNDEFINED)
        .unchecked_into::<Thenable>()
        .then(&poll_once);
}

fn poll(task: &Rc<Task>) {
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
    schedule(&task);
}

unsafe fn wake_by_ref(data: *const ()) {
    let task = ManuallyDrop::new(Rc::from_raw(data.cast::<Task>()));
    schedule(&task);
}

unsafe fn drop_waker(data: *const ()) {
    drop(Rc::from_raw(data.cast::<Task>()));
}
