//! What the synthesizer needs to know about each language's syntax trees:
//! which nodes are calls, strings, identifiers and declarations.

use std::collections::BTreeSet;

use rsolv_core::Language;
use tree_sitter::{Node, Parser, Tree};

/// Node kinds of one grammar, grouped by the role they play in synthesis.
#[derive(Debug)]
pub(crate) struct SyntaxKinds {
    /// Calls and constructor calls: the vulnerable constructs.
    pub(crate) calls: &'static [&'static str],
    /// The field of a call that holds its arguments.
    pub(crate) arguments_field: &'static str,
    /// Plain identifiers (variables, functions, modules).
    pub(crate) identifiers: &'static [&'static str],
    /// String literals.
    pub(crate) strings: &'static [&'static str],
    /// Parts of an interpolated string that are plain text.
    pub(crate) string_text: &'static [&'static str],
    /// Interpolations inside strings.
    pub(crate) interpolations: &'static [&'static str],
    /// `(kind, field)`: identifiers under `field` of `kind` (or anywhere
    /// under `kind` when the field is empty) are declared locally.
    pub(crate) declarations: &'static [(&'static str, &'static str)],
    /// Import statements: identifiers under them name modules and APIs.
    pub(crate) imports: &'static [&'static str],
    /// Kinds whose children are statements.
    pub(crate) blocks: &'static [&'static str],
    /// The line-comment opener (for test annotations).
    pub(crate) comment: &'static str,
}

/// The syntax kinds of `lang`, or `None` for languages without a grammar.
pub(crate) fn kinds(lang: Language) -> Option<&'static SyntaxKinds> {
    Some(match lang {
        Language::Python => &PYTHON,
        Language::JavaScript | Language::TypeScript => &JAVASCRIPT,
        Language::Java => &JAVA,
        Language::Go => &GO,
        Language::Ruby => &RUBY,
        _ => return None,
    })
}

const PYTHON: SyntaxKinds = SyntaxKinds {
    calls: &["call"],
    arguments_field: "arguments",
    identifiers: &["identifier"],
    strings: &["string", "concatenated_string"],
    string_text: &["string_content"],
    interpolations: &["interpolation"],
    declarations: &[
        ("assignment", "left"),
        ("augmented_assignment", "left"),
        ("parameters", ""),
        ("lambda_parameters", ""),
        ("for_statement", "left"),
        ("for_in_clause", "left"),
        ("as_pattern_target", ""),
        ("named_expression", "name"),
    ],
    imports: &[
        "import_statement",
        "import_from_statement",
        "future_import_statement",
    ],
    blocks: &["module", "block"],
    comment: "#",
};

const JAVASCRIPT: SyntaxKinds = SyntaxKinds {
    calls: &["call_expression", "new_expression"],
    arguments_field: "arguments",
    identifiers: &["identifier", "shorthand_property_identifier"],
    strings: &["string", "template_string"],
    string_text: &["string_fragment"],
    interpolations: &["template_substitution"],
    declarations: &[
        ("variable_declarator", "name"),
        ("assignment_expression", "left"),
        ("formal_parameters", ""),
        ("arrow_function", "parameter"),
        ("for_in_statement", "left"),
        ("catch_clause", "parameter"),
    ],
    imports: &["import_statement"],
    blocks: &["program", "statement_block", "class_body"],
    comment: "//",
};

const JAVA: SyntaxKinds = SyntaxKinds {
    calls: &["method_invocation", "object_creation_expression"],
    arguments_field: "arguments",
    identifiers: &["identifier"],
    strings: &["string_literal"],
    string_text: &["string_fragment"],
    interpolations: &[],
    declarations: &[
        ("variable_declarator", "name"),
        ("formal_parameter", "name"),
        ("catch_formal_parameter", "name"),
        ("enhanced_for_statement", "name"),
        ("inferred_parameters", ""),
        ("lambda_expression", "parameters"),
        ("assignment_expression", "left"),
    ],
    imports: &["import_declaration", "package_declaration"],
    blocks: &["program", "block", "class_body", "constructor_body"],
    comment: "//",
};

