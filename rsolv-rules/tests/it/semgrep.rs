//! Differential check against real Semgrep (opt-in): what `write_rules`
//! produces must load in `semgrep`.
//!
//! Needs `semgrep` on `PATH` (tested with 1.160.0). Runs the hand-written
//! fixtures, and when `SEMGREP_RULES_DIR` points at a semgrep-rules checkout,
//! every rule of the corpus languages too:
//! `SEMGREP_RULES_DIR=/path/to/semgrep-rules cargo test -p rsolv-rules --test it -- --ignored semgrep --nocapture`.
//!
//! `semgrep --validate` also fetches the `p/semgrep-rule-lints` ruleset from
//! semgrep.dev, which an offline machine cannot; `semgrep scan --config`
//! on an empty directory runs the same rule-schema and semgrep-core rule
//! parsing without the registry, so that is what this test uses.

use std::path::{Path, PathBuf};
use std::process::Command;

use rsolv_rules::{RuleFile, load_rules, parse_rules, write_rules};

use crate::fixtures::fixture;

const VALID_FIXTURES: [&str; 5] = [
    "valid/search-patterns.yaml",
    "valid/taint.yaml",
    "valid/regex-and-fix-regex.yaml",
    "valid/nested-operands.yaml",
    "valid/unsupported-languages.yaml",
];

fn semgrep_available() -> bool {
    Command::new("semgrep")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Run Semgrep with `config` over an empty directory; `Err` carries its
/// output when it rejects the rules.
fn semgrep_loads(config: &Path, empty: &Path) -> anyhow::Result<Result<(), String>> {
    let output = Command::new("semgrep")
        .args([
            "scan",
            "--metrics=off",
            "--disable-version-check",
            "--quiet",
            "--config",
        ])
        .arg(config)
        .arg(empty)
        .env("SEMGREP_ENABLE_VERSION_CHECK", "0")
        .env("SEMGREP_SEND_METRICS", "off")
        .output()?;
    if output.status.success() {
        Ok(Ok(()))
    } else {
        Ok(Err(format!(
            "exit {:?}\n{}{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )))
    }
}

fn write_and_check(
    name: &str,
    file: &RuleFile,
    dir: &Path,
    empty: &Path,
    failures: &mut Vec<String>,
) -> anyhow::Result<()> {
    let out = dir.join(format!("{}.yaml", name.replace('/', "_")));
    std::fs::write(&out, write_rules(file)?)?;
    match semgrep_loads(&out, empty)? {
        Ok(()) => println!("semgrep accepts {name} ({} rules)", file.rules.len()),
        Err(e) => failures.push(format!("{name}: {e}")),
    }
    Ok(())
}

fn corpus_batches(root: &Path) -> anyhow::Result<Vec<(String, RuleFile)>> {
    let mut batches = Vec::new();
    for lang in ["javascript", "typescript", "python", "java", "go", "ruby"] {
        let mut files = Vec::new();
        collect(&root.join(lang), &mut files);
        files.sort();
        let mut batch = RuleFile::default();
        for path in files {
            let text = std::fs::read_to_string(&path)?;
            if let Ok(loaded) = parse_rules(&text, &path)
                && !loaded.has_errors()
            {
                batch.rules.extend(loaded.file.rules);
            }
        }
        batches.push((format!("corpus-{lang}"), batch));
    }
    Ok(batches)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

#[test]
#[ignore = "needs `semgrep` on PATH; slow"]
fn semgrep_loads_written_rules() -> anyhow::Result<()> {
    if !semgrep_available() {
        eprintln!("semgrep is not on PATH; skipping");
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty)?;
    let mut failures = Vec::new();

    for name in VALID_FIXTURES {
        let loaded = load_rules(&fixture(name))?;
        write_and_check(name, &loaded.file, dir.path(), &empty, &mut failures)?;
    }
    if let Some(root) = std::env::var_os("SEMGREP_RULES_DIR") {
        for (name, file) in corpus_batches(Path::new(&root))? {
            write_and_check(&name, &file, dir.path(), &empty, &mut failures)?;
        }
    }
    for f in &failures {
        println!("REJECTED {f}");
    }
    assert!(
        failures.is_empty(),
        "semgrep rejected {} file(s)",
        failures.len()
    );
    Ok(())
}
