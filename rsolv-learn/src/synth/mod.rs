//! Rule synthesis from one fix: locate the change on the syntax trees,
//! generalize the vulnerable construct rung by rung, keep the most general
//! candidate that still tells the vulnerable code from the fixed code and
//! does not explode on the codebase.

mod generalize;
mod rule;
mod siblings;
mod syntax;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::PathBuf;

use rsolv_core::{Language, OrgId};
use rsolv_rules::{Engine, Rule, ScanOptions};
use serde::Serialize;
use tree_sitter::Node;

use crate::check::{engine_for, matches_in, overlaps, snippet_path};
use crate::diff::{ChangedRegion, changed_regions};
use crate::{Error, Result, SecurityFix};
use generalize::{LADDER, Level, Metavars, Renderer, argument_texts};
use syntax::{Scope, SyntaxKinds, construct_at, text};
pub(crate) use syntax::{kinds, parse as parse_tree};

/// A candidate may match at most this many times as many codebase sites as
/// its more specific neighbour (plus [`EXPLOSION_SLACK`]) before it counts
/// as exploding.
pub const EXPLOSION_FACTOR: usize = 3;
/// Extra sites a candidate may match beyond [`EXPLOSION_FACTOR`] times its
/// neighbour's, so that one or two new instances never count as explosion.
pub const EXPLOSION_SLACK: usize = 3;

/// Whether a candidate matching `n` codebase sites explodes next to a
/// more specific neighbour matching `neighbour`.
fn explodes(n: usize, neighbour: usize) -> bool {
    n > EXPLOSION_FACTOR * neighbour + EXPLOSION_SLACK
}

/// Settings of a [`RuleSynthesizer`].
#[derive(Debug, Clone, Default)]
pub struct SynthesisOptions {
    /// The organization the rule is learned for (`metadata.organization_id`).
    pub org: Option<OrgId>,
    /// Files or directories the candidates are counted on, to reject
    /// candidates that explode; empty: the vulnerable file alone.
    pub codebase: Vec<PathBuf>,
    /// The rule id; derived from the fix when absent.
    pub rule_id: Option<String>,
}

/// Learns a Semgrep rule from one fix, without any model or network.
///
/// ```
/// use rsolv_core::{Language, VulnClass};
/// use rsolv_learn::{RuleSynthesizer, SecurityFix, SynthesisOptions};
///
/// let before = "import yaml\ndef load(path):\n    with open(path) as f:\n        return yaml.load(f)\n";
/// let after = "import yaml\ndef load(path):\n    with open(path) as f:\n        return yaml.safe_load(f)\n";
/// let fix = SecurityFix::new(before, after, Language::Python)
///     .with_class(Some(VulnClass::InsecureDeserialization));
/// let synthesis = RuleSynthesizer::new(SynthesisOptions::default()).synthesize(&fix)?;
/// assert_eq!(synthesis.pattern, "yaml.load($F)");
/// assert_eq!(synthesis.rule.fix.as_deref(), Some("yaml.safe_load($F)"));
/// # Ok::<(), rsolv_learn::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct RuleSynthesizer {
    options: SynthesisOptions,
}

/// Where a fix changed the code, as the synthesizer located it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixSite {
    /// The changed bytes.
    pub region: ChangedRegion,
    /// The vulnerable construct (a call, or the statement) in the old code.
    pub before: Range<usize>,
    /// The corresponding construct in the fixed code, when there is one.
    pub after: Option<Range<usize>>,
    /// The vulnerable construct's text.
    pub before_text: String,
    /// The fixed construct's text.
    pub after_text: Option<String>,
    /// Whether the fix changed only this one place.
    pub local: bool,
}

impl FixSite {
    /// The bytes of the fixed code where the rule must not match.
    pub fn after_range(&self) -> Range<usize> {
        match &self.after {
            Some(r) => r.clone(),
            None if !self.region.after.is_empty() => self.region.after.clone(),
            None => self.region.after_lines.clone(),
        }
    }
}

/// What happened to one candidate of the ladder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The candidate that became the rule.
    Chosen,
    /// Valid, but a more general valid candidate was chosen.
    Valid,
    /// Same pattern as the previous rung.
    Duplicate,
    /// The engine cannot run it.
    Invalid(String),
    /// It does not match the vulnerable construct.
    MissesVulnerable,
    /// It matches the fixed code.
    MatchesFixed,
    /// It matches far more codebase sites than its more specific neighbour.
    Explodes,
    /// Not tried: a more specific rung exploded.
    NotTried,
}

/// One rung of the ladder and how it fared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// The rung (`exact`, `shared`, `locals`, `arguments`, `free-names`,
    /// `open-arguments`, `sparse-arguments`, `open-prefixes`,
    /// `sparse-prefixes`, `literals`, `free-literals`, `open-literals`,
    /// `dynamic-strings`, `data-arguments`).
    pub level: String,
    /// The positive pattern.
    pub pattern: String,
    /// The fixed shape, excluded with `pattern-not`.
    pub pattern_not: Option<String>,
    /// The fixed statements, when the fix assigned a sanitized copy before
    /// the call (`$SAFE = shlex.quote($CMD)` ... `os.system($SAFE)`),
    /// excluded with `pattern-not-inside`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern_not_inside: Option<String>,
    /// Calls that carry the keyword arguments the fix added (`secure=True`),
    /// excluded with a `pattern-not` of their own: an open argument list
    /// would otherwise match the fixed call with other arguments too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added_not: Option<String>,
    /// The positive pattern with one of the sink's variable arguments a
    /// constant string (`$CUR.execute("...")`), each excluded with a
    /// `pattern-not`: a sink handed a constant, written out or held by a
    /// variable (the engine propagates constants as Semgrep does), is no
    /// instance. Dropped when it would exclude the vulnerable code.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constant_not: Vec<String>,
    /// The sink's method name as a metavariable and the regular
    /// expression of its sibling family (`$SINK`, `^(system|popen)$`):
    /// APIs that do the same dangerous thing with the same argument.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sink: Option<(String, String)>,
    /// The fix template, when the change can be replayed elsewhere.
    pub fix: Option<String>,
    /// Metavariables of the pattern that stand for a string built from
    /// data: each must bind one of the language's string-building shapes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dynamic: Vec<String>,
    /// The metavariable the rule reports (`focus-metavariable`): the part
    /// the fix changed, when it starts on a later line than the construct.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus: Option<String>,
    /// The pattern the focus metavariable must match, unless the focused
    /// code rendered as that metavariable itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus_pattern: Option<String>,
    /// Whether it matched the vulnerable construct.
    pub matches_vulnerable: bool,
    /// Whether it matched the fixed construct.
    pub matches_fixed: bool,
    /// Sites it matched in the codebase (valid candidates only).
    pub codebase_matches: Option<usize>,
    /// The outcome.
    pub verdict: Verdict,
}

