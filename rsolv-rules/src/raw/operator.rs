//! Pattern operators: the single-key maps inside `patterns:` and
//! `pattern-either:` lists.

use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_yaml::{Mapping, Value};

use super::FormulaRef;

/// One item of a `patterns:` or `pattern-either:` list.
///
/// In YAML each operator is a map with exactly one key (`- pattern: foo()`);
/// serde reads and writes that shape, never a YAML `!tag`.
#[derive(Debug, Clone, PartialEq)]
pub enum Operator {
    /// `pattern`: code matching this Semgrep pattern.
    Pattern(String),
    /// `patterns`: all of the nested operators (logical AND).
    Patterns(Vec<Operator>),
    /// `pattern-either`: any of the nested operators (logical OR).
    PatternEither(Vec<Operator>),
    /// `pattern-not`: remove matches of this pattern or formula.
    PatternNot(Operand),
    /// `pattern-inside`: keep matches inside this pattern or formula.
    PatternInside(Operand),
    /// `pattern-not-inside`: drop matches inside this pattern or formula.
    PatternNotInside(Operand),
    /// `pattern-regex`: text matching this PCRE regular expression.
    PatternRegex(String),
    /// `pattern-not-regex`: drop matches overlapping this regex's matches.
    PatternNotRegex(String),
    /// `metavariable-regex`: a metavariable's text must match a regex.
    MetavariableRegex(MetavariableRegex),
    /// `metavariable-pattern`: a metavariable's content must match a formula.
    MetavariablePattern(MetavariablePattern),
    /// `metavariable-comparison`: an arithmetic/boolean comparison holds.
    MetavariableComparison(MetavariableComparison),
    /// `metavariable-type`: a metavariable has one of these types.
    MetavariableType(MetavariableType),
    /// `metavariable-analysis`: a built-in analyzer (entropy, redos) accepts
    /// the metavariable.
    MetavariableAnalysis(MetavariableAnalysis),
    /// `metavariable-name`: a metavariable names something from a module.
    MetavariableName(MetavariableName),
    /// `focus-metavariable`: report only the region one or more
    /// metavariables matched.
    FocusMetavariable(StringOrList),
}

impl Operator {
    /// Every operator key, in the order of [`Operator`]'s variants.
    pub const KEYS: [&'static str; 15] = [
        "pattern",
        "patterns",
        "pattern-either",
        "pattern-not",
        "pattern-inside",
        "pattern-not-inside",
        "pattern-regex",
        "pattern-not-regex",
        "metavariable-regex",
        "metavariable-pattern",
        "metavariable-comparison",
        "metavariable-type",
        "metavariable-analysis",
        "metavariable-name",
        "focus-metavariable",
    ];

    /// The YAML key of this operator (`pattern-either`, …).
    pub const fn key(&self) -> &'static str {
        match self {
            Operator::Pattern(_) => "pattern",
            Operator::Patterns(_) => "patterns",
            Operator::PatternEither(_) => "pattern-either",
            Operator::PatternNot(_) => "pattern-not",
            Operator::PatternInside(_) => "pattern-inside",
            Operator::PatternNotInside(_) => "pattern-not-inside",
            Operator::PatternRegex(_) => "pattern-regex",
            Operator::PatternNotRegex(_) => "pattern-not-regex",
            Operator::MetavariableRegex(_) => "metavariable-regex",
            Operator::MetavariablePattern(_) => "metavariable-pattern",
            Operator::MetavariableComparison(_) => "metavariable-comparison",
            Operator::MetavariableType(_) => "metavariable-type",
            Operator::MetavariableAnalysis(_) => "metavariable-analysis",
            Operator::MetavariableName(_) => "metavariable-name",
            Operator::FocusMetavariable(_) => "focus-metavariable",
        }
    }

    /// Read an operator from its one-entry map.
    pub fn from_mapping(map: Mapping) -> Result<Self, String> {
        if map.len() != 1 {
            let keys: Vec<String> = map.keys().map(key_text).collect();
            return Err(format!(
                "a pattern operator is a map with exactly one key, found {}: {}",
                keys.len(),
                keys.join(", ")
            ));
        }
        let Some((key, value)) = map.into_iter().next() else {
            return Err("empty pattern operator".into());
        };
        let key = key_text(&key);
        Ok(match key.as_str() {
            "pattern" => Operator::Pattern(field(value)?),
            "patterns" => Operator::Patterns(field(value)?),
            "pattern-either" => Operator::PatternEither(field(value)?),
            "pattern-not" => Operator::PatternNot(field(value)?),
            "pattern-inside" => Operator::PatternInside(field(value)?),
            "pattern-not-inside" => Operator::PatternNotInside(field(value)?),
            "pattern-regex" => Operator::PatternRegex(field(value)?),
            "pattern-not-regex" => Operator::PatternNotRegex(field(value)?),
            "metavariable-regex" => Operator::MetavariableRegex(field(value)?),
            "metavariable-pattern" => Operator::MetavariablePattern(field(value)?),
            "metavariable-comparison" => Operator::MetavariableComparison(field(value)?),
            "metavariable-type" => Operator::MetavariableType(field(value)?),
            "metavariable-analysis" => Operator::MetavariableAnalysis(field(value)?),
            "metavariable-name" => Operator::MetavariableName(field(value)?),
            "focus-metavariable" => Operator::FocusMetavariable(field(value)?),
            other => return Err(format!("unknown pattern operator `{other}`")),
        })
    }

    fn serialize_value<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        let key = self.key();
        match self {
            Operator::Pattern(s) | Operator::PatternRegex(s) | Operator::PatternNotRegex(s) => {
                map.serialize_entry(key, s)
            }
            Operator::Patterns(ops) | Operator::PatternEither(ops) => map.serialize_entry(key, ops),
            Operator::PatternNot(o)
            | Operator::PatternInside(o)
            | Operator::PatternNotInside(o) => map.serialize_entry(key, o),
            Operator::MetavariableRegex(m) => map.serialize_entry(key, m),
            Operator::MetavariablePattern(m) => map.serialize_entry(key, m),
            Operator::MetavariableComparison(m) => map.serialize_entry(key, m),
            Operator::MetavariableType(m) => map.serialize_entry(key, m),
            Operator::MetavariableAnalysis(m) => map.serialize_entry(key, m),
            Operator::MetavariableName(m) => map.serialize_entry(key, m),
            Operator::FocusMetavariable(m) => map.serialize_entry(key, m),
        }
    }
}

