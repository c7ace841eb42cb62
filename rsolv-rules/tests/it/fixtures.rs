//! The hand-written fixtures under `tests/fixtures/`: valid files parse
//! without errors, round-trip and compile; the warnings are the expected
//! ones.

use std::path::{Path, PathBuf};

use rsolv_core::{Language, Severity, VulnClass};
use rsolv_rules::{
    BySideEffect, DiagnosticLevel, LoadedRules, Matcher, RuleKind, load_rules, parse_rules,
    write_rules,
};

pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn load(name: &str) -> LoadedRules {
    load_rules(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// (fixture, rules, compiled rules, warnings)
const VALID: &[(&str, usize, usize, usize)] = &[
    ("valid/search-patterns.yaml", 1, 1, 0),
    ("valid/taint.yaml", 1, 1, 0),
    ("valid/regex-and-fix-regex.yaml", 2, 2, 0),
    ("valid/nested-operands.yaml", 2, 2, 0),
    // kt, yaml, bash and `mode: join`.
    ("valid/unsupported-languages.yaml", 4, 1, 4),
];

#[test]
fn valid_fixtures_parse_round_trip_and_compile() {
    for &(name, rules, compiled, warnings) in VALID {
        let loaded = load(name);
        let errors: Vec<String> = loaded.errors().map(ToString::to_string).collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        assert_eq!(loaded.file.rules.len(), rules, "{name}");
        let found: Vec<String> = loaded.warnings().map(ToString::to_string).collect();
        assert_eq!(found.len(), warnings, "{name}: {found:#?}");

        let written = write_rules(&loaded.file).unwrap_or_default();
        let again = parse_rules(&written, Path::new("written.yaml"))
            .unwrap_or_else(|e| panic!("{name}: {e}\n{written}"));
        assert_eq!(again.file, loaded.file, "{name}:\n{written}");
        assert!(!again.has_errors(), "{name}");

        let compiled_rules = loaded.compile().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(compiled_rules.len(), compiled, "{name}");
    }
}

#[test]
fn search_rule_compiles_to_the_expected_tree() {
    let loaded = load("valid/search-patterns.yaml");
    let rule = &loaded.file.rules[0];
    assert_eq!(rule.languages(), ["python"]);
    let meta = rule.metadata();
    assert_eq!(meta.created_from_issue().as_deref(), Some("1234"));
    assert_eq!(meta.organization_id(), Some("acme-corp"));
    assert_eq!(meta.vulnerability_type(), Some(VulnClass::Sqli));
    assert_eq!(meta.confidence(), Some(0.8));
    assert_eq!(meta.cwe().len(), 1);

    let compiled = loaded.compile().unwrap_or_default();
    let rule = &compiled[0];
    assert_eq!(rule.severity, Severity::Error);
    assert_eq!(rule.languages, [Language::Python]);
    assert_eq!(rule.paths.include, ["app/**/*.py"]);
    assert!(rule.fix.is_some());
    let RuleKind::Search(Matcher::All(children)) = &rule.kind else {
        panic!("expected a `patterns` tree, got {:?}", rule.kind);
    };
    let kinds: Vec<&str> = children
        .iter()
        .map(|m| match m {
            Matcher::Inside(_) => "inside",
            Matcher::NotInside(_) => "not-inside",
            Matcher::Any(_) => "any",
            Matcher::MetavariableRegex { .. } => "mv-regex",
            Matcher::MetavariablePattern { .. } => "mv-pattern",
            Matcher::MetavariableComparison { .. } => "mv-comparison",
            Matcher::Focus(_) => "focus",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "inside",
            "not-inside",
            "any",
            "mv-regex",
            "mv-pattern",
            "mv-comparison",
            "focus"
        ]
    );
    let Matcher::MetavariableRegex { regex, .. } = &children[3] else {
        panic!("expected metavariable-regex");
    };
    assert!(regex.is_match("Cursor2"));
    assert!(!regex.is_match("session"));
    let Matcher::MetavariablePattern {
        language, formula, ..
    } = &children[4]
    else {
        panic!("expected metavariable-pattern");
    };
    assert_eq!(language.as_deref(), Some("generic"));
    assert!(matches!(&**formula, Matcher::Regex(r) if r.is_match("SELECT * FROM t")));
}

#[test]
fn taint_rule_compiles_every_item() {
    let compiled = load("valid/taint.yaml").compile().unwrap_or_default();
    let rule = &compiled[0];
    assert_eq!(rule.languages, [Language::JavaScript, Language::TypeScript]);
    let RuleKind::Taint(spec) = &rule.kind else {
        panic!("expected taint, got {:?}", rule.kind);
    };
    assert_eq!(spec.sources.len(), 2);
    assert_eq!(spec.sources[0].label.as_deref(), Some("USER"));
    assert_eq!(spec.sources[1].by_side_effect, Some(BySideEffect::Only));
    assert_eq!(spec.sources[1].exact, Some(true));
    assert_eq!(spec.propagators[0].from, "$FROM");
    assert_eq!(spec.propagators[0].to, "$TO");
    assert_eq!(spec.sanitizers[0].not_conflicting, Some(true));
    assert!(matches!(&spec.sanitizers[0].matcher, Matcher::Any(v) if v.len() == 2));
    assert_eq!(spec.sinks[0].requires.as_deref(), Some("USER and not ENV"));
    assert_eq!(
        rule.metadata.vuln_class(),
        Some(VulnClass::CommandInjection)
    );
}

#[test]
fn regex_rules_compile_pcre() {
    let compiled = load("valid/regex-and-fix-regex.yaml")
        .compile()
        .unwrap_or_default();
    let RuleKind::Search(Matcher::Regex(key)) = &compiled[0].kind else {
        panic!("expected a regex rule");
    };
    assert!(key.is_match("id = AKIAABCDEFGHIJKLMNOP;"));
    assert!(!key.is_match("XAKIAABCDEFGHIJKLMNOP"));
    let fix = compiled[1]
        .fix_regex
        .as_ref()
        .map(|f| (f.regex.as_str(), f.count));
    assert_eq!(fix, Some(("True", Some(1))));
    assert_eq!(compiled[0].languages, [Language::Regex]);
}

#[test]
fn unsupported_languages_warn_and_are_skipped() {
    let loaded = load("valid/unsupported-languages.yaml");
    let warnings: Vec<(usize, &str)> = loaded
        .warnings()
        .map(|d| (d.line, d.message.as_str()))
        .collect();
    assert_eq!(
        warnings,
        [
            (
                7,
                "language `kt` is valid Semgrep but not supported by the embedded engine"
            ),
            (
                12,
                "language `yaml` is valid Semgrep but not supported by the embedded engine"
            ),
            (
                20,
                "language `bash` is valid Semgrep but not supported by the embedded engine"
            ),
            (
                31,
                "`mode: join` is valid Semgrep but not supported by the embedded engine"
            ),
        ]
    );
    assert!(
        loaded
            .warnings()
            .all(|d| d.level == DiagnosticLevel::Warning)
    );
    let compiled = loaded.compile().unwrap_or_default();
    let ids: Vec<&str> = compiled.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["python-and-bash"]);
    assert_eq!(compiled[0].languages, [Language::Python]);
}

#[test]
fn yaml_1_1_booleans_are_not_strings() {
    // Semgrep reads `True` as a boolean and rejects it where a string is due.
    let yaml = "rules:\n  - id: r\n    message: m\n    severity: INFO\n    languages: [generic]\n    pattern-regex: x\n    fix-regex:\n      regex: True\n      replacement: 'no'\n";
    let loaded = parse_rules(yaml, Path::new("b.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let errors: Vec<String> = loaded.errors().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        ["b.yaml:8:7: error[r]: `regex` must be a string, found a boolean"]
    );
}
