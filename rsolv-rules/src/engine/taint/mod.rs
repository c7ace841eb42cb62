//! Taint mode (`mode: taint`): sources, sanitizers, propagators and sinks
//! are found with the search-mode evaluator, then [`flow`] follows tainted
//! data through each function's statements to the sinks.

mod flow;
mod labels;
mod scalar;
mod syntax;
mod trace;

use std::sync::Arc;

use rsolv_core::Language;

use super::eval::FileEval;
use super::formula::{self, Formula};
use super::lang::Grammar;
use super::matcher::{Env, RangeMatch};
use super::tree::{NodeId, SynTree};
use crate::raw::BySideEffect;
use crate::{CompiledRule, TaintSpec};
use flow::{Hit, Hits, Options, PropagatorOptions, SanitizerOptions, SinkOptions, SourceOptions};
use labels::Requires;

pub use trace::{DataflowTrace, TraceLocation};

/// The formulas of a taint rule's specifications for one language.
struct TaintFormulas {
    lang: Language,
    tsx: bool,
    sources: Vec<Formula>,
    sinks: Vec<Formula>,
    /// The prefilters of the sources and of the sinks: a file holds a
    /// flow only if it holds the words of some source and of some sink.
    source_words: Vec<Option<Vec<Vec<String>>>>,
    sink_words: Vec<Option<Vec<Vec<String>>>>,
    sanitizers: Vec<Formula>,
    propagators: Vec<Formula>,
}

impl TaintFormulas {
    fn may_match(&self, source: &str) -> bool {
        let wanted = |words: &[Option<Vec<Vec<String>>>]| {
            words
                .iter()
                .any(|w| super::formula::prefilter_allows(w.as_deref(), source))
        };
        wanted(&self.source_words) && wanted(&self.sink_words)
    }
}

/// A taint rule ready to run.
pub(crate) struct TaintRule {
    formulas: Vec<TaintFormulas>,
    options: Options,
}

/// Tainted data reaching a sink: the sink's match (bindings of the source
/// added) and the trace, as byte ranges.
pub(crate) struct TaintMatch {
    pub(crate) m: RangeMatch,
    pub(crate) source: (u32, u32),
    pub(crate) via: Vec<(u32, u32)>,
}

impl TaintRule {
    /// Follow tainted arguments into functions defined in the same file.
    pub(crate) fn set_intrafile(&mut self, on: bool) {
        self.options.intrafile = on;
    }

    /// Parse the specifications' patterns for each language of `rule`.
    /// Errors name the languages that could not be prepared.
    pub(crate) fn new(rule: &CompiledRule, spec: &TaintSpec) -> Result<Self, String> {
        let mut formulas = Vec::new();
        let mut last_error = None;
        for &lang in &rule.languages {
            let dialects: &[bool] = if lang == Language::TypeScript {
                &[false, true]
            } else {
                &[false]
            };
            for &tsx in dialects {
                let grammar = super::lang::grammar(lang, tsx);
                match build(spec, lang, tsx, grammar.as_ref()) {
                    Ok(f) => formulas.push(f),
                    Err(e) => last_error = Some(e),
                }
            }
        }
        if formulas.is_empty() {
            return Err(last_error.unwrap_or_else(|| "no language to run on".into()));
        }
        Ok(TaintRule {
            formulas,
            options: options(rule, spec)?,
        })
    }

    /// Whether a file of `lang` with this text may hold a flow of the rule
    /// (it holds the words of a source and of a sink): when no rule may
    /// match a file, it is not even parsed.
    pub(crate) fn may_match(&self, lang: Language, is_tsx: bool, source: &str) -> bool {
        self.formulas.iter().any(|f| {
            f.lang == lang
                && (lang != Language::TypeScript || f.tsx == is_tsx)
                && f.may_match(source)
        })
    }

    /// Whether the rule runs on files of `lang`.
    pub(crate) fn wants(&self, lang: Option<Language>) -> bool {
        self.formulas.iter().any(|f| Some(f.lang) == lang)
    }