/// The result of [`RuleSynthesizer::synthesize`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Synthesis {
    /// The learned rule.
    #[serde(skip)]
    pub rule: Rule,
    /// The rule as a Semgrep rule file.
    pub yaml: String,
    /// The chosen positive pattern.
    pub pattern: String,
    /// The chosen rung.
    pub level: String,
    /// Where the fix changed the code.
    pub site: FixSite,
    /// Every rung, specific to general.
    pub candidates: Vec<Candidate>,
}

/// A sanitized copy the fix assigned before the fixed call and passed to
/// it: `safe = shlex.quote(cmd)`.
#[derive(Debug, Clone, Copy)]
struct CopyOf<'t> {
    statement: Node<'t>,
    target: Node<'t>,
    value: Node<'t>,
}

struct Located<'t> {
    site: FixSite,
    before: Node<'t>,
    after: Option<Node<'t>>,
    /// Sanitized copies the fixed construct uses.
    copies: Vec<CopyOf<'t>>,
    /// The statements a fix inserted before the construct, unchanged
    /// otherwise (a check or a configuration call): excluded with
    /// `pattern-not-inside`, in the fixed code.
    guards: Vec<Node<'t>>,
}

impl RuleSynthesizer {
    /// A synthesizer with these options.
    pub fn new(options: SynthesisOptions) -> Self {
        Self { options }
    }

    /// The options.
    pub fn options(&self) -> &SynthesisOptions {
        &self.options
    }

