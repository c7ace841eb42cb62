//! rsolv-rules
