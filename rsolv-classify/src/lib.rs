//! rsolv-classify
