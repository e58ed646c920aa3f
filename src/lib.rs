//! Login and authorization for WeChat mini-programs, as one typed state machine:
//! anonymous → privacy-agreed → profile-granted → logged-in → logged-out.
//!
//! The crate has a pure core and a thin edge:
//! - the core is plain Rust with no I/O: [`engine`] runs every flow (login, renewal,
//!   logout, unbind, start-up, privacy, profile) as a sans-IO state machine that takes
//!   inputs with the time and hands out effects; [`machine`] holds the states and which
//!   transition is allowed when; [`session`], [`record`], [`exchange`], [`wire`] (the
//!   protocol, shared with the reference server) and the rest are its parts. A native
//!   harness drives it under `cargo test` on a virtual clock;
//! - the edge (`web`, built only for `wasm32`) binds the wx APIs with wasm-bindgen,
//!   performs the engine's effects and exports the `Auth` class the JS shim wraps.
//!
//! No input can panic: a panic in wasm aborts the module for the whole page, so
//! non-test code is linted against `unwrap`, `expect`, `panic!` and indexing.

#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![deny(missing_docs)]
// A RefCell borrow held across an await panics when the awaited work re-enters.
#![deny(clippy::await_holding_refcell_ref)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo
    )
)]

extern crate alloc;

pub mod budget;
pub mod config;
#[cfg(feature = "std")]
pub mod diagram;
pub mod doc;
#[cfg(feature = "serde")]
pub mod doc_serde;
pub mod engine;
pub mod error;
pub mod exchange;
pub mod json;
pub mod machine;
pub mod phone;
pub mod profile;
pub mod profile_sync;
pub mod record;
pub mod request;
pub mod retry;
pub mod scope;
pub mod session;
pub mod state;
pub mod storage;
pub mod text;
pub mod version;
pub mod wire;
pub mod wx_failure;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use config::Config;
pub use engine::Engine;
pub use error::{AuthError, ErrorCode};
pub use machine::{Machine, Transition};
pub use state::{AuthState, StateKind};
