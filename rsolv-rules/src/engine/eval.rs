//! Evaluating a [`Formula`] on one file, with Semgrep's range semantics.
//!
//! Every operator yields ranges with bindings. `patterns` intersects its
//! positive terms (a range inside a range of the other term, compatible
//! bindings), keeps ranges inside a
//! `pattern-inside` range, drops ranges equal to a `pattern-not` range or
//! inside a `pattern-not-inside` range, filters by the `metavariable-*`
//! conditions and finally moves the range to `focus-metavariable`.

use std::collections::HashMap;

use super::formula::Formula;
use super::lang::grammar;
use super::matcher::{Binding, Env, RangeMatch, TreeMatcher};
use super::tree::SynTree;

/// Evaluation state for one file.
pub(crate) struct FileEval<'m, 't, 's> {
    pub(crate) matcher: &'m TreeMatcher<'t, 's>,
    cache: HashMap<*const Formula, Vec<RangeMatch>>,
    /// Conditions that could not be evaluated (reported by the engine).
    pub(crate) unsupported: Vec<&'static str>,
}

impl<'m, 't, 's> FileEval<'m, 't, 's> {
    pub(crate) fn new(matcher: &'m TreeMatcher<'t, 's>) -> Self {
        Self {
            matcher,
            cache: HashMap::new(),
            unsupported: Vec::new(),
        }
    }

