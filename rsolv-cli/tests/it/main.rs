//! End-to-end tests of the `rsolv` binary on temporary databases.

mod classify;
mod learn;
mod rule_tests;
mod rules;
mod scan;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A scratch directory with its own database.
pub(crate) struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    pub(crate) fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn db(&self) -> PathBuf {
        self.dir.path().join("state").join("rsolv.db")
    }

    /// `rsolv --db <sandbox db> --org <org> ARGS...`, with a clean
    /// environment for the variables rsolv reads.
    pub(crate) fn rsolv(&self, org: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rsolv"));
        cmd.env_remove("RSOLV_DB")
            .env_remove("RSOLV_ORG")
            .env("RSOLV_ACTOR", "tester")
            .current_dir(self.dir.path())
            .arg("--db")
            .arg(self.db())
            .arg("--org")
            .arg(org)
            .args(args);
        cmd
    }

    /// Run and parse stdout as JSON, asserting success.
    pub(crate) fn json(&self, org: &str, args: &[&str]) -> serde_json::Value {
        let mut full = vec!["--json"];
        full.extend_from_slice(args);
        let output = self
            .rsolv(org, &full)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&output).expect("stdout is JSON")
    }
}

impl Sandbox {
    /// Run with `--json`, expecting exit code `code`, and parse stdout.
    pub(crate) fn json_status(&self, org: &str, args: &[&str], code: i32) -> serde_json::Value {
        let mut full = vec!["--json"];
        full.extend_from_slice(args);
        let output = self
            .rsolv(org, &full)
            .assert()
            .code(code)
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&output).expect("stdout is JSON")
    }
}

pub(crate) fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}
