//! The matcher tree: a rule's formula with its regexes compiled and its
//! pattern strings kept for the engine to parse.

use crate::raw::{FormulaRef, Operand, Operator};
use crate::source_map::{child_index, child_key};
use crate::{Error, RuleRegex};

/// A compiled formula.
///
/// The tree mirrors Semgrep's formula semantics: `All` is `patterns`, `Any`
/// is `pattern-either`, and the remaining variants are the operators that
/// can appear in them. Pattern strings are not parsed here.
#[derive(Debug, Clone, PartialEq)]
pub enum Matcher {
    /// Code matching a Semgrep pattern.
    Pattern(String),
    /// Text matching a regex (`pattern-regex`).
    Regex(RuleRegex),
    /// Drop matches that overlap a regex match (`pattern-not-regex`).
    NotRegex(RuleRegex),
    /// Every child holds (`patterns`).
    All(Vec<Matcher>),
    /// Some child holds (`pattern-either`).
    Any(Vec<Matcher>),
    /// Drop matches of the child (`pattern-not`).
    Not(Box<Matcher>),
    /// Keep only matches inside a match of the child (`pattern-inside`).
    Inside(Box<Matcher>),
    /// Drop matches inside a match of the child (`pattern-not-inside`).
    NotInside(Box<Matcher>),
    /// The metavariable's text matches a regex (`metavariable-regex`).
    MetavariableRegex {
        /// The metavariable.
        metavariable: String,
        /// The compiled regex.
        regex: RuleRegex,
        /// Match the constant-propagated value (`constant-propagation`).
        constant_propagation: Option<bool>,
    },
    /// The metavariable's content matches a formula (`metavariable-pattern`).
    MetavariablePattern {
        /// The metavariable.
        metavariable: String,
        /// The language to parse the content as; the rule's when absent.
        language: Option<String>,
        /// The nested formula.
        formula: Box<Matcher>,
    },
    /// A comparison over metavariables holds (`metavariable-comparison`).
    MetavariableComparison {
        /// The metavariable named by the rule, if any.
        metavariable: Option<String>,
        /// The comparison expression.
        comparison: String,
        /// Integer base for reading the metavariable.
        base: Option<i64>,
        /// Strip quotes first.
        strip: Option<bool>,
    },
    /// The metavariable has one of these types (`metavariable-type`).
    MetavariableType {
        /// The metavariable.
        metavariable: String,
        /// Type expressions, any of which may match.
        types: Vec<String>,
        /// The language of the type expressions.
        language: Option<String>,
    },
    /// A built-in analyzer accepts the metavariable (`metavariable-analysis`).
    MetavariableAnalysis {
        /// The metavariable.
        metavariable: String,
        /// The analyzer's name (`entropy`, `entropy_v2`, `redos`).
        analyzer: String,
    },
    /// The metavariable names something from these modules
    /// (`metavariable-name`).
    MetavariableName {
        /// The metavariable.
        metavariable: String,
        /// The modules.
        modules: Vec<String>,
    },
    /// Report only what these metavariables matched (`focus-metavariable`).
    Focus(Vec<String>),
}

/// Builds matchers for one rule, naming it in errors.
#[derive(Debug)]
pub(crate) struct MatcherBuilder<'a> {
    pub(crate) rule_id: &'a str,
}

