//! Parse the public semgrep-rules corpus (opt-in).
//!
//! Get a checkout with `git clone https://github.com/semgrep/semgrep-rules`
//! and run
//! `SEMGREP_RULES_DIR=/path/to/semgrep-rules cargo test -p rsolv-rules --test it -- --ignored corpus --nocapture`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rsolv_rules::{parse_rules, write_rules};

const LANGUAGE_DIRS: [&str; 6] = ["javascript", "typescript", "python", "java", "go", "ruby"];

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// Whether the YAML document has a top-level `rules` key (test targets
/// written in YAML do not).
fn is_rule_file(text: &str) -> bool {
    serde_yaml::from_str::<serde_yaml::Value>(text)
        .ok()
        .is_some_and(|v| v.get("rules").is_some())
}

#[test]
#[ignore = "needs SEMGREP_RULES_DIR pointing at a semgrep-rules checkout"]
fn corpus_parses_without_errors_and_round_trips() -> anyhow::Result<()> {
    let Some(root) = std::env::var_os("SEMGREP_RULES_DIR") else {
        eprintln!("SEMGREP_RULES_DIR is not set; skipping");
        return Ok(());
    };
    let root = PathBuf::from(root);
    let mut files = Vec::new();
    for dir in LANGUAGE_DIRS {
        yaml_files(&root.join(dir), &mut files);
    }
    files.sort();

    let (mut parsed, mut skipped, mut rules, mut warnings) = (0, 0, 0, 0);
    let mut warning_kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path)?;
        if !is_rule_file(&text) {
            skipped += 1;
            continue;
        }
        let loaded = match parse_rules(&text, path) {
            Ok(l) => l,
            Err(e) => {
                failures.push(e.to_string());
                continue;
            }
        };
        parsed += 1;
        rules += loaded.file.rules.len();
        for d in &loaded.diagnostics {
            if d.is_error() {
                failures.push(d.to_string());
            } else {
                warnings += 1;
                // Group warnings by message with quoted names removed.
                let kind: String = d
                    .message
                    .split('`')
                    .enumerate()
                    .map(|(i, part)| if i % 2 == 1 { "…" } else { part })
                    .collect();
                *warning_kinds.entry(kind).or_default() += 1;
            }
        }
        let written = write_rules(&loaded.file)?;
        match parse_rules(&written, path) {
            Ok(again) if again.file == loaded.file && !again.has_errors() => {}
            Ok(_) => failures.push(format!("{}: round trip changed the rules", path.display())),
            Err(e) => failures.push(format!("{}: written YAML unreadable: {e}", path.display())),
        }
    }

    println!(
        "corpus: {parsed} rule files, {rules} rules, {skipped} non-rule YAML files skipped, {warnings} warnings"
    );
    for (kind, n) in &warning_kinds {
        println!("  warning x{n}: {kind}");
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(failures.is_empty(), "{} failures", failures.len());
    assert!(parsed > 0, "no rule files under {}", root.display());
    Ok(())
}
