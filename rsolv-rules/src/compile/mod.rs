//! The compiled layer: a validated rule turned into a matcher tree.

mod matcher;
mod taint;

use rsolv_core::{Language, Severity};
use serde_yaml::Mapping;

use crate::language::{LanguageSupport, classify};
use crate::raw::{FixRegex, Metadata, Mode, PathFilter, Rule};
use crate::{Error, RuleRegex};

pub use matcher::Matcher;
pub use taint::{TaintPropagator, TaintSanitizer, TaintSink, TaintSource, TaintSpec};

use matcher::MatcherBuilder;

/// What a compiled rule looks for.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleKind {
    /// `mode: search`: code matching a formula.
    Search(Matcher),
    /// `mode: taint`: data flowing from sources to sinks.
    Taint(TaintSpec),
}

/// `fix-regex` with its regex compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledFixRegex {
    /// The regex to replace.
    pub regex: RuleRegex,
    /// The replacement text.
    pub replacement: String,
    /// Replace at most this many matches (all when `None`).
    pub count: Option<u64>,
}

/// A rule ready for the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledRule {
    /// The rule id.
    pub id: String,
    /// The message, with `$X` metavariables still to interpolate.
    pub message: String,
    /// The severity.
    pub severity: Severity,
    /// The languages the embedded engine runs, in rule order, without
    /// duplicates (`ts` and `typescript` are one). Languages only Semgrep
    /// knows are dropped.
    pub languages: Vec<Language>,
    /// The formula or taint specification.
    pub kind: RuleKind,
    /// The `fix` template.
    pub fix: Option<String>,
    /// The `fix-regex`.
    pub fix_regex: Option<CompiledFixRegex>,
    /// `paths` include/exclude globs.
    pub paths: PathFilter,
    /// `options`.
    pub options: Mapping,
    /// `metadata`.
    pub metadata: Metadata,
}

impl CompiledRule {
    /// Compile a rule; the same as `CompiledRule::try_from(rule)`.
    ///
    /// Fails with [`Error::Unsupported`] for rules the embedded engine
    /// skips (only unsupported languages, `join`/`extract` modes, the
    /// experimental `match:`/`taint:` syntax) and with [`Error::Compile`]
    /// for invalid ones. Run the validator ([`parse_rules`](crate::parse_rules))
    /// first for positioned diagnostics.
    pub fn compile(rule: &Rule) -> Result<Self, Error> {
        Self::try_from(rule)
    }
}

impl TryFrom<&Rule> for CompiledRule {
    type Error = Error;

    fn try_from(rule: &Rule) -> Result<Self, Error> {
        let unsupported = |reason: String| Error::Unsupported {
            rule_id: rule.id.clone(),
            reason,
        };
        let builder = MatcherBuilder { rule_id: &rule.id };
        let mode = rule.mode();
        if matches!(mode, Mode::Join | Mode::Extract) {
            return Err(unsupported(format!("`mode: {}`", mode.as_str())));
        }
        if rule.match_.is_some() || rule.taint.is_some() {
            return Err(unsupported(
                "the experimental `match:`/`taint:` syntax".into(),
            ));
        }

        let mut languages = Vec::new();
        for name in &rule.languages {
            match classify(name) {
                LanguageSupport::Supported(lang) if !languages.contains(&lang) => {
                    languages.push(lang)
                }
                LanguageSupport::Supported(_) | LanguageSupport::SemgrepOnly => {}
                LanguageSupport::Unknown => {
                    return Err(builder.error("languages", format!("unknown language `{name}`")));
                }
            }
        }
        if languages.is_empty() {
            return Err(unsupported(format!(
                "no supported language in [{}]",
                rule.languages.join(", ")
            )));
        }

        let message = rule
            .message
            .clone()
            .ok_or_else(|| builder.error("", "missing `message`"))?;
        let severity = rule
            .severity
            .ok_or_else(|| builder.error("", "missing `severity`"))?;

        let kind = match mode {
            Mode::Taint => RuleKind::Taint(builder.taint_spec(
                rule.pattern_sources.as_deref(),
                rule.pattern_propagators.as_deref(),
                rule.pattern_sanitizers.as_deref(),
                rule.pattern_sinks.as_deref(),
            )?),
            _ => RuleKind::Search(builder.single(&rule.formulas(), "")?),
        };

        let fix_regex = rule
            .fix_regex
            .as_ref()
            .map(
                |FixRegex {
                     regex,
                     replacement,
                     count,
                 }| {
                    let regex = RuleRegex::new(regex).map_err(|e| {
                        builder.error("fix-regex.regex", format!("invalid regex: {e}"))
                    })?;
                    Ok::<_, Error>(CompiledFixRegex {
                        regex,
                        replacement: replacement.clone(),
                        count: *count,
                    })
                },
            )
            .transpose()?;

        Ok(CompiledRule {
            id: rule.id.clone(),
            message,
            severity,
            languages,
            kind,
            fix: rule.fix.clone(),
            fix_regex,
            paths: rule.paths.clone().unwrap_or_default(),
            options: rule.options.clone().unwrap_or_default(),
            metadata: rule.metadata.clone(),
        })
    }
}
