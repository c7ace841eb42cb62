//! rsolv facade.
pub use rsolv_core as core;
