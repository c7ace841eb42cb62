//! Integration tests of `rsolv-store`, in one binary so they link once.

mod audit;
mod common;
mod concurrency;
mod findings;
mod isolation;
mod migrations;
mod properties;
mod search;
mod suppressions;
mod transactions;
mod versions;
