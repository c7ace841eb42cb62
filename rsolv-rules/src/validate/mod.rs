//! Structural validation of rules, in the spirit of Semgrep's JSON schema
//! but reporting every problem with its position instead of the first.
//!
//! Validation walks the `serde_yaml::Value` of each rule, so it can carry on
//! past problems that would stop serde.

mod checker;
mod formula;
mod rule;

pub(crate) use checker::Checker;
pub(crate) use rule::check_rule;
