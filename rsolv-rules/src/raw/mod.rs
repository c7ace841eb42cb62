//! The serde layer: structs that mirror Semgrep's rule YAML key for key.

mod metadata;
mod operator;
mod rule;
mod taint;

use serde::{Deserialize, Serialize};

pub use metadata::Metadata;
pub use operator::{
    MetavariableAnalysis, MetavariableComparison, MetavariableName, MetavariablePattern,
    MetavariableRegex, MetavariableType, Operand, Operator, StringOrList,
};
pub use rule::{FixRegex, Mode, PathFilter, Rule};
pub use taint::{BySideEffect, TaintItem, TaintRole};

/// A Semgrep rule file: `rules: [...]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// The rules, in file order.
    pub rules: Vec<Rule>,
}

/// The four keys that hold a formula wherever Semgrep accepts one (rule top
/// level, taint items, `metavariable-pattern`), borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum FormulaRef<'a> {
    /// `pattern`.
    Pattern(&'a str),
    /// `patterns`.
    Patterns(&'a [Operator]),
    /// `pattern-either`.
    Either(&'a [Operator]),
    /// `pattern-regex`.
    Regex(&'a str),
}

impl<'a> FormulaRef<'a> {
    /// The formulas among four optional keys, in key order.
    pub(crate) fn collect(
        pattern: Option<&'a str>,
        patterns: Option<&'a [Operator]>,
        either: Option<&'a [Operator]>,
        regex: Option<&'a str>,
    ) -> Vec<Self> {
        let mut out = Vec::new();
        out.extend(pattern.map(FormulaRef::Pattern));
        out.extend(patterns.map(FormulaRef::Patterns));
        out.extend(either.map(FormulaRef::Either));
        out.extend(regex.map(FormulaRef::Regex));
        out
    }

    /// The YAML key.
    pub(crate) const fn key(self) -> &'static str {
        match self {
            FormulaRef::Pattern(_) => "pattern",
            FormulaRef::Patterns(_) => "patterns",
            FormulaRef::Either(_) => "pattern-either",
            FormulaRef::Regex(_) => "pattern-regex",
        }
    }
}
