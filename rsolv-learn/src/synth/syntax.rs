//! What the synthesizer needs to know about each language's syntax trees:
//! which nodes are calls, strings, identifiers and declarations.

use std::collections::{BTreeMap, BTreeSet};

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
    /// Binary expressions (`left`, `operator`, `right` fields).
    pub(crate) binaries: &'static [&'static str],
    /// Calls that format a string, by callee text (`fmt.Sprintf`).
    pub(crate) format_calls: &'static [&'static str],
    /// The ways code builds a string from data, as patterns over `$X`:
    /// the alternatives a `$DYN` metavariable of a `dynamic-strings`
    /// candidate may bind.
    pub(crate) dynamic_shapes: &'static [&'static str],
    /// Names the runtime or the usual framework provides without a
    /// declaration (`document`, `window`, Rails' `params`): APIs and
    /// sources, kept concrete like imports unless the file declares them.
    pub(crate) globals: &'static [&'static str],
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
    binaries: &["binary_operator"],
    format_calls: &[],
    dynamic_shapes: &[
        "\"...\" + $X",
        "$X + \"...\"",
        "f\"...{$X}...\"",
        "\"...\" % $X",
        "\"...\".format(...)",
    ],
    globals: &["__builtins__", "builtins", "globals", "locals", "vars"],
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
    binaries: &["binary_expression"],
    format_calls: &["util.format"],
    dynamic_shapes: &[
        "\"...\" + $X",
        "$X + \"...\"",
        "`...${$X}...`",
        "util.format(...)",
    ],
    globals: &[
        "window",
        "document",
        "console",
        "process",
        "module",
        "exports",
        "require",
        "global",
        "globalThis",
        "location",
        "navigator",
        "localStorage",
        "sessionStorage",
        "self",
        "top",
        "parent",
        "frames",
    ],
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
    binaries: &["binary_expression"],
    format_calls: &["String.format"],
    dynamic_shapes: &["\"...\" + $X", "$X + \"...\"", "String.format(...)"],
    globals: &[],
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
    binaries: &["binary_expression"],
    format_calls: &["fmt.Sprintf"],
    dynamic_shapes: &["\"...\" + $X", "$X + \"...\"", "fmt.Sprintf(...)"],
    globals: &[],
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
    binaries: &["binary"],
    format_calls: &[],
    dynamic_shapes: &[
        "\"...#{$X}...\"",
        "\"...\" + $X",
        "$X + \"...\"",
        "\"...\" % $X",
    ],
    globals: &[
        "params", "request", "cookies", "session", "response", "flash", "env",
    ],
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
    /// Imported names bound to a longer dotted name (`sp` for
    /// `import subprocess as sp`, `loads` for `from pickle import loads`,
    /// `Cipher` for `import javax.crypto.Cipher;`): a pattern that spells
    /// the full name matches the code whatever name it imported the API
    /// under, as the engine resolves imports. Only names one top-level
    /// import binds, in both files alike, with where that import ends.
    pub(crate) qualified: BTreeMap<String, Binding>,
    /// Locals by whether every declaration of them assigns a constant
    /// string literal (`query = "SELECT 1"`): Semgrep's `"..."` matches
    /// such a name through constant propagation.
    pub(crate) constants: BTreeMap<String, bool>,
}

/// What imports bind a name to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Binding {
    /// One top-level import, ending at this byte, binds it to this name.
    Once(usize, String),
    /// Several imports, or one inside a function: no single meaning.
    Ambiguous,
}