    /// Learn a rule from `fix`. The same fix (and codebase) always gives
    /// byte-identical YAML.
    pub fn synthesize(&self, fix: &SecurityFix) -> Result<Synthesis> {
        let lang = fix.language;
        let kinds = kinds(lang).ok_or(Error::UnsupportedLanguage { language: lang })?;
        let parse = |src: &str| {
            syntax::parse(lang, src).ok_or(Error::UnsupportedLanguage { language: lang })
        };
        let (before_tree, after_tree) = (parse(&fix.before)?, parse(&fix.after)?);
        let mut located = locate(kinds, fix, &before_tree, &after_tree)?;
        let mut scope = Scope::of(kinds, before_tree.root_node(), &fix.before);
        scope.merge(Scope::of(kinds, after_tree.root_node(), &fix.after));

        let common: BTreeSet<String> = match located.after {
            Some(after) => {
                let theirs: BTreeSet<String> = argument_texts(kinds, after, &fix.after)
                    .into_iter()
                    .collect();
                argument_texts(kinds, located.before, &fix.before)
                    .into_iter()
                    .filter(|a| theirs.contains(a))
                    .collect()
            }
            None => BTreeSet::new(),
        };
        // Only the names and literals both constructs have: what the fix
        // changed stays concrete, in the positive pattern and the fixed
        // shape alike (a fixed literal rendered as `"..."` would exclude the
        // vulnerable code too).
        let mut shared: BTreeSet<String> = located
            .after
            .map(|after| {
                let theirs = leaf_texts(kinds, after, &fix.after);
                leaf_texts(kinds, located.before, &fix.before)
                    .into_iter()
                    .filter(|t| theirs.contains(t))
                    .collect()
            })
            .unwrap_or_default();
        // Sanitized copies the fix assigned before the call (`safe =
        // shlex.quote(cmd)`, then `os.system(safe)`): what they share with
        // the vulnerable construct is shared too.
        located.copies = located
            .after
            .map(|after| introduced_copies(kinds, fix, &located, after, &shared))
            .unwrap_or_default();
        if !located.copies.is_empty() {
            let ours = leaf_texts(kinds, located.before, &fix.before);
            for copy in &located.copies {
                shared.extend(
                    leaf_texts(kinds, copy.value, &fix.after)
                        .into_iter()
                        .filter(|t| ours.contains(t)),
                );
            }
        }
        // The string literals the fix changed, paired in order.
        let mut prefixes: BTreeMap<String, String> = BTreeMap::new();
        if let Some(after) = located.after {
            let (ours, theirs) = (
                string_leaves(kinds, located.before, &fix.before),
                string_leaves(kinds, after, &fix.after),
            );
            if ours.len() == theirs.len() {
                for (v, f) in ours.iter().zip(&theirs) {
                    if let Some(p) = generalize::prefix_pattern(v, f) {
                        prefixes.entry(v.clone()).or_insert(p);
                    }
                }
            }
        }
        let path = snippet_path(lang, fix.path.as_deref());
        let base_id = self.options.rule_id.clone().unwrap_or_else(|| {
            rule::derive_id(fix, &located.site.before_text, located.before, kinds)
        });

        let mut candidates: Vec<Candidate> = Vec::new();
        let mut rules: Vec<Option<Rule>> = Vec::new();
        for level in LADDER {
            let (candidate, plain_not) = render_candidate(
                kinds,
                lang,
                fix,
                &located,
                &scope,
                (&common, &shared, &prefixes),
                level,
            );
            let duplicate = candidates.iter().any(|c| {
                c.pattern == candidate.pattern
                    && c.pattern_not == candidate.pattern_not
                    && c.pattern_not_inside == candidate.pattern_not_inside
                    && c.added_not == candidate.added_not
                    && c.constant_not == candidate.constant_not
                    && c.sink == candidate.sink
                    && c.dynamic == candidate.dynamic
                    && c.focus_pattern == candidate.focus_pattern
            });
            if duplicate {
                candidates.push(Candidate {
                    verdict: Verdict::Duplicate,
                    ..candidate
                });
                rules.push(None);
                continue;
            }
            let (mut candidate, mut draft) = self.judge(&base_id, fix, &located, candidate);
            // A fixed shape whose constants became `"..."` may exclude the
            // vulnerable code too (it passes a constant as well): then the
            // fixed shape as written.
            if let (Verdict::MissesVulnerable, Some(plain)) = (&candidate.verdict, plain_not) {
                let retry = Candidate {
                    pattern_not: Some(plain),
                    ..candidate.clone()
                };
                (candidate, draft) = self.judge(&base_id, fix, &located, retry);
            }
            // The vulnerable call itself hands the sink a constant (a
            // hard-coded secret): no constant exclusion then.
            if candidate.verdict == Verdict::MissesVulnerable && !candidate.constant_not.is_empty()
            {
                let retry = Candidate {
                    constant_not: Vec::new(),
                    ..candidate.clone()
                };
                (candidate, draft) = self.judge(&base_id, fix, &located, retry);
            }
            let keep = candidate.verdict == Verdict::Valid;
            candidates.push(candidate);
            rules.push(keep.then_some(draft));
        }

        let counts = self.count_sites(&rules, &path, lang, &fix.before);
        let anchor_sets: Vec<BTreeSet<String>> = candidates
            .iter()
            .map(|c| anchors(&c.pattern).into_iter().map(str::to_owned).collect())
            .collect();
        let mut chosen: Option<usize> = None;
        let mut exploded = false;
        for (i, candidate) in candidates.iter_mut().enumerate() {
            if candidate.verdict != Verdict::Valid {
                continue;
            }
            if exploded {
                candidate.verdict = Verdict::NotTried;
                continue;
            }
            let n = counts.get(&i).copied().unwrap_or(0);
            candidate.codebase_matches = Some(n);
            // The exact text finds only literal copies: it is no neighbour
            // to measure explosion by.
            if let Some(prev) = chosen.filter(|&p| p != 0) {
                let neighbour = counts.get(&prev).copied().unwrap_or(0);
                // A rung that keeps every name and literal word of its
                // neighbour (the same API, the same keywords: only how the
                // argument was built or which local holds it changed) finds
                // more instances of the same mistake, not other code.
                if explodes(n, neighbour) && !anchor_sets[i].is_superset(&anchor_sets[prev]) {
                    candidate.verdict = Verdict::Explodes;
                    exploded = true;
                    continue;
                }
            }
            chosen = Some(i);
        }
        // Open argument lists cost the fix; when they find no more sites,
        // the same pattern without them (which keeps the fix) wins, or,
        // when the codebase holds other instances, the most general
        // candidate with a fix that finds them all.
        if let Some(best) = chosen
            && candidates[best].fix.is_none()
        {
            let n = counts.get(&best).copied().unwrap_or(0);
            let close = |p: &str| p.replace(", ...)", ")").replace("(...)", "()");
            let mut closed = vec![close(&candidates[best].pattern)];
            // A sparse list closes through its open sibling, the rung before.
            if candidates[best].level.starts_with("sparse") {
                closed.push(close(&candidates[best - 1].pattern));
            }
            if let Some(alt) = (1..best).rev().find(|&i| {
                candidates[i].verdict == Verdict::Valid
                    && candidates[i].fix.is_some()
                    && (closed.contains(&candidates[i].pattern) || n >= 2)
                    && counts.get(&i).copied().unwrap_or(0) == n
            }) {
                chosen = Some(alt);
            }
        }
        // The chosen rung widened to the sink's sibling APIs, when it has
        // a family, if that still passes and does not explode.
        if let Some(best) = chosen
            && let Some(siblings) =
                sibling_candidate(kinds, lang, &located, &fix.before, &candidates[best])
        {
            let (siblings, draft) = self.judge(&base_id, fix, &located, siblings);
            let valid = siblings.verdict == Verdict::Valid;
            candidates.push(siblings);
            let i = candidates.len() - 1;
            if valid {
                let n = self
                    .count_sites(&[Some(draft)], &path, lang, &fix.before)
                    .get(&0)
                    .copied()
                    .unwrap_or(0);
                let neighbour = counts.get(&best).copied().unwrap_or(0);
                candidates[i].codebase_matches = Some(n);
                if explodes(n, neighbour) {
                    candidates[i].verdict = Verdict::Explodes;
                } else {
                    chosen = Some(i);
                }
            }
        }
        let Some(best) = chosen else {
            return Err(Error::NoValidCandidate {
                reasons: candidates
                    .iter()
                    .map(|c| format!("{}: {:?}", c.level, c.verdict))
                    .collect(),
            });
        };
        candidates[best].verdict = Verdict::Chosen;
        let chosen = candidates[best].clone();
        let finished = rule::finish(
            &base_id,
            fix,
            &chosen,
            &located.site,
            self.options.org.as_ref(),
        );
        let yaml = rsolv_rules::write_rules(&rsolv_rules::RuleFile {
            rules: vec![finished.clone()],
        })?;
        Ok(Synthesis {
            rule: finished,
            yaml,
            pattern: chosen.pattern,
            level: chosen.level,
            site: located.site,
            candidates,
        })
    }