    fn source(&self) -> &'s str {
        self.matcher.tree.source
    }

    /// All matches of `formula`, sorted and without duplicate ranges.
    pub(crate) fn matches(&mut self, formula: &Formula) -> Vec<RangeMatch> {
        let mut out = self.eval(formula);
        out.sort_by_key(|m| (m.start, m.end));
        out.dedup_by(|a, b| a.start == b.start && a.end == b.end);
        out
    }

    /// All matches of `formula`, sorted, one per range and distinct
    /// bindings (Semgrep reports a range once per message its bindings
    /// give).
    pub(crate) fn matches_by_binding(&mut self, formula: &Formula) -> Vec<RangeMatch> {
        let mut out = self.eval(formula);
        out.sort_by_key(|m| (m.start, m.end));
        let mut kept: Vec<RangeMatch> = Vec::with_capacity(out.len());
        for m in out {
            let seen = kept
                .iter()
                .rev()
                .take_while(|k| (k.start, k.end) == (m.start, m.end))
                .any(|k| k.env == m.env);
            if !seen {
                kept.push(m);
            }
        }
        kept
    }

    fn eval(&mut self, formula: &Formula) -> Vec<RangeMatch> {
        let key = formula as *const Formula;
        if let Some(hit) = self.cache.get(&key) {
            return hit.clone();
        }
        let result = match formula {
            // A pattern whose words the file lacks cannot match.
            Formula::Pattern(tree, words) => {
                let source = self.source();
                if words.iter().all(|w| source.contains(w.as_str())) {
                    self.matcher.find_all(tree)
                } else {
                    Vec::new()
                }
            }
            Formula::Generic(g) => g.find_all(self.source()),
            Formula::Regex(re) => self.regex_matches(re),
            Formula::Any(items) => items.iter().flat_map(|f| self.eval(f)).collect(),
            Formula::All(items) => self.all(items),
            // The ranges a `pattern-inside` allows (used by `pattern-either`
            // of insides).
            Formula::Inside(inner) => self.eval(inner),
            // Outside `patterns` these have no range of their own.
            _ => Vec::new(),
        };
        self.cache.insert(key, result.clone());
        result
    }

    fn regex_matches(&self, re: &crate::RuleRegex) -> Vec<RangeMatch> {
        re.regex()
            .find_iter(self.source())
            .filter_map(Result::ok)
            .filter(|m| m.start() < m.end())
            .map(|m| RangeMatch {
                start: m.start() as u32,
                end: m.end() as u32,
                env: Env::default(),
            })
            .collect()
    }

    fn all(&mut self, items: &[Formula]) -> Vec<RangeMatch> {
        self.all_seeded(items, None)
    }

    /// [`Self::all`]; `seed`: the ranges to start from when `items` has no
    /// positive term (a `metavariable-pattern` made only of `pattern-not`s
    /// filters the metavariable's own range).
    fn all_seeded(&mut self, items: &[Formula], seed: Option<Vec<RangeMatch>>) -> Vec<RangeMatch> {
        // Every `pattern-inside` must hold somewhere: when one matches
        // nothing, the positive terms (often broad, `$X` or `<... $X ...>`)
        // need not run. Results are cached, so this costs nothing when
        // they do match.
        for item in items {
            let inside = match item {
                Formula::Inside(inner) => Some(&**inner),
                any if is_inside_either(any) => Some(any),
                _ => None,
            };
            if let Some(inside) = inside
                && self.eval(inside).is_empty()
            {
                return Vec::new();
            }
        }
        let mut current: Option<Vec<RangeMatch>> = None;
        for item in items.iter().filter(|f| is_positive(f)) {
            let next = self.eval(item);
            current = Some(match current {
                None => next,
                Some(prev) => self.intersect(&prev, &next),
            });
        }
        // `pattern-inside`, and `pattern-either` made only of
        // `pattern-inside`s (inside any of them), restrict the ranges.
        let insides: Vec<&Formula> = items
            .iter()
            .filter_map(|f| match f {
                Formula::Inside(inner) => Some(&**inner),
                any if is_inside_either(any) => Some(any),
                _ => None,
            })
            .collect();
        let mut insides = insides.into_iter();
        let mut current = match current {
            Some(c) => c,
            // Only `pattern-inside` terms: they are the positive terms,
            // intersected like positives (Semgrep keeps the innermost
            // ranges, so `$X = require(...) ...` and `$X.sign($V)` give
            // the call).
            None => match insides.next() {
                Some(first) => {
                    let mut current = self.eval(first);
                    for inside in insides.by_ref() {
                        let next = self.eval(inside);
                        current = self.intersect(&current, &next);
                    }
                    current
                }
                None => match seed {
                    Some(seed) => seed,
                    None => return Vec::new(),
                },
            },
        };
        for inside in insides {
            let outer = self.eval(inside);
            current = current
                .into_iter()
                .flat_map(|m| {
                    let around = outer
                        .iter()
                        .filter(|o| o.start <= m.start && m.end <= o.end);
                    self.merge_all(&m, around)
                })
                .collect();
        }
        // Nothing left: the negative terms need not run (they are often
        // the expensive ones, statement sequences with ellipses).
        if current.is_empty() {
            return current;
        }
        for item in items {
            match item {
                Formula::Not(inner) => {
                    let not = self.eval(inner);
                    current.retain(|m| {
                        !not.iter().any(|n| {
                            n.start == m.start
                                && n.end == m.end
                                && self.merge(&m.env, &n.env).is_some()
                        })
                    });
                }
                Formula::NotInside(inner) => {
                    let not = self.eval(inner);
                    current.retain(|m| {
                        !not.iter().any(|n| {
                            n.start <= m.start
                                && m.end <= n.end
                                && self.merge(&m.env, &n.env).is_some()
                        })
                    });
                }
                // A regex match inside the range, or around it, removes it
                // (Semgrep: `oo` removes `foo(1)`; a match that only
                // overlaps does not).
                Formula::NotRegex(re) => {
                    let not = self.regex_matches(re);
                    current.retain(|m| {
                        !not.iter().any(|n| {
                            (n.start <= m.start && m.end <= n.end)
                                || (m.start <= n.start && n.end <= m.end)
                        })
                    });
                }
                _ => {}
            }
        }
        for item in items {
            current = match item {
                Formula::MetavariableRegex {
                    metavariable,
                    regex,
                } => current
                    .into_iter()
                    .filter(|m| {
                        m.env
                            .get(metavariable)
                            .is_some_and(|b| matches_at_start(regex, self.text(b)))
                    })
                    .collect(),
                Formula::MetavariableRedos { metavariable } => current
                    .into_iter()
                    .filter(|m| {
                        m.env
                            .get(metavariable)
                            .is_some_and(|b| super::redos::is_vulnerable(self.text(b)))
                    })
                    .collect(),
                Formula::MetavariableComparison {
                    metavariable,
                    comparison,
                    strip,
                } => current
                    .into_iter()
                    .filter(|m| {
                        if let Some(mv) = metavariable
                            && m.env.get(mv).is_none()
                        {
                            return false;
                        }
                        comparison.eval(&|name| {
                            m.env.get(name).map(|b| {
                                let text = self.text(b);
                                // `strip: true`: the named metavariable's
                                // text without its quotes.
                                if *strip && metavariable.as_deref() == Some(name) {
                                    strip_quotes(text).to_owned()
                                } else {
                                    text.to_owned()
                                }
                            })
                        })
                    })
                    .collect(),
                Formula::MetavariablePattern {
                    metavariable,
                    language,
                    formula,
                } => current
                    .into_iter()
                    .flat_map(|m| self.metavariable_pattern(m, metavariable, *language, formula))
                    .collect(),
                Formula::Unsupported(what) => {
                    if !self.unsupported.contains(what) {
                        self.unsupported.push(what);
                    }
                    current
                }
                _ => current,
            };
        }
        for item in items {
            if let Formula::Focus(names) = item {
                current = current
                    .into_iter()
                    .filter_map(|m| {
                        // The range the metavariables and the match all
                        // cover (Semgrep intersects focused ranges, so a
                        // metavariable bound outside the matched range,
                        // after `patterns` narrowed it, focuses on nothing).
                        let (mut start, mut end) = (m.start, m.end);
                        for name in names {
                            let b = m.env.get(name)?;
                            start = start.max(b.start);
                            end = end.min(b.end);
                        }
                        (start < end).then_some(RangeMatch {
                            start,
                            end,
                            env: m.env,
                        })
                    })
                    .collect();
            }
        }
        current
    }

    fn metavariable_pattern(
        &mut self,
        m: RangeMatch,
        metavariable: &str,
        language: Option<rsolv_core::Language>,
        formula: &Formula,
    ) -> Vec<RangeMatch> {
        let Some(b) = m.env.get(metavariable) else {
            return Vec::new();
        };
        let text = self.text(b);
        match language {
            // Same language: match inside the bound code, keeping bindings;
            // with symbolic propagation, a variable's bound code is also
            // the expression it certainly holds (`q` after `q = "a" + x`).
            None => {
                let mut spans = vec![b];
                // `q2 = q` after `q = "a" + x`: through a few copies.
                while spans.len() < 4
                    && let Some(v) = spans
                        .last()
                        .and_then(|b| b.node)
                        .and_then(|n| self.matcher.symbolic_value(n))
                {
                    let node = self.matcher.tree.node(v);
                    spans.push(Binding {
                        node: Some(v),
                        start: node.start,
                        end: node.end,
                    });
                }
                for b in spans {
                    let found = match formula {
                        Formula::All(items)
                            if !items
                                .iter()
                                .any(|f| is_positive(f) || matches!(f, Formula::Inside(_))) =>
                        {
                            let seed = RangeMatch {
                                start: b.start,
                                end: b.end,
                                env: Env::default(),
                            };
                            self.all_seeded(items, Some(vec![seed]))
                        }
                        _ => self.eval(formula),
                    };
                    let kept: Vec<RangeMatch> = found
                        .into_iter()
                        .filter(|inner| b.start <= inner.start && inner.end <= b.end)
                        .filter_map(|inner| {
                            self.merge(&m.env, &inner.env)
                                .map(|env| RangeMatch { env, ..m.clone() })
                        })
                        .collect();
                    if !kept.is_empty() {
                        return kept;
                    }
                }
                Vec::new()
            }
            // Another language: parse the bound text on its own. String
            // literals are matched by their content.
            Some(lang) => {
                let content = strip_quotes(text);
                let found = match grammar(lang, false) {
                    Some(g) => match SynTree::parse(&g, content) {
                        Some(tree) => {
                            let matcher = TreeMatcher::new(&tree, &g);
                            !FileEval::new(&matcher).matches(formula).is_empty()
                        }
                        None => false,
                    },
                    None => {
                        // generic/regex: only regex formulas apply to text.
                        let empty = SynTree::empty(content);
                        let matcher = TreeMatcher::new_textual(&empty);
                        !FileEval::new(&matcher).matches(formula).is_empty()
                    }
                };
                if found { vec![m] } else { Vec::new() }
            }
        }
    }

    fn text(&self, b: Binding) -> &'s str {
        &self.source()[b.start as usize..b.end as usize]
    }

    /// Semgrep's intersection of two positive terms of `patterns`: a range
    /// of either list survives when it lies inside a range of the other
    /// list with compatible bindings (so `foo(...)` and `bar(...)` keep the
    /// inner call of `foo(bar(1))`, and `pattern: $X` after a call pattern
    /// focuses on the argument bound to `$X`).
    fn intersect(&self, a: &[RangeMatch], b: &[RangeMatch]) -> Vec<RangeMatch> {
        let mut out = Vec::new();
        // The second pass skips equal ranges: the first one has them.
        let mut keep_inner = |inner: &[RangeMatch], outer: &[RangeMatch], strict: bool| {
            for x in inner {
                let around = outer.iter().filter(|y| {
                    y.start <= x.start
                        && x.end <= y.end
                        && !(strict && y.start == x.start && y.end == x.end)
                });
                out.extend(self.merge_all(x, around));
            }
        };
        keep_inner(a, b, false);
        keep_inner(b, a, true);
        out
    }

    /// `m` with the bindings of each of `around` it agrees with: one match
    /// per distinct combination (Semgrep keeps them all, so a later
    /// `metavariable-regex` can reject one and keep another), the first
    /// found first, at most [`MAX_COMBINATIONS`].
    fn merge_all<'a>(
        &self,
        m: &RangeMatch,
        around: impl Iterator<Item = &'a RangeMatch>,
    ) -> Vec<RangeMatch> {
        let mut out: Vec<RangeMatch> = Vec::new();
        for o in around {
            if let Some(env) = self.merge(&m.env, &o.env)
                && !out.iter().any(|r| r.env == env)
            {
                out.push(RangeMatch { env, ..m.clone() });
                if out.len() >= MAX_COMBINATIONS {
                    break;
                }
            }
        }
        out
    }

    /// `a` and `b` together, or `None` when they bind a name differently.
    fn merge(&self, a: &Env, b: &Env) -> Option<Env> {
        let mut env = a.clone();
        for (name, binding) in &b.vars {
            match a.get(name) {
                Some(old) => {
                    if !self.matcher.same_binding(old, *binding) {
                        return None;
                    }
                }
                None => env.vars.push((name.clone(), *binding)),
            }
        }
        Some(env)
    }
}

