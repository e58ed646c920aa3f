//! The edge: wx bindings and the interpreter that performs the engine's effects
//! (wasm32 only).
//!
//! Nothing here decides anything: [`options`] turns `createAuth`'s options into the
//! engine's config, [`auth`] turns each exported method into an engine call,
//! [`effects`] performs what the engine hands out and feeds back what wx answers, and
//! [`wx`], [`js`] and [`doc`] bind wx and read and write JS values.

pub mod auth;
pub mod doc;
pub mod effects;
pub mod js;
pub mod options;
pub mod request;
pub mod wx;

pub use auth::Auth;

/// The allocator: lol_alloc's free list (address-ordered, coalescing) instead of std's
/// dlmalloc, which was the largest single piece of the shipped wasm.
// SAFETY: the module is single-threaded: it is built without atomics or shared memory,
// and WXWebAssembly runs it on the one logic-layer thread, so no two allocator calls overlap.
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// The shipped build is no_std (`--no-default-features`): a panic traps at once.
/// No input reaches a panic (the crate denies unwrap, expect, panic and indexing);
/// this only decides that the unreachable stays small.
#[cfg(not(feature = "std"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
