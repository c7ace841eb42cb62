//! Differential test: the embedded engine against real Semgrep.
//!
//! Every pair under `tests/fixtures/differential/<lang>/` is a rules file
//! `<case>.yaml`, a target `<case>.<ext>`, and `<case>.expected.json`: the
//! findings Semgrep 1.160.0 reported, normalized by
//! `scripts/record-differential` (which needs Semgrep; this test does not).
//! The engine scans the target under its bare file name, as Semgrep did
//! when run from the case's directory, and its findings are normalized the
//! same way: rule id, start and end (line, byte column, byte offset),
//! message and fix, compared as multisets (Semgrep may report one range
//! twice with different bindings).
//!
//! Cases listed in `KNOWN_GAPS` (`<lang>/<case>: reason`) may differ; the
//! test fails when one of them matches, so the list only shrinks.
//! `DIFFERENTIAL_CASE=<substring>` runs only matching cases;
//! `DIFFERENTIAL_SHOW_GAPS=1` prints the diffs of known gaps too.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rsolv_core::Language;
use rsolv_rules::{Engine, RuleMatch, parse_rules};
use serde::Deserialize;

use crate::fixtures::fixture;

const EXPECTED_SUFFIX: &str = ".expected.json";

/// A position as Semgrep's JSON writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
struct Pos {
    line: usize,
    col: usize,
    offset: usize,
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// One normalized finding.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Finding {
    check_id: String,
    start: Pos,
    end: Pos,
    message: String,
    #[serde(default)]
    fix: Option<String>,
}

impl Finding {
    fn from_match(m: &RuleMatch) -> Self {
        let pos = |p: rsolv_core::Position| Pos {
            line: p.line,
            col: p.col,
            offset: p.offset,
        };
        Finding {
            check_id: m.rule_id.clone(),
            start: pos(m.start),
            end: pos(m.end),
            message: m.message.clone(),
            fix: m.fix.clone(),
        }
    }

    fn key(&self) -> (&str, usize, usize) {
        (&self.check_id, self.start.offset, self.end.offset)
    }

    fn describe(&self) -> String {
        let mut text = format!(
            "{} {}-{} (@{}..{}) {:?}",
            self.check_id, self.start, self.end, self.start.offset, self.end.offset, self.message
        );
        if let Some(fix) = &self.fix {
            let _ = write!(text, " fix {fix:?}");
        }
        text
    }
}

/// An error Semgrep reported while recording.
#[derive(Debug, Deserialize)]
struct RecordedError {
    level: String,
    #[serde(rename = "type")]
    kind: String,
    message: String,
}

/// A `<case>.expected.json` file.
#[derive(Debug, Deserialize)]
struct Recording {
    results: Vec<Finding>,
    errors: Vec<RecordedError>,
}

/// One rule/fixture pair.
#[derive(Debug)]
struct Case {
    /// `<lang>/<case>`.
    name: String,
    lang: Language,
    rules: PathBuf,
    target: PathBuf,
    /// The target's file name, the path Semgrep saw.
    target_name: String,
    expected: PathBuf,
}

fn differential_dir() -> PathBuf {
    fixture("differential")
}

fn find_cases(root: &Path) -> anyhow::Result<Vec<Case>> {
    let mut cases = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    dirs.retain(|d| d.is_dir());
    dirs.sort();
    for dir in dirs {
        let Some(dir_name) = dir.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        let lang: Language = dir_name
            .parse()
            .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
        let mut files: Vec<String> = std::fs::read_dir(&dir)?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<_, _>>()?;
        files.sort();
        for rules in files.iter().filter(|f| f.ends_with(".yaml")) {
            let stem = rules.trim_end_matches(".yaml");
            let targets: Vec<&String> = files
                .iter()
                .filter(|f| {
                    f.strip_prefix(stem)
                        .and_then(|rest| rest.strip_prefix('.'))
                        .is_some_and(|ext| ext != "yaml" && !ext.contains('.'))
                })
                .collect();
            let [target] = targets.as_slice() else {
                anyhow::bail!("{dir_name}/{stem}: expected one target file, found {targets:?}");
            };
            cases.push(Case {
                name: format!("{dir_name}/{stem}"),
                lang,
                rules: dir.join(rules),
                target: dir.join(target),
                target_name: (*target).clone(),
                expected: dir.join(format!("{stem}{EXPECTED_SUFFIX}")),
            });
        }
    }
    Ok(cases)
}

