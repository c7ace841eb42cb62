//! Semgrep patterns, parsed with the target language's own grammar.
//!
//! A pattern is code with holes. Before parsing, the holes are rewritten
//! into identifiers the grammar accepts: `$X` becomes `__rsmv_X`, `$...X`
//! becomes `__rsmvs_X`, `...` becomes `__rsel`, and `<... e ...>` becomes
//! `__rsdeep(e)`. The parsed tree is then turned into a [`Pat`] in which
//! those identifiers are holes again.

use std::sync::Arc;

use rsolv_core::Language;

use super::lang::{Grammar, ImportStyle};
use super::tree::{Class, NodeId, SynTree};
use crate::RuleRegex;

const MV: &str = "__rsmv_";
const MVS: &str = "__rsmvs_";
const ELLIPSIS: &str = "__rsel";
const DEEP: &str = "__rsdeep";
/// A metavariable where Ruby needs a constant (`class $C`): capitalized.
const MV_CONST: &str = "RSMVC_";

/// One node of a compiled pattern.
#[derive(Debug, Clone)]
pub(crate) enum Pat {
    /// A node that must have this kind and matching children.
    Node {
        /// tree-sitter kind id.
        kind: u16,
        /// Children, in order.
        kids: Vec<Pat>,
        /// Whether the children are keyword arguments matched in any order.
        unordered_keywords: bool,
    },
    /// A token with this kind and text.
    Leaf {
        /// tree-sitter kind id.
        kind: u16,
        /// The token.
        text: Box<str>,
        /// Whether the grammar names it (an identifier, a number) rather
        /// than a keyword or operator.
        named: bool,
    },
    /// A string literal.
    Str(StrPat),
    /// `$X`: any one node, bound consistently.
    Metavar(Arc<str>),
    /// `(Type $X)`: a node of that declared type, bound consistently.
    TypedMetavar {
        /// The metavariable.
        name: Arc<str>,
        /// The type as written in the pattern.
        ty: Box<str>,
    },
    /// `$_`: any one node.
    Wildcard,
    /// `...`: any sequence of siblings (or any one node where one is needed).
    Ellipsis,
    /// `$...X`: any sequence of siblings, bound.
    EllipsisMetavar(Arc<str>),
    /// `<... e ...>`: a node that contains `e`.
    Deep(Box<Pat>),
    /// A statement holding `e` in its own expressions, not in the bodies
    /// nested in it (Ruby's `foo(...)` in a statement sequence also
    /// matches `x = foo(1)`, but not a method whose body calls it).
    InStatement(Box<Pat>),
    /// A dotted name (`subprocess.call`) that also matches code reaching
    /// the same name through an import alias.
    Name {
        /// The name with dots, no spaces (without the metavariable `tail`).
        dotted: Box<str>,
        /// `$X` in `django.http.$X`: the last segment is any name, bound
        /// to the metavariable.
        tail: Option<Arc<str>>,
        /// The structural pattern.
        inner: Box<Pat>,
    },
}

/// What a string literal in a pattern accepts.
#[derive(Debug, Clone)]
pub(crate) enum StrPat {
    /// `"..."`: any string.
    Any,
    /// `"=~/re/"`: strings whose content matches.
    Regex(RuleRegex),
    /// `"$X"`: any string, bound to `$X`.
    Metavar(Arc<str>),
    /// Exactly this content.
    Exact(Box<str>),
    /// Python's `f"..."` (JavaScript's `` `...` ``): any f-string (template
    /// literal), with or without interpolations.
    AnyFString,
}

/// A parsed pattern: one node, or a sequence of statements.
#[derive(Debug, Clone)]
pub(crate) enum PatternTree {
    /// Matches any single node.
    Node(Pat),
    /// Matches consecutive statements of a block.
    Seq(Vec<Pat>),
}