    /// Compile `candidate` and check it against the fix: it must match the
    /// vulnerable construct and not the fixed one.
    fn judge(
        &self,
        base_id: &str,
        fix: &SecurityFix,
        located: &Located<'_>,
        mut candidate: Candidate,
    ) -> (Candidate, Rule) {
        let lang = fix.language;
        let path = snippet_path(lang, fix.path.as_deref());
        let mut draft = rule::draft(base_id, lang, &candidate);
        // A lone metavariable matches every expression: no rule.
        let lone = candidate.pattern.trim();
        if lone.starts_with('$')
            && lone[1..]
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        {
            candidate.verdict =
                Verdict::Invalid("a lone metavariable matches any expression".into());
            return (candidate, draft);
        }
        // A fixed shape the engine cannot parse costs the exclusion,
        // not the candidate.
        if engine_for(&draft).is_err()
            && (candidate.pattern_not.is_some()
                || candidate.added_not.is_some()
                || !candidate.constant_not.is_empty()
                || candidate.pattern_not_inside.is_some())
        {
            let bare = Candidate {
                pattern_not: None,
                pattern_not_inside: None,
                added_not: None,
                constant_not: Vec::new(),
                ..candidate.clone()
            };
            let bare_draft = rule::draft(base_id, lang, &bare);
            if engine_for(&bare_draft).is_ok() {
                candidate = bare;
                draft = bare_draft;
            }
        }
        match engine_for(&draft) {
            Err(message) => candidate.verdict = Verdict::Invalid(message),
            Ok(engine) => {
                candidate.matches_vulnerable = matches_in(&engine, &path, lang, &fix.before)
                    .iter()
                    .any(|m| overlaps(m, &located.site.before));
                let after_site = located.site.after_range();
                candidate.matches_fixed = matches_in(&engine, &path, lang, &fix.after)
                    .iter()
                    .any(|m| overlaps(m, &after_site));
                candidate.verdict = if !candidate.matches_vulnerable {
                    Verdict::MissesVulnerable
                } else if candidate.matches_fixed {
                    Verdict::MatchesFixed
                } else {
                    Verdict::Valid
                };
            }
        }
        (candidate, draft)
    }

    /// Sites each valid candidate matches in the codebase (or the vulnerable
    /// file), scanned in one pass.
    fn count_sites(
        &self,
        rules: &[Option<Rule>],
        path: &std::path::Path,
        lang: Language,
        before: &str,
    ) -> BTreeMap<usize, usize> {
        let mut compiled = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            if let Some(rule) = rule {
                let mut renamed = rule.clone();
                renamed.id = format!("candidate-{i}");
                if let Ok(c) = rsolv_rules::CompiledRule::compile(&renamed) {
                    compiled.push(c);
                }
            }
        }
        let engine = Engine::new(compiled);
        let matches = if self.options.codebase.is_empty() {
            engine.scan_source(path, lang, before).matches
        } else {
            engine
                .scan_paths(&self.options.codebase, &ScanOptions::default())
                .matches
        };
        let mut counts = BTreeMap::new();
        for m in matches {
            if let Some(i) = m
                .rule_id
                .strip_prefix("candidate-")
                .and_then(|n| n.parse::<usize>().ok())
            {
                *counts.entry(i).or_insert(0) += 1;
            }
        }
        counts
    }
}

/// Where `fix` changed the code, located as the synthesizer does; rules
/// from other generators are validated against this site.
pub fn locate_fix(fix: &SecurityFix) -> Result<FixSite> {
    let lang = fix.language;
    let kinds = kinds(lang).ok_or(Error::UnsupportedLanguage { language: lang })?;
    let parse =
        |src: &str| syntax::parse(lang, src).ok_or(Error::UnsupportedLanguage { language: lang });
    let (before, after) = (parse(&fix.before)?, parse(&fix.after)?);
    Ok(locate(kinds, fix, &before, &after)?.site)
}

/// Find the vulnerable construct of the first changed region that has one
/// (a call if any), and its counterpart in the fixed code.
fn locate<'t>(
    kinds: &'static SyntaxKinds,
    fix: &SecurityFix,
    before_tree: &'t tree_sitter::Tree,
    after_tree: &'t tree_sitter::Tree,
) -> Result<Located<'t>> {
    let regions = changed_regions(&fix.before, &fix.after);
    if regions.is_empty() {
        return Err(Error::NoChange);
    }
    // Imports the fix added or changed do not make it less local.
    let local = regions
        .iter()
        .filter(|r| {
            !only_imports(kinds, before_tree, &r.before_lines)
                || !only_imports(kinds, after_tree, &r.after_lines)
        })
        .count()
        <= 1;
    if local
        && let Some(guarded) = regions
            .iter()
            .find_map(|r| inserted_guard(kinds, fix, before_tree, after_tree, r, local))
    {
        return Ok(guarded);
    }
    let mut fallback = None;
    for region in &regions {
        let Some(node) = construct_at(kinds, before_tree, region.before.start, region.before.end)
        else {
            continue;
        };
        if !kinds.calls.contains(&node.kind()) {
            fallback.get_or_insert((region.clone(), node));
            continue;
        }
        return Ok(located(kinds, fix, region.clone(), node, after_tree, local));
    }
    match fallback {
        Some((region, node)) => Ok(located(kinds, fix, region, node, after_tree, local)),
        None => Err(Error::NoConstruct),
    }
}

/// A fix that only inserted whole statements before an unchanged one
/// (`check(path)` before `open(path)`, `dbf.setFeature(..)` before
/// `dbf.newDocumentBuilder()`): the call of that statement that uses what
/// the inserted statements use is the construct, in both versions, and
/// the inserted statements are its guards.
fn inserted_guard<'t>(
    kinds: &'static SyntaxKinds,
    fix: &SecurityFix,
    before_tree: &'t tree_sitter::Tree,
    after_tree: &'t tree_sitter::Tree,
    region: &ChangedRegion,
    local: bool,
) -> Option<Located<'t>> {
    if !region.before.is_empty() || region.after.is_empty() {
        return None;
    }
    let skip_blank =
        |src: &str, at: usize| Some(at + src.get(at..)?.find(|c: char| !c.is_whitespace())?);
    let statement_at = |tree: &'t tree_sitter::Tree, src: &str, at: usize| {
        let at = skip_blank(src, at)?;
        let mut node = tree.root_node().descendant_for_byte_range(at, at)?;
        while let Some(parent) = node.parent() {
            if kinds.blocks.contains(&parent.kind()) {
                return (node.start_byte() == at).then_some(node);
            }
            node = parent;
        }
        None
    };
    // The inserted statements, in the fixed code's block.
    let first = statement_at(after_tree, &fix.after, region.after.start)?;
    let mut guards = vec![first];
    let mut next = first.next_named_sibling();
    while let Some(n) = next {
        if n.start_byte() >= region.after.end {
            break;
        }
        guards.push(n);
        next = n.next_named_sibling();
    }
    let guarded_after = next?;
    // The same statement, unchanged, in the vulnerable code.
    let guarded_before = statement_at(before_tree, &fix.before, region.before.start)?;
    if text(guarded_before, &fix.before) != text(guarded_after, &fix.after) {
        return None;
    }
    let used: BTreeSet<String> = guards
        .iter()
        .flat_map(|g| leaf_texts(kinds, *g, &fix.after))
        .collect();
    let candidates = calls_in(kinds, guarded_before);
    let sink = candidates
        .iter()
        .copied()
        .find(|c| {
            leaf_texts(kinds, *c, &fix.before)
                .iter()
                .any(|t| used.contains(t))
        })
        .or_else(|| candidates.first().copied())?;
    let offset = sink.start_byte() - guarded_before.start_byte();
    let sink_after = calls_in(kinds, guarded_after).into_iter().find(|c| {
        c.start_byte() - guarded_after.start_byte() == offset && c.kind() == sink.kind()
    })?;
    let site = FixSite {
        before: sink.byte_range(),
        after: Some(sink_after.byte_range()),
        before_text: text(sink, &fix.before).to_owned(),
        after_text: Some(text(sink_after, &fix.after).to_owned()),
        region: region.clone(),
        local,
    };
    Some(Located {
        site,
        before: sink,
        after: Some(sink_after),
        copies: Vec::new(),
        guards,
    })
}

