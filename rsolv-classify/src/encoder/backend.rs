//! Which burn backend runs the models.
//!
//! The default is burn's pure-Rust CPU backend `flex`. Measured on the
//! 2-core development machine (release build, f32):
//!
//! | workload                                  | flex   | ndarray |
//! |-------------------------------------------|--------|---------|
//! | matmul 512×512 (GFLOP/s)                  | ~180   | ~165    |
//!
//! (`cargo run --release --example classifier_timing -- --compare-backends`
//! prints the current numbers, including a MiniLM forward pass.)
//!
//! Opt-in features pick another backend at build time: `tch` (LibTorch via
//! burn-tch) and `cuda` (burn's CUDA runtime). Neither is built by default
//! or in CI.

use burn::tensor::Device;

/// The device models run on: LibTorch CPU with the `tch` feature, CUDA
/// device 0 with `cuda`, otherwise burn's `flex` CPU backend.
pub fn default_device() -> Device {
    #[cfg(feature = "cuda")]
    {
        Device::cuda(0usize)
    }
    #[cfg(all(feature = "tch", not(feature = "cuda")))]
    {
        Device::libtorch()
    }
    #[cfg(not(any(feature = "tch", feature = "cuda")))]
    {
        Device::flex()
    }
}

/// A short name of the [`default_device`] backend, for logs and
/// `training.json`.
pub fn backend_name() -> &'static str {
    if cfg!(feature = "cuda") {
        "cuda"
    } else if cfg!(feature = "tch") {
        "libtorch"
    } else {
        "flex (CPU)"
    }
}
