//! A rule's matcher tree with its patterns parsed for one language.

use rsolv_core::Language;

use super::comparison::Comparison;
use super::generic::GenericPattern;
use super::lang::Grammar;
use super::pattern::{PatternTree, parse_pattern};
use crate::{Matcher, RuleRegex};

/// The engine's form of a [`Matcher`].
#[derive(Debug, Clone)]
pub(crate) enum Formula {
    /// A pattern, with the words any code it matches contains (checked
    /// before matching).
    Pattern(PatternTree, Box<[String]>),
    /// A pattern of the `generic` language, matched on tokens.
    Generic(GenericPattern),
    Regex(RuleRegex),
    NotRegex(RuleRegex),
    All(Vec<Formula>),
    Any(Vec<Formula>),
    Not(Box<Formula>),
    Inside(Box<Formula>),
    NotInside(Box<Formula>),
    MetavariableRegex {
        metavariable: String,
        regex: RuleRegex,
    },
    MetavariablePattern {
        metavariable: String,
        language: Option<Language>,
        formula: Box<Formula>,
    },
    MetavariableComparison {
        metavariable: Option<String>,
        comparison: Comparison,
        /// Compare the metavariable's text without its quotes.
        strip: bool,
    },
    Focus(Vec<String>),
    /// `metavariable-analysis` with the `redos` analyzer: the bound regex
    /// may backtrack catastrophically.
    MetavariableRedos {
        metavariable: String,
    },
    /// A condition the engine cannot evaluate yet (`metavariable-type`, …):
    /// it keeps every match, and the engine reports it once per rule.
    Unsupported(&'static str),
}

/// Why a formula could not be built.
#[derive(Debug, Clone)]
pub(crate) struct FormulaError(pub(crate) String);

/// Parse every pattern of `matcher` for `lang`.
pub(crate) fn build(
    matcher: &Matcher,
    lang: Language,
    grammar: Option<&Grammar>,
) -> Result<Formula, FormulaError> {
    let sub = |m: &Matcher| build(m, lang, grammar).map(Box::new);
    Ok(match matcher {
        Matcher::Pattern(text) => {
            let Some(grammar) = grammar else {
                // In a `regex` rule every pattern is a regular expression
                // (`pattern-not-inside: \bws://localhost`).
                if lang == Language::Regex {
                    let source = text.trim_end_matches('\n');
                    return crate::RuleRegex::new(source)
                        .map(Formula::Regex)
                        .map_err(|e| FormulaError(format!("invalid regex `{source}`: {e}")));
                }
                if lang == Language::Generic {
                    return GenericPattern::parse(text)
                        .map(Formula::Generic)
                        .map_err(|e| {
                            FormulaError(format!("invalid generic pattern `{}`: {e}", text.trim()))
                        });
                }
                return Err(FormulaError(format!(
                    "`pattern` needs a parsed language, not {lang}"
                )));
            };
            match parse_pattern(lang, grammar, text) {
                Ok(tree) => {
                    let words = tree.required_words().into_boxed_slice();
                    Formula::Pattern(tree, words)
                }
                // Semgrep parses JavaScript patterns with type annotations
                // (`function f($X: number) {...}`): such a pattern matches
                // nothing in plain JavaScript, whose grammar has no types.
                Err(_) if lang == Language::JavaScript && typescript_pattern(text) => {
                    Formula::Any(Vec::new())
                }
                Err(e) => {
                    return Err(FormulaError(format!(
                        "invalid pattern `{}`: {}",
                        text.trim(),
                        e.0
                    )));
                }
            }
        }
        Matcher::Regex(re) => Formula::Regex(re.clone()),
        Matcher::NotRegex(re) => Formula::NotRegex(re.clone()),
        Matcher::All(items) => Formula::All(
            items
                .iter()
                .map(|m| build(m, lang, grammar))
                .collect::<Result<_, _>>()?,
        ),
        Matcher::Any(items) => Formula::Any(
            items
                .iter()
                .map(|m| build(m, lang, grammar))
                .collect::<Result<_, _>>()?,
        ),
        Matcher::Not(m) => Formula::Not(sub(m)?),
        Matcher::Inside(m) => Formula::Inside(sub(m)?),
        Matcher::NotInside(m) => Formula::NotInside(sub(m)?),
        Matcher::MetavariableRegex {
            metavariable,
            regex,
            ..
        } => Formula::MetavariableRegex {
            metavariable: metavariable.clone(),
            regex: regex.clone(),
        },
        Matcher::MetavariablePattern {
            metavariable,
            language,
            formula,
        } => {
            let inner_lang = match language.as_deref() {
                None => lang,
                Some(name) => name.parse().map_err(|_| {
                    FormulaError(format!(
                        "unsupported language `{name}` in metavariable-pattern"
                    ))
                })?,
            };
            let inner_grammar = super::lang::grammar(inner_lang, false);
            Formula::MetavariablePattern {
                metavariable: metavariable.clone(),
                language: language.as_ref().map(|_| inner_lang),
                formula: Box::new(build(formula, inner_lang, inner_grammar.as_ref())?),
            }
        }
        Matcher::MetavariableComparison {
            metavariable,
            comparison,
            base,
            strip,
        } => Formula::MetavariableComparison {
            metavariable: metavariable.clone(),
            strip: strip.unwrap_or(false),
            comparison: Comparison::parse_with_base(
                comparison,
                base.and_then(|b| u32::try_from(b).ok())
                    .filter(|b| (2..=36).contains(b)),
            )
            .map_err(FormulaError)?,
        },
        Matcher::Focus(names) => Formula::Focus(names.clone()),
        Matcher::MetavariableType { .. } => Formula::Unsupported("metavariable-type"),
        Matcher::MetavariableAnalysis {
            metavariable,
            analyzer,
        } if analyzer == "redos" => Formula::MetavariableRedos {
            metavariable: metavariable.clone(),
        },
        Matcher::MetavariableAnalysis { .. } => Formula::Unsupported("metavariable-analysis"),
        Matcher::MetavariableName { .. } => Formula::Unsupported("metavariable-name"),
    })
}

/// Whether `text` parses as a TypeScript pattern.
fn typescript_pattern(text: &str) -> bool {
    super::lang::grammar(Language::TypeScript, false)
        .is_some_and(|g| parse_pattern(Language::TypeScript, &g, text).is_ok())
}

impl Formula {
    /// Apply the rule's `generic_ellipsis_max_span` option to every
    /// `generic` pattern in the formula.
    pub(crate) fn set_generic_max_span(&mut self, lines: usize) {
        match self {
            Formula::Generic(g) => g.set_max_span(lines),
            Formula::All(items) | Formula::Any(items) => {
                for item in items {
                    item.set_generic_max_span(lines);
                }
            }
            Formula::Not(inner)
            | Formula::Inside(inner)
            | Formula::NotInside(inner)
            | Formula::MetavariablePattern { formula: inner, .. } => {
                inner.set_generic_max_span(lines);
            }
            _ => {}
        }
    }

