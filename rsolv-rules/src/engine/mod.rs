//! The embedded, Semgrep-compatible matching engine (search and taint mode).
//!
//! [`Engine::new`] parses every pattern of every rule once per language;
//! [`Engine::scan_source`] parses a file once with tree-sitter and runs every
//! rule of its language on that tree. Rules whose patterns the engine cannot
//! parse are skipped and reported by [`Engine::rule_errors`], so one exotic
//! rule never stops a scan.

mod chain;
mod comparison;
mod constants;
mod equiv;
mod eval;
mod fix;
mod formula;
mod generic;
mod lang;
mod lines;
mod matcher;
mod names;
mod pattern;
mod pattern_rewrite;
mod redos;
mod scan;
mod taint;
mod tree;
mod types;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rsolv_core::{Language, Position, Severity};
use serde::Serialize;

use crate::{CompiledRule, RuleKind};
use eval::FileEval;
use formula::Formula;
use lines::LineIndex;
use matcher::{RangeMatch, TreeMatcher};
use tree::SynTree;

pub use lang::tree_sitter_language;
pub use scan::{NoProgress, ScanOptions, ScanProgress, ScanReport, SkippedPath};
pub use taint::{DataflowTrace, TraceLocation};

/// One finding of one rule in one file, with everything Semgrep's JSON
/// output reports about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleMatch {
    /// The rule id (`check_id`).
    pub rule_id: String,
    /// The file.
    pub path: PathBuf,
    /// Where the match starts.
    pub start: Position,
    /// Where the match ends (exclusive).
    pub end: Position,
    /// The message with metavariables interpolated.
    pub message: String,
    /// The rule's severity.
    pub severity: Severity,
    /// The source lines the match covers.
    pub lines: String,
    /// The matched text itself.
    pub matched: String,
    /// The text that should replace the match, from `fix` or `fix-regex`.
    pub fix: Option<String>,
    /// The metavariables bound by the match, by name (`$X`).
    pub metavars: BTreeMap<String, MetavarValue>,
    /// For taint rules: how tainted data reached the sink.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataflow_trace: Option<DataflowTrace>,
}

/// What a metavariable is bound to in a match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetavarValue {
    /// Start of the bound code.
    pub start: Position,
    /// End of the bound code.
    pub end: Position,
    /// The bound code.
    pub abstract_content: String,
}

/// A problem that is not a finding: a rule the engine skipped, a file it
/// could not parse completely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngineError {
    /// The rule involved, if any.
    pub rule_id: Option<String>,
    /// The file involved, if any.
    pub path: Option<PathBuf>,
    /// Where in the file, when known.
    pub start: Option<Position>,
    /// `error` or `warn`, as Semgrep's `errors[].level`.
    pub level: &'static str,
    /// Semgrep-style error type (`Rule parse error`, `Syntax error`, …).
    pub kind: &'static str,
    /// What happened.
    pub message: String,
}

/// The findings and problems of one file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileResult {
    /// Findings, sorted by position then rule id.
    pub matches: Vec<RuleMatch>,
    /// Problems (syntax errors are reported, the rest of the file scanned).
    pub errors: Vec<EngineError>,
}

/// Words a file must contain for a formula to match: any one of the
/// alternatives, each a list of words that must all occur; `None` when any
/// file may match.
type Prefilter = Option<Vec<Vec<String>>>;

struct EngineRule {
    rule: CompiledRule,
    /// Per language (and, for TypeScript, per dialect: `.ts` or `.tsx`,
    /// whose grammars number node kinds differently): the formula and the
    /// words a file must contain.
    formulas: Vec<(Language, bool, Formula, Prefilter)>,
    /// For taint rules (whose `formulas` are empty).
    taint: Option<taint::TaintRule>,
    paths: scan::PathRules,
    /// `options: {symbolic_propagation: true}`.
    symbolic: bool,
}

