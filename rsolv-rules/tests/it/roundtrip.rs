//! Property: any rule file written by `write_rules` reads back equal and
//! clean.

use std::path::Path;

use proptest::prelude::*;
use rsolv_core::Severity;
use rsolv_rules::{
    BySideEffect, FixRegex, Metadata, MetavariableComparison, MetavariablePattern,
    MetavariableRegex, Mode, Operand, Operator, PathFilter, Rule, RuleFile, StringOrList,
    TaintItem, parse_rules, write_rules,
};
use serde_yaml::{Mapping, Value};

const LANGUAGES: [&str; 9] = [
    "python",
    "javascript",
    "ts",
    "go",
    "java",
    "ruby",
    "generic",
    "regex",
    "py",
];

const REGEXES: [&str; 8] = [
    "a+",
    "(?i)password",
    r"(?<=key=)\w+",
    r"\bexec\b",
    "[0-9]{2,4}",
    r"^\s*$",
    r"(['\x22])x\1",
    r"foo(?!bar)",
];

/// Text with the characters YAML cares about: quotes, colons, hashes,
/// newlines, leading/trailing spaces, words YAML 1.1 would read as scalars.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z_$][ -~]{0,30}",
        "[a-z][a-z ]{0,10}\n[ -~\n]{0,30}",
        Just("yes".to_owned()),
        Just("null".to_owned()),
        Just("True".to_owned()),
        Just("0x1F".to_owned()),
        Just("- item: x".to_owned()),
        Just("key: value # comment".to_owned()),
        Just("  indented\n  twice\n".to_owned()),
    ]
}

fn pattern() -> impl Strategy<Value = String> {
    text()
}

fn regex() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(REGEXES.as_slice()).prop_map(str::to_owned),
        "[a-z0-9]{1,12}",
    ]
}

fn metavariable() -> impl Strategy<Value = String> {
    "\\$[A-Z][A-Z0-9_]{0,5}"
}

fn leaf() -> impl Strategy<Value = Operator> {
    prop_oneof![
        pattern().prop_map(Operator::Pattern),
        regex().prop_map(Operator::PatternRegex),
        regex().prop_map(Operator::PatternNotRegex),
        pattern().prop_map(|p| Operator::PatternNot(Operand::Pattern(p))),
        pattern().prop_map(|p| Operator::PatternInside(Operand::Pattern(p))),
        pattern().prop_map(|p| Operator::PatternNotInside(Operand::Pattern(p))),
        (metavariable(), regex(), proptest::option::of(any::<bool>())).prop_map(
            |(metavariable, regex, constant_propagation)| {
                Operator::MetavariableRegex(MetavariableRegex {
                    metavariable,
                    regex,
                    constant_propagation,
                })
            }
        ),
        (
            metavariable(),
            proptest::option::of(2i64..=16),
            proptest::option::of(any::<bool>())
        )
            .prop_map(|(mv, base, strip)| {
                Operator::MetavariableComparison(MetavariableComparison {
                    comparison: format!("{mv} > 1"),
                    metavariable: Some(mv),
                    base,
                    strip,
                })
            }),
        metavariable().prop_map(|m| Operator::FocusMetavariable(StringOrList::One(m))),
        proptest::collection::vec(metavariable(), 1..3)
            .prop_map(|m| Operator::FocusMetavariable(StringOrList::Many(m))),
    ]
}

/// An operator allowed inside `pattern-either`.
fn is_either_item(op: &Operator) -> bool {
    matches!(
        op,
        Operator::Patterns(_)
            | Operator::PatternEither(_)
            | Operator::PatternInside(_)
            | Operator::Pattern(_)
            | Operator::PatternRegex(_)
    )
}

fn operator() -> BoxedStrategy<Operator> {
    leaf()
        .prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 1..4).prop_map(Operator::Patterns),
                proptest::collection::vec(inner.clone(), 1..4).prop_map(|ops| {
                    let ops: Vec<Operator> = ops
                        .into_iter()
                        .map(|op| {
                            if is_either_item(&op) {
                                op
                            } else {
                                Operator::Patterns(vec![op])
                            }
                        })
                        .collect();
                    Operator::PatternEither(ops)
                }),
                proptest::collection::vec(inner.clone(), 1..3).prop_map(|ops| {
                    Operator::PatternNot(Operand::Formula(Box::new(Operator::Patterns(ops))))
                }),
                (
                    metavariable(),
                    proptest::option::of(proptest::sample::select(LANGUAGES.as_slice())),
                    proptest::collection::vec(inner, 1..3)
                )
                    .prop_map(|(metavariable, language, ops)| {
                        Operator::MetavariablePattern(MetavariablePattern {
                            metavariable,
                            language: language.map(str::to_owned),
                            pattern: None,
                            patterns: Some(ops),
                            pattern_either: None,
                            pattern_regex: None,
                        })
                    }),
            ]
        })
        .boxed()
}

/// Which of the four formula keys to fill, and with what.
#[derive(Debug, Clone)]
enum Formula {
    Pattern(String),
    Patterns(Vec<Operator>),
    Either(Vec<Operator>),
    Regex(String),
}

fn formula() -> BoxedStrategy<Formula> {
    prop_oneof![
        pattern().prop_map(Formula::Pattern),
        proptest::collection::vec(operator(), 1..4).prop_map(Formula::Patterns),
        proptest::collection::vec(operator(), 1..4).prop_map(|ops| {
            Formula::Either(
                ops.into_iter()
                    .map(|op| {
                        if is_either_item(&op) {
                            op
                        } else {
                            Operator::Patterns(vec![op])
                        }
                    })
                    .collect(),
            )
        }),
        regex().prop_map(Formula::Regex),
    ]
    .boxed()
}