/// The string literals in `node`, in source order.
fn string_leaves(kinds: &SyntaxKinds, node: Node<'_>, source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if kinds.strings.contains(&n.kind()) {
            out.push(text(n, source).to_owned());
            continue;
        }
        let mut cursor = n.walk();
        let children: Vec<Node<'_>> = n.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    out
}

/// The names and literals in `node`.
fn leaf_texts(kinds: &SyntaxKinds, node: Node<'_>, source: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        let kind = n.kind();
        if kinds.identifiers.contains(&kind) || kinds.strings.contains(&kind) {
            out.insert(text(n, source).to_owned());
        }
        let mut cursor = n.walk();
        stack.extend(n.children(&mut cursor));
    }
    out
}

/// Whether every statement on `lines` is an import (or there is none).
fn only_imports(kinds: &SyntaxKinds, tree: &tree_sitter::Tree, lines: &Range<usize>) -> bool {
    let root = tree.root_node();
    let mut cursor = root.walk();
    root.named_children(&mut cursor)
        .filter(|n| n.start_byte() < lines.end && n.end_byte() > lines.start)
        .all(|n| kinds.imports.contains(&n.kind()) || n.is_extra())
}

fn located<'t>(
    kinds: &'static SyntaxKinds,
    fix: &SecurityFix,
    region: ChangedRegion,
    before: Node<'t>,
    after_tree: &'t tree_sitter::Tree,
    local: bool,
) -> Located<'t> {
    let start = region.map_offset(before.start_byte());
    let end = region.map_offset(before.end_byte()).max(start);
    let after = after_tree
        .root_node()
        .descendant_for_byte_range(start, end)
        .and_then(|mut n| {
            loop {
                if n.kind() == before.kind() || kinds.calls.contains(&n.kind()) {
                    return Some(n);
                }
                n = n.parent()?;
            }
        })
        // The counterpart must lie on the lines the fix touched, or be the
        // same kind of construct holding the whole change, as the
        // vulnerable one does (a fix that edited inside it).
        .filter(|n| {
            let on_changed_lines = n.start_byte() >= region.after_lines.start.saturating_sub(1)
                && n.end_byte() <= region.after_lines.end + 1;
            let holds =
                |r: &Range<usize>, n: &Node<'_>| n.start_byte() <= r.start && r.end <= n.end_byte();
            let edited_inside = n.kind() == before.kind()
                && holds(&region.before, &before)
                && holds(&region.after, n);
            on_changed_lines || edited_inside
        })
        // A fix that spans statements (a sanitized copy assigned first,
        // then passed on) holds the same call further down its lines.
        .or_else(|| same_call_in(kinds, fix, before, after_tree, &region.after_lines));
    let site = FixSite {
        before: before.byte_range(),
        after: after.map(|n| n.byte_range()),
        before_text: text(before, &fix.before).to_owned(),
        after_text: after.map(|n| text(n, &fix.after).to_owned()),
        region,
        local,
    };
    Located {
        site,
        before,
        after,
        copies: Vec::new(),
        guards: Vec::new(),
    }
}

/// Names the fixed construct `after` uses that the fix assigned just
/// before it, on its changed lines, and that the vulnerable construct does
/// not have, in source order.
fn introduced_copies<'t>(
    kinds: &SyntaxKinds,
    fix: &SecurityFix,
    located: &Located<'_>,
    after: Node<'t>,
    shared: &BTreeSet<String>,
) -> Vec<CopyOf<'t>> {
    let used = leaf_texts(kinds, after, &fix.after);
    copies_before(kinds, &fix.after, after, &located.site.region.after_lines)
        .into_iter()
        .filter(|c| {
            let name = text(c.target, &fix.after);
            used.contains(name) && !shared.contains(name)
        })
        .collect()
}

/// The statements of `call`'s block on `lines` before it that assign one
/// name, the first assignment of each name.
fn copies_before<'t>(
    kinds: &SyntaxKinds,
    source: &str,
    call: Node<'t>,
    lines: &Range<usize>,
) -> Vec<CopyOf<'t>> {
    let mut copies: Vec<CopyOf<'t>> = Vec::new();
    let Some(block) = call.parent().and_then(|mut n| {
        while !kinds.blocks.contains(&n.kind()) {
            n = n.parent()?;
        }
        Some(n)
    }) else {
        return copies;
    };
    let mut cursor = block.walk();
    for statement in block.named_children(&mut cursor) {
        if statement.start_byte() < lines.start || statement.end_byte() > call.start_byte() {
            continue;
        }
        if let Some((target, value)) = syntax::assignment_in(kinds, statement, source)
            && !copies
                .iter()
                .any(|c| text(c.target, source) == text(target, source))
        {
            copies.push(CopyOf {
                statement,
                target,
                value,
            });
        }
    }
    copies
}

