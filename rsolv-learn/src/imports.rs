//! Imports a fix added, carried along when its change is replayed in
//! another file: `os.system(shlex.quote(cmd))` needs `import shlex` there
//! too, or the applied fix breaks the code it was meant to protect.

use std::collections::BTreeSet;

use rsolv_core::Language;
use serde::{Deserialize, Serialize};
use tree_sitter::Node;

use crate::SecurityFix;
use crate::synth::parse_tree;

/// One import the fixed code has and the vulnerable code lacked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedImport {
    /// The names it brings into scope (a Go package's name, a Python
    /// module or imported name); empty where the language's import binds
    /// no name (Ruby's `require`).
    pub names: BTreeSet<String>,
    /// The statement to add (`import shlex`), or for Go the import spec
    /// (`"path/filepath"`).
    pub statement: String,
}

/// The metadata key under which a learned rule keeps the imports its fix
/// template needs, so that `rsolv scan --autofix` adds them as
/// `rsolv learn --apply` does (Semgrep ignores the key).
pub const FIX_IMPORTS_KEY: &str = "fix_imports";

/// The imports a rule's metadata says its fix needs ([`FIX_IMPORTS_KEY`]);
/// none when the key is absent or malformed.
///
/// ```
/// use rsolv_learn::{AddedImport, FIX_IMPORTS_KEY, fix_imports};
/// let mut metadata = rsolv_rules::Metadata::new();
/// metadata.set(FIX_IMPORTS_KEY, serde_yaml::from_str("[{names: [shlex], statement: import shlex}]").unwrap());
/// assert_eq!(fix_imports(&metadata)[0].statement, "import shlex");
/// ```
pub fn fix_imports(metadata: &rsolv_rules::Metadata) -> Vec<AddedImport> {
    metadata
        .get(FIX_IMPORTS_KEY)
        .and_then(|v| serde_yaml::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// The imports `fix` added: top-level import statements of the fixed code
/// that bind names the vulnerable code did not import.
pub fn added_imports(fix: &SecurityFix) -> Vec<AddedImport> {
    let lang = fix.language;
    let (Some(before), Some(after)) = (parse_tree(lang, &fix.before), parse_tree(lang, &fix.after))
    else {
        return Vec::new();
    };
    let old = imports_of(lang, before.root_node(), &fix.before);
    let known: BTreeSet<&str> = old
        .iter()
        .flat_map(|i| i.names.iter().map(String::as_str))
        .collect();
    let old_statements: BTreeSet<&str> = old.iter().map(|i| i.statement.as_str()).collect();
    imports_of(lang, after.root_node(), &fix.after)
        .into_iter()
        .filter(|i| {
            if i.names.is_empty() {
                !old_statements.contains(i.statement.as_str())
            } else {
                i.names.iter().any(|n| !known.contains(n.as_str()))
            }
        })
        .collect()
}

/// `source` with the imports among `needed` that `used` (the replacement
/// code a fix inserted) refers to and `source` does not have yet, each
/// after the file's last top-level import.
pub fn add_missing_imports(
    lang: Language,
    source: &str,
    needed: &[AddedImport],
    used: &str,
) -> String {
    let Some(tree) = parse_tree(lang, source) else {
        return source.to_owned();
    };
    let root = tree.root_node();
    let have = imports_of(lang, root, source);
    let bound: BTreeSet<&str> = have
        .iter()
        .flat_map(|i| i.names.iter().map(String::as_str))
        .collect();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let missing: Vec<&AddedImport> = needed
        .iter()
        .filter(|i| seen.insert(i.statement.as_str()))
        .filter(|i| {
            if i.names.is_empty() {
                !have.iter().any(|h| h.statement == i.statement)
            } else {
                i.names.iter().any(|n| mentions(used, n))
                    && !i.names.iter().any(|n| bound.contains(n.as_str()))
            }
        })
        .collect();
    if missing.is_empty() {
        return source.to_owned();
    }
    let (at, lines) = insertion(lang, root, source, &missing);
    let mut out = String::with_capacity(source.len() + lines.len());
    out.push_str(&source[..at]);
    out.push_str(&lines);
    out.push_str(&source[at..]);
    out
}

/// Whether `code` uses `name` as a whole word.
pub(crate) fn mentions(code: &str, name: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    code.match_indices(name).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + name.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// The top-level imports of a file, one entry per imported name where the
/// language lets one statement import several (Python, Go).
fn imports_of(lang: Language, root: Node<'_>, source: &str) -> Vec<AddedImport> {
    let text = |n: Node<'_>| source[n.byte_range()].to_owned();
    let mut out = Vec::new();
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        match (lang, statement.kind()) {
            (Language::Python, "import_statement") => {
                let mut c = statement.walk();
                for name in statement.children_by_field_name("name", &mut c) {
                    out.push(AddedImport {
                        names: BTreeSet::from([python_bound_name(name, source)]),
                        statement: format!("import {}", text(name)),
                    });
                }
            }
            (Language::Python, "import_from_statement") => {
                let Some(module) = statement.child_by_field_name("module_name") else {
                    continue;
                };
                let mut c = statement.walk();
                for name in statement.children_by_field_name("name", &mut c) {
                    out.push(AddedImport {
                        names: BTreeSet::from([python_bound_name(name, source)]),
                        statement: format!("from {} import {}", text(module), text(name)),
                    });
                }
            }
            (Language::Go, "import_declaration") => {
                let mut specs = Vec::new();
                collect_kind(statement, "import_spec", &mut specs);
                for spec in specs {
                    let Some(path) = spec.child_by_field_name("path") else {
                        continue;
                    };
                    let name = spec.child_by_field_name("name").map_or_else(
                        || {
                            let p = text(path);
                            let p = p.trim_matches(|c| c == '"' || c == '`');
                            p.rsplit('/').next().unwrap_or(p).to_owned()
                        },
                        text,
                    );
                    out.push(AddedImport {
                        names: BTreeSet::from([name]),
                        statement: text(spec),
                    });
                }
            }
            (Language::Java, "import_declaration") => {
                let code = text(statement);
                let path = code
                    .trim_start_matches("import")
                    .trim_end_matches(';')
                    .trim();
                let last = path.rsplit('.').next().unwrap_or(path).to_owned();
                out.push(AddedImport {
                    names: BTreeSet::from([last]),
                    statement: code,
                });
            }
            (Language::JavaScript | Language::TypeScript, kind)
                if kind == "import_statement" || is_require_declaration(statement, source) =>
            {
                let mut names = Vec::new();
                collect_kind(statement, "identifier", &mut names);
                let names: BTreeSet<String> = names
                    .into_iter()
                    .map(text)
                    .filter(|n| n != "require")
                    .collect();
                out.push(AddedImport {
                    names,
                    statement: text(statement),
                });
            }
            (Language::Ruby, "call")
                if statement.child_by_field_name("method").is_some_and(|m| {
                    matches!(&source[m.byte_range()], "require" | "require_relative")
                }) =>
            {
                out.push(AddedImport {
                    names: BTreeSet::new(),
                    statement: text(statement),
                });
            }
            _ => {}
        }
    }
    out
}

/// The name a Python import binds: the alias, or the first segment of a
/// dotted module (`import os.path` binds `os`), or the imported name.
fn python_bound_name(name: Node<'_>, source: &str) -> String {
    let node = name.child_by_field_name("alias").unwrap_or(name);
    let code = &source[node.byte_range()];
    if name.kind() == "aliased_import" {
        return code.to_owned();
    }
    code.split('.').next().unwrap_or(code).to_owned()
}

/// `const x = require("y")`, at the top level.
fn is_require_declaration(node: Node<'_>, source: &str) -> bool {
    if !matches!(node.kind(), "lexical_declaration" | "variable_declaration") {
        return false;
    }
    let mut calls = Vec::new();
    collect_kind(node, "call_expression", &mut calls);
    calls.iter().any(|c| {
        c.child_by_field_name("function")
            .is_some_and(|f| &source[f.byte_range()] == "require")
    })
}

fn collect_kind<'t>(node: Node<'t>, kind: &str, out: &mut Vec<Node<'t>>) {
    if node.kind() == kind {
        out.push(node);
    }
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        collect_kind(child, kind, out);
    }
}

