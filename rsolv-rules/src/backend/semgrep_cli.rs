//! Running a locally installed `semgrep` as a backend.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use rsolv_core::{Position, Severity};
use serde::Deserialize;

use super::Scanner;
use crate::{
    CompiledRule, EngineError, Error, RuleFile, RuleMatch, ScanOptions, ScanReport, SkippedPath,
};

/// The `semgrep` command-line tool as a [`Scanner`]: the rules are written
/// to a temporary file, `semgrep scan --json` runs on the paths, and its
/// output is read back into a [`ScanReport`].
#[derive(Debug)]
pub struct SemgrepCli {
    program: PathBuf,
    rules: RuleFile,
    compiled: Vec<CompiledRule>,
}

impl SemgrepCli {
    /// A backend running `semgrep` from `PATH` with `rules`.
    pub fn new(rules: RuleFile) -> Self {
        let compiled = rules
            .rules
            .iter()
            .filter_map(|r| CompiledRule::compile(r).ok())
            .collect();
        Self {
            program: PathBuf::from("semgrep"),
            rules,
            compiled,
        }
    }

    /// Use this `semgrep` executable instead of the one on `PATH`.
    pub fn with_program(mut self, program: impl Into<PathBuf>) -> Self {
        self.program = program.into();
        self
    }

    /// The installed semgrep's version, or `None` when it cannot be run.
    pub fn version(&self) -> Option<String> {
        let out = self.command().arg("--version").output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }
}

impl SemgrepCli {
    /// The command with semgrep's network calls (version check, metrics)
    /// turned off: rsolv never sends anything anywhere.
    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.env("SEMGREP_ENABLE_VERSION_CHECK", "0")
            .env("SEMGREP_SEND_METRICS", "off");
        cmd
    }
}

impl Scanner for SemgrepCli {
    fn name(&self) -> &'static str {
        "semgrep"
    }

    fn compiled_rules(&self) -> Vec<&CompiledRule> {
        self.compiled.iter().collect()
    }

    fn scan(&self, paths: &[PathBuf], options: &ScanOptions) -> crate::Result<ScanReport> {
        let dir = tempfile::tempdir().map_err(|source| Error::Io {
            path: std::env::temp_dir(),
            source,
        })?;
        let config = dir.path().join("rsolv-rules.yaml");
        std::fs::write(&config, crate::write_rules(&self.rules)?).map_err(|source| Error::Io {
            path: config.clone(),
            source,
        })?;
        let mut cmd = self.command();
        cmd.args([
            "scan",
            "--json",
            "--metrics=off",
            "--disable-version-check",
            "--quiet",
        ])
        .arg("--config")
        .arg(&config)
        .arg("--max-target-bytes")
        .arg(options.max_file_bytes.to_string());
        if options.jobs > 0 {
            cmd.arg("--jobs").arg(options.jobs.to_string());
        }
        if !options.respect_ignore_files {
            cmd.arg("--no-git-ignore");
        }
        cmd.args(paths);
        let output = cmd.output().map_err(|source| Error::Io {
            path: self.program.clone(),
            source,
        })?;
        // semgrep exits 0 (no findings) or 1 (findings); others are failures.
        let parsed: SemgrepOutput =
            serde_json::from_slice(&output.stdout).map_err(|e| Error::Backend {
                message: format!(
                    "semgrep exited with {} and no readable JSON ({e}): {}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr)
                        .lines()
                        .last()
                        .unwrap_or_default()
                ),
            })?;
        let mut report = parsed.into_report();
        // semgrep prefixes rule ids with the config file's directory
        // (`tmp.x.rule-id`); give them back their own ids.
        for m in &mut report.matches {
            let known = self
                .compiled
                .iter()
                .filter(|r| m.rule_id.ends_with(&format!(".{}", r.id)))
                .max_by_key(|r| r.id.len());
            if let Some(rule) = known {
                m.rule_id = rule.id.clone();
            }
        }
        Ok(report)
    }
}

#[derive(Deserialize)]
struct SemgrepOutput {
    #[serde(default)]
    results: Vec<SemgrepResult>,
    #[serde(default)]
    errors: Vec<serde_json::Value>,
    #[serde(default)]
    paths: SemgrepPaths,
}

#[derive(Deserialize, Default)]
struct SemgrepPaths {
    #[serde(default)]
    scanned: Vec<PathBuf>,
    #[serde(default)]
    skipped: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct SemgrepResult {
    check_id: String,
    path: PathBuf,
    start: Position,
    end: Position,
    extra: SemgrepExtra,
}

#[derive(Deserialize)]
struct SemgrepExtra {
    message: String,
    severity: String,
    #[serde(default)]
    fix: Option<String>,
}

impl SemgrepOutput {
    fn into_report(self) -> ScanReport {
        let mut sources: BTreeMap<PathBuf, String> = BTreeMap::new();
        let matches = self
            .results
            .into_iter()
            .map(|r| {
                let text = sources
                    .entry(r.path.clone())
                    .or_insert_with(|| std::fs::read_to_string(&r.path).unwrap_or_default());
                let matched = text
                    .get(r.start.offset..r.end.offset)
                    .unwrap_or_default()
                    .to_owned();
                RuleMatch {
                    rule_id: r.check_id,
                    lines: lines_of(text, r.start.offset, r.end.offset),
                    path: r.path,
                    start: r.start,
                    end: r.end,
                    message: r.extra.message,
                    severity: r.extra.severity.parse().unwrap_or(Severity::Warning),
                    matched,
                    fix: r.extra.fix,
                    metavars: BTreeMap::new(),
                    dataflow_trace: None,
                }
            })
            .collect();
        let errors = self
            .errors
            .iter()
            .map(|e| EngineError {
                rule_id: e["rule_id"].as_str().map(str::to_owned),
                path: e["path"].as_str().map(PathBuf::from),
                start: None,
                level: if e["level"] == "warn" {
                    "warn"
                } else {
                    "error"
                },
                kind: "semgrep",
                message: e["message"]
                    .as_str()
                    .or_else(|| e["long_msg"].as_str())
                    .unwrap_or("semgrep error")
                    .to_owned(),
            })
            .collect();
        let skipped = self
            .paths
            .skipped
            .iter()
            .filter_map(|s| {
                Some(SkippedPath {
                    path: PathBuf::from(s["path"].as_str()?),
                    reason: s["reason"]
                        .as_str()
                        .unwrap_or("skipped by semgrep")
                        .to_owned(),
                })
            })
            .collect();
        ScanReport {
            matches,
            errors,
            scanned: self.paths.scanned,
            skipped,
        }
    }
}

fn lines_of(text: &str, start: usize, end: usize) -> String {
    let start = start.min(text.len());
    let end = end.clamp(start, text.len());
    let from = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let to = text[end..].find('\n').map_or(text.len(), |i| end + i);
    text.get(from..to).unwrap_or_default().to_owned()
}
