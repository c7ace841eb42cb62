//! Engine unit tests: one pattern, one snippet, the lines it matches.

use std::path::Path;

use rsolv_core::Language;

use crate::{Engine, parse_rules};

/// Lines (1-based start line, end line) where `pattern` matches `code`.
fn lines(lang: &str, pattern: &str, code: &str) -> Vec<(usize, usize)> {
    let indented: String = pattern.lines().map(|l| format!("      {l}\n")).collect();
    let yaml = format!(
        "rules:\n  - id: t\n    message: m\n    severity: ERROR\n    languages: [{lang}]\n    pattern: |\n{indented}"
    );
    let rules = parse_rules(&yaml, Path::new("t.yaml"))
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
    let result = engine.scan_source(Path::new(&format!("t.{ext}")), language, code);
    result
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