/// A set of compiled search rules, ready to scan.
///
/// ```
/// use std::path::Path;
/// use rsolv_core::Language;
/// use rsolv_rules::{Engine, parse_rules};
///
/// let yaml = "rules:\n  - id: no-eval\n    message: eval of $X\n    severity: ERROR\n    languages: [python]\n    pattern: eval($X)\n";
/// let rules = parse_rules(yaml, Path::new("r.yaml"))?.compile()?;
/// let engine = Engine::new(rules);
/// let result = engine.scan_source(Path::new("app.py"), Language::Python, "x = eval(input())\n");
/// assert_eq!(result.matches.len(), 1);
/// assert_eq!(result.matches[0].message, "eval of input()");
/// assert_eq!(result.matches[0].start.col, 5);
/// # Ok::<(), rsolv_rules::Error>(())
/// ```
pub struct Engine {
    rules: Vec<EngineRule>,
    errors: Vec<EngineError>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("rules", &self.rules.len())
            .field("errors", &self.errors)
            .finish()
    }
}

impl Engine {
    /// Prepare `rules` for scanning. Rules whose patterns do not parse are
    /// skipped and listed in [`Engine::rule_errors`].
    pub fn new(rules: Vec<CompiledRule>) -> Self {
        let mut engine = Engine {
            rules: Vec::new(),
            errors: Vec::new(),
        };
        for rule in rules {
            let paths = match scan::PathRules::new(&rule.paths) {
                Ok(p) => p,
                Err(e) => {
                    engine.errors.push(rule_error(&rule.id, "error", e));
                    continue;
                }
            };
            let symbolic = rule
                .options
                .get("symbolic_propagation")
                .and_then(serde_yaml::Value::as_bool)
                .unwrap_or(false);
            let matcher = match &rule.kind {
                RuleKind::Search(matcher) => matcher,
                RuleKind::Taint(spec) => {
                    match taint::TaintRule::new(&rule, spec) {
                        Ok(t) => engine.rules.push(EngineRule {
                            formulas: Vec::new(),
                            taint: Some(t),
                            rule,
                            paths,
                            symbolic,
                        }),
                        Err(e) => engine.errors.push(rule_error(&rule.id, "error", e)),
                    }
                    continue;
                }
            };
            let mut formulas = Vec::new();
            let mut failures = Vec::new();
            for &lang in &rule.languages {
                let dialects: &[bool] = if lang == Language::TypeScript {
                    &[false, true]
                } else {
                    &[false]
                };
                let mut last_error = None;
                let before = formulas.len();
                for &tsx in dialects {
                    let grammar = lang::grammar(lang, tsx);
                    match formula::build(matcher, lang, grammar.as_ref()) {
                        Ok(mut f) => {
                            if let Some(lines) = rule
                                .options
                                .get("generic_ellipsis_max_span")
                                .and_then(serde_yaml::Value::as_u64)
                            {
                                f.set_generic_max_span(lines as usize);
                            }
                            let words = f.prefilter();
                            formulas.push((lang, tsx, f, words));
                        }
                        Err(e) => last_error = Some(e.0),
                    }
                }
                if formulas.len() == before {
                    failures.push(last_error.unwrap_or_default());
                }
            }
            if formulas.is_empty() {
                if let Some(message) = failures.into_iter().next() {
                    engine.errors.push(rule_error(&rule.id, "error", message));
                }
                continue;
            }
            for message in failures {
                engine.errors.push(rule_error(&rule.id, "warn", message));
            }
            engine.rules.push(EngineRule {
                rule,
                formulas,
                taint: None,
                paths,
                symbolic,
            });
        }
        engine
    }

    /// Rules that were skipped, and why.
    pub fn rule_errors(&self) -> &[EngineError] {
        &self.errors
    }

    /// How many rules will run.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// The rules that will run.
    pub fn rules(&self) -> impl Iterator<Item = &CompiledRule> {
        self.rules.iter().map(|r| &r.rule)
    }

    /// Whether any rule targets `lang` (text rules target every file).
    pub fn wants(&self, lang: Option<Language>) -> bool {
        self.rules.iter().any(|r| {
            r.formulas
                .iter()
                .any(|(l, _, _, _)| Some(*l) == lang || !l.is_parsed())
                || r.taint.as_ref().is_some_and(|t| t.wants(lang))
        })
    }

