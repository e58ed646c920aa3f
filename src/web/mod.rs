//! The edge: wx bindings and the driver that runs the core against them (wasm32 only).
//!
//! Nothing here decides anything the core could decide; it moves values between
//! JS and the core and performs the I/O the core asks for.

pub mod callback;
pub mod doc;
pub mod driver;
pub mod js;
pub mod lock;
pub mod page_static;
pub mod privacy;
pub mod task;
pub mod waiters;
pub mod wx;

pub use driver::Auth;

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