    /// The flows from sources to sinks in one parsed file.
    pub(crate) fn find(
        &self,
        eval: &mut FileEval<'_, '_, '_>,
        grammar: &Grammar,
        lang: Language,
        is_tsx: bool,
    ) -> Vec<TaintMatch> {
        let Some(syntax) = syntax::syntax(lang) else {
            return Vec::new();
        };
        let Some(f) = self
            .formulas
            .iter()
            .find(|f| f.lang == lang && (lang != Language::TypeScript || f.tsx == is_tsx))
        else {
            return Vec::new();
        };
        if !f.may_match(eval.matcher.tree.source) {
            return Vec::new();
        }
        let mut hits = Hits::default();
        let mut find = |formulas: &[Formula], out: &mut Vec<Hit>| {
            for (spec, formula) in formulas.iter().enumerate() {
                out.extend(eval.matches(formula).into_iter().map(|m| Hit { spec, m }));
            }
        };
        find(&f.sources, &mut hits.sources);
        if hits.sources.is_empty() {
            return Vec::new();
        }
        find(&f.sinks, &mut hits.sinks);
        drop_nested(&mut hits.sinks);
        if hits.sinks.is_empty() {
            return Vec::new();
        }
        find(&f.sanitizers, &mut hits.sanitizers);
        find(&f.propagators, &mut hits.propagators);
        let tree: &SynTree<'_> = eval.matcher.tree;
        let flows = flow::analyze(tree, &grammar.language, syntax, &hits, &self.options);
        let range = |id: NodeId| {
            let n = tree.node(id);
            (n.start, n.end)
        };
        flows
            .into_iter()
            .map(|flow| {
                let sink = &hits.sinks[flow.sink].m;
                let source = &hits.sources[flow.source].m;
                let mut env = sink.env.clone();
                add_missing(&mut env, &source.env);
                TaintMatch {
                    m: RangeMatch {
                        start: sink.start,
                        end: sink.end,
                        env,
                    },
                    source: (source.start, source.end),
                    via: flow.via.into_iter().map(range).collect(),
                }
            })
            .collect()
    }
}

/// Drop each hit that lies strictly inside another hit of the same
/// specification: Semgrep reports `sink(sink(x))` once, at the outer call,
/// for a sink `sink(...)` (hits of different specifications all stay).
fn drop_nested(hits: &mut Vec<Hit>) {
    // Sorted by specification, start, and longest first, every hit that
    // can contain a hit comes before it: a hit is nested when an earlier
    // hit of its specification, with another range, reaches as far.
    let mut order: Vec<usize> = (0..hits.len()).collect();
    order.sort_by_key(|&i| {
        (
            hits[i].spec,
            hits[i].m.start,
            std::cmp::Reverse(hits[i].m.end),
        )
    });
    let mut nested = vec![false; hits.len()];
    let mut group: Option<(usize, u32, u32)> = None;
    let mut reach: Option<u32> = None;
    for i in order {
        let key = (hits[i].spec, hits[i].m.start, hits[i].m.end);
        if group != Some(key) {
            reach = match group {
                Some((spec, _, end)) if spec == key.0 => Some(reach.map_or(end, |r| r.max(end))),
                _ => None,
            };
            group = Some(key);
        }
        nested[i] = reach.is_some_and(|r| r >= key.2);
    }
    let mut keep = nested.into_iter().map(|n| !n);
    hits.retain(|_| keep.next().unwrap_or(true));
}

/// Bindings of `from` whose names `env` does not bind yet (Semgrep shows
/// the source's metavariables in the message too).
fn add_missing(env: &mut Env, from: &Env) {
    for (name, b) in &from.vars {
        if env.get(name).is_none() {
            env.vars.push((name.clone(), *b));
        }
    }
}

