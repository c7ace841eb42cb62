//! Diagnostics for broken files: every problem at once, each with file,
//! line, column and rule id.

use std::path::Path;

use rsolv_rules::{Error, load_rules, parse_rules};

use crate::fixtures::fixture;

#[test]
fn every_problem_is_reported_with_its_line() {
    let path = fixture("invalid/many-problems.yaml");
    let loaded = load_rules(&path).unwrap_or_else(|e| panic!("{e}"));
    let found: Vec<(usize, Option<&str>, &str)> = loaded
        .errors()
        .map(|d| (d.line, d.rule_id.as_deref(), d.message.as_str()))
        .collect();
    let expected: Vec<(usize, Option<&str>, &str)> = vec![
        (
            7,
            Some("unknown-key-and-bad-regex"),
            "unknown key `mesage` in a rule",
        ),
        (
            12,
            Some("unknown-key-and-bad-regex"),
            "invalid regex in `metavariable-regex`",
        ),
        (
            13,
            Some("missing-message"),
            "missing required key `message`",
        ),
        (
            20,
            Some("empty-list-and-unknown-language"),
            "unknown language `cobol`",
        ),
        (
            21,
            Some("empty-list-and-unknown-language"),
            "`patterns` must not be empty",
        ),
        (
            22,
            Some("two-operators"),
            "the rule has several formulas (`pattern`, `pattern-regex`); only one is allowed",
        ),
        (24, Some("two-operators"), "`severity` must be one of"),
        (
            34,
            Some("not-in-either"),
            "`pattern-not` is not allowed in `pattern-either`",
        ),
        (
            44,
            Some("bad-taint"),
            "a propagator is missing required key `to`",
        ),
        (46, Some("bad-taint"), "`pattern-sinks` must not be empty"),
        (47, Some("no-operator"), "the rule has no pattern"),
    ];
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for (got, want) in found.iter().zip(&expected) {
        assert_eq!((got.0, got.1), (want.0, want.1), "{got:?} vs {want:?}");
        assert!(got.2.starts_with(want.2), "{got:?} vs {want:?}");
    }

    // Columns point at the offending key or item.
    let regex = loaded
        .errors()
        .find(|d| d.key_path == "rules[0].patterns[1].metavariable-regex.regex")
        .map(|d| (d.line, d.col));
    assert_eq!(regex, Some((12, 11)));
    let cobol = loaded
        .errors()
        .find(|d| d.message.contains("cobol"))
        .map(|d| d.col);
    assert_eq!(cobol, Some(17));

    // The `kt` in the same list is only a warning.
    assert_eq!(loaded.warnings().count(), 1);

    // Every message names the file, the line and the rule.
    for d in loaded.errors() {
        let text = d.to_string();
        let prefix = format!("{}:{}:{}: error[", path.display(), d.line, d.col);
        assert!(text.starts_with(&prefix), "{text}");
        assert!(d.line > 0 && d.rule_id.is_some(), "{text}");
    }

    // One bad rule does not hide the others. The two whose shape serde
    // cannot read (an unknown key, an unknown severity) are left out.
    let ids: Vec<&str> = loaded.file.rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "missing-message",
            "empty-list-and-unknown-language",
            "not-in-either",
            "bad-taint",
            "no-operator",
            "still-fine"
        ]
    );
    let Err(Error::InvalidRules { diagnostics, .. }) = loaded.compile() else {
        panic!("compile must refuse a file with errors");
    };
    assert_eq!(diagnostics.len(), expected.len());
}

#[test]
fn yaml_syntax_error_is_one_positioned_error() {
    let path = fixture("invalid/syntax-error.yaml");
    let err = load_rules(&path).err();
    let Some(Error::Yaml { line, col, .. }) = &err else {
        panic!("expected a YAML error, got {err:?}");
    };
    assert_eq!((*line, *col), (5, 1));
    let text = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.starts_with(&format!("{}:5:1: error: invalid YAML", path.display())),
        "{text}"
    );
}

#[test]
fn a_file_without_rules_is_refused() {
    let path = fixture("invalid/not-rules.yaml");
    let err = load_rules(&path)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(
        err,
        format!("{}:2:1: error: no top-level `rules:` list", path.display())
    );
    let err = parse_rules("rules: {a: 1}\n", Path::new("m.yaml")).err();
    assert!(
        matches!(
            err,
            Some(Error::NotRuleFile {
                line: 1,
                col: 1,
                ..
            })
        ),
        "{err:?}"
    );
}

#[test]
fn unreadable_file_names_the_path() {
    let err = load_rules(Path::new("/nonexistent/rules.yaml")).err();
    let text = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.starts_with("/nonexistent/rules.yaml: cannot read rule file"),
        "{text}"
    );
}

#[test]
fn serde_failures_fall_back_to_a_positioned_error() {
    // A rule that is not a map at all, next to a good one.
    let yaml = "rules:\n  - just a string\n  - id: ok\n    message: m\n    severity: INFO\n    languages: [go]\n    pattern: f()\n";
    let loaded = parse_rules(yaml, Path::new("s.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let errors: Vec<String> = loaded.errors().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        ["s.yaml:2:5: error: a rule must be a map, found a string"]
    );
    assert_eq!(loaded.file.rules.len(), 1);
}

#[test]
fn floats_warn_because_semgrep_cannot_load_them() {
    let yaml = "rules:\n  - id: f\n    message: m\n    severity: INFO\n    languages: [go]\n    pattern: f()\n    metadata:\n      confidence: 0.8\n";
    let loaded = parse_rules(yaml, Path::new("f.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let warnings: Vec<String> = loaded.warnings().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("f.yaml:8:7: warning[f]: floating-point value `0.8`"),
        "{warnings:?}"
    );
    assert!(!loaded.has_errors());
}
