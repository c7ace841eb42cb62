//! rsolv-learn