fn build(
    spec: &TaintSpec,
    lang: Language,
    tsx: bool,
    grammar: Option<&Grammar>,
) -> Result<TaintFormulas, String> {
    // A specification whose patterns do not parse for this language (a
    // TypeScript-only pattern in a rule for both) is left out; the others
    // still run. Formulas keep their index, so a left-out one never matches.
    let all = |matchers: Vec<&crate::Matcher>, strict: bool| {
        let mut last_error = None;
        let formulas: Vec<Formula> = matchers
            .into_iter()
            .map(|m| {
                formula::build(m, lang, grammar).unwrap_or_else(|e| {
                    last_error = Some(e.0);
                    Formula::Any(Vec::new())
                })
            })
            .collect();
        match last_error {
            Some(e)
                if strict
                    && formulas
                        .iter()
                        .all(|f| matches!(f, Formula::Any(v) if v.is_empty())) =>
            {
                Err(e)
            }
            _ => Ok(formulas),
        }
    };
    let sources = all(spec.sources.iter().map(|s| &s.matcher).collect(), true)?;
    let sinks = all(spec.sinks.iter().map(|s| &s.matcher).collect(), true)?;
    Ok(TaintFormulas {
        lang,
        tsx,
        source_words: sources.iter().map(Formula::prefilter).collect(),
        sink_words: sinks.iter().map(Formula::prefilter).collect(),
        sources,
        sinks,
        sanitizers: all(spec.sanitizers.iter().map(|s| &s.matcher).collect(), false)?,
        propagators: all(spec.propagators.iter().map(|s| &s.matcher).collect(), false)?,
    })
}

fn options(rule: &CompiledRule, spec: &TaintSpec) -> Result<Options, String> {
    let requires = |text: &Option<String>| -> Result<Option<Requires>, String> {
        text.as_deref()
            .map(|t| Requires::parse(t).ok_or_else(|| format!("invalid `requires`: {t}")))
            .transpose()
    };
    let flag = |key: &str| {
        rule.options
            .get(key)
            .and_then(serde_yaml::Value::as_bool)
            .unwrap_or(false)
    };
    Ok(Options {
        sources: spec
            .sources
            .iter()
            .map(|s| {
                Ok(SourceOptions {
                    label: s.label.as_deref().map(Arc::from),
                    requires: requires(&s.requires)?,
                    by_side_effect: s.by_side_effect.filter(|b| *b != BySideEffect::No),
                    exact: s.exact.unwrap_or(false),
                })
            })
            .collect::<Result<_, String>>()?,
        sinks: spec
            .sinks
            .iter()
            .map(|s| {
                Ok(SinkOptions {
                    requires: requires(&s.requires)?,
                    exact: s.exact.unwrap_or(false),
                })
            })
            .collect::<Result<_, String>>()?,
        sanitizers: spec
            .sanitizers
            .iter()
            .map(|s| SanitizerOptions {
                by_side_effect: s.by_side_effect.is_some_and(|b| b != BySideEffect::No),
                exact: s.exact.unwrap_or(false),
                not_conflicting: s.not_conflicting.unwrap_or(false),
            })
            .collect(),
        propagators: spec
            .propagators
            .iter()
            .map(|p| PropagatorOptions {
                from: p.from.clone(),
                to: p.to.clone(),
                label: p.label.as_deref().map(Arc::from),
            })
            .collect(),
        safe_functions: flag("taint_assume_safe_functions"),
        scalars: scalar::SafeScalars {
            booleans: flag("taint_assume_safe_booleans"),
            numbers: flag("taint_assume_safe_numbers"),
        },
        intrafile: false,
    })
}

/// The trace of `t` with positions and code.
pub(crate) fn trace(
    source: &str,
    lines: &super::lines::LineIndex,
    t: &TaintMatch,
) -> DataflowTrace {
    let at = |(start, end): (u32, u32)| TraceLocation {
        start: lines.position(start as usize),
        end: lines.position(end as usize),
        content: source[start as usize..end as usize].to_owned(),
    };
    DataflowTrace {
        taint_source: at(t.source),
        intermediate_vars: t.via.iter().map(|&r| at(r)).collect(),
        taint_sink: at((t.m.start, t.m.end)),
    }
}

#[cfg(test)]
mod tests;