fn taint_item(options: u8) -> BoxedStrategy<TaintItem> {
    (
        formula(),
        proptest::option::of("[A-Z]{1,6}"),
        proptest::option::of(proptest::sample::select(vec![
            BySideEffect::Yes,
            BySideEffect::No,
            BySideEffect::Only,
        ])),
        proptest::option::of(any::<bool>()),
        metavariable(),
        metavariable(),
    )
        .prop_map(move |(formula, label, side, exact, from, to)| {
            let mut item = TaintItem::default();
            match formula {
                Formula::Pattern(p) => item.pattern = Some(p),
                Formula::Patterns(p) => item.patterns = Some(p),
                Formula::Either(p) => item.pattern_either = Some(p),
                Formula::Regex(p) => item.pattern_regex = Some(p),
            }
            match options {
                0 => {
                    item.label = label;
                    item.by_side_effect = side;
                    item.exact = exact;
                }
                1 => {
                    item.requires = label;
                    item.at_exit = exact;
                }
                2 => {
                    item.not_conflicting = exact;
                    item.by_side_effect = side;
                }
                _ => {
                    item.from = Some(from);
                    item.to = Some(to);
                    item.label = label;
                }
            }
            item
        })
        .boxed()
}

fn metadata() -> impl Strategy<Value = Metadata> {
    (
        proptest::option::of(1u64..100_000),
        proptest::option::of("[a-z][a-z0-9-]{0,12}"),
        proptest::option::of(proptest::sample::select(vec!["sqli", "xss", "rce", "ssrf"])),
        proptest::option::of(proptest::sample::select(vec!["0.9", "HIGH", "LOW"])),
        proptest::collection::vec(("[a-z_]{1,8}", text()), 0..3),
    )
        .prop_map(|(issue, org, vuln, confidence, extra)| {
            let mut m = Metadata::new();
            for (k, v) in extra {
                m.set(&format!("x_{k}"), Value::String(v));
            }
            if let Some(i) = issue {
                m.set("created_from_issue", Value::from(i));
            }
            if let Some(o) = org {
                m.set("organization_id", Value::String(o));
            }
            if let Some(v) = vuln {
                m.set("vulnerability_type", Value::from(v));
                m.set(
                    "cwe",
                    Value::Sequence(vec![Value::from("CWE-89: SQL Injection")]),
                );
            }
            if let Some(c) = confidence {
                m.set("confidence", Value::from(c));
            }
            m
        })
}

prop_compose! {
    fn rule()(
        id in "[a-z][a-z0-9._-]{0,20}",
        message in text(),
        severity in proptest::sample::select(Severity::ALL.to_vec()),
        languages in proptest::sample::subsequence(LANGUAGES.to_vec(), 1..3),
        explicit_mode in any::<bool>(),
        taint in any::<bool>(),
        formula in formula(),
        sources in proptest::collection::vec(taint_item(0), 1..3),
        sinks in proptest::collection::vec(taint_item(1), 1..3),
        sanitizers in proptest::option::of(proptest::collection::vec(taint_item(2), 1..3)),
        propagators in proptest::option::of(proptest::collection::vec(taint_item(3), 1..2)),
        fix in proptest::option::of(text()),
        fix_regex in proptest::option::of((regex(), text(), proptest::option::of(1u64..5))),
        paths in proptest::option::of((
            proptest::collection::vec("[a-z*/.]{1,12}", 0..3),
            proptest::collection::vec("[a-z*/.]{1,12}", 0..3),
        )),
        options in proptest::option::of(proptest::collection::vec(("[a-z_]{1,10}", any::<bool>()), 1..3)),
        metadata in metadata(),
    ) -> Rule {
        let mut rule = Rule {
            id,
            message: Some(message),
            severity: Some(severity),
            languages: languages.into_iter().map(str::to_owned).collect(),
            fix,
            fix_regex: fix_regex.map(|(regex, replacement, count)| FixRegex { regex, replacement, count }),
            paths: paths.map(|(include, exclude)| PathFilter { include, exclude }),
            options: options.map(|o| o.into_iter().map(|(k, v)| (Value::String(k), Value::Bool(v))).collect::<Mapping>()),
            metadata,
            ..Rule::default()
        };
        if taint {
            rule.mode = Some(Mode::Taint);
            rule.pattern_sources = Some(sources);
            rule.pattern_sinks = Some(sinks);
            rule.pattern_sanitizers = sanitizers;
            rule.pattern_propagators = propagators;
        } else {
            rule.mode = explicit_mode.then_some(Mode::Search);
            match formula {
                Formula::Pattern(p) => rule.pattern = Some(p),
                Formula::Patterns(p) => rule.patterns = Some(p),
                Formula::Either(p) => rule.pattern_either = Some(p),
                Formula::Regex(p) => rule.pattern_regex = Some(p),
            }
        }
        rule
    }
}

fn unique_ids(mut rules: Vec<Rule>) -> Vec<Rule> {
    for (i, rule) in rules.iter_mut().enumerate() {
        rule.id = format!("{}-{i}", rule.id);
    }
    rules
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn written_rules_read_back_equal_and_clean(rules in proptest::collection::vec(rule(), 1..4)) {
        let file = RuleFile { rules: unique_ids(rules) };
        let yaml = write_rules(&file).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let loaded = parse_rules(&yaml, Path::new("generated.yaml"))
            .map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
        let diagnostics: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
        prop_assert!(diagnostics.is_empty(), "{:#?}\n{}", diagnostics, yaml);
        prop_assert_eq!(&loaded.file, &file, "{}", yaml);
        let compiled = loaded.compile().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(compiled.len(), file.rules.len());
    }
}
