//! Scanning files and directories: walking, filtering, running in parallel.

use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use rayon::prelude::*;
use rsolv_core::Language;
use serde::Serialize;

use super::{Engine, EngineError, RuleMatch};
use crate::PathFilter;

/// How to walk and which files to skip.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Files larger than this many bytes are skipped (Semgrep's default is
    /// 1,000,000).
    pub max_file_bytes: u64,
    /// Honour `.gitignore`, `.ignore` and `.semgrepignore` files.
    pub respect_ignore_files: bool,
    /// Worker threads (0: one per core).
    pub jobs: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            max_file_bytes: 1_000_000,
            respect_ignore_files: true,
            jobs: 0,
        }
    }
}

/// Receives progress reports from a scan (for progress bars).
pub trait ScanProgress: Sync {
    /// The walk is done: `files` files will be scanned.
    fn start(&self, files: usize) {
        let _ = files;
    }
    /// One file is done.
    fn file_done(&self, path: &Path) {
        let _ = path;
    }
}

/// A [`ScanProgress`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl ScanProgress for NoProgress {}

/// A file the scan did not look at, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedPath {
    /// The file.
    pub path: PathBuf,
    /// Why it was skipped.
    pub reason: String,
}

/// Everything a scan found.
#[derive(Debug, Clone, Default)]
pub struct ScanReport {
    /// Findings, sorted by path, position and rule.
    pub matches: Vec<RuleMatch>,
    /// Rule and file problems.
    pub errors: Vec<EngineError>,
    /// Files scanned, sorted.
    pub scanned: Vec<PathBuf>,
    /// Files skipped, with reasons.
    pub skipped: Vec<SkippedPath>,
}

impl Engine {
    /// Walk `paths` (files or directories) and scan every file some rule
    /// applies to, in parallel.
    pub fn scan_paths(&self, paths: &[PathBuf], options: &ScanOptions) -> ScanReport {
        self.scan_paths_with_progress(paths, options, &NoProgress)
    }

    /// [`Engine::scan_paths`], reporting progress to `progress`.
    pub fn scan_paths_with_progress(
        &self,
        paths: &[PathBuf],
        options: &ScanOptions,
        progress: &dyn ScanProgress,
    ) -> ScanReport {
        let mut report = ScanReport {
            errors: self.rule_errors().to_vec(),
            ..Default::default()
        };
        let mut files = Vec::new();
        for root in paths {
            if !root.exists() {
                report.errors.push(EngineError {
                    rule_id: None,
                    path: Some(root.clone()),
                    start: None,
                    level: "error",
                    kind: "Invalid target",
                    message: format!("{}: no such file or directory", root.display()),
                });
                continue;
            }
            let mut walk = ignore::WalkBuilder::new(root);
            walk.git_ignore(options.respect_ignore_files)
                .git_exclude(options.respect_ignore_files)
                .ignore(options.respect_ignore_files)
                .parents(options.respect_ignore_files)
                .require_git(false);
            if options.respect_ignore_files {
                walk.add_custom_ignore_filename(".semgrepignore");
            }
            for entry in walk.build() {
                match entry {
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                        let path = e.path().strip_prefix("./").unwrap_or(e.path()).to_owned();
                        files.push(path);
                    }
                    Ok(_) => {}
                    Err(err) => report.skipped.push(SkippedPath {
                        path: root.clone(),
                        reason: err.to_string(),
                    }),
                }
            }
        }
        files.sort();
        files.dedup();
        let wanted: Vec<(PathBuf, Option<Language>)> = files
            .into_iter()
            .map(|p| {
                let lang = Language::from_path(&p);
                (p, lang)
            })
            .filter(|(_, lang)| self.wants(*lang))
            .collect();

        let run = || -> Vec<(PathBuf, Result<super::FileResult, String>)> {
            progress.start(wanted.len());
            wanted
                .par_iter()
                .map(|(path, lang)| {
                    let result = self.scan_file(path, *lang, options);
                    progress.file_done(path);
                    (path.clone(), result)
                })
                .collect()
        };
        let results = match rayon::ThreadPoolBuilder::new()
            .num_threads(options.jobs)
            .build()
        {
            Ok(pool) => pool.install(run),
            Err(_) => run(),
        };
        for (path, result) in results {
            match result {
                Ok(file) => {
                    report.scanned.push(path);
                    report.matches.extend(file.matches);
                    report.errors.extend(file.errors);
                }
                Err(reason) => report.skipped.push(SkippedPath { path, reason }),
            }
        }
        report.matches.sort_by(|a, b| {
            (&a.path, a.start.offset, &a.rule_id).cmp(&(&b.path, b.start.offset, &b.rule_id))
        });
        report
    }

    fn scan_file(
        &self,
        path: &Path,
        lang: Option<Language>,
        options: &ScanOptions,
    ) -> Result<super::FileResult, String> {
        let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
        if meta.len() > options.max_file_bytes {
            return Err(format!("larger than {} bytes", options.max_file_bytes));
        }
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
        if bytes[..bytes.len().min(8192)].contains(&0) {
            return Err("binary file".into());
        }
        // Invalid UTF-8 is replaced, as Semgrep does, so offsets of valid
        // files are untouched and broken files are still scanned.
        let text = String::from_utf8_lossy(&bytes);
        Ok(self.scan_text(path, lang, &text))
    }
}

/// A rule's `paths:` include and exclude globs, gitignore-style.
#[derive(Debug)]
pub(crate) struct PathRules {
    include: Option<Gitignore>,
    exclude: Option<Gitignore>,
}

impl PathRules {
    pub(crate) fn new(filter: &PathFilter) -> Result<Self, String> {
        let build = |globs: &[String]| -> Result<Option<Gitignore>, String> {
            if globs.is_empty() {
                return Ok(None);
            }
            let mut builder = GitignoreBuilder::new("");
            for glob in globs {
                builder
                    .add_line(None, glob)
                    .map_err(|e| format!("invalid path glob `{glob}`: {e}"))?;
            }
            builder.build().map(Some).map_err(|e| e.to_string())
        };
        Ok(Self {
            include: build(&filter.include)?,
            exclude: build(&filter.exclude)?,
        })
    }

    pub(crate) fn allows(&self, path: &Path) -> bool {
        let path = path.strip_prefix("./").unwrap_or(path);
        if let Some(include) = &self.include
            && !include.matched_path_or_any_parents(path, false).is_ignore()
        {
            return false;
        }
        if let Some(exclude) = &self.exclude
            && exclude.matched_path_or_any_parents(path, false).is_ignore()
        {
            return false;
        }
        true
    }
}
