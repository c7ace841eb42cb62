//! `rsolv rules validate FILE...`: check rule files without storing them.

use std::path::PathBuf;

use rsolv_rules::{Diagnostic, DiagnosticLevel};
use serde_json::json;

use crate::{Io, Status, output};

pub(super) fn run(files: &[PathBuf], json: bool, io: &mut Io<'_>) -> anyhow::Result<Status> {
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut load_errors: Vec<String> = Vec::new();
    let mut rules = 0;
    let files = rsolv_learn::collect_rule_files(files)?;
    for file in &files {
        match rsolv_rules::load_rules(file) {
            Ok(loaded) => {
                rules += loaded.file.rules.len();
                diagnostics.extend(loaded.diagnostics);
            }
            Err(err) => load_errors.push(err.to_string()),
        }
    }
    let errors = load_errors.len()
        + diagnostics
            .iter()
            .filter(|d| d.level == DiagnosticLevel::Error)
            .count();
    let warnings = diagnostics.len() + load_errors.len() - errors;
    if json {
        output::json(
            io.out,
            &json!({
                "files": files.len(),
                "rules": rules,
                "errors": errors,
                "warnings": warnings,
                "diagnostics": diagnostics,
                "file_errors": load_errors,
            }),
        )?;
    } else {
        for message in &load_errors {
            writeln!(io.err, "{message}")?;
        }
        for diagnostic in &diagnostics {
            writeln!(io.err, "{diagnostic}")?;
        }
        let verdict = if errors == 0 { "valid" } else { "invalid" };
        writeln!(
            io.out,
            "{verdict}: {} file(s), {rules} rule(s), {errors} error(s), {warnings} warning(s)",
            files.len()
        )?;
    }
    Ok(if errors == 0 {
        Status::Success
    } else {
        Status::InvalidConfig
    })
}
