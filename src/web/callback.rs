//! Awaiting a JS callback: a future and the two functions (`success`, `fail`) that settle it.
//!
//! wx's async APIs answer through `success`/`fail` callbacks. Wrapping each call in a JS
//! Promise and awaiting it with `JsFuture` cost two Rust closures (each registered for
//! finalization), two promises and a microtask hop per call, which was most of
//! `auth.request`'s overhead. Here one Rust closure lives for the page's life; each call
//! gets two bound copies of it (`Function.prototype.bind`: plain JS, nothing to register
//! or free), and the result lands in a slot that the call's future polls.

use super::page_static::PageStatic;
use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use js_sys::Function;
use wasm_bindgen::prelude::*;

/// One call waiting for its callback.
struct Slot {
    id: u32,
    result: Option<Result<JsValue, JsValue>>,
    waker: Option<Waker>,
}

struct Slots {
    next: u32,
    open: Vec<Slot>,
    /// `settle(id, ok, value)`, made once; the callbacks are it bound to an id.
    settle: Option<Function>,
}

static SLOTS: PageStatic<Slots> = PageStatic::new(Slots {
    next: 0,
    open: Vec::new(),
    settle: None,
});

/// Settles when one of its two functions is called: `Ok(value)` for the first, `Err(value)`
/// for the second. Later calls of either are ignored, as are calls after it is dropped.
pub struct Callback {
    id: u32,
}

/// A new callback: the future, the function that resolves it and the one that rejects it.
pub fn callback() -> (Callback, Function, Function) {
    let opened = SLOTS.with(|s| {
        s.next = s.next.wrapping_add(1);
        s.open.push(Slot {
            id: s.next,
            result: None,
            waker: None,
        });
        (s.next, s.settle.get_or_insert_with(settle_function).clone())
    });
    let (id, settle) = opened.unwrap_or_else(|| (0, settle_function()));
    let id_value = JsValue::from_f64(f64::from(id));
    let ok = settle
        .bind2(&JsValue::UNDEFINED, &id_value, &JsValue::TRUE)
        .unchecked_into();
    let fail = settle
        .bind2(&JsValue::UNDEFINED, &id_value, &JsValue::FALSE)
        .unchecked_into();
    (Callback { id }, ok, fail)
}

fn settle_function() -> Function {
    // `Fn`, not `FnMut`: a wake polls the task at once, which may call wx, which may call
    // back before returning; wasm-bindgen refuses to re-enter an `FnMut` closure.
    Closure::<dyn Fn(u32, bool, JsValue)>::new(settle)
        .into_js_value()
        .unchecked_into()
}

fn settle(id: u32, ok: bool, value: JsValue) {
    let waker = SLOTS.with(|s| {
        let slot = s.open.iter_mut().find(|slot| slot.id == id)?;
        if slot.result.is_some() {
            return None; // settled already: wx called back twice
        }
        slot.result = Some(if ok { Ok(value) } else { Err(value) });
        slot.waker.take()
    });
    // Woken outside the borrow: waking queues a poll, which may open a new slot.
    if let Some(waker) = waker.flatten() {
        waker.wake();
    }
}

impl Future for Callback {
    type Output = Result<JsValue, JsValue>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let id = self.id;
        let polled = SLOTS.with(|s| {
            let i = s.open.iter().position(|slot| slot.id == id)?;
            let slot = s.open.get_mut(i)?;
            match slot.result.take() {
                Some(result) => {
                    s.open.swap_remove(i);
                    Some(Poll::Ready(result))
                }
                None => {
                    slot.waker = Some(cx.waker().clone());
                    Some(Poll::Pending)
                }
            }
        });
        // No slot: the callback could not be opened (or was taken); nothing will call it.
        polled
            .flatten()
            .unwrap_or(Poll::Ready(Err(JsValue::UNDEFINED)))
    }
}

impl Drop for Callback {
    fn drop(&mut self) {
        let id = self.id;
        SLOTS.with(|s| s.open.retain(|slot| slot.id != id));
    }
}
