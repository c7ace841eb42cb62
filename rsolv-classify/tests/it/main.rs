//! Integration tests of rsolv-classify (one binary).

mod baselines;
mod data;
mod decoder;
