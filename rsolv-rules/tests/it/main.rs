//! Integration tests for rsolv-rules (one binary).

mod corpus;
mod diagnostics;
mod differential;
mod fixtures;
mod roundtrip;
mod ruletest;
mod semgrep;