    /// Opt in to intrafile taint: a tainted argument passed to a function
    /// defined in the same file taints that function's parameter, and
    /// sinks in its body report (a few calls deep). Semgrep's free engine
    /// stops at the call; Opengrep and Semgrep Pro follow it.
    ///
    /// ```
    /// use std::path::Path;
    /// use rsolv_core::Language;
    /// use rsolv_rules::{Engine, parse_rules};
    ///
    /// let rules = parse_rules(r#"
    /// rules:
    ///   - id: shell
    ///     message: request data reaches a shell
    ///     languages: [python]
    ///     severity: ERROR
    ///     mode: taint
    ///     pattern-sources: [{pattern: input()}]
    ///     pattern-sinks: [{pattern: os.system(...)}]
    /// "#, Path::new("r.yaml"))?.compile()?;
    /// let code = "def run(cmd):\n    os.system(cmd)\n\nrun(input())\n";
    /// let mut engine = Engine::new(rules);
    /// let path = Path::new("a.py");
    /// assert!(engine.scan_source(path, Language::Python, code).matches.is_empty());
    /// engine.set_taint_intrafile(true);
    /// assert_eq!(engine.scan_source(path, Language::Python, code).matches[0].start.line, 2);
    /// # Ok::<(), rsolv_rules::Error>(())
    /// ```
    pub fn set_taint_intrafile(&mut self, on: bool) {
        for rule in &mut self.rules {
            if let Some(taint) = rule.taint.as_mut() {
                taint.set_intrafile(on);
            }
        }
    }

    /// Scan one file's text. `lang` is the file's language; rules for
    /// `generic`/`regex` run on every file.
    pub fn scan_source(&self, path: &Path, lang: Language, source: &str) -> FileResult {
        self.scan_text(path, Some(lang), source)
    }

    /// Scan text whose language may be unknown (only text rules run then).
    pub(crate) fn scan_text(
        &self,
        path: &Path,
        lang: Option<Language>,
        source: &str,
    ) -> FileResult {
        let mut result = FileResult::default();
        let is_tsx = path.extension().is_some_and(|e| e == "tsx");
        let grammar = lang.and_then(|l| lang::grammar(l, is_tsx));
        // A file no rule may match (by language, paths and the words its
        // patterns need) is not parsed at all.
        let tree = grammar
            .as_ref()
            .filter(|_| self.wants_tree(path, lang, is_tsx, source))
            .and_then(|g| SynTree::parse(g, source));
        let lines = LineIndex::new(source);
        if let Some(tree) = tree.as_ref().filter(|t| t.has_errors) {
            let start = tree.first_error.map_or(0, |(start, _)| start);
            result.errors.push(EngineError {
                rule_id: None,
                path: Some(path.to_owned()),
                start: Some(lines.position(start as usize)),
                level: "warn",
                kind: "Syntax error",
                message: format!(
                    "{}: partial parse; the rest of the file was scanned",
                    path.display()
                ),
            });
        }
        let empty = SynTree::empty(source);
        let matcher = match (&tree, &grammar) {
            (Some(t), Some(g)) => TreeMatcher::new(t, g),
            _ => TreeMatcher::new_textual(&empty),
        };
        let mut eval = FileEval::new(&matcher);
        for rule in &self.rules {
            if !rule.paths.allows(path) {
                continue;
            }
            matcher.set_symbolic(rule.symbolic);
            for (rule_lang, tsx, formula, words) in &rule.formulas {
                let applies = if rule_lang.is_parsed() {
                    Some(*rule_lang) == lang
                        && tree.is_some()
                        && (*rule_lang != Language::TypeScript || *tsx == is_tsx)
                } else {
                    true
                };
                let wanted = formula::prefilter_allows(words.as_deref(), source);
                if !applies || !wanted {
                    continue;
                }
                for m in eval.matches_by_binding(formula) {
                    result
                        .matches
                        .push(self.finding(&rule.rule, path, source, &lines, &m));
                }
            }
            if let (Some(taint), Some(lang), Some(grammar), Some(_)) =
                (&rule.taint, lang, &grammar, &tree)
            {
                for t in taint.find(&mut eval, grammar, lang, is_tsx) {
                    let mut m = self.finding(&rule.rule, path, source, &lines, &t.m);
                    m.dataflow_trace = Some(taint::trace(source, &lines, &t));
                    result.matches.push(m);
                }
            }
            for what in eval.unsupported.drain(..) {
                result.errors.push(EngineError {
                    path: Some(path.to_owned()),
                    ..rule_error(&rule.rule.id, "warn", format!("`{what}` is not evaluated by the embedded engine; its condition was ignored"))
                });
            }
        }
        if matcher.timed_out() {
            result.errors.push(EngineError {
                rule_id: None,
                path: Some(path.to_owned()),
                start: None,
                level: "warn",
                kind: "Timeout",
                message: format!(
                    "{}: matching stopped after its step budget; findings may be incomplete",
                    path.display()
                ),
            });
        }
        result.matches.sort_by(|a, b| {
            (a.start.offset, &a.rule_id, a.end.offset).cmp(&(
                b.start.offset,
                &b.rule_id,
                b.end.offset,
            ))
        });
        // One finding per rule, range and message, as Semgrep reports it.
        let mut kept: Vec<RuleMatch> = Vec::with_capacity(result.matches.len());
        for m in std::mem::take(&mut result.matches) {
            let seen = kept
                .iter()
                .rev()
                .take_while(|k| k.start == m.start)
                .any(|k| k.rule_id == m.rule_id && k.end == m.end && k.message == m.message);
            if !seen {
                kept.push(m);
            }
        }
        result.matches = kept;
        result
    }