const GO: SyntaxKinds = SyntaxKinds {
    calls: &["call_expression"],
    arguments_field: "arguments",
    identifiers: &["identifier"],
    strings: &["interpreted_string_literal", "raw_string_literal"],
    string_text: &[],
    interpolations: &[],
    declarations: &[
        ("short_var_declaration", "left"),
        ("assignment_statement", "left"),
        ("var_spec", "name"),
        ("const_spec", "name"),
        ("parameter_declaration", "name"),
        ("variadic_parameter_declaration", "name"),
        ("range_clause", "left"),
    ],
    imports: &["import_declaration", "package_clause"],
    blocks: &["source_file", "block", "statement_list"],
    comment: "//",
};

const RUBY: SyntaxKinds = SyntaxKinds {
    calls: &["call"],
    arguments_field: "arguments",
    identifiers: &["identifier"],
    strings: &["string"],
    string_text: &["string_content"],
    interpolations: &["interpolation"],
    declarations: &[
        ("assignment", "left"),
        ("operator_assignment", "left"),
        ("method_parameters", ""),
        ("block_parameters", ""),
        ("lambda_parameters", ""),
        ("for", "pattern"),
    ],
    imports: &[],
    blocks: &[
        "program",
        "body_statement",
        "then",
        "else",
        "do",
        "block_body",
    ],
    comment: "#",
};

/// Parse `source` with the grammar the engine uses for `lang`.
pub(crate) fn parse(lang: Language, source: &str) -> Option<Tree> {
    let grammar = rsolv_rules::tree_sitter_language(lang, false)?;
    let mut parser = Parser::new();
    parser.set_language(&grammar).ok()?;
    parser.parse(source, None)
}

/// Names declared in the file (variables, parameters) and names brought in
/// by imports. A name that is both is treated as imported.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    /// Locally declared names: data, safe to turn into metavariables.
    pub(crate) locals: BTreeSet<String>,
    /// Imported names: modules and APIs, kept concrete.
    pub(crate) imported: BTreeSet<String>,
}

impl Scope {
    /// Collect the declared and imported names of a whole file.
    pub(crate) fn of(kinds: &SyntaxKinds, root: Node<'_>, source: &str) -> Self {
        let mut scope = Scope::default();
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            let kind = node.kind();
            if kinds.imports.contains(&kind) || is_require(node, source) {
                identifiers_under(kinds, node, source, &mut scope.imported);
                import_paths_under(kinds, node, source, &mut scope.imported);
                continue;
            }
            for (decl, field) in kinds.declarations {
                if kind != *decl {
                    continue;
                }
                let target = if field.is_empty() {
                    Some(node)
                } else {
                    node.child_by_field_name(field)
                };
                if let Some(target) = target {
                    identifiers_under(kinds, target, source, &mut scope.locals);
                }
            }
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor));
        }
        scope.locals.retain(|n| !scope.imported.contains(n));
        scope
    }

    /// Whether `name` is a local variable or parameter.
    pub(crate) fn is_local(&self, name: &str) -> bool {
        self.locals.contains(name)
    }

    /// Whether `name` names an import.
    pub(crate) fn is_imported(&self, name: &str) -> bool {
        self.imported.contains(name)
    }
}

/// `const x = require("m")`: a JavaScript import in disguise.
fn is_require(node: Node<'_>, source: &str) -> bool {
    node.kind() == "variable_declarator"
        && node.child_by_field_name("value").is_some_and(|v| {
            v.kind() == "call_expression"
                && v.child_by_field_name("function")
                    .is_some_and(|f| text(f, source) == "require")
        })
}

/// `import "os/exec"` (Go) or `require("child_process")` (JavaScript)
/// brings in the last path segment as a name.
fn import_paths_under(
    kinds: &SyntaxKinds,
    node: Node<'_>,
    source: &str,
    out: &mut BTreeSet<String>,
) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if kinds.strings.contains(&n.kind()) {
            let path = text(n, source).trim_matches(|c| c == '"' || c == '\'' || c == '`');
            if let Some(last) = path.rsplit('/').next().filter(|s| !s.is_empty()) {
                out.insert(last.to_owned());
            }
            continue;
        }
        let mut cursor = n.walk();
        stack.extend(n.children(&mut cursor));
    }
}

