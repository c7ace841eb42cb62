//! Integration tests of rsolv-classify (one binary).

mod decoder;
