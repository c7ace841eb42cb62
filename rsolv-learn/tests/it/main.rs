//! Integration tests of the learning loop on in-memory stores and
//! temporary codebases.

mod learning;
mod real_semgrep;