fn key_text(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default(),
    }
}

fn field<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, String> {
    serde_yaml::from_value(value).map_err(|e| e.to_string())
}

impl Serialize for Operator {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        self.serialize_value(&mut map)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for Operator {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Mapping::deserialize(deserializer)?;
        Operator::from_mapping(map).map_err(D::Error::custom)
    }
}

/// The value of `pattern-not`, `pattern-inside` and `pattern-not-inside`:
/// a pattern string or a nested formula (`pattern-not: {patterns: [...]}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Operand {
    /// A Semgrep pattern.
    Pattern(String),
    /// A nested one-key formula.
    Formula(Box<Operator>),
}

/// A string or a list of strings (`focus-metavariable: $X` or `[$X, $Y]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StringOrList {
    /// A single string.
    One(String),
    /// A list of strings.
    Many(Vec<String>),
}

impl StringOrList {
    /// The strings, whichever form was written.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            StringOrList::One(s) => vec![s.clone()],
            StringOrList::Many(v) => v.clone(),
        }
    }
}

/// `metavariable-regex`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MetavariableRegex {
    /// The metavariable, e.g. `$X`.
    pub metavariable: String,
    /// A PCRE regular expression.
    pub regex: String,
    /// Whether to match the constant-propagated value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constant_propagation: Option<bool>,
}

/// `metavariable-pattern`: match a metavariable's content with a formula,
/// optionally in another language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MetavariablePattern {
    /// The metavariable, e.g. `$ARG`.
    pub metavariable: String,
    /// The language to parse the content as (default: the rule's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
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
}

impl MetavariablePattern {
    pub(crate) fn formulas(&self) -> Vec<FormulaRef<'_>> {
        FormulaRef::collect(
            self.pattern.as_deref(),
            self.patterns.as_deref(),
            self.pattern_either.as_deref(),
            self.pattern_regex.as_deref(),
        )
    }
}

/// `metavariable-comparison`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MetavariableComparison {
    /// The metavariable compared (optional since the comparison names it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metavariable: Option<String>,
    /// The comparison, e.g. `$X > 1024`.
    pub comparison: String,
    /// Integer base to read the metavariable in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<i64>,
    /// Whether to strip quotes from the metavariable's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strip: Option<bool>,
}

/// `metavariable-type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MetavariableType {
    /// The metavariable.
    pub metavariable: String,
    /// One type expression.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Several type expressions (any may match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<Vec<String>>,
    /// The language the types are written in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// `metavariable-analysis`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MetavariableAnalysis {
    /// The metavariable.
    pub metavariable: String,
    /// The analyzer: `entropy`, `entropy_v2`, `redos`, or a map with `kind`.
    pub analyzer: Value,
}

/// `metavariable-name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MetavariableName {
    /// The metavariable.
    pub metavariable: String,
    /// A module the name must come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// Modules the name may come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modules: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Result<Operator, String> {
        serde_yaml::from_str(yaml).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_single_key_maps() {
        assert_eq!(
            parse("pattern: foo()"),
            Ok(Operator::Pattern("foo()".into()))
        );
        let either = parse("pattern-either:\n  - pattern: a\n  - pattern-regex: b+");
        assert_eq!(
            either,
            Ok(Operator::PatternEither(vec![
                Operator::Pattern("a".into()),
                Operator::PatternRegex("b+".into()),
            ]))
        );
        let nested = parse("pattern-not:\n  patterns:\n    - pattern: x");
        assert_eq!(
            nested,
            Ok(Operator::PatternNot(Operand::Formula(Box::new(
                Operator::Patterns(vec![Operator::Pattern("x".into())])
            ))))
        );
    }

    #[test]
    fn rejects_bad_shapes() {
        assert!(parse("pattern: a\npattern-not: b").is_err_and(|e| e.contains("exactly one")));
        assert!(parse("patern: a").is_err_and(|e| e.contains("unknown pattern operator")));
        assert!(parse("metavariable-regex: {metavariable: $X}").is_err());
    }

    #[test]
    fn writes_plain_maps_not_tags() {
        let op = Operator::Patterns(vec![
            Operator::FocusMetavariable(StringOrList::Many(vec!["$X".into()])),
            Operator::PatternInside(Operand::Pattern("f(...)".into())),
        ]);
        let yaml = serde_yaml::to_string(&op).unwrap_or_default();
        assert!(!yaml.contains('!'), "{yaml}");
        assert!(yaml.starts_with("patterns:"), "{yaml}");
        assert_eq!(parse(&yaml), Ok(op));
    }
}