/// Where the missing imports go and the text that adds them.
fn insertion(
    lang: Language,
    root: Node<'_>,
    source: &str,
    missing: &[&AddedImport],
) -> (usize, String) {
    let line_end = |at: usize| source[at..].find('\n').map_or(source.len(), |i| at + i + 1);
    let statements: String = missing
        .iter()
        .map(|i| format!("{}\n", i.statement))
        .collect();
    let mut cursor = root.walk();
    let top: Vec<Node<'_>> = root.named_children(&mut cursor).collect();
    let is_import = |n: &Node<'_>| match lang {
        Language::Python => matches!(
            n.kind(),
            "import_statement" | "import_from_statement" | "future_import_statement"
        ),
        Language::Java => n.kind() == "import_declaration",
        Language::Go => n.kind() == "import_declaration",
        Language::JavaScript | Language::TypeScript => {
            n.kind() == "import_statement" || is_require_declaration(*n, source)
        }
        Language::Ruby => {
            n.kind() == "call"
                && n.child_by_field_name("method").is_some_and(|m| {
                    matches!(&source[m.byte_range()], "require" | "require_relative")
                })
        }
        _ => false,
    };
    if lang == Language::Go {
        let specs: String = missing
            .iter()
            .map(|i| format!("\t{}\n", i.statement))
            .collect();
        // Into the last import block, before its closing parenthesis.
        if let Some(block) = top.iter().rev().find(|n| is_import(n)) {
            let code = &source[block.byte_range()];
            if code.trim_end().ends_with(')') {
                let close = block.start_byte() + code.rfind(')').unwrap_or(code.len());
                let at = source[..close].rfind('\n').map_or(close, |i| i + 1);
                return (at, specs);
            }
            let lines: String = missing
                .iter()
                .map(|i| format!("import {}\n", i.statement))
                .collect();
            return (line_end(block.end_byte()), lines);
        }
        let at = top
            .iter()
            .find(|n| n.kind() == "package_clause")
            .map_or(0, |p| line_end(p.end_byte()));
        return (at, format!("\nimport (\n{specs})\n"));
    }
    if let Some(last) = top.iter().rev().find(|n| is_import(n)) {
        return (line_end(last.end_byte()), statements);
    }
    // No import yet: after the package line (Java), the module docstring
    // and leading comments (Python), or a leading directive (JS).
    let mut at = 0;
    let mut first = true;
    for node in &top {
        let leading = node.is_extra()
            || match lang {
                Language::Java => node.kind() == "package_declaration",
                Language::Python | Language::JavaScript | Language::TypeScript => {
                    first
                        && node.kind() == "expression_statement"
                        && node.named_child(0).is_some_and(|c| c.kind() == "string")
                }
                _ => false,
            };
        if !leading {
            break;
        }
        first &= node.is_extra();
        at = line_end(node.end_byte());
    }
    (at, statements)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(before: &str, after: &str, lang: Language) -> SecurityFix {
        SecurityFix::new(before, after, lang)
    }

    #[test]
    fn python_imports_added_to_a_statement_are_split_out() {
        let f = fix(
            "import os\nos.system(c)\n",
            "import os, shlex\nfrom html import escape as esc\nos.system(shlex.quote(c))\n",
            Language::Python,
        );
        let added = added_imports(&f);
        let statements: Vec<&str> = added.iter().map(|i| i.statement.as_str()).collect();
        assert_eq!(
            statements,
            ["import shlex", "from html import escape as esc"]
        );
        let target = "\"\"\"Tools.\"\"\"\nimport os\n\ndef f(d):\n    os.system(shlex.quote(d))\n";
        assert_eq!(
            add_missing_imports(
                Language::Python,
                target,
                &added,
                "os.system(shlex.quote(d))"
            ),
            "\"\"\"Tools.\"\"\"\nimport os\nimport shlex\n\ndef f(d):\n    os.system(shlex.quote(d))\n"
        );
        // Already imported, or not used by the replacement: unchanged.
        let has = "import shlex\nos.system(shlex.quote(d))\n";
        assert_eq!(
            add_missing_imports(Language::Python, has, &added, "shlex.quote(d)"),
            has
        );
        let bare = "def f(d):\n    g(d)\n";
        assert_eq!(
            add_missing_imports(Language::Python, bare, &added, "shlex.quote(d)"),
            "import shlex\ndef f(d):\n    g(d)\n"
        );
    }

    #[test]
    fn go_specs_go_into_the_import_block() {
        let f = fix(
            "package m\n\nimport (\n\t\"os\"\n)\n",
            "package m\n\nimport (\n\t\"os\"\n\t\"path/filepath\"\n)\n",
            Language::Go,
        );
        let added = added_imports(&f);
        assert_eq!(added.len(), 1);
        let target = "package x\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc f(n string) { os.Open(filepath.Base(n)) }\n";
        assert_eq!(
            add_missing_imports(Language::Go, target, &added, "os.Open(filepath.Base(n))"),
            "package x\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t\"path/filepath\"\n)\n\nfunc f(n string) { os.Open(filepath.Base(n)) }\n"
        );
        let single = "package x\n\nimport \"os\"\n\nfunc f() {}\n";
        assert_eq!(
            add_missing_imports(Language::Go, single, &added, "filepath.Base(n)"),
            "package x\n\nimport \"os\"\nimport \"path/filepath\"\n\nfunc f() {}\n"
        );
    }

    #[test]
    fn java_js_and_ruby_statements_are_added_as_written() {
        let java = fix(
            "package a;\nimport java.io.File;\nclass A {}\n",
            "package a;\nimport java.io.File;\nimport org.owasp.encoder.Encode;\nclass A {}\n",
            Language::Java,
        );
        let added = added_imports(&java);
        let target = "package b;\n\nclass B { void f() { w.print(Encode.forHtml(x)); } }\n";
        assert_eq!(
            add_missing_imports(Language::Java, target, &added, "Encode.forHtml(x)"),
            "package b;\nimport org.owasp.encoder.Encode;\n\nclass B { void f() { w.print(Encode.forHtml(x)); } }\n"
        );
        let js = fix(
            "const express = require('express');\n",
            "const express = require('express');\nconst escapeHtml = require('escape-html');\n",
            Language::JavaScript,
        );
        let added = added_imports(&js);
        let target = "'use strict';\nconst fs = require('fs');\nres.send(escapeHtml(x));\n";
        assert_eq!(
            add_missing_imports(Language::JavaScript, target, &added, "escapeHtml(x)"),
            "'use strict';\nconst fs = require('fs');\nconst escapeHtml = require('escape-html');\nres.send(escapeHtml(x));\n"
        );
        let ruby = fix(
            "system(\"ls #{d}\")\n",
            "require 'shellwords'\nsystem(\"ls #{Shellwords.escape(d)}\")\n",
            Language::Ruby,
        );
        let added = added_imports(&ruby);
        assert_eq!(
            add_missing_imports(Language::Ruby, "x = 1\n", &added, "Shellwords.escape(d)"),
            "require 'shellwords'\nx = 1\n"
        );
    }

    #[test]
    fn mentions_whole_words_only() {
        assert!(mentions("shlex.quote(x)", "shlex"));
        assert!(!mentions("myshlex.quote(x)", "shlex"));
        assert!(!mentions("shlexer(x)", "shlex"));
    }
}
