//! Integration tests of the learning loop on in-memory stores and
//! temporary codebases.

mod learning;
mod optimize;
mod real_semgrep;