/// The text of a call before its arguments (`os.system`, `new File`).
fn callee_text<'s>(kinds: &SyntaxKinds, call: Node<'_>, source: &'s str) -> Option<&'s str> {
    let args = call.child_by_field_name(kinds.arguments_field)?;
    source
        .get(call.start_byte()..args.start_byte())
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The last call on the fixed lines `lines` that calls what `before` calls.
fn same_call_in<'t>(
    kinds: &SyntaxKinds,
    fix: &SecurityFix,
    before: Node<'_>,
    after_tree: &'t tree_sitter::Tree,
    lines: &Range<usize>,
) -> Option<Node<'t>> {
    if !kinds.calls.contains(&before.kind()) {
        return None;
    }
    let callee = callee_text(kinds, before, &fix.before)?;
    let mut found = None;
    let mut stack = vec![after_tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.end_byte() <= lines.start || node.start_byte() >= lines.end {
            continue;
        }
        if node.start_byte() >= lines.start
            && node.end_byte() <= lines.end + 1
            && node.kind() == before.kind()
            && callee_text(kinds, node, &fix.after) == Some(callee)
            && found.is_none_or(|f: Node<'t>| f.start_byte() < node.start_byte())
        {
            found = Some(node);
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    // Only when the fixed call uses a name assigned just before it that
    // the vulnerable call does not: otherwise it is another call.
    let found = found?;
    let ours = leaf_texts(kinds, before, &fix.before);
    let theirs = leaf_texts(kinds, found, &fix.after);
    copies_before(kinds, &fix.after, found, lines)
        .iter()
        .any(|c| {
            let name = text(c.target, &fix.after);
            theirs.contains(name) && !ours.contains(name)
        })
        .then_some(found)
}

fn render_candidate(
    kinds: &'static SyntaxKinds,
    lang: Language,
    fix: &SecurityFix,
    located: &Located<'_>,
    scope: &Scope,
    // The arguments, and the names and literals, the fixed construct shares.
    (common, shared, prefixes): (
        &BTreeSet<String>,
        &BTreeSet<String>,
        &BTreeMap<String, String>,
    ),
    level: Level,
) -> (Candidate, Option<String>) {
    // Data arguments generalize only where the fix made an argument a
    // constant: the evidence that anything but a constant is the mistake.
    let level = if level.data_args && !fix_made_constant(kinds, located, fix, common, scope) {
        Level {
            data_args: false,
            ..level
        }
    } else {
        level
    };
    let mut metavars = Metavars::default();
    let mut positive = Renderer {
        focus: focus_of(kinds, located, &fix.before),
        ..Renderer::new(
            kinds,
            lang,
            (&fix.before, scope),
            level,
            (common, shared, prefixes),
            &mut metavars,
        )
    };
    let pattern = positive.render(located.before);
    let focused = positive.focused.take();
    let constant_not = constant_shapes(kinds, located.before, &fix.before, &pattern, &metavars);
    let mut pattern_not = None;
    let mut plain_not = None;
    let mut not_inside = None;
    let mut added_not = None;
    let mut fix_template = None;
    let copies = &located.copies;
    if let Some(after) = located.after {
        let bound = metavars.clone();
        let mut with_copies = shared.clone();
        with_copies.extend(copies.iter().map(|c| text(c.target, &fix.after).to_owned()));
        // The fixed shape keeps its argument list as it is: an open one
        // would swallow the arguments the fix removed and exclude the
        // vulnerable code too.
        let negative = |constants: bool,
                        shared: &BTreeSet<String>,
                        fresh: &mut Metavars,
                        inline: Option<&BTreeMap<String, String>>,
                        node: Node<'_>| {
            let level = Level {
                open_args: false,
                sparse_args: false,
                ..level
            };
            Renderer {
                only_shared: true,
                constants,
                inline,
                ..Renderer::new(
                    kinds,
                    lang,
                    (&fix.after, scope),
                    level,
                    (common, shared, prefixes),
                    fresh,
                )
            }
            .render(node)
        };
        let fresh = || Metavars::avoiding(&metavars);
        if !located.guards.is_empty() {
            // The fixed call reads like the vulnerable one: what excludes
            // it is the guard before it, with the positive pattern's
            // metavariables, so that it guards the same values.
            // Anything after the guard in its block is guarded.
            let mut names = bound.clone();
            let mut lines: Vec<String> = located
                .guards
                .iter()
                .map(|g| {
                    // The guard as written: its literals and arguments are
                    // what makes it a guard.
                    let level = Level {
                        strings: generalize::Reach::None,
                        open_args: false,
                        sparse_args: false,
                        prefixes: false,
                        dynamic: false,
                        data_args: false,
                        ..level
                    };
                    Renderer::new(
                        kinds,
                        lang,
                        (&fix.after, scope),
                        level,
                        (common, shared, prefixes),
                        &mut names,
                    )
                    .render(*g)
                })
                .collect();
            lines.push("...".to_owned());
            not_inside = Some(lines.join("\n"));
        } else if copies.is_empty() {
            let general = negative(true, shared, &mut fresh(), None, after);
            let plain = negative(false, shared, &mut fresh(), None, after);
            if general != plain && plain != pattern {
                plain_not = Some(plain);
            }
            if general != pattern {
                pattern_not = Some(general);
            }
        } else {
            // The copy inlined (`os.system(shlex.quote($CMD))`), and the
            // fixed statements as written, with the copy a metavariable.
            let mut names = fresh();
            let inlined: BTreeMap<String, String> = copies
                .iter()
                .map(|c| {
                    let value = negative(true, shared, &mut names, None, c.value);
                    (text(c.target, &fix.after).to_owned(), value)
                })
                .collect();
            pattern_not = Some(negative(true, shared, &mut names, Some(&inlined), after))
                .filter(|n| *n != pattern);
            // The assigned name is a metavariable wherever it stands (a
            // declarator's name stays concrete otherwise).
            let mut names = fresh();
            let mut lines: Vec<String> = Vec::new();
            for c in copies {
                let name = text(c.target, &fix.after);
                let target = names
                    .for_code(name, level.locals == generalize::Reach::None)
                    .unwrap_or_else(|| name.to_owned());
                let value = negative(true, &with_copies, &mut names, None, c.value);
                let (start, t, v, end) = (
                    c.statement.start_byte(),
                    c.target.byte_range(),
                    c.value.byte_range(),
                    c.statement.end_byte(),
                );
                lines.push(format!(
                    "{}{target}{}{value}{}",
                    &fix.after[start..t.start],
                    &fix.after[t.end..v.start],
                    &fix.after[v.end..end]
                ));
            }
            let mut call = negative(true, &with_copies, &mut names, None, after);
            // A Java statement sequence parses only with its semicolons.
            if lang == Language::Java {
                call.push(';');
            }
            lines.push(call);
            not_inside = Some(lines.join("\n...\n"));
        }
        if level.open_args && kinds.calls.contains(&after.kind()) {
            added_not = added_keyword_shapes(
                kinds,
                lang,
                fix,
                (located.before, after),
                scope,
                (shared, prefixes),
                level,
                &metavars,
            );
            added_not = added_not.filter(|n| Some(n) != pattern_not.as_ref() && *n != pattern);
        }
        let mut bound = bound;
        let mut template = |inline: Option<&BTreeMap<String, String>>, node: Node<'_>| {
            Renderer {
                fix: true,
                inline,
                ..Renderer::new(
                    kinds,
                    lang,
                    (&fix.after, scope),
                    level,
                    (common, shared, prefixes),
                    &mut bound,
                )
            }
            .render(node)
        };
        let inlined: BTreeMap<String, String> = copies
            .iter()
            .map(|c| {
                let name = text(c.target, &fix.after).to_owned();
                (name, template(None, c.value))
            })
            .collect();
        let template = template(Some(&inlined), after);
        // A fix replays the change only when the pattern pins down every
        // part of the matched code (no `...`) and the change was local.
        if located.site.local
            && located.guards.is_empty()
            && !pattern.contains("...")
            && metavars.dynamic.is_empty()
            && focused.is_none()
            && template != pattern
        {
            fix_template = Some(template);
        }
    }
    let candidate = Candidate {
        level: level.name.to_owned(),
        pattern,
        pattern_not,
        pattern_not_inside: not_inside,
        added_not,
        constant_not,
        sink: None,
        fix: fix_template,
        dynamic: metavars.dynamic.clone(),
        focus: focused.as_ref().map(|(mv, _)| mv.clone()),
        focus_pattern: focused.and_then(|(_, p)| p),
        matches_vulnerable: false,
        matches_fixed: false,
        codebase_matches: None,
        verdict: Verdict::NotTried,
    };
    (candidate, plain_not)
}