/// `KNOWN_GAPS`: case name to reason.
fn known_gaps(root: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(root.join("KNOWN_GAPS"))?;
    let mut gaps = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((case, reason)) = line.split_once(':') else {
            anyhow::bail!("KNOWN_GAPS:{}: expected `<lang>/<case>: reason`", n + 1);
        };
        let reason = reason.trim();
        anyhow::ensure!(
            !reason.is_empty(),
            "KNOWN_GAPS:{}: {case} has no reason",
            n + 1
        );
        anyhow::ensure!(
            gaps.insert(case.trim().to_owned(), reason.to_owned())
                .is_none(),
            "KNOWN_GAPS:{}: {case} is listed twice",
            n + 1
        );
    }
    Ok(gaps)
}

/// What the engine found, plus notes (skipped rules, parse problems) that
/// help explain a difference.
fn run_engine(case: &Case) -> anyhow::Result<(Vec<Finding>, Vec<String>)> {
    let yaml = std::fs::read_to_string(&case.rules)?;
    let source = std::fs::read_to_string(&case.target)?;
    let mut notes = Vec::new();
    let loaded = parse_rules(&yaml, &case.rules)?;
    if loaded.has_errors() {
        notes.extend(loaded.errors().map(|d| format!("rules: {d}")));
        return Ok((Vec::new(), notes));
    }
    let compiled = match loaded.compile() {
        Ok(c) => c,
        Err(e) => {
            notes.push(format!("compile: {e}"));
            return Ok((Vec::new(), notes));
        }
    };
    let engine = Engine::new(compiled);
    notes.extend(
        engine
            .rule_errors()
            .iter()
            .map(|e| format!("engine: {}", e.message)),
    );
    // The bare file name, as Semgrep saw it from inside the case directory.
    let path = Path::new(&case.target_name);
    let result = engine.scan_source(path, case.lang, &source);
    notes.extend(
        result
            .errors
            .iter()
            .map(|e| format!("scan: {} ({})", e.message, e.kind)),
    );
    let mut findings: Vec<Finding> = result.matches.iter().map(Finding::from_match).collect();
    sort_findings(&mut findings);
    Ok((findings, notes))
}

/// Sorts findings the way the recording script does.
fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| (a.key(), &a.message, &a.fix).cmp(&(b.key(), &b.message, &b.fix)));
}

/// `from` less `other`, as multisets: Semgrep can report one range twice
/// with different bindings, so findings are not unique by range.
fn subtract<'a>(from: &'a [Finding], other: &[Finding]) -> Vec<&'a Finding> {
    let mut left: Vec<Option<&Finding>> = other.iter().map(Some).collect();
    from.iter()
        .filter(
            |f| match left.iter_mut().find(|o| o.is_some_and(|o| o == *f)) {
                Some(slot) => {
                    *slot = None;
                    false
                }
                None => true,
            },
        )
        .collect()
}

/// Removes and returns the first finding of `pool` that `same` accepts.
fn take<'a>(pool: &mut Vec<&'a Finding>, same: impl Fn(&Finding) -> bool) -> Option<&'a Finding> {
    let i = pool.iter().position(|f| same(f))?;
    Some(pool.remove(i))
}

/// A readable diff, or `None` when the findings are the same.
fn diff(expected: &[Finding], actual: &[Finding]) -> Option<String> {
    if expected == actual {
        return None;
    }
    let mut missing = subtract(expected, actual);
    let mut extra = subtract(actual, expected);
    let mut out = String::new();
    // Same range on both sides: the message or the fix differs.
    missing.retain(|m| {
        let Some(x) = take(&mut extra, |x| x.key() == m.key()) else {
            return true;
        };
        let at = format!("{} {}-{}", m.check_id, m.start, m.end);
        if m.message != x.message {
            let _ = writeln!(
                out,
                "  message  {at}: expected {:?}, got {:?}",
                m.message, x.message
            );
        }
        if m.fix != x.fix {
            let _ = writeln!(
                out,
                "  fix      {at}: expected {:?}, got {:?}",
                m.fix, x.fix
            );
        }
        if (m.start, m.end) != (x.start, x.end) {
            let _ = writeln!(
                out,
                "  position {at}: same offsets, got {}-{}",
                x.start, x.end
            );
        }
        false
    });
    // Same rule and start line: one finding with the wrong range.
    missing.retain(|m| {
        let Some(x) = take(&mut extra, |x| {
            x.check_id == m.check_id && x.start.line == m.start.line
        }) else {
            return true;
        };
        let _ = writeln!(
            out,
            "  range    {} line {}: expected {}-{} (@{}..{}), got {}-{} (@{}..{})",
            m.check_id,
            m.start.line,
            m.start,
            m.end,
            m.start.offset,
            m.end.offset,
            x.start,
            x.end,
            x.start.offset,
            x.end.offset
        );
        if m.message != x.message {
            let _ = writeln!(
                out,
                "           message: expected {:?}, got {:?}",
                m.message, x.message
            );
        }
        if m.fix != x.fix {
            let _ = writeln!(out, "           fix: expected {:?}, got {:?}", m.fix, x.fix);
        }
        false
    });
    for m in missing {
        let _ = writeln!(out, "  missing  {}", m.describe());
    }
    for x in extra {
        let _ = writeln!(out, "  extra    {}", x.describe());
    }
    Some(out)
}