impl Scope {
    /// Collect the declared and imported names of a whole file.
    pub(crate) fn of(kinds: &SyntaxKinds, root: Node<'_>, source: &str) -> Self {
        let mut scope = Scope::default();
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            let kind = node.kind();
            if kinds.imports.contains(&kind) || is_require(node, source) {
                let top_level = node.parent().is_some_and(|p| p.parent().is_none());
                let mut bound = Vec::new();
                qualified_names(node, source, &mut bound);
                for (local, full) in bound {
                    let binding = if top_level {
                        Binding::Once(node.end_byte(), full)
                    } else {
                        Binding::Ambiguous
                    };
                    scope
                        .qualified
                        .entry(local)
                        .and_modify(|b| *b = Binding::Ambiguous)
                        .or_insert(binding);
                }
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
                    let mut names = BTreeSet::new();
                    declared_under(kinds, target, source, &mut names);
                    let constant = names.len() == 1
                        && !field.is_empty()
                        && assigns_constant_string(kinds, node, source);
                    for name in &names {
                        *scope.constants.entry(name.clone()).or_insert(constant) &= constant;
                    }
                    scope.locals.extend(names);
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

    /// Whether `name` is a local that only ever holds a constant string.
    pub(crate) fn is_constant(&self, name: &str) -> bool {
        self.is_local(name) && self.constants.get(name).copied().unwrap_or(false)
    }

    /// Whether `name` names an import.
    pub(crate) fn is_imported(&self, name: &str) -> bool {
        self.imported.contains(name)
    }

    /// The full dotted name the one import of `name` bound it to, when it
    /// differs from `name` and the import ends before byte `at`.
    pub(crate) fn qualified(&self, name: &str, at: usize) -> Option<&str> {
        match self.qualified.get(name)? {
            Binding::Once(end, full) if *end <= at && full != name => Some(full),
            _ => None,
        }
    }

    /// Add what `other` (the scope of the other side of the fix) knows; a
    /// name the two bind differently has no single meaning.
    pub(crate) fn merge(&mut self, other: Scope) {
        self.imported.extend(other.imported);
        self.locals.extend(other.locals);
        for (name, theirs) in other.constants {
            *self.constants.entry(name).or_insert(theirs) &= theirs;
        }
        for (name, theirs) in other.qualified {
            let ours = self.qualified.entry(name).or_insert(theirs.clone());
            let same = match (&*ours, &theirs) {
                (Binding::Once(_, a), Binding::Once(_, b)) => a == b,
                _ => false,
            };
            if !same {
                *ours = Binding::Ambiguous;
            }
        }
        let imported = &self.imported;
        self.locals.retain(|n| !imported.contains(n));
    }
}

/// Whether a declaration that assigns `name` a constant string is in scope
/// at `node`: a statement before it in one of its enclosing blocks, not
/// inside another function or class.
pub(crate) fn constant_in_scope(
    kinds: &SyntaxKinds,
    node: Node<'_>,
    source: &str,
    name: &str,
) -> bool {
    let mut child = node;
    while let Some(parent) = child.parent() {
        let mut cursor = parent.walk();
        for sibling in parent.named_children(&mut cursor) {
            if sibling.end_byte() > child.start_byte() {
                break;
            }
            if declares_constant(kinds, sibling, source, name) {
                return true;
            }
        }
        child = parent;
    }
    false
}

/// Whether `node` (outside nested functions and classes) assigns `name`
/// a constant string.
fn declares_constant(kinds: &SyntaxKinds, node: Node<'_>, source: &str, name: &str) -> bool {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        let kind = n.kind();
        if ["function", "method", "lambda", "class", "arrow"]
            .iter()
            .any(|k| kind.contains(k))
        {
            continue;
        }
        let target = n
            .child_by_field_name("left")
            .or_else(|| n.child_by_field_name("name"));
        if let Some(target) = target {
            let target = match target.kind() {
                "expression_list" if target.named_child_count() == 1 => {
                    target.named_child(0).unwrap_or(target)
                }
                _ => target,
            };
            if kinds.identifiers.contains(&target.kind())
                && text(target, source) == name
                && assigns_constant_string(kinds, n, source)
            {
                return true;
            }
        }
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
    }
    false
}

/// The one name a statement assigns and the value it assigns it, as
/// nodes:
/// `safe = quote(x)`, `String safe = quote(x);`, `const safe = quote(x);`,
/// `safe := quote(x)`.
pub(crate) fn assignment_in<'t>(
    kinds: &SyntaxKinds,
    statement: Node<'t>,
    source: &str,
) -> Option<(Node<'t>, Node<'t>)> {
    let mut node = statement;
    // Down through the statement wrapper and a declaration of one.
    loop {
        if ASSIGNMENTS.contains(&node.kind()) {
            break;
        }
        if node.named_child_count() != 1 && !node.kind().contains("declaration") {
            return None;
        }
        let mut cursor = node.walk();
        let inner: Vec<Node<'t>> = node
            .named_children(&mut cursor)
            .filter(|c| ASSIGNMENTS.contains(&c.kind()) || c.named_child_count() > 0)
            .collect();
        match inner.as_slice() {
            [only] => node = *only,
            // `String safe = ...`: the type, then the one declarator.
            [_, declarator] if ASSIGNMENTS.contains(&declarator.kind()) => node = *declarator,
            _ => return None,
        }
    }
    let plain = node
        .child_by_field_name("operator")
        .is_none_or(|op| matches!(text(op, source), "=" | ":="));
    let target = node
        .child_by_field_name("left")
        .or_else(|| node.child_by_field_name("name"))?;
    let value = node
        .child_by_field_name("right")
        .or_else(|| node.child_by_field_name("value"))?;
    let single = |n: Node<'t>| match n.kind() {
        "expression_list" if n.named_child_count() == 1 => n.named_child(0),
        "expression_list" => None,
        _ => Some(n),
    };
    let (target, value) = (single(target)?, single(value)?);
    (plain && kinds.identifiers.contains(&target.kind())).then_some((target, value))
}

