//! Evaluating a [`Formula`] on one file, with Semgrep's range semantics.
//!
//! Every operator yields ranges with bindings. `patterns` intersects its
//! positive terms (keeping a range of one that lies inside a range of the
//! other, with compatible bindings), keeps ranges inside a `pattern-inside`
//! range, drops ranges equal to a `pattern-not` range or inside a
//! `pattern-not-inside` range, filters by the `metavariable-*` conditions
//! and finally moves the range to `focus-metavariable`.

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

    fn eval(&mut self, formula: &Formula) -> Vec<RangeMatch> {
        let key = formula as *const Formula;
        if let Some(hit) = self.cache.get(&key) {
            return hit.clone();
        }
        let result = match formula {
            Formula::Pattern(tree) => self.matcher.find_all(tree),
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
        let positive = |f: &Formula| {
            !is_inside_either(f)
                && matches!(
                    f,
                    Formula::Pattern(_)
                        | Formula::Generic(_)
                        | Formula::Regex(_)
                        | Formula::All(_)
                        | Formula::Any(_)
                )
        };
        let mut current: Option<Vec<RangeMatch>> = None;
        for item in items.iter().filter(|f| positive(f)) {
            let next = self.eval(item);
            current = Some(match current {
                None => next,
                Some(prev) => self.intersect(&prev, &next),
            });
        }
        // `pattern-inside`, and `pattern-either` made only of
        // `pattern-inside`s (inside any of them), restrict the ranges.
        let mut insides = items.iter().filter_map(|f| match f {
            Formula::Inside(inner) => Some(&**inner),
            any if is_inside_either(any) => Some(any),
            _ => None,
        });
        let mut current = match current {
            Some(c) => c,
            // Only `pattern-inside` terms: the first one supplies the ranges.
            None => match insides.next() {
                Some(first) => self.eval(first),
                None => return Vec::new(),
            },
        };
        for inside in insides {
            let outer = self.eval(inside);
            current = current
                .into_iter()
                .filter_map(|m| {
                    outer.iter().find_map(|o| {
                        (o.start <= m.start && m.end <= o.end)
                            .then(|| self.merge(&m.env, &o.env))
                            .flatten()
                            .map(|env| RangeMatch { env, ..m.clone() })
                    })
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
                Formula::NotRegex(re) => {
                    let not = self.regex_matches(re);
                    current.retain(|m| !not.iter().any(|n| n.start <= m.start && m.end <= n.end));
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
                Formula::MetavariableComparison {
                    metavariable,
                    comparison,
                } => current
                    .into_iter()
                    .filter(|m| {
                        if let Some(mv) = metavariable
                            && m.env.get(mv).is_none()
                        {
                            return false;
                        }
                        comparison.eval(&|name| m.env.get(name).map(|b| self.text(b).to_owned()))
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
                        // Several names: the range they all cover (Semgrep
                        // intersects focused ranges).
                        let mut range: Option<(u32, u32)> = None;
                        for name in names {
                            let b = m.env.get(name)?;
                            range = Some(match range {
                                None => (b.start, b.end),
                                Some((s, e)) => (s.max(b.start), e.min(b.end)),
                            });
                        }
                        let (start, end) = range?;
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
            // Same language: match inside the bound code, keeping bindings.
            None => self
                .eval(formula)
                .into_iter()
                .filter(|inner| b.start <= inner.start && inner.end <= b.end)
                .filter_map(|inner| {
                    self.merge(&m.env, &inner.env)
                        .map(|env| RangeMatch { env, ..m.clone() })
                })
                .collect(),
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

    /// Semgrep's conjunction of two positive terms: a range of either list
    /// that lies inside a range of the other, with compatible bindings
    /// (merged). `patterns: [pattern: f($X), pattern: $X]` gives the
    /// argument's range, as Semgrep does.
    fn intersect(&self, a: &[RangeMatch], b: &[RangeMatch]) -> Vec<RangeMatch> {
        let mut out: Vec<RangeMatch> = Vec::new();
        for x in a {
            for y in b {
                let (inner, outer) = if y.start <= x.start && x.end <= y.end {
                    (x, y)
                } else if x.start <= y.start && y.end <= x.end {
                    (y, x)
                } else {
                    continue;
                };
                if let Some(env) = self.merge(&inner.env, &outer.env) {
                    out.push(RangeMatch {
                        start: inner.start,
                        end: inner.end,
                        env,
                    });
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

/// Semgrep's `metavariable-regex` is anchored at the start only, like
/// Python's `re.match`: `(md5|sha1)` accepts `md5_compat`, not `blake_md5`.
/// A leftmost match starts at 0 whenever any match does.
fn matches_at_start(regex: &crate::RuleRegex, text: &str) -> bool {
    matches!(regex.regex().find(text), Ok(Some(m)) if m.start() == 0)
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