    /// Words a file must contain for the formula to match anything: any
    /// one of the alternatives, each a list of words that must all occur.
    /// `None` when the formula may match any file.
    pub(crate) fn prefilter(&self) -> Option<Vec<Vec<String>>> {
        let nonempty = |words: Vec<String>| (!words.is_empty()).then(|| vec![words]);
        match self {
            Formula::Pattern(_, words) => nonempty(words.to_vec()),
            Formula::Generic(g) => nonempty(g.required_words()),
            Formula::Inside(inner) => inner.prefilter(),
            Formula::Any(items) => {
                let mut alternatives = Vec::new();
                for item in items {
                    alternatives.extend(item.prefilter()?);
                }
                Some(alternatives)
            }
            // Every positive term (and every inside) must match, so the
            // most selective one can stand for all of them; a
            // metavariable-regex that is a list of names (`^(system|popen)$`)
            // narrows it further: the bound name is in the file too.
            Formula::All(items) => {
                let best = items
                    .iter()
                    .filter(|f| {
                        matches!(
                            f,
                            Formula::Pattern(..)
                                | Formula::Generic(_)
                                | Formula::All(_)
                                | Formula::Any(_)
                                | Formula::Inside(_)
                        )
                    })
                    .filter_map(Formula::prefilter)
                    .max_by_key(|alternatives| {
                        alternatives
                            .iter()
                            .map(|words| words.iter().map(String::len).sum::<usize>())
                            .min()
                    });
                items.iter().fold(best, |acc, item| {
                    let Formula::MetavariableRegex { regex, .. } = item else {
                        return acc;
                    };
                    let Some(names) = literal_alternatives(regex.as_str()) else {
                        return acc;
                    };
                    let acc = acc.unwrap_or_else(|| vec![Vec::new()]);
                    if acc.len() * names.len() > 64 {
                        return Some(acc);
                    }
                    Some(
                        acc.iter()
                            .flat_map(|words| {
                                names.iter().map(move |name| {
                                    let mut all = words.clone();
                                    all.push(name.clone());
                                    all
                                })
                            })
                            .collect(),
                    )
                })
            }
            _ => None,
        }
    }
}

/// The names of a regular expression that is one list of them,
/// anchored: `^(system|popen)$` (or `^system$`).
fn literal_alternatives(regex: &str) -> Option<Vec<String>> {
    let inner = regex.strip_prefix('^')?.strip_suffix('$')?;
    let inner = inner
        .strip_prefix('(')
        .and_then(|i| i.strip_suffix(')'))
        .unwrap_or(inner);
    let names: Vec<String> = inner.split('|').map(str::to_owned).collect();
    names
        .iter()
        .all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(names)
}

/// Whether `source` passes a prefilter from [`Formula::prefilter`]: no
/// prefilter, or all the words of one alternative are in it.
pub(crate) fn prefilter_allows(words: Option<&[Vec<String>]>, source: &str) -> bool {
    words.is_none_or(|alternatives| {
        alternatives
            .iter()
            .any(|all| all.iter().all(|w| source.contains(w.as_str())))
    })
}

#[cfg(test)]
mod tests {
    use super::literal_alternatives;

    #[test]
    fn name_lists_become_prefilter_words() {
        let names = |r| literal_alternatives(r);
        assert_eq!(
            names("^(system|popen)$"),
            Some(vec!["system".to_owned(), "popen".to_owned()])
        );
        assert_eq!(names("^exec$"), Some(vec!["exec".to_owned()]));
        assert_eq!(names("^(a|b)(c)$"), None);
        assert_eq!(names("^(?:a|b)$"), None);
        assert_eq!(names("(a|b)"), None);
        assert_eq!(names("^(a|)$"), None);
    }
}