/// The words of a pattern that pin it to code: names, keywords and the
/// words of its literals, not its metavariables.
fn anchors(pattern: &str) -> BTreeSet<&str> {
    let mut out = BTreeSet::new();
    let bytes = pattern.as_bytes();
    let mut start = None;
    for (i, &b) in bytes.iter().chain([&b' ']).enumerate() {
        let word = b.is_ascii_alphanumeric() || b == b'_';
        match (start, word) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                if s == 0 || bytes[s - 1] != b'$' {
                    out.insert(&pattern[s..i]);
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// `chosen` with the sink's method name a metavariable restricted to its
/// sibling family (`os.$SINK($CMD)`), in the exclusions and the fix too
/// (Semgrep binds `$SINK` to the same name in each). None when the fix
/// does not call the same method (`yaml.load` to `yaml.safe_load`): it
/// would be wrong for the siblings.
fn sibling_candidate(
    kinds: &SyntaxKinds,
    lang: Language,
    located: &Located<'_>,
    source: &str,
    chosen: &Candidate,
) -> Option<Candidate> {
    let call = first_call(kinds, located.before)?;
    let callee = callee_text(kinds, call, source)?;
    let (method, family) = siblings::family_of(lang, callee)?;
    let mut name = "$SINK".to_owned();
    let mut n = 2;
    let all = format!(
        "{} {:?} {:?} {:?} {:?} {:?}",
        chosen.pattern,
        chosen.pattern_not,
        chosen.pattern_not_inside,
        chosen.added_not,
        chosen.constant_not,
        chosen.fix
    );
    while all.contains(&name) {
        name = format!("$SINK{n}");
        n += 1;
    }
    let swap = |p: &str| {
        siblings::callee_offset(p, method)
            .map(|i| format!("{}{name}{}", &p[..i], &p[i + method.len()..]))
    };
    let pattern = swap(&chosen.pattern)?;
    // A fix the siblings cannot share (`yaml.load` to `yaml.safe_load`)
    // is worth more than the siblings: `learn --apply` replays it.
    let fix = match &chosen.fix {
        Some(f) => Some(swap(f)?),
        None => None,
    };
    // An exclusion that names another method stays as it is.
    let keep = |p: &String| swap(p).unwrap_or_else(|| p.clone());
    Some(Candidate {
        level: "sibling-sinks".to_owned(),
        pattern,
        pattern_not: chosen.pattern_not.as_ref().map(keep),
        pattern_not_inside: chosen.pattern_not_inside.as_ref().map(keep),
        added_not: chosen.added_not.as_ref().map(keep),
        constant_not: chosen.constant_not.iter().map(keep).collect(),
        sink: Some((name.clone(), siblings::regex(family))),
        fix,
        matches_vulnerable: false,
        matches_fixed: false,
        codebase_matches: None,
        verdict: Verdict::NotTried,
        ..chosen.clone()
    })
}

/// `pattern` with each metavariable that stands for one of the sink's
/// variable arguments replaced by `"..."`, one at a time: the first call
/// of `construct` (itself, or the call its statement makes).
fn constant_shapes(
    kinds: &SyntaxKinds,
    construct: Node<'_>,
    source: &str,
    pattern: &str,
    metavars: &Metavars,
) -> Vec<String> {
    let Some(call) = first_call(kinds, construct) else {
        return Vec::new();
    };
    let Some(args) = call.child_by_field_name(kinds.arguments_field) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut cursor = args.walk();
    for arg in args.named_children(&mut cursor) {
        if !kinds.identifiers.contains(&arg.kind()) {
            continue;
        }
        let Some(mv) = metavars.get(text(arg, source)) else {
            continue;
        };
        if metavars.dynamic.iter().any(|d| d == mv) {
            continue;
        }
        if let Some(shape) = generalize::replace_metavariable(pattern, mv, "\"...\"")
            && !out.contains(&shape)
        {
            out.push(shape);
        }
    }
    out
}

/// The calls in `node` (itself included), outer before inner, in source
/// order.
fn calls_in<'t>(kinds: &SyntaxKinds, node: Node<'t>) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if kinds.calls.contains(&n.kind()) {
            out.push(n);
        }
        let mut cursor = n.walk();
        let kids: Vec<Node<'t>> = n.named_children(&mut cursor).collect();
        stack.extend(kids.into_iter().rev());
    }
    out
}