/// Declarations and assignments of one value.
const ASSIGNMENTS: &[&str] = &[
    "assignment",
    "assignment_expression",
    "assignment_statement",
    "variable_declarator",
    "short_var_declaration",
    "var_spec",
    "const_spec",
];

/// Whether the declaration `node` assigns one plain string literal (no
/// interpolation): `x = "a"`, `String x = "a";`, `x := "a"`.
fn assigns_constant_string(kinds: &SyntaxKinds, node: Node<'_>, source: &str) -> bool {
    // `x += "a"` (Java and Go spell it as an assignment with an operator).
    let plain = node
        .child_by_field_name("operator")
        .is_none_or(|op| matches!(text(op, source), "=" | ":="));
    if !ASSIGNMENTS.contains(&node.kind()) || !plain {
        return false;
    }
    let Some(mut value) = node
        .child_by_field_name("right")
        .or_else(|| node.child_by_field_name("value"))
    else {
        return false;
    };
    // Go: `x := "a"` holds an expression list of one.
    if value.kind() == "expression_list" {
        if value.named_child_count() != 1 {
            return false;
        }
        match value.named_child(0) {
            Some(only) => value = only,
            None => return false,
        }
    }
    kinds.strings.contains(&value.kind()) && !is_dynamic_string(kinds, value, source)
}