impl PatternTree {
    /// Tokens that appear verbatim in any code the pattern matches.
    pub(crate) fn required_words(&self) -> Vec<String> {
        fn walk(p: &Pat, out: &mut Vec<String>) {
            match p {
                // Keywords (`def`, `return`) are in nearly every file: only
                // named tokens make a useful prefilter.
                Pat::Leaf {
                    text, named: true, ..
                } if text.len() >= 2
                    && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
                {
                    out.push(text.to_string());
                }
                // A string's content is in the file as written (only the
                // quotes may differ).
                Pat::Str(StrPat::Exact(content))
                    if content.len() >= 3 && !content.contains('\\') =>
                {
                    out.push(content.to_string());
                }
                Pat::Node { kids, .. } => kids.iter().for_each(|k| walk(k, out)),
                Pat::Deep(inner) | Pat::InStatement(inner) => walk(inner, out),
                // Only the last segment of a name that imports can alias
                // (`java.lang.Runtime`) is sure to be in the file; with a
                // metavariable tail (`requests.$M`), the last segment before
                // it, which an import names too (`import requests as r`),
                // except Java's implicit `java.lang`.
                Pat::Name { dotted, tail, .. } if tail.is_none() || &**dotted != "java.lang" => {
                    if let Some(last) = dotted.rsplit('.').next().filter(|l| l.len() >= 2) {
                        out.push(last.to_owned());
                    }
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        match self {
            PatternTree::Node(p) => walk(p, &mut out),
            PatternTree::Seq(ps) => ps.iter().for_each(|p| walk(p, &mut out)),
        }
        out.sort();
        out.dedup();
        out
    }
}

/// A pattern failed to parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PatternError(pub(crate) String);

/// Parse `text` as a pattern for `lang`.
pub(crate) fn parse_pattern(
    lang: Language,
    grammar: &Grammar,
    text: &str,
) -> Result<PatternTree, PatternError> {
    let (untyped, types) = super::types::strip_typed_metavariables(lang, text);
    let mut rewritten = rewrite_holes_for(lang, &untyped);
    // Grammars that end statements at a newline (Go, Ruby, Python) parse a
    // last statement without one as incomplete.
    if !rewritten.ends_with('\n') {
        rewritten.push('\n');
    }
    let mut last_error = None;
    for (prefix, suffix) in wrappers(lang, &rewritten) {
        let source = format!("{prefix}{rewritten}{suffix}");
        let Some(tree) = SynTree::parse(grammar, &source) else {
            continue;
        };
        if super::pattern_rewrite::misparsed(lang, grammar, &source) {
            continue;
        }
        let converter = Converter {
            tree: &tree,
            grammar,
            types: &types,
        };
        let stmts =
            converter.statements(prefix.len() as u32, (prefix.len() + rewritten.len()) as u32);
        match stmts {
            Ok(stmts) => return Ok(stmts),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error
        .unwrap_or_else(|| PatternError(format!("cannot parse pattern `{}`", text.trim()))))
}

/// Source wrappers that make a fragment a complete program.
fn wrappers(lang: Language, text: &str) -> &'static [(&'static str, &'static str)] {
    match lang {
        // `{ a: $X }` is an object, not a block with a label, as in Semgrep.
        Language::JavaScript | Language::TypeScript if text.trim_start().starts_with('{') => {
            &[("(", ")"), ("", ""), ("class __RsC {\n", "\n}")]
        }
        // A lone annotation (`@Consumes({...})`), on a package.
        Language::Java if super::pattern_rewrite::is_lone_annotation(text) => {
            &[("", "package __rsp;")]
        }
        Language::Java => &[
            ("", ""),
            // An expression without its semicolon (`"DES"`, `1 == 1`).
            ("", ";"),
            ("class __RsC {\n", "\n}"),
            ("class __RsC { void __rsm() {\n", "\n}}"),
            ("class __RsC { void __rsm() {\n", ";\n}}"),
        ],
        // `Key: $V` alone is an element of a composite literal (Go) or an
        // object property (JavaScript), not a label.
        Language::Go if is_keyed_element(text) => &[("var _ = __rsT{", "}")],
        Language::JavaScript | Language::TypeScript if is_keyed_element(text) => {
            &[("({", "})"), ("", "")]
        }
        // `$M(...) { ... }` is a method, not a call followed by a block.
        Language::JavaScript | Language::TypeScript if is_js_method_definition(text) => {
            &[("class __RsC {\n", "\n}"), ("", "")]
        }
        Language::Go => &[("", ""), ("func __rsf() {\n", "\n}")],
        Language::JavaScript | Language::TypeScript => &[("", ""), ("class __RsC {\n", "\n}")],
        _ => &[("", "")],
    }
}

/// Whether a JavaScript pattern reads as a method definition: a name,
/// parameters and a body (`$M(...) { ... }`, `async get(x) {}`), where the
/// name is not a statement keyword.
fn is_js_method_definition(text: &str) -> bool {
    let text = text.trim();
    let mut head = text;
    while let Some(rest) = ["async ", "static ", "get ", "set "]
        .iter()
        .find_map(|m| head.strip_prefix(m))
    {
        head = rest.trim_start();
    }
    let name_len = head
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(head.len());
    let (name, rest) = head.split_at(name_len);
    let Some(params_end) = rest
        .trim_start()
        .strip_prefix('(')
        .and_then(|r| r.find(')'))
    else {
        return false;
    };
    let after = &rest.trim_start()[params_end + 2..];
    !name.is_empty()
        && !matches!(
            name,
            "if" | "for" | "while" | "switch" | "catch" | "with" | "function" | "return"
        )
        && after.trim_start().starts_with('{')
        && text.ends_with('}')
}

/// Whether a pattern is one `Key: value` line (a keyed element).
fn is_keyed_element(text: &str) -> bool {
    let text = text.trim();
    let Some((key, value)) = text.split_once(':') else {
        return false;
    };
    !text.contains('\n')
        && !value.starts_with('=')
        && !value.trim().is_empty()
        && !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

struct Converter<'a, 's> {
    tree: &'a SynTree<'s>,
    grammar: &'a Grammar,
    types: &'a std::collections::HashMap<String, String>,
}

impl Converter<'_, '_> {
    /// The pattern made of the top-level nodes lying in `start..end` (the
    /// user's text inside any wrapper).
    fn statements(&self, start: u32, end: u32) -> Result<PatternTree, PatternError> {
        if self.tree.has_errors && !self.errors_are_holes(self.tree.root()) {
            return Err(PatternError("syntax error".into()));
        }
        // Descend through wrappers until we reach the nodes inside the range.
        let mut id = self.tree.root();
        loop {
            let kids: Vec<NodeId> = self.tree.kids(id).to_vec();
            let inside: Vec<NodeId> = kids
                .iter()
                .copied()
                .filter(|&k| self.tree.node(k).start >= start && self.tree.node(k).end <= end)
                .collect();
            if !inside.is_empty()
                && inside.len() == kids.iter().filter(|&&k| self.tree.node(k).named).count()
            {
                return self.top(&inside);
            }
            // Find the one child that contains the range.
            let Some(next) = kids.iter().copied().find(|&k| {
                let n = self.tree.node(k);
                n.start <= start && n.end >= end && n.class == Class::Interior
            }) else {
                return self.top(&inside);
            };
            id = next;
        }
    }

    fn top(&self, nodes: &[NodeId]) -> Result<PatternTree, PatternError> {
        // A single expression statement is the expression: `foo(1);` matches
        // `foo(1)` wherever it occurs (Semgrep also matches it in `return
        // foo(1);` or `x = foo(1)`). In a sequence, statements stay
        // statements.
        // Written with its `;` in Java or JavaScript/TypeScript, it is a
        // statement: it matches simple statements holding the expression
        // (`x = foo(1);`, `return foo(1);`), reported whole, as in Semgrep.
        let nodes: Vec<NodeId> = match nodes {
            [one]
                if self
                    .grammar
                    .expression_statements
                    .contains(&self.kind_name(self.tree.node(*one).kind))
                    && !(matches!(
                        self.grammar.import_style,
                        ImportStyle::Java | ImportStyle::JavaScript
                    ) && self.tree.text(*one).trim_end().ends_with(';')) =>
            {
                match self.tree.kids(*one) {
                    [inner] => vec![*inner],
                    _ => vec![*one],
                }
            }
            _ => nodes.to_vec(),
        };
        let mut pats: Vec<Pat> = nodes.iter().map(|&n| self.pat(n)).collect();
        // Go: `import "x"` matches each spec of a grouped `import (...)`, as
        // Semgrep desugars it. Alone, the pattern is the spec (reported at
        // its line); in a sequence, a declaration holding a matching spec.
        if let [one] = nodes.as_slice()
            && let Some(spec) = self.go_import_spec(*one).or_else(|| self.go_var_spec(*one))
        {
            pats[0] = spec;
        } else {
            for (pat, &node) in pats.iter_mut().zip(&nodes) {
                if let Some(spec) = self.go_import_spec(node)
                    && let Some(&keyword) = self.tree.kids(node).first()
                {
                    *pat = Pat::Node {
                        kind: self.tree.node(node).kind,
                        kids: vec![self.pat(keyword), Pat::Deep(Box::new(spec))],
                        unordered_keywords: false,
                    };
                }
            }
        }
        // Ruby has no expression statements: a call in a statement sequence
        // also matches a statement that contains it (`x = JWT.encode(...)`),
        // Semgrep's deep expression statement.
        if self.grammar.expression_statements.is_empty() && pats.len() > 1 {
            for (pat, &node) in pats.iter_mut().zip(&nodes) {
                if self.kind_name(self.tree.node(node).kind) == "call" {
                    *pat = Pat::InStatement(Box::new(pat.clone()));
                }
            }
        }
        match pats.as_slice() {
            [] => Err(PatternError("empty pattern".into())),
            [one] => Ok(PatternTree::Node(one.clone())),
            _ => Ok(PatternTree::Seq(pats)),
        }
    }

    /// The pattern of the single spec of a Go `import "x"` declaration.
    fn go_import_spec(&self, id: NodeId) -> Option<Pat> {
        self.go_single_spec(id, "import_declaration", "import_spec")
    }

    /// Go `var x T = e` alone: the spec, which also matches one spec of a
    /// grouped `var (...)` and a `const` spec, reported without the
    /// keyword, as Semgrep does.
    fn go_var_spec(&self, id: NodeId) -> Option<Pat> {
        self.go_single_spec(id, "var_declaration", "var_spec")
    }

    /// The pattern of the one `spec` child of a Go `declaration` node.
    fn go_single_spec(&self, id: NodeId, declaration: &str, spec: &str) -> Option<Pat> {
        if self.kind_name(self.tree.node(id).kind) != declaration {
            return None;
        }
        match self.tree.kids(id) {
            [_, s] if self.kind_name(self.tree.node(*s).kind) == spec => Some(self.pat(*s)),
            _ => None,
        }
    }

    /// Whether every syntax error in the tree only wraps a hole (Java
    /// parameters written as `...` parse as errors).
    fn errors_are_holes(&self, id: NodeId) -> bool {
        let n = self.tree.node(id);
        match n.class {
            Class::Error => {
                let text = super::pattern_rewrite::hole_text(self.tree.text(id));
                hole(text).is_some()
            }
            Class::Interior => self.tree.kids(id).iter().all(|&k| self.errors_are_holes(k)),
            _ => true,
        }
    }

    fn pat(&self, id: NodeId) -> Pat {
        let n = *self.tree.node(id);
        let text = self.tree.text(id);
        match n.class {
            Class::Leaf | Class::Error => {
                if let Some(hole) = hole(super::pattern_rewrite::hole_text(text)) {
                    if let Pat::Metavar(name) = &hole
                        && let Some(ty) = self.types.get(&**name)
                    {
                        return Pat::TypedMetavar {
                            name: name.clone(),
                            ty: ty.as_str().into(),
                        };
                    }
                    return hole;
                }
                // `...` as the text part of an interpolated string
                // (`f"...{$X}..."`, `` `...${$X}...` ``) is any text.
                if text == "..." && self.grammar.string_parts.contains(&self.kind_name(n.kind)) {
                    return Pat::Ellipsis;
                }
                Pat::Leaf {
                    kind: n.kind,
                    text: text.into(),
                    named: n.named,
                }
            }
            Class::Str => {
                let content = self.tree.str_content(id);
                // `` `...` `` (JavaScript) is any template literal, as
                // `f"..."` is any f-string.
                if content == "..."
                    && (is_f_string(text) || self.kind_name(n.kind) == "template_string")
                {
                    return Pat::Str(StrPat::AnyFString);
                }
                Pat::Str(string_pat(content))
            }
            Class::Interior => {
                let kids = self.tree.kids(id);
                // A wrapper whose only child is a hole is the hole itself
                // (`...;` as a statement, `$X` as an expression statement).
                // A key/value pair of holes (`__rsel: __rsel`) is `...`.
                if self.kind_name(n.kind) == "pair"
                    && kids
                        .iter()
                        .filter(|&&k| self.tree.node(k).named)
                        .all(|&k| self.tree.text(k) == ELLIPSIS)
                {
                    return Pat::Ellipsis;
                }
                // A JSX expression container holding only `...`
                // (`attr={...}`) is any value.
                if self.kind_name(n.kind) == "jsx_expression"
                    && kids
                        .iter()
                        .filter(|&&k| self.tree.node(k).named)
                        .map(|&k| self.tree.text(k))
                        .eq([ELLIPSIS])
                {
                    return Pat::Ellipsis;
                }
                // An element wrapper around `...` (Go's `literal_element`,
                // an argument list holding only `...`) is the `...` itself.
                // Python's `else:` keeps its `...` body: the clause itself
                // must be there.
                if let [only] = kids
                    && !COLLECTIONS.contains(&self.kind_name(n.kind))
                    && self.kind_name(n.kind) != "else_clause"
                {
                    let inner = self.pat(*only);
                    // `$...X` binds what the delimiters enclose: in
                    // `f($...X)` or `T{ $...X }` the wrapper stays.
                    let delimited = !text.starts_with(self.tree.text(*only));
                    if matches!(inner, Pat::Ellipsis)
                        || (matches!(inner, Pat::EllipsisMetavar(_)) && !delimited)
                    {
                        return inner;
                    }
                }
                // `__rsdeep(e)`: a deep expression.
                if let Some(deep) = self.deep(id) {
                    return deep;
                }
                let mut kid_pats: Vec<Pat> = kids.iter().map(|&k| self.pat(k)).collect();
                if self.kind_name(n.kind) == "parameter_list" {
                    let decl = self
                        .grammar
                        .language
                        .id_for_node_kind("parameter_declaration", true);
                    kid_pats = split_go_parameter_ellipses(kid_pats, decl);
                }
                if self
                    .grammar
                    .import_attributes
                    .contains(&self.kind_name(n.kind))
                    && is_dotted_name(text)
                {
                    let inner = Pat::Node {
                        kind: n.kind,
                        kids: kid_pats,
                        unordered_keywords: false,
                    };
                    return Pat::Name {
                        dotted: text.split_whitespace().collect::<String>().into(),
                        tail: None,
                        inner: Box::new(inner),
                    };
                }
                // `a.b.$X`: a dotted prefix then a metavariable.
                if self
                    .grammar
                    .import_attributes
                    .contains(&self.kind_name(n.kind))
                    && let Some((prefix, last)) = text.rsplit_once('.')
                    && is_dotted_name(&format!("{prefix}.x"))
                    && let Some(Pat::Metavar(name)) = hole(last.trim())
                {
                    let inner = Pat::Node {
                        kind: n.kind,
                        kids: kid_pats,
                        unordered_keywords: false,
                    };
                    return Pat::Name {
                        dotted: prefix.split_whitespace().collect::<String>().into(),
                        tail: Some(name),
                        inner: Box::new(inner),
                    };
                }
                let unordered_keywords = self
                    .grammar
                    .argument_lists
                    .contains(&self.kind_name(n.kind))
                    && !self.grammar.keyword_arguments.is_empty();
                Pat::Node {
                    kind: n.kind,
                    kids: kid_pats,
                    unordered_keywords,
                }
            }
        }
    }

    fn deep(&self, id: NodeId) -> Option<Pat> {
        let kids = self.tree.kids(id);
        let (callee, args) = match kids {
            [callee, args] => (*callee, *args),
            _ => return None,
        };
        if self.tree.text(callee) != DEEP {
            return None;
        }
        match self.tree.kids(args) {
            [inner] => Some(Pat::Deep(Box::new(self.pat(*inner)))),
            _ => None,
        }
    }

    fn kind_name(&self, kind: u16) -> &str {
        self.grammar.language.node_kind_for_id(kind).unwrap_or("")
    }
}

/// Go's `(..., $X T)` parses as one grouped declaration `..., $X T` (names
/// sharing a type): the `...` stands for the parameters before, so it is
/// split off into the list.
fn split_go_parameter_ellipses(kids: Vec<Pat>, decl: u16) -> Vec<Pat> {
    let mut out = Vec::with_capacity(kids.len());
    for kid in kids {
        match kid {
            Pat::Node {
                kind,
                kids,
                unordered_keywords,
            } if kind == decl
                && decl != 0
                && kids.len() > 1
                && matches!(kids.first(), Some(Pat::Ellipsis)) =>
            {
                out.push(Pat::Ellipsis);
                out.push(Pat::Node {
                    kind,
                    kids: kids.into_iter().skip(1).collect(),
                    unordered_keywords,
                });
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether a string literal's text starts with a Python f-string prefix
/// (`f"`, `F'`, `rf"`, `fr'`).
pub(crate) fn is_f_string(text: &str) -> bool {
    let prefix: String = text
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    prefix.len() <= 2 && prefix.contains(['f', 'F'])
}

/// Collection literals: `[...]` is any list, not any node.
const COLLECTIONS: &[&str] = &[
    "template_substitution",
    "interpolation",
    "list",
    "set",
    "dictionary",
    "array",
    "object",
    "hash",
    "array_initializer",
];

/// `a.b.c` made of plain identifiers (no holes).
fn is_dotted_name(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').map(str::trim).collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && !p.starts_with("__rs")
                && !p.as_bytes()[0].is_ascii_digit()
                && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
}

/// The hole a placeholder identifier stands for.
fn hole(text: &str) -> Option<Pat> {
    if text == ELLIPSIS {
        return Some(Pat::Ellipsis);
    }
    if let Some(name) = text.strip_prefix(MVS) {
        return Some(Pat::EllipsisMetavar(format!("$...{name}").into()));
    }
    if let Some(name) = text
        .strip_prefix(MV)
        .or_else(|| text.strip_prefix(MV_CONST))
        .filter(|n| n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    {
        return Some(if name == "_" {
            Pat::Wildcard
        } else {
            Pat::Metavar(format!("${name}").into())
        });
    }
    None
}

fn string_pat(content: &str) -> StrPat {
    if content == "..." {
        return StrPat::Any;
    }
    if let Some(re) = content.strip_prefix("=~/").and_then(|r| r.rsplit_once('/')) {
        let (body, flags) = re;
        let source = if flags.contains('i') {
            format!("(?i){body}")
        } else {
            body.to_owned()
        };
        if let Ok(regex) = RuleRegex::new(&source) {
            return StrPat::Regex(regex);
        }
    }
    if let Some(name) = content
        .strip_prefix(MV)
        .filter(|n| n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    {
        return StrPat::Metavar(format!("${name}").into());
    }
    // Metavariables inside a longer string are plain text to Semgrep.
    StrPat::Exact(restore_holes(content).into())
}

/// [`rewrite_holes`], plus `...` as an entry of a Python dict or a Ruby
/// hash (`{..., "k": $V, ...}`), which must be a key/value pair to parse.
fn rewrite_holes_for(lang: Language, pattern: &str) -> String {
    let spread = matches!(lang, Language::JavaScript | Language::TypeScript);
    let rewritten = rewrite_holes(pattern, spread);
    let rewritten = super::pattern_rewrite::rewrite_for_grammar(lang, &rewritten);
    if lang == Language::Java {
        // A statement `...` needs its semicolon to parse as a statement.
        return rewritten
            .split('\n')
            .map(|line| {
                if line.trim() == ELLIPSIS {
                    format!("{line};")
                } else {
                    line.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
    }
    // Ruby class and module names are constants: `class $C` needs a
    // capitalized placeholder to parse, and so does `A::$C` (a lowercase
    // name after `::` is a method call).
    let rewritten = if lang == Language::Ruby {
        rewritten
            .replace(&format!("class {MV}"), &format!("class {MV_CONST}"))
            .replace(&format!("module {MV}"), &format!("module {MV_CONST}"))
            .replace(&format!("::{MV}"), &format!("::{MV_CONST}"))
    } else {
        rewritten
    };
    let pair = match lang {
        Language::Python => format!("{ELLIPSIS}: {ELLIPSIS}"),
        Language::Ruby => format!("{ELLIPSIS} => {ELLIPSIS}"),
        _ => return rewritten,
    };
    let mut out = String::with_capacity(rewritten.len());
    let mut depth_braces: Vec<char> = Vec::new();
    let mut quote: Option<char> = None;
    let mut last_significant = ' ';
    let chars: Vec<char> = rewritten.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            out.push(c);
            if c == '\\' && i + 1 < chars.len() {
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if ELLIPSIS.starts_with(c) && rewritten[char_offset(&chars, i)..].starts_with(ELLIPSIS) {
            let next = chars[i + ELLIPSIS.len()..]
                .iter()
                .find(|c| !c.is_whitespace())
                .copied()
                .unwrap_or(' ');
            if depth_braces.last() == Some(&'{')
                && matches!(last_significant, '{' | ',')
                && matches!(next, ',' | '}')
            {
                out.push_str(&pair);
                i += ELLIPSIS.len();
                last_significant = 'l';
                continue;
            }
        }
        match c {
            '"' | '\'' => quote = Some(c),
            // Ruby's `#{...}` (in a regex, outside quotes) is an
            // interpolation, not a hash.
            '{' if i > 0 && chars[i - 1] == '#' => depth_braces.push('#'),
            '{' | '[' | '(' => depth_braces.push(c),
            '}' | ']' | ')' => {
                depth_braces.pop();
            }
            _ => {}
        }
        if !c.is_whitespace() {
            last_significant = c;
        }
        out.push(c);
        i += 1;
    }
    out
}

fn char_offset(chars: &[char], index: usize) -> usize {
    chars[..index].iter().map(|c| c.len_utf8()).sum()
}

/// Rewrite Semgrep's holes into identifiers every grammar accepts. With
/// `spread`, `...` directly before a name or a metavariable is JavaScript's
/// spread (`f(...$ARGS)`, `{...props}`), as in Semgrep, and stays code.
fn rewrite_holes(pattern: &str, spread: bool) -> String {
    let bytes = pattern.as_bytes();
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut i = 0;
    let mut quote: Option<u8> = None;
    // The interpolation opener of the string being read (`${`, `{` in a
    // Python f-string, `#{` in Ruby), and for every interpolation we are
    // inside, its quote, opener and open-brace depth: holes inside
    // interpolations are code.
    let mut opener: Option<&str> = None;
    let mut interpolations: Vec<(u8, Option<&str>, u32)> = Vec::new();
    while i < bytes.len() {
        let b = bytes[i];
        let rest = &pattern[i..];
        if let Some(q) = quote {
            if b == b'\\' && i + 1 < bytes.len() {
                out.push_str(&pattern[i..i + 2]);
                i += 2;
                continue;
            }
            if let Some(open) = opener
                && rest.starts_with(open)
                && !(open == "{" && rest.starts_with("{{"))
            {
                out.push_str(open);
                i += open.len();
                interpolations.push((q, opener, 0));
                quote = None;
                opener = None;
                continue;
            }
            if b == q {
                quote = None;
                opener = None;
            }
        } else if b == b'"' || b == b'\'' || b == b'`' {
            quote = Some(b);
            let prefix = pattern[..i]
                .bytes()
                .rev()
                .take_while(u8::is_ascii_alphabetic);
            let f_string = prefix.clone().any(|c| c == b'f' || c == b'F') && prefix.count() <= 2;
            opener = match b {
                b'`' => Some("${"),
                b'"' if f_string => Some("{"),
                b'\'' if f_string => Some("{"),
                b'"' => Some("#{"),
                _ => None,
            };
        } else if b == b'{' && !interpolations.is_empty() {
            if let Some(top) = interpolations.last_mut() {
                top.2 += 1;
            }
        } else if b == b'}'
            && let Some(&(q, open, depth)) = interpolations.last()
        {
            if depth == 0 {
                interpolations.pop();
                quote = Some(q);
                opener = open;
            } else if let Some(top) = interpolations.last_mut() {
                top.2 -= 1;
            }
        } else if rest.starts_with("<...") {
            out.push_str(DEEP);
            out.push('(');
            i += 4;
            continue;
        } else if rest.starts_with("...>") {
            out.push(')');
            i += 4;
            continue;
        } else if let Some(after) = rest.strip_prefix("...") {
            let spreads = spread
                && after
                    .bytes()
                    .next()
                    .is_some_and(|c| c == b'$' || c == b'_' || c.is_ascii_alphabetic());
            if spreads {
                out.push_str("...");
            } else {
                out.push_str(ELLIPSIS);
            }
            i += 3;
            continue;
        }
        // Metavariables are rewritten inside strings too (`"$X"`, and
        // `${$X}` in templates); `string_pat` restores the text form.
        if b == b'$'
            && let Some((name, len)) = metavariable_at(rest)
        {
            out.push_str(if rest.starts_with("$...") { MVS } else { MV });
            out.push_str(name);
            i += len;
            continue;
        }
        out.push(b as char);
        i += 1;
        if b >= 0x80 {
            // Copy the rest of a multi-byte character verbatim.
            out.pop();
            let ch = rest.chars().next().unwrap_or('\u{fffd}');
            out.push(ch);
            i += ch.len_utf8() - 1;
        }
    }
    out
}

/// `$X` / `$...X` at the start of `text`: the name and the length consumed.
fn metavariable_at(text: &str) -> Option<(&str, usize)> {
    let (body, skip) = match text.strip_prefix("$...") {
        Some(body) => (body, 4),
        None => (text.strip_prefix('$')?, 1),
    };
    let len = body
        .bytes()
        .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
        .count();
    let name = &body[..len];
    if name.is_empty() || name.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    Some((name, skip + len))
}

fn restore_holes(text: &str) -> String {
    text.replace(MVS, "$...")
        .replace(MV, "$")
        .replace(ELLIPSIS, "...")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_holes_outside_strings_only() {
        assert_eq!(
            rewrite_holes("foo($X, ...)", false),
            "foo(__rsmv_X, __rsel)"
        );
        assert_eq!(
            rewrite_holes("f(\"...\", $...ARGS)", false),
            "f(\"...\", __rsmvs_ARGS)"
        );
        assert_eq!(rewrite_holes("<... $X ...>", false), "__rsdeep( __rsmv_X )");
        assert_eq!(rewrite_holes("$x + $1", false), "$x + $1");
        assert_eq!(rewrite_holes("`a${$X}`", false), "`a${__rsmv_X}`");
        assert_eq!(rewrite_holes("'é' + $Y", false), "'é' + __rsmv_Y");
        assert_eq!(
            rewrite_holes_for(Language::Python, "f({..., 'a': $X, ...}, ...)"),
            "f({__rsel: __rsel, 'a': __rsmv_X, __rsel: __rsel}, __rsel)"
        );
        assert_eq!(
            rewrite_holes_for(Language::Ruby, "{..., :a => 1}"),
            "{__rsel => __rsel, :a => 1}"
        );
    }

    #[test]
    fn javascript_spread_is_code_not_an_ellipsis() {
        let js = |p| rewrite_holes_for(Language::JavaScript, p);
        assert_eq!(js("f(...$A)"), "f(...__rsmv_A)");
        assert_eq!(js("<$X {...props} />"), "<__rsmv_X {...props} />");
        assert_eq!(js("f(...)"), "f(__rsel)");
        assert_eq!(js("f(..., $X)"), "f(__rsel, __rsmv_X)");
        assert_eq!(
            rewrite_holes_for(Language::Python, "f(...$A)"),
            "f(__rsel__rsmv_A)"
        );
    }

    #[test]
    fn required_words_include_the_module_before_a_metavariable_tail() {
        let words = |lang: Language, text: &str| {
            let grammar = super::super::lang::grammar(lang, false).expect("grammar");
            parse_pattern(lang, &grammar, text)
                .expect("parses")
                .required_words()
        };
        let python = words(Language::Python, "requests.$METHOD(..., $DATA, ...)");
        assert!(python.contains(&"requests".to_owned()), "{python:?}");
        // `java.lang` is imported implicitly: `lang` need not be in the file.
        let java = words(Language::Java, "java.lang.$C.forName($X)");
        assert!(!java.contains(&"lang".to_owned()), "{java:?}");
    }

    #[test]
    fn recognizes_javascript_method_definitions() {
        assert!(is_js_method_definition("__rsmv_M(__rsel) {\n__rsel\n}"));
        assert!(is_js_method_definition("async get(x) { return 1; }"));
        assert!(!is_js_method_definition("if (x) { y(); }"));
        assert!(!is_js_method_definition("foo(x);"));
        assert!(!is_js_method_definition("function f(x) { }"));
    }
}
