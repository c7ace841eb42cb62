//! Integration tests of rsolv-classify: the committed data files.

mod baselines;
mod data;