impl MatcherBuilder<'_> {
    pub(crate) fn error(&self, key_path: &str, message: impl Into<String>) -> Error {
        Error::Compile {
            rule_id: self.rule_id.to_owned(),
            key_path: key_path.to_owned(),
            message: message.into(),
        }
    }

    /// The single formula among `formulas`, compiled.
    pub(crate) fn single(&self, formulas: &[FormulaRef<'_>], path: &str) -> Result<Matcher, Error> {
        match formulas {
            [one] => self.formula(*one, &child_key(path, one.key())),
            [] => Err(self.error(path, "no pattern operator")),
            _ => Err(self.error(path, "several pattern operators; only one is allowed")),
        }
    }

    fn regex(&self, source: &str, path: &str) -> Result<RuleRegex, Error> {
        RuleRegex::new(source).map_err(|e| self.error(path, format!("invalid regex: {e}")))
    }

    pub(crate) fn formula(&self, formula: FormulaRef<'_>, path: &str) -> Result<Matcher, Error> {
        Ok(match formula {
            FormulaRef::Pattern(p) => Matcher::Pattern(p.to_owned()),
            FormulaRef::Regex(r) => Matcher::Regex(self.regex(r, path)?),
            FormulaRef::Patterns(ops) => Matcher::All(self.list(ops, path)?),
            FormulaRef::Either(ops) => Matcher::Any(self.list(ops, path)?),
        })
    }

    fn list(&self, ops: &[Operator], path: &str) -> Result<Vec<Matcher>, Error> {
        if ops.is_empty() {
            return Err(self.error(path, "empty operator list"));
        }
        ops.iter()
            .enumerate()
            .map(|(i, op)| {
                let item = child_index(path, i);
                self.operator(op, &child_key(&item, op.key()))
            })
            .collect()
    }

    fn operand(&self, operand: &Operand, path: &str) -> Result<Box<Matcher>, Error> {
        Ok(Box::new(match operand {
            Operand::Pattern(p) => Matcher::Pattern(p.clone()),
            Operand::Formula(op) => self.operator(op, &child_key(path, op.key()))?,
        }))
    }

    pub(crate) fn operator(&self, op: &Operator, path: &str) -> Result<Matcher, Error> {
        Ok(match op {
            Operator::Pattern(p) => Matcher::Pattern(p.clone()),
            Operator::Patterns(ops) => Matcher::All(self.list(ops, path)?),
            Operator::PatternEither(ops) => Matcher::Any(self.list(ops, path)?),
            Operator::PatternNot(o) => Matcher::Not(self.operand(o, path)?),
            Operator::PatternInside(o) => Matcher::Inside(self.operand(o, path)?),
            Operator::PatternNotInside(o) => Matcher::NotInside(self.operand(o, path)?),
            Operator::PatternRegex(r) => Matcher::Regex(self.regex(r, path)?),
            Operator::PatternNotRegex(r) => Matcher::NotRegex(self.regex(r, path)?),
            Operator::MetavariableRegex(m) => Matcher::MetavariableRegex {
                metavariable: m.metavariable.clone(),
                regex: self.regex(&m.regex, &child_key(path, "regex"))?,
                constant_propagation: m.constant_propagation,
            },
            Operator::MetavariablePattern(m) => Matcher::MetavariablePattern {
                metavariable: m.metavariable.clone(),
                language: m.language.clone(),
                formula: Box::new(self.single(&m.formulas(), path)?),
            },
            Operator::MetavariableComparison(m) => Matcher::MetavariableComparison {
                metavariable: m.metavariable.clone(),
                comparison: m.comparison.clone(),
                base: m.base,
                strip: m.strip,
            },
            Operator::MetavariableType(m) => {
                let mut types: Vec<String> = m.type_.iter().cloned().collect();
                types.extend(m.types.iter().flatten().cloned());
                if types.is_empty() {
                    return Err(self.error(path, "`metavariable-type` needs `type` or `types`"));
                }
                Matcher::MetavariableType {
                    metavariable: m.metavariable.clone(),
                    types,
                    language: m.language.clone(),
                }
            }
            Operator::MetavariableAnalysis(m) => {
                let analyzer = match &m.analyzer {
                    serde_yaml::Value::String(s) => Some(s.clone()),
                    serde_yaml::Value::Mapping(map) => {
                        map.get("kind").and_then(|k| k.as_str()).map(str::to_owned)
                    }
                    _ => None,
                };
                Matcher::MetavariableAnalysis {
                    metavariable: m.metavariable.clone(),
                    analyzer: analyzer.ok_or_else(|| self.error(path, "unknown analyzer"))?,
                }
            }
            Operator::MetavariableName(m) => Matcher::MetavariableName {
                metavariable: m.metavariable.clone(),
                modules: m
                    .module
                    .iter()
                    .chain(m.modules.iter().flatten())
                    .cloned()
                    .collect(),
            },
            Operator::FocusMetavariable(names) => Matcher::Focus(names.to_vec()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(yaml: &str) -> Result<Matcher, Error> {
        let op: Operator = serde_yaml::from_str(yaml).map_err(Error::Serialize)?;
        MatcherBuilder { rule_id: "r" }.operator(&op, "patterns")
    }

    #[test]
    fn builds_the_tree() {
        let m = build(
            "patterns:\n  - pattern-inside: 'def $F(...): ...'\n  - pattern-either:\n      - pattern: eval($X)\n      - pattern-regex: exec\\(\n  - pattern-not: eval(\"...\")\n  - focus-metavariable: $X",
        );
        let Ok(Matcher::All(children)) = m else {
            panic!("expected All, got {m:?}");
        };
        assert_eq!(children.len(), 4);
        assert!(
            matches!(&children[0], Matcher::Inside(p) if **p == Matcher::Pattern("def $F(...): ...".into()))
        );
        assert!(
            matches!(&children[1], Matcher::Any(v) if v.len() == 2 && matches!(&v[1], Matcher::Regex(r) if r.is_match("exec(")))
        );
        assert!(matches!(&children[2], Matcher::Not(_)));
        assert_eq!(children[3], Matcher::Focus(vec!["$X".into()]));
    }

    #[test]
    fn bad_regex_names_the_path() {
        let err = build(
            "patterns:\n  - pattern: a\n  - metavariable-regex: {metavariable: $X, regex: '(x'}",
        );
        let Err(Error::Compile {
            rule_id, key_path, ..
        }) = err
        else {
            panic!("expected a compile error, got {err:?}");
        };
        assert_eq!(rule_id, "r");
        assert_eq!(key_path, "patterns[1].metavariable-regex.regex");
    }
}
