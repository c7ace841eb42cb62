//! Compiled taint specifications.

use crate::raw::{BySideEffect, TaintItem, TaintRole};
use crate::source_map::child_index;
use crate::{Error, Matcher};

use super::matcher::MatcherBuilder;

/// A taint source.
#[derive(Debug, Clone, PartialEq)]
pub struct TaintSource {
    /// What a source looks like.
    pub matcher: Matcher,
    /// The label it gives the data (`label`).
    pub label: Option<String>,
    /// The labels the data must already have (`requires`).
    pub requires: Option<String>,
    /// Whether the matched l-value stays tainted (`by-side-effect`).
    pub by_side_effect: Option<BySideEffect>,
    /// Only the exact match, not subexpressions (`exact`).
    pub exact: Option<bool>,
    /// A control-flow source (`control`).
    pub control: Option<bool>,
}

/// A taint sink.
#[derive(Debug, Clone, PartialEq)]
pub struct TaintSink {
    /// What a sink looks like.
    pub matcher: Matcher,
    /// The labels tainted data must have to be reported (`requires`).
    pub requires: Option<String>,
    /// Only the exact match, not subexpressions (`exact`).
    pub exact: Option<bool>,
    /// Only at function exit (`at-exit`).
    pub at_exit: Option<bool>,
}

/// A taint sanitizer.
#[derive(Debug, Clone, PartialEq)]
pub struct TaintSanitizer {
    /// What a sanitizer looks like.
    pub matcher: Matcher,
    /// Whether the matched l-value stays clean (`by-side-effect`).
    pub by_side_effect: Option<BySideEffect>,
    /// Only the exact match, not subexpressions (`exact`).
    pub exact: Option<bool>,
    /// Ignored when it is also a source or sink (`not_conflicting`).
    pub not_conflicting: Option<bool>,
}

/// A taint propagator: taint flows from one metavariable to another.
#[derive(Debug, Clone, PartialEq)]
pub struct TaintPropagator {
    /// What a propagating construct looks like.
    pub matcher: Matcher,
    /// The metavariable taint flows from.
    pub from: String,
    /// The metavariable taint flows to.
    pub to: String,
    /// The label given to the propagated taint.
    pub label: Option<String>,
    /// The labels required for propagation.
    pub requires: Option<String>,
    /// Whether the target l-value stays tainted.
    pub by_side_effect: Option<BySideEffect>,
    /// Labels replaced by `label`.
    pub replace_labels: Vec<String>,
}

/// The compiled `pattern-sources`/`-propagators`/`-sanitizers`/`-sinks` of a
/// taint rule.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TaintSpec {
    /// Where taint comes from (at least one).
    pub sources: Vec<TaintSource>,
    /// How taint flows through calls the engine cannot see into.
    pub propagators: Vec<TaintPropagator>,
    /// What removes taint.
    pub sanitizers: Vec<TaintSanitizer>,
    /// Where taint must not arrive (at least one).
    pub sinks: Vec<TaintSink>,
}

impl MatcherBuilder<'_> {
    fn taint_items<T>(
        &self,
        items: Option<&[TaintItem]>,
        role: TaintRole,
        required: bool,
        mut build: impl FnMut(&TaintItem, Matcher, &str) -> Result<T, Error>,
    ) -> Result<Vec<T>, Error> {
        let key = role.key();
        let items = items.unwrap_or_default();
        if required && items.is_empty() {
            return Err(self.error(
                key,
                format!("a taint rule needs at least one item in `{key}`"),
            ));
        }
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let path = child_index(key, i);
                let matcher = self.single(&item.formulas(), &path)?;
                build(item, matcher, &path)
            })
            .collect()
    }

    pub(crate) fn taint_spec(
        &self,
        sources: Option<&[TaintItem]>,
        propagators: Option<&[TaintItem]>,
        sanitizers: Option<&[TaintItem]>,
        sinks: Option<&[TaintItem]>,
    ) -> Result<TaintSpec, Error> {
        Ok(TaintSpec {
            sources: self.taint_items(sources, TaintRole::Source, true, |item, matcher, _| {
                Ok(TaintSource {
                    matcher,
                    label: item.label.clone(),
                    requires: item.requires.clone(),
                    by_side_effect: item.by_side_effect,
                    exact: item.exact,
                    control: item.control,
                })
            })?,
            propagators: self.taint_items(
                propagators,
                TaintRole::Propagator,
                false,
                |item, matcher, path| {
                    let (Some(from), Some(to)) = (&item.from, &item.to) else {
                        return Err(self.error(path, "a propagator needs `from` and `to`"));
                    };
                    Ok(TaintPropagator {
                        matcher,
                        from: from.clone(),
                        to: to.clone(),
                        label: item.label.clone(),
                        requires: item.requires.clone(),
                        by_side_effect: item.by_side_effect,
                        replace_labels: item.replace_labels.clone().unwrap_or_default(),
                    })
                },
            )?,
            sanitizers: self.taint_items(
                sanitizers,
                TaintRole::Sanitizer,
                false,
                |item, matcher, _| {
                    Ok(TaintSanitizer {
                        matcher,
                        by_side_effect: item.by_side_effect,
                        exact: item.exact,
                        not_conflicting: item.not_conflicting,
                    })
                },
            )?,
            sinks: self.taint_items(sinks, TaintRole::Sink, true, |item, matcher, _| {
                Ok(TaintSink {
                    matcher,
                    requires: item.requires.clone(),
                    exact: item.exact,
                    at_exit: item.at_exit,
                })
            })?,
        })
    }
}
