//! Items of `pattern-sources`, `pattern-sinks`, `pattern-sanitizers` and
//! `pattern-propagators` in `mode: taint` rules.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_yaml::Value;

use super::{FormulaRef, Operator};

/// Which of the four taint lists an item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaintRole {
    /// `pattern-sources`.
    Source,
    /// `pattern-sinks`.
    Sink,
    /// `pattern-sanitizers`.
    Sanitizer,
    /// `pattern-propagators`.
    Propagator,
}

impl TaintRole {
    /// The rule key of the list.
    pub const fn key(self) -> &'static str {
        match self {
            TaintRole::Source => "pattern-sources",
            TaintRole::Sink => "pattern-sinks",
            TaintRole::Sanitizer => "pattern-sanitizers",
            TaintRole::Propagator => "pattern-propagators",
        }
    }

    /// The option keys Semgrep accepts on an item of this list, besides the
    /// formula keys (`pattern`, `patterns`, `pattern-either`,
    /// `pattern-regex`).
    pub const fn option_keys(self) -> &'static [&'static str] {
        match self {
            TaintRole::Source => &["label", "requires", "by-side-effect", "exact", "control"],
            TaintRole::Sink => &["requires", "exact", "at-exit"],
            TaintRole::Sanitizer => &["by-side-effect", "exact", "not_conflicting"],
            TaintRole::Propagator => &[
                "from",
                "to",
                "label",
                "requires",
                "by-side-effect",
                "replace-labels",
            ],
        }
    }
}

/// One taint source, sink, sanitizer or propagator: a formula plus options.
///
/// The same struct serves the four lists; the validator checks that each
/// option is allowed for the list it appears in ([`TaintRole::option_keys`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TaintItem {
    /// `pattern` formula.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// `patterns` formula.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patterns: Option<Vec<Operator>>,
    /// `pattern-either` formula.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_either: Option<Vec<Operator>>,
    /// `pattern-regex` formula.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_regex: Option<String>,
    /// Sources and propagators: the taint label this item produces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Sources, sinks and propagators: a boolean expression over labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires: Option<String>,
    /// Sources, sanitizers, propagators: taint (or clean) the matched
    /// l-value itself from this point on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_side_effect: Option<BySideEffect>,
    /// Only the exact match is a source/sink/sanitizer, not its subexpressions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact: Option<bool>,
    /// Sources: a control-flow source rather than a data-flow one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control: Option<bool>,
    /// Sinks: only report when reached at the exit of a function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_exit: Option<bool>,
    /// Sanitizers: ignore this sanitizer when it is also a source or sink.
    #[serde(
        default,
        rename = "not_conflicting",
        skip_serializing_if = "Option::is_none"
    )]
    pub not_conflicting: Option<bool>,
    /// Propagators: the metavariable taint flows from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Propagators: the metavariable taint flows to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Propagators: labels replaced by `label` when propagating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace_labels: Option<Vec<String>>,
}

impl TaintItem {
    /// The formula keys present (exactly one in a valid item).
    pub(crate) fn formulas(&self) -> Vec<FormulaRef<'_>> {
        FormulaRef::collect(
            self.pattern.as_deref(),
            self.patterns.as_deref(),
            self.pattern_either.as_deref(),
            self.pattern_regex.as_deref(),
        )
    }
}

/// `by-side-effect`: `true`, `false` or `only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BySideEffect {
    /// `true`: the match and the l-value are tainted.
    Yes,
    /// `false`: only the match.
    No,
    /// `only`: only the l-value, not the match itself.
    Only,
}

impl Serialize for BySideEffect {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            BySideEffect::Yes => serializer.serialize_bool(true),
            BySideEffect::No => serializer.serialize_bool(false),
            BySideEffect::Only => serializer.serialize_str("only"),
        }
    }
}

impl<'de> Deserialize<'de> for BySideEffect {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Bool(true) => Ok(BySideEffect::Yes),
            Value::Bool(false) => Ok(BySideEffect::No),
            Value::String(s) if s == "only" => Ok(BySideEffect::Only),
            _ => Err(D::Error::custom("expected true, false or `only`")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_options() {
        let item: Result<TaintItem, _> = serde_yaml::from_str(
            "patterns:\n  - pattern: source($X)\nlabel: TAINTED\nby-side-effect: only\nnot_conflicting: true",
        );
        let item = item.unwrap_or_default();
        assert_eq!(item.label.as_deref(), Some("TAINTED"));
        assert_eq!(item.by_side_effect, Some(BySideEffect::Only));
        assert_eq!(item.not_conflicting, Some(true));
        assert_eq!(item.formulas().len(), 1);
    }

    #[test]
    fn by_side_effect_round_trips() {
        for v in [BySideEffect::Yes, BySideEffect::No, BySideEffect::Only] {
            let text = serde_yaml::to_string(&v).unwrap_or_default();
            assert_eq!(serde_yaml::from_str::<BySideEffect>(&text).ok(), Some(v));
        }
        assert!(serde_yaml::from_str::<BySideEffect>("sometimes").is_err());
    }
}
