//! rsolv-store
