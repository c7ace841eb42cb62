//! Integration tests for rsolv-rules (one binary).

mod corpus;