/// At most this many matches are kept for one match combined with the
/// ranges around it (each with other bindings).
const MAX_COMBINATIONS: usize = 16;

/// Semgrep's `metavariable-regex` is anchored at the start only, like
/// Python's `re.match`: `(md5|sha1)` accepts `md5_compat`, not `blake_md5`.
/// A leftmost match starts at 0 whenever any match does.
fn matches_at_start(regex: &crate::RuleRegex, text: &str) -> bool {
    matches!(regex.regex().find(text), Ok(Some(m)) if m.start() == 0)
}

/// A positive term of `patterns` (not a `pattern-inside`, nor a
/// `pattern-either` of them).
fn is_positive(f: &Formula) -> bool {
    !is_inside_either(f)
        && matches!(
            f,
            Formula::Pattern(..)
                | Formula::Generic(_)
                | Formula::Regex(_)
                | Formula::All(_)
                | Formula::Any(_)
        )
}

/// A `pattern-either` whose alternatives are all `pattern-inside`.
fn is_inside_either(f: &Formula) -> bool {
    matches!(f, Formula::Any(items) if !items.is_empty() && items.iter().all(|i| matches!(i, Formula::Inside(_))))
}

fn strip_quotes(text: &str) -> &str {
    let t = text.trim();
    for q in ['"', '\'', '`'] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            return &t[1..t.len() - 1];
        }
    }
    t
}
