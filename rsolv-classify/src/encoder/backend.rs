//! Which burn backend runs the models.
//!
//! The default is burn's pure-Rust CPU backend `flex`: on the 2-core
//! development machine a release-build f32 matmul runs at ~180 GFLOP/s on
//! flex against ~165 GFLOP/s on ndarray (shared/DEPENDENCY-NOTES.md), and
//! burn 0.22 deprecates `Device::ndarray()` in favour of flex. The
//! encoder-level comparison (MiniLM latency and throughput on both) is
//! printed by
//! `cargo run --release --example classifier_timing -- --base <minilm-dir> --compare-backends`.
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