    /// Whether some rule may match this file's tree: a formula for its
    /// language whose prefilter words it holds, or a taint rule with a
    /// source and a sink it may hold.
    fn wants_tree(&self, path: &Path, lang: Option<Language>, is_tsx: bool, source: &str) -> bool {
        let Some(lang) = lang else {
            return false;
        };
        self.rules
            .iter()
            .filter(|r| r.paths.allows(path))
            .any(|rule| {
                rule.formulas.iter().any(|(rule_lang, tsx, _, words)| {
                    *rule_lang == lang
                        && (lang != Language::TypeScript || *tsx == is_tsx)
                        && formula::prefilter_allows(words.as_deref(), source)
                }) || rule
                    .taint
                    .as_ref()
                    .is_some_and(|t| t.may_match(lang, is_tsx, source))
            })
    }

    fn finding(
        &self,
        rule: &CompiledRule,
        path: &Path,
        source: &str,
        lines: &LineIndex,
        m: &RangeMatch,
    ) -> RuleMatch {
        let (start, end) = (m.start as usize, m.end as usize);
        let mut metavars = BTreeMap::new();
        for (name, b) in &m.env.vars {
            metavars.insert(
                name.to_string(),
                MetavarValue {
                    start: lines.position(b.start as usize),
                    end: lines.position(b.end as usize),
                    abstract_content: source[b.start as usize..b.end as usize].to_owned(),
                },
            );
        }
        let matched = source[start..end].to_owned();
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        // A template's later lines are indented to the match; a regex
        // replacement keeps the code's own lines.
        let fix = fix::fix_text(rule, &matched, &metavars).map(|fix| match rule.fix {
            Some(_) => fix::indent_continuation(&fix, &source[line_start..start]),
            None => fix,
        });
        RuleMatch {
            rule_id: rule.id.clone(),
            path: path.to_owned(),
            start: lines.position(start),
            end: lines.position(end),
            message: fix::interpolate(&rule.message, &metavars),
            severity: rule.severity,
            lines: lines.lines(source, start, end).to_owned(),
            matched,
            fix,
            metavars,
            dataflow_trace: None,
        }
    }
}

fn rule_error(rule_id: &str, level: &'static str, message: String) -> EngineError {
    EngineError {
        rule_id: Some(rule_id.to_owned()),
        path: None,
        start: None,
        level,
        kind: "Rule parse error",
        message: format!("rule `{rule_id}`: {message}"),
    }
}