/// `node` if it is a call, else its first call in source order.
fn first_call<'t>(kinds: &SyntaxKinds, node: Node<'t>) -> Option<Node<'t>> {
    calls_in(kinds, node).into_iter().next()
}

/// Whether the fixed call has a constant string argument (a literal, or a
/// name that only holds one) the vulnerable call lacks.
fn fix_made_constant(
    kinds: &SyntaxKinds,
    located: &Located<'_>,
    fix: &SecurityFix,
    common: &BTreeSet<String>,
    scope: &Scope,
) -> bool {
    let Some(after) = located.after else {
        return false;
    };
    let Some(args) = after.child_by_field_name(kinds.arguments_field) else {
        return false;
    };
    let mut cursor = args.walk();
    args.named_children(&mut cursor).any(|a| {
        let constant = if kinds.identifiers.contains(&a.kind()) {
            let name = text(a, &fix.after);
            scope.is_constant(name) && syntax::constant_in_scope(kinds, a, &fix.after, name)
        } else {
            kinds.strings.contains(&a.kind()) && !syntax::is_dynamic_string(kinds, a, &fix.after)
        };
        constant && !common.contains(text(a, &fix.after))
    })
}

/// The node the rule should report, when the construct starts on an
/// earlier line than the change (a multi-line call or object whose changed
/// argument or value sits lines below its start): the largest expression
/// that holds the change and starts on its line.
fn focus_of(kinds: &SyntaxKinds, located: &Located<'_>, source: &str) -> Option<usize> {
    let construct = located.before;
    let region = &located.site.region.before;
    let line_of = |b: usize| source.get(..b).map_or(0, |s| s.matches('\n').count());
    let (start, end) = (region.start, region.end.max(region.start));
    let line = line_of(start);
    if line <= line_of(construct.start_byte()) || end > construct.end_byte() {
        return None;
    }
    let mut node = construct.descendant_for_byte_range(start, end)?;
    while !node.is_named() {
        node = node.parent()?;
    }
    while let Some(parent) = node.parent() {
        if parent.id() == construct.id()
            || line_of(parent.start_byte()) != line
            || !expression_like(kinds, parent.kind())
        {
            break;
        }
        node = parent;
    }
    (node.id() != construct.id()
        && line_of(node.start_byte()) == line
        && expression_like(kinds, node.kind()))
    .then(|| node.id())
}

/// Whether a metavariable can stand for a node of this kind.
fn expression_like(kinds: &SyntaxKinds, kind: &str) -> bool {
    kinds.calls.contains(&kind)
        || kinds.strings.contains(&kind)
        || kinds.identifiers.contains(&kind)
        || kinds.binaries.contains(&kind)
        || (kind.ends_with("expression") && kind != "expression_statement")
        || kind.ends_with("_literal")
        || matches!(
            kind,
            "attribute"
                | "subscript"
                | "integer"
                | "float"
                | "number"
                | "true"
                | "false"
                | "none"
                | "null"
                | "nil"
                | "list"
                | "array"
                | "object"
                | "dictionary"
                | "hash"
                | "simple_symbol"
                | "element_reference"
                | "scope_resolution"
                | "field_access"
        )
}

/// The fixed call with the keyword arguments it has and the vulnerable
/// call lacks (`secure=True, httponly=True` added to `set_cookie(...)`),
/// every other argument left open:
/// `$R.set_cookie(..., secure=True, httponly=True, ...)`.
#[allow(clippy::too_many_arguments)]
fn added_keyword_shapes(
    kinds: &'static SyntaxKinds,
    lang: Language,
    fix: &SecurityFix,
    (before, after): (Node<'_>, Node<'_>),
    scope: &Scope,
    (shared, prefixes): (&BTreeSet<String>, &BTreeMap<String, String>),
    level: Level,
    bound: &Metavars,
) -> Option<String> {
    let theirs = argument_texts(kinds, before, &fix.before);
    let args = after.child_by_field_name(kinds.arguments_field)?;
    let mut cursor = args.walk();
    let all: Vec<Node<'_>> = args
        .named_children(&mut cursor)
        .filter(|c| !c.is_extra())
        .collect();
    let added: Vec<Node<'_>> = all
        .iter()
        .copied()
        .filter(|a| {
            let code = text(*a, &fix.after);
            let keyword = a.child_by_field_name("value").is_some()
                && (a.child_by_field_name("name").is_some()
                    || a.child_by_field_name("key").is_some());
            keyword && !theirs.iter().any(|t| t == code)
        })
        .collect();
    if added.is_empty() {
        return None;
    }
    // Every other argument is `...`: sparse rendering leaves out what
    // `common` holds.
    let others: BTreeSet<String> = all
        .iter()
        .filter(|a| !added.iter().any(|d| d.id() == a.id()))
        .map(|a| text(*a, &fix.after).to_owned())
        .collect();
    let mut fresh = Metavars::avoiding(bound);
    Some(
        Renderer {
            only_shared: true,
            ..Renderer::new(
                kinds,
                lang,
                (&fix.after, scope),
                Level {
                    open_args: true,
                    sparse_args: true,
                    dynamic: false,
                    ..level
                },
                (&others, shared, prefixes),
                &mut fresh,
            )
        }
        .render(after),
    )
}

#[cfg(test)]
mod tests;
