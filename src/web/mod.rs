//! The edge: wx bindings and the driver that runs the core against them (wasm32 only).
//!
//! Nothing here decides anything the core could decide; it moves values between
//! JS and the core and performs the I/O the core asks for.

pub mod driver;
pub mod js;
pub mod lock;
pub mod privacy;
pub mod wx;

pub use driver::Auth;
