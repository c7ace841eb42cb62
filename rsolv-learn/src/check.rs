//! Running one candidate rule on in-memory code with the embedded engine.

use std::ops::Range;
use std::path::{Path, PathBuf};

use rsolv_core::Language;
use rsolv_rules::{CompiledRule, Engine, Rule, RuleMatch};

/// `rule` compiled and ready to scan, or why the engine cannot run it.
pub(crate) fn engine_for(rule: &Rule) -> Result<Engine, String> {
    let compiled = CompiledRule::compile(rule).map_err(|e| e.to_string())?;
    let engine = Engine::new(vec![compiled]);
    if let Some(error) = engine.rule_errors().iter().find(|e| e.level == "error") {
        return Err(error.message.clone());
    }
    if engine.rule_count() == 0 {
        return Err("the embedded engine cannot run this rule".into());
    }
    Ok(engine)
}

/// The matches of `engine` in `text`.
pub(crate) fn matches_in(
    engine: &Engine,
    path: &Path,
    lang: Language,
    text: &str,
) -> Vec<RuleMatch> {
    engine.scan_source(path, lang, text).matches
}

/// Whether a match overlaps `site` (an empty site: contains its offset).
pub(crate) fn overlaps(m: &RuleMatch, site: &Range<usize>) -> bool {
    let (start, end) = (m.start.offset, m.end.offset);
    if site.is_empty() {
        start <= site.start && site.start <= end
    } else {
        start < site.end && site.start < end
    }
}

/// A file name with the language's extension, for scanning a snippet.
pub(crate) fn snippet_path(lang: Language, given: Option<&Path>) -> PathBuf {
    if let Some(path) = given
        && Language::from_path(path) == Some(lang)
    {
        return path.to_owned();
    }
    let ext = lang.extensions().first().copied().unwrap_or("txt");
    PathBuf::from(format!("snippet.{ext}"))
}