fn identifiers_under(
    kinds: &SyntaxKinds,
    node: Node<'_>,
    source: &str,
    out: &mut BTreeSet<String>,
) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if kinds.identifiers.contains(&n.kind()) {
            out.insert(text(n, source).to_owned());
        }
        let mut cursor = n.walk();
        stack.extend(n.children(&mut cursor));
    }
}

/// The source text of `node`.
pub(crate) fn text<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    source.get(node.byte_range()).unwrap_or_default()
}

/// The innermost call around `start..end`, or failing that the statement
/// around it.
pub(crate) fn construct_at<'t>(
    kinds: &SyntaxKinds,
    tree: &'t Tree,
    start: usize,
    end: usize,
) -> Option<Node<'t>> {
    let root = tree.root_node();
    let mut node = root.descendant_for_byte_range(start, end)?;
    let first = node;
    loop {
        if kinds.calls.contains(&node.kind()) {
            return Some(sink_of(kinds, node, start, end));
        }
        match node.parent() {
            Some(parent) => node = parent,
            None => break,
        }
    }
    // No call around the change: the statement that holds it.
    let mut node = first;
    while let Some(parent) = node.parent() {
        if kinds.blocks.contains(&parent.kind()) {
            // The statement's call, unless the change lies outside it
            // (`config.force_ssl = false`, `await cur.execute(q)`): then
            // the call is the same in the fixed code and the statement is
            // what changed.
            let changed_outside = |c: &Node<'_>| end <= c.start_byte() || c.end_byte() <= start;
            return first_call_in(kinds, node)
                .filter(|c| !changed_outside(c))
                .or(Some(node));
        }
        node = parent;
    }
    // The change spans statements: the first overlapping one with a call.
    let mut cursor = root.walk();
    let overlapping: Vec<Node<'t>> = root
        .named_children(&mut cursor)
        .filter(|c| c.end_byte() > start && c.start_byte() <= end)
        .collect();
    overlapping.iter().find_map(|s| first_call_in(kinds, *s))
}

/// The call that receives `call` as a whole argument, when the change
/// (`start..end`) replaced that argument entirely: the fix changed what
/// flows into the outer call, which is the sink.
fn sink_of<'t>(kinds: &SyntaxKinds, call: Node<'t>, start: usize, end: usize) -> Node<'t> {
    let mut node = call;
    while start <= node.start_byte() && node.end_byte() <= end {
        let Some(outer) = node
            .parent()
            .filter(|p| p.kind().contains("argument"))
            .and_then(|args| args.parent())
            .filter(|c| kinds.calls.contains(&c.kind()))
        else {
            break;
        };
        node = outer;
    }
    node
}

/// The outermost call inside `node` (breadth first), if any.
pub(crate) fn first_call_in<'t>(kinds: &SyntaxKinds, node: Node<'t>) -> Option<Node<'t>> {
    let mut queue = std::collections::VecDeque::from([node]);
    while let Some(n) = queue.pop_front() {
        if kinds.calls.contains(&n.kind()) {
            return Some(n);
        }
        let mut cursor = n.walk();
        queue.extend(n.named_children(&mut cursor));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_separates_locals_from_imports() {
        let src =
            "import yaml\nfrom os import path\ndef f(data, n=1):\n    cfg = yaml.load(data)\n";
        let tree = parse(Language::Python, src);
        assert!(tree.is_some());
        let Some(tree) = tree else { return };
        let scope = Scope::of(&PYTHON, tree.root_node(), src);
        assert!(scope.is_imported("yaml") && scope.is_imported("path"));
        assert!(scope.is_local("data") && scope.is_local("cfg") && scope.is_local("n"));
        assert!(!scope.is_local("yaml"));
    }

    #[test]
    fn construct_is_the_innermost_call() {
        let src = "x = yaml.load(open(p))\n";
        let Some(tree) = parse(Language::Python, src) else {
            panic!("parse")
        };
        let at = src.find("load").unwrap_or_default();
        let node = construct_at(&PYTHON, &tree, at, at + 4);
        assert_eq!(node.map(|n| text(n, src)), Some("yaml.load(open(p))"));
    }
}
