//! Integration tests for rsolv-rules (one binary).

mod corpus;
mod diagnostics;
mod fixtures;
mod roundtrip;
mod ruletest;
mod semgrep;
