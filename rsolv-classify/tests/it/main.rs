//! Integration tests of rsolv-classify: the committed data files.

mod data;
