//! Engine unit tests: one pattern, one snippet, the lines it matches.

use std::path::Path;

use rsolv_core::Language;

use crate::{Engine, FileResult, parse_rules};

/// Compile the one-rule file `yaml`, check the engine accepts it, and scan
/// `code` as a file of language `lang`.
pub(crate) fn scan_with_rule(yaml: &str, lang: &str, code: &str) -> FileResult {
    let rules = parse_rules(yaml, Path::new("t.yaml"))
        .and_then(|l| l.compile())
        .expect("valid rule");
    let engine = Engine::new(rules);
    assert!(
        engine.rule_errors().is_empty(),
        "{:?}",
        engine.rule_errors()
    );
    let language: Language = lang.parse().expect("language");
    let ext = language.extensions()[0];
    engine.scan_source(Path::new(&format!("t.{ext}")), language, code)
}

/// Lines (1-based start line, end line) where `pattern` matches `code`.
fn lines(lang: &str, pattern: &str, code: &str) -> Vec<(usize, usize)> {
    let indented: String = pattern.lines().map(|l| format!("      {l}\n")).collect();
    let yaml = format!(
        "rules:\n  - id: t\n    message: m\n    severity: ERROR\n    languages: [{lang}]\n    pattern: |\n{indented}"
    );
    scan_with_rule(&yaml, lang, code)
        .matches
        .iter()
        .map(|m| (m.start.line, m.end.line))
        .collect()
}

#[test]
fn go_assignment_matches_declarations() {
    let code = "package main\nfunc f() {\n\tx := g()\n\tvar y = g()\n\ty = g()\n}\n";
    assert_eq!(lines("go", "$X = g()", code), [(3, 3), (4, 4), (5, 5)]);
}

#[test]
fn go_selector_call_matches_conversion_shaped_calls() {
    let code = "package main\nfunc f() {\n\tpkg.Func(x)\n\ty := pkg.Func(\"a\" + x)\n}\n";
    assert_eq!(lines("go", "pkg.Func(...)", code), [(3, 3), (4, 4)]);
}

#[test]
fn js_assignment_matches_declarators() {
    let code = "const jwt = require(\"jsonwebtoken\");\nvar a = require(\"jsonwebtoken\"), b = 1;\nc = require(\"jsonwebtoken\");\n";
    assert_eq!(
        lines("js", "$X = require(\"jsonwebtoken\")", code),
        [(1, 1), (2, 2), (3, 3)]
    );
}

#[test]
fn python_statement_sequences() {
    let code = "def f():\n    x = foo()\n    bar(x)\n    y = foo()\n    baz()\n    bar(y)\n";
    assert_eq!(lines("python", "$X = foo()\nbar($X)", code), [(2, 3)]);
    assert_eq!(
        lines("python", "$X = foo()\n...\nbar($X)", code),
        [(2, 3), (4, 6)]
    );
}

#[test]
fn patterns_without_a_final_newline() {
    let code = "package main\nfunc f() {\n\ty = g()\n}\n";
    let g = super::lang::grammar(Language::Go, false).expect("go");
    let with = super::pattern::parse_pattern(Language::Go, &g, "$X = g()\n").expect("parses");
    let without = super::pattern::parse_pattern(Language::Go, &g, "$X = g()").expect("parses");
    assert_eq!(format!("{with:?}"), format!("{without:?}"));
    assert_eq!(lines("go", "$X = g()", code), [(3, 3)]);
}

#[test]
fn java_imports_resolve_qualified_names() {
    let code = "import java.security.MessageDigest;\nclass A { void f() {\n  MessageDigest.getInstance(\"MD5\");\n  java.security.MessageDigest.getInstance(\"SHA1\");\n  Runtime.getRuntime();\n} }\n";
    assert_eq!(
        lines("java", "java.security.MessageDigest.getInstance(...)", code),
        [(3, 3), (4, 4)]
    );
    assert_eq!(
        lines("java", "java.lang.Runtime.getRuntime()", code),
        [(5, 5)]
    );
}

#[test]
fn python_import_aliases() {
    let code = "import subprocess as sp\nfrom os import system as run\nsp.call(x, shell=True)\nrun('ls')\n";
    assert_eq!(
        lines("python", "subprocess.call(..., shell=True)", code),
        [(3, 3)]
    );
    assert_eq!(lines("python", "os.system(...)", code), [(4, 4)]);
}

#[test]
fn python_dict_ellipsis() {
    let code = "env = {'qs': q, 'autoescape': False}\nother = {'autoescape': True}\n";
    assert_eq!(
        lines("python", "{..., 'autoescape': False, ...}", code),
        [(1, 1)]
    );
}

mod properties {
    use proptest::prelude::*;

    use super::lines;

    /// Python expressions from a small grammar: names, numbers, strings,
    /// attribute access, calls with positional and keyword arguments, and
    /// binary operators.
    fn expr() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            "[a-z][a-z0-9_]{0,6}".prop_filter("keyword", |s| !is_keyword(s)),
            (0u32..1000).prop_map(|n| n.to_string()),
            "[a-z ]{0,8}".prop_map(|s| format!("\"{s}\"")),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                (
                    inner.clone(),
                    "[a-z][a-z0-9_]{0,6}".prop_filter("keyword", |s| !is_keyword(s))
                )
                    .prop_map(|(obj, attr)| format!("({obj}).{attr}")),
                (inner.clone(), prop::collection::vec(inner.clone(), 0..3))
                    .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
                (
                    inner.clone(),
                    "[a-z]{1,4}".prop_filter("keyword", |s| !is_keyword(s)),
                    inner.clone()
                )
                    .prop_map(|(f, k, v)| format!("{f}({k}={v})")),
                (
                    inner.clone(),
                    prop_oneof![Just("+"), Just("-"), Just("*"), Just("%")],
                    inner
                )
                    .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            ]
        })
    }

    fn is_keyword(s: &str) -> bool {
        matches!(
            s,
            "and"
                | "as"
                | "assert"
                | "async"
                | "await"
                | "break"
                | "class"
                | "continue"
                | "def"
                | "del"
                | "elif"
                | "else"
                | "except"
                | "finally"
                | "for"
                | "from"
                | "global"
                | "if"
                | "import"
                | "in"
                | "is"
                | "lambda"
                | "nonlocal"
                | "not"
                | "or"
                | "pass"
                | "raise"
                | "return"
                | "try"
                | "while"
                | "with"
                | "yield"
                | "match"
                | "case"
                | "print"
                | "exec"
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// A snippet used as a pattern matches the snippet itself.
        #[test]
        fn a_snippet_matches_itself(e in expr()) {
            let code = format!("x = {e}\n");
            let found = lines("python", &e, &code);
            prop_assert!(found.contains(&(1, 1)), "pattern `{}` did not match `{}`", e, code);
        }

        /// Replacing the call arguments by `...` still matches.
        #[test]
        fn ellipsis_arguments_match(e in expr(), f in "[a-z]{2,6}".prop_filter("keyword", |s| !is_keyword(s))) {
            let code = format!("y = {f}({e}, {e})\n");
            let found = lines("python", &format!("{f}(...)"), &code);
            prop_assert!(!found.is_empty() && found.iter().all(|l| *l == (1, 1)), "{:?}", found);
        }
    }
}