/// The names a Python or Java import binds to a longer dotted name: `c`
/// for `import a.b as c`, `x`/`y` for `from m import x, z as y`, `C` for
/// `import a.b.C;`. Relative, wildcard and static imports bind none.
fn qualified_names(node: Node<'_>, source: &str, out: &mut Vec<(String, String)>) {
    let dotted = |n: Node<'_>| -> String { text(n, source).split_whitespace().collect() };
    let mut bind = |local: String, full: String| {
        if !local.is_empty() && !full.starts_with('.') {
            out.push((local, full));
        }
    };
    let mut cursor = node.walk();
    let kids: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
    match node.kind() {
        "import_statement" => {
            for item in kids {
                if item.kind() == "dotted_name" {
                    // `import a.b` binds `a` to itself.
                    let first = dotted(item)
                        .split('.')
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    bind(first.clone(), first);
                }
                if item.kind() == "aliased_import"
                    && let (Some(name), Some(alias)) = (
                        item.child_by_field_name("name"),
                        item.child_by_field_name("alias"),
                    )
                {
                    bind(text(alias, source).to_owned(), dotted(name));
                }
            }
        }
        "import_from_statement" => {
            let Some(module) = node.child_by_field_name("module_name") else {
                return;
            };
            if module.kind() != "dotted_name" {
                return;
            }
            let module = dotted(module);
            let mut cursor = node.walk();
            for item in node.children_by_field_name("name", &mut cursor) {
                match item.kind() {
                    "dotted_name" => bind(dotted(item), format!("{module}.{}", dotted(item))),
                    "aliased_import" => {
                        if let (Some(name), Some(alias)) = (
                            item.child_by_field_name("name"),
                            item.child_by_field_name("alias"),
                        ) {
                            bind(
                                text(alias, source).to_owned(),
                                format!("{module}.{}", dotted(name)),
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
        "import_declaration" => {
            let is_static = text(node, source).split_whitespace().nth(1) == Some("static");
            let wildcard = kids.iter().any(|k| k.kind() == "asterisk");
            if let Some(path) = kids.iter().find(|k| k.kind() == "scoped_identifier")
                && !is_static
                && !wildcard
            {
                let full = dotted(*path);
                if let Some(last) = full.rsplit('.').next() {
                    bind(last.to_owned(), full.clone());
                }
            }
        }
        _ => {}
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
            if let Some(name) = go_package_name(path) {
                out.insert(name);
            }
            continue;
        }
        let mut cursor = n.walk();
        stack.extend(n.children(&mut cursor));
    }
}

/// The name a Go import path conventionally binds when it differs from its
/// last segment: `jwt` for `github.com/dgrijalva/jwt-go`, `yaml` for
/// `gopkg.in/yaml.v3`, `chi` for `github.com/go-chi/chi/v5`.
fn go_package_name(path: &str) -> Option<String> {
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let written = *segments.last()?;
    // A major-version suffix is no package name.
    if segments.len() > 1
        && segments.last().is_some_and(|l| {
            l.len() > 1 && l.starts_with('v') && l[1..].chars().all(|c| c.is_ascii_digit())
        })
    {
        segments.pop();
    }
    let last = *segments.last()?;
    let mut name = last;
    if let Some((base, version)) = name.split_once(".v")
        && !version.is_empty()
        && version.chars().all(|c| c.is_ascii_digit())
    {
        name = base;
    }
    name = name.strip_prefix("go-").unwrap_or(name);
    name = name.strip_suffix("-go").unwrap_or(name);
    name = name.strip_suffix(".go").unwrap_or(name);
    let name: String = name.chars().filter(|&c| c != '-' && c != '.').collect();
    (!name.is_empty() && name != written).then_some(name)
}

/// The names a declaration target binds: not the object of an attribute,
/// member or index it assigns to (`window` in `window.x = 1`, `cfg` in
/// `cfg["k"] = v`), which it only uses.
fn declared_under(kinds: &SyntaxKinds, node: Node<'_>, source: &str, out: &mut BTreeSet<String>) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        let kind = n.kind();
        if kinds.identifiers.contains(&kind) {
            out.insert(text(n, source).to_owned());
            continue;
        }
        let uses_only = matches!(
            kind,
            "attribute"
                | "subscript"
                | "member_expression"
                | "subscript_expression"
                | "field_access"
                | "array_access"
                | "selector_expression"
                | "index_expression"
                | "element_reference"
                | "call"
        );
        if uses_only {
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

/// Whether `node` builds a string from data: a concatenation of a string
/// literal with something that is not one, a `%` format of a string
/// literal, a string with interpolations, or a format call
/// (`"...".format(x)`, `fmt.Sprintf(...)`). A constant (`"a" + "b"`) is
/// none.
pub(crate) fn is_dynamic_string(kinds: &SyntaxKinds, node: Node<'_>, source: &str) -> bool {
    let kind = node.kind();
    if kinds.strings.contains(&kind) {
        let mut cursor = node.walk();
        return node
            .named_children(&mut cursor)
            .any(|c| kinds.interpolations.contains(&c.kind()));
    }
    if kinds.binaries.contains(&kind) {
        let op = node
            .child_by_field_name("operator")
            .map(|o| text(o, source))
            .unwrap_or_default();
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return false;
        };
        return match op {
            "+" => {
                let mut leaves = Vec::new();
                concat_leaves(kinds, node, source, &mut leaves);
                let is_string = |n: &Node<'_>| kinds.strings.contains(&n.kind());
                leaves.iter().any(is_string)
                    && leaves
                        .iter()
                        .any(|n| !is_string(n) || is_dynamic_string(kinds, *n, source))
            }
            "%" => kinds.strings.contains(&left.kind()) && !kinds.strings.contains(&right.kind()),
            _ => false,
        };
    }
    if kinds.calls.contains(&kind) {
        let Some(callee) = node
            .child_by_field_name("function")
            .or(node.child_by_field_name("name"))
        else {
            return false;
        };
        let callee_text = text(callee, source);
        if kinds.format_calls.contains(&callee_text) {
            return true;
        }
        // Java spells a method call's receiver and name apart.
        if let (Some(object), Some(name)) = (
            node.child_by_field_name("object"),
            node.child_by_field_name("name"),
        ) {
            let full = format!("{}.{}", text(object, source), text(name, source));
            return kinds.format_calls.contains(&full.as_str());
        }
        // `"...".format(x)`: a method `format` on a string literal.
        return callee
            .child_by_field_name("attribute")
            .is_some_and(|a| text(a, source) == "format")
            && callee
                .child_by_field_name("object")
                .is_some_and(|o| kinds.strings.contains(&o.kind()));
    }
    false
}

/// The operands of a chain of `+`, left to right.
fn concat_leaves<'t>(kinds: &SyntaxKinds, node: Node<'t>, source: &str, out: &mut Vec<Node<'t>>) {
    let is_plus = kinds.binaries.contains(&node.kind())
        && node
            .child_by_field_name("operator")
            .is_some_and(|o| text(o, source) == "+");
    if !is_plus {
        // Parentheses do not change the chain.
        if node.kind().starts_with("parenthesized")
            && node.named_child_count() == 1
            && let Some(inner) = node.named_child(0)
        {
            return concat_leaves(kinds, inner, source, out);
        }
        out.push(node);
        return;
    }
    for field in ["left", "right"] {
        if let Some(c) = node.child_by_field_name(field) {
            concat_leaves(kinds, c, source, out);
        }
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
        // A call around a statement list (an immediately invoked function,
        // a call with a block) holds the change in its body, not in what
        // it is called with: the statement is the construct.
        if kinds.blocks.contains(&node.kind()) {
            break;
        }
        match node.parent() {
            Some(parent) => node = parent,
            None => break,
        }
    }
    // A change to a comment alone changes no code.
    if first.is_extra() {
        return None;
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
    fn dynamic_strings_are_strings_built_from_data() {
        let check = |lang: Language, src: &str, expr: &str| {
            let k = kinds(lang).unwrap();
            let tree = parse(lang, src).unwrap();
            let at = src.find(expr).unwrap();
            let mut node = tree
                .root_node()
                .descendant_for_byte_range(at, at + expr.len())
                .unwrap();
            while text(node, src) != expr {
                node = node.parent().unwrap();
            }
            is_dynamic_string(k, node, src)
        };
        let py = |e: &str| check(Language::Python, &format!("x = {e}\n"), e);
        assert!(py("\"a\" + b"));
        assert!(py("b + \"a\" + c"));
        assert!(py("f\"a{b}\""));
        assert!(py("\"a %s\" % b"));
        assert!(py("\"a {}\".format(b)"));
        assert!(!py("\"a\" + \"b\""));
        assert!(!py("f\"ab\""));
        assert!(!py("a + b"));
        assert!(!py("q.format(b)"));
        let js = |e: &str| check(Language::JavaScript, &format!("x = {e};\n"), e);
        assert!(js("`a${b}`") && js("'a' + b") && !js("`ab`"));
        let go = |e: &str| check(Language::Go, &format!("package p\nvar x = {e}\n"), e);
        assert!(go("fmt.Sprintf(\"%s\", b)") && go("\"a\" + b") && !go("f(b)"));
        let java = |e: &str| {
            check(
                Language::Java,
                &format!("class A {{ void f() {{ x = {e}; }} }}\n"),
                e,
            )
        };
        assert!(java("String.format(\"%s\", b)") && java("\"a\" + b") && !java("g(b)"));
        let rb = |e: &str| check(Language::Ruby, &format!("x = {e}\n"), e);
        assert!(rb("\"a#{b}\"") && rb("\"a %s\" % b") && !rb("\"ab\""));
    }

    #[test]
    fn imports_qualify_the_names_they_bind_once() {
        let src = "import subprocess as sp\nimport os\nfrom pickle import loads, dumps as d\nimport csv\nimport defusedcsv as csv\ndef f():\n    from sys import exit\n    sp.call(x)\n";
        let tree = parse(Language::Python, src).unwrap();
        let scope = Scope::of(&PYTHON, tree.root_node(), src);
        let at = src.find("sp.call").unwrap();
        assert_eq!(scope.qualified("sp", at), Some("subprocess"));
        assert_eq!(scope.qualified("loads", at), Some("pickle.loads"));
        assert_eq!(scope.qualified("d", at), Some("pickle.dumps"));
        // Bound to itself, twice, inside a function, or not yet.
        assert_eq!(scope.qualified("os", at), None);
        assert_eq!(scope.qualified("csv", at), None);
        assert_eq!(scope.qualified("exit", at), None);
        assert_eq!(scope.qualified("sp", 3), None);
        let java = "import javax.crypto.Cipher;\nimport static a.B.c;\nclass A {}\n";
        let tree = parse(Language::Java, java).unwrap();
        let scope = Scope::of(&JAVA, tree.root_node(), java);
        assert_eq!(
            scope.qualified("Cipher", java.len()),
            Some("javax.crypto.Cipher")
        );
        assert_eq!(scope.qualified("c", java.len()), None);
    }

    #[test]
    fn a_call_around_a_body_is_no_construct() {
        let src = "(function ($) {\n  function bad() {\n    var item = '.x' + window.location.hash;\n  }\n})(jQuery);\n";
        let tree = parse(Language::JavaScript, src).unwrap();
        let at = src.find("'.x'").unwrap();
        let node = construct_at(&JAVASCRIPT, &tree, at, at + 4);
        assert_eq!(
            node.map(|n| text(n, src)),
            Some("var item = '.x' + window.location.hash;")
        );
        let rb = "LibXML::XML.class_eval do\n  def self.f\n    XML.default_substitute_entities = true\n  end\nend\n";
        let tree = parse(Language::Ruby, rb).unwrap();
        let at = rb.find("true").unwrap();
        let node = construct_at(&RUBY, &tree, at, at + 4);
        assert_eq!(
            node.map(|n| text(n, rb)),
            Some("XML.default_substitute_entities = true")
        );
    }

    #[test]
    fn assigning_to_a_member_declares_nothing() {
        let src = "window.settings = {a: 1};\ncfg[\"k\"] = 2;\nlet x = 3;\n[y, z] = w;\n";
        let tree = parse(Language::JavaScript, src).unwrap();
        let scope = Scope::of(&JAVASCRIPT, tree.root_node(), src);
        assert!(!scope.is_local("window") && !scope.is_local("cfg"));
        assert!(scope.is_local("x") && scope.is_local("y") && scope.is_local("z"));
    }

    #[test]
    fn go_import_paths_bind_their_package_names() {
        assert_eq!(
            go_package_name("github.com/dgrijalva/jwt-go").as_deref(),
            Some("jwt")
        );
        assert_eq!(go_package_name("gopkg.in/yaml.v3").as_deref(), Some("yaml"));
        assert_eq!(
            go_package_name("github.com/go-chi/chi/v5").as_deref(),
            Some("chi")
        );
        assert_eq!(go_package_name("os/exec"), None);
    }

    #[test]
    fn a_comment_is_no_construct() {
        let src = "class A {\n  // trust anyone\n  void f() {}\n}\n";
        let tree = parse(Language::Java, src).unwrap();
        let at = src.find("trust").unwrap();
        assert!(construct_at(&JAVA, &tree, at, at + 5).is_none());
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
