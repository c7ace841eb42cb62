//! Scanning backends: the embedded [`Engine`] and, optionally, a locally
//! installed `semgrep` ([`SemgrepCli`]), behind one [`Scanner`] trait.

mod semgrep_cli;

use std::path::PathBuf;

pub use semgrep_cli::SemgrepCli;

use crate::{CompiledRule, Engine, ScanOptions, ScanProgress, ScanReport};

/// Something that scans paths with a set of rules.
pub trait Scanner: Send + Sync {
    /// A short name for messages (`rsolv`, `semgrep`).
    fn name(&self) -> &'static str;

    /// Scan files and directories.
    fn scan(&self, paths: &[PathBuf], options: &ScanOptions) -> crate::Result<ScanReport>;

    /// [`Scanner::scan`], reporting progress where the backend can.
    fn scan_with_progress(
        &self,
        paths: &[PathBuf],
        options: &ScanOptions,
        progress: &dyn ScanProgress,
    ) -> crate::Result<ScanReport> {
        let _ = progress;
        self.scan(paths, options)
    }

    /// The rules this scanner runs, for report metadata.
    fn compiled_rules(&self) -> Vec<&CompiledRule>;
}

impl Scanner for Engine {
    fn name(&self) -> &'static str {
        "rsolv"
    }

    fn scan(&self, paths: &[PathBuf], options: &ScanOptions) -> crate::Result<ScanReport> {
        Ok(self.scan_paths(paths, options))
    }

    fn scan_with_progress(
        &self,
        paths: &[PathBuf],
        options: &ScanOptions,
        progress: &dyn ScanProgress,
    ) -> crate::Result<ScanReport> {
        Ok(self.scan_paths_with_progress(paths, options, progress))
    }

    fn compiled_rules(&self) -> Vec<&CompiledRule> {
        self.rules().collect()
    }
}