#[test]
fn engine_matches_recorded_semgrep() -> anyhow::Result<()> {
    let root = differential_dir();
    let cases = find_cases(&root)?;
    let gaps = known_gaps(&root)?;
    let filter = std::env::var("DIFFERENTIAL_CASE").ok();
    let show_gaps = std::env::var_os("DIFFERENTIAL_SHOW_GAPS").is_some();

    let names: BTreeSet<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    let mut problems = Vec::new();
    for listed in gaps.keys() {
        if !names.contains(listed.as_str()) {
            problems.push(format!("KNOWN_GAPS lists {listed}, which is not a case"));
        }
    }

    let (mut run, mut matching, mut gap_count) = (0, 0, 0);
    for case in &cases {
        if filter.as_deref().is_some_and(|f| !case.name.contains(f)) {
            continue;
        }
        run += 1;
        let recording: Recording = match std::fs::read_to_string(&case.expected) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", case.expected.display()))?,
            Err(_) => {
                problems.push(format!(
                    "{}: no {} (run scripts/record-differential)",
                    case.name,
                    case.expected.display()
                ));
                continue;
            }
        };
        // A panic in the engine is that case's failure, not the suite's.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_engine(case)));
        let (actual, mut notes, panicked) = match outcome {
            Ok(found) => {
                let (actual, notes) = found?;
                (actual, notes, None)
            }
            Err(panic) => {
                let what = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)")
                    .to_owned();
                (Vec::new(), Vec::new(), Some(what))
            }
        };
        notes.extend(recording.errors.iter().map(|e| {
            format!(
                "semgrep reported {} `{}`: {}",
                e.level,
                e.kind,
                e.message.lines().next().unwrap_or("")
            )
        }));
        let mut expected = recording.results;
        sort_findings(&mut expected);
        let difference = match panicked {
            Some(what) => Some(format!("  engine panicked: {what}\n")),
            None => diff(&expected, &actual),
        };
        let gap = gaps.get(&case.name);
        match (&difference, gap) {
            (None, None) => matching += 1,
            (None, Some(_)) => problems.push(format!(
                "{}: now matches Semgrep; remove it from KNOWN_GAPS",
                case.name
            )),
            (Some(d), None) => {
                let mut text = format!(
                    "{}: differs from Semgrep ({} expected, {} found)\n{d}",
                    case.name,
                    expected.len(),
                    actual.len()
                );
                for note in &notes {
                    let _ = writeln!(text, "  note: {note}");
                }
                problems.push(text);
            }
            (Some(d), Some(reason)) => {
                gap_count += 1;
                if show_gaps {
                    println!("known gap {} ({reason}):\n{d}", case.name);
                    for note in &notes {
                        println!("  note: {note}");
                    }
                }
            }
        }
    }
    println!(
        "differential: {run} case(s), {matching} match Semgrep, {gap_count} known gap(s), {} problem(s)",
        problems.len()
    );
    for problem in &problems {
        println!("{problem}");
    }
    assert!(
        problems.is_empty(),
        "{} differential problem(s); see the output above",
        problems.len()
    );
    Ok(())
}

#[test]
fn every_language_has_cases() -> anyhow::Result<()> {
    let cases = find_cases(&differential_dir())?;
    for lang in [
        Language::Python,
        Language::JavaScript,
        Language::TypeScript,
        Language::Java,
        Language::Go,
        Language::Ruby,
    ] {
        let count = cases.iter().filter(|c| c.lang == lang).count();
        assert!(count >= 25, "{lang:?}: only {count} differential case(s)");
    }
    Ok(())
}
