//! Matching a [`Pat`] against a [`SynTree`], with metavariable bindings.
//!
//! The matcher works in continuation-passing style: each step calls `k` for
//! every way it can succeed, and stops as soon as `k` returns `true`. That
//! enumerates every binding of `f(..., $X, ...)` without building lists,
//! which `metavariable-*` filters need.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::constants::Constants;
use super::lang::{Grammar, ImportStyle};
use super::names::Aliases;
use super::pattern::{Pat, PatternTree, StrPat};
use super::tree::{Class, NodeId, SynTree};
use super::types::DeclaredTypes;

/// The two sides of an assignment pattern.
type PatPair<'p> = (&'p Pat, &'p Pat);

/// What a metavariable is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Binding {
    /// The node, when bound to exactly one.
    pub(crate) node: Option<NodeId>,
    /// Byte range of the bound code.
    pub(crate) start: u32,
    /// End of the byte range.
    pub(crate) end: u32,
}

/// Metavariable bindings of one match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Env {
    pub(crate) vars: Vec<(Arc<str>, Binding)>,
}

impl Env {
    pub(crate) fn get(&self, name: &str) -> Option<Binding> {
        self.vars
            .iter()
            .find(|(n, _)| &**n == name)
            .map(|(_, b)| *b)
    }
}

/// A match: a byte range and its bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RangeMatch {
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub(crate) env: Env,
}

/// Node kinds of assignments, across the grammars.
const ASSIGNMENT_KINDS: &[&str] = &[
    "assignment_expression",
    "assignment_statement",
    "assignment",
    "short_var_declaration",
];

/// Node kinds of declarations that may carry an initializer.
const DECLARATION_KINDS: &[&str] = &[
    "lexical_declaration",
    "variable_declaration",
    "variable_declarator",
    "local_variable_declaration",
    "field_declaration",
    "short_var_declaration",
    "var_declaration",
    "var_spec",
];

/// Where a lone assignment pattern may match a declaration: at the
/// declarator, so the range is `x = e` as Semgrep reports it.
const DECLARATOR_KINDS: &[&str] = &["variable_declarator", "short_var_declaration", "var_spec"];

/// Where a statement assignment pattern (`x = e;`) matches a declaration:
/// the whole declaration, as Semgrep reports it.
const DECLARATION_STATEMENT_KINDS: &[&str] = &[
    "local_variable_declaration",
    "lexical_declaration",
    "variable_declaration",
    "resource",
];

/// Class-like definitions, across the grammars: their bodies are
/// open-ended in a pattern.
const CLASS_KINDS: &[&str] = &[
    "class_definition",
    "class_declaration",
    "interface_declaration",
    "enum_declaration",
    "class",
    "module",
];

/// Statements without nested blocks, where a deep expression statement may
/// look for its expression (statements inside compound statements are
/// reached by the ellipsis rule in `seq` instead).
const SIMPLE_STATEMENTS: &[&str] = &[
    "expression_statement",
    "return_statement",
    "throw_statement",
    "lexical_declaration",
    "variable_declaration",
    "local_variable_declaration",
    "short_var_declaration",
    "var_declaration",
    "assignment_statement",
    "defer_statement",
    "go_statement",
    // Java try-with-resources: `try (T x = e)` declares like a statement.
    "resource",
];

/// Matching steps one file may take across all rules (a step is one
/// pattern node tried against one tree node).
const MAX_STEPS_PER_FILE: u64 = 200_000_000;

/// The most distinct matches kept per node and pattern, a guard against
/// patterns such as `f(..., $X, ..., $Y, ...)` on huge argument lists.
const MAX_ENVS_PER_NODE: usize = 64;
/// The most ways to match tried per node and pattern, repeats included: a
/// body pattern with several `...` reaches the same bindings in many ways
/// (`def $F(...): ... def $G(...): ... ... <... $G ...>` once per use of
/// each inner function), and only distinct bindings count towards
/// [`MAX_ENVS_PER_NODE`].
const MAX_TRIES_PER_NODE: usize = 64 * MAX_ENVS_PER_NODE;

/// A set of node kinds with a cheap hash (kinds are small integers and
/// the matcher tests membership on every step).
pub(crate) type KindSet = HashSet<u16, std::hash::BuildHasherDefault<KindHasher>>;

/// Fibonacci hashing of a node kind.
#[derive(Default)]
pub(crate) struct KindHasher(u64);

impl std::hash::Hasher for KindHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u16(&mut self, n: u16) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Every node kind name of `language`, by kind id, computed once per
/// grammar and shared by every matcher.
fn kind_names(language: &tree_sitter::Language) -> Arc<[Box<str>]> {
    use std::sync::{Mutex, OnceLock};
    type Cache = Mutex<Vec<(Vec<Box<str>>, Arc<[Box<str>]>)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let name = |id: usize| -> Box<str> {
        u16::try_from(id)
            .ok()
            .and_then(|id| language.node_kind_for_id(id))
            .unwrap_or("")
            .into()
    };
    let count = language.node_kind_count();
    // A grammar is recognized by its symbol count and first names.
    let key: Vec<Box<str>> = std::iter::once(count.to_string().into())
        .chain((0..count.min(32)).map(name))
        .collect();
    let build = || -> Arc<[Box<str>]> { (0..count).map(name).collect::<Vec<_>>().into() };
    let Ok(mut cache) = CACHE.get_or_init(|| Mutex::new(Vec::new())).lock() else {
        return build();
    };
    if let Some((_, names)) = cache.iter().find(|(k, _)| *k == key) {
        return names.clone();
    }
    let names = build();
    cache.push((key, names.clone()));
    names
}

/// Matches patterns against one tree.
pub(crate) struct TreeMatcher<'t, 's> {
    pub(crate) tree: &'t SynTree<'s>,
    /// The rule being matched asks for symbolic propagation: a variable
    /// assigned once also matches as the expression assigned to it.
    symbolic: std::cell::Cell<bool>,
    keyword_kinds: KindSet,
    block_kinds: KindSet,
    /// Node ids by kind, in pre-order: a pattern rooted at a call only
    /// visits calls.
    by_kind: HashMap<u16, Vec<NodeId>>,
    aliases: Aliases,
    attribute_kinds: KindSet,
    optional_kinds: KindSet,
    subset_kinds: KindSet,
    /// JSX tags (`<a x={1}>`, `<a />`): attributes match as a subset, in
    /// any order; and the attribute kinds.
    jsx_tag_kinds: KindSet,
    jsx_attribute_kinds: KindSet,
    /// Destructuring entries that name a key (`{ a: b }`): a bare `$X`
    /// entry of a pattern (`{ $X }`, shorthand) does not match them.
    keyed_entry_kinds: KindSet,
    /// Statements reported without their `;` (JavaScript declarations and
    /// imports, Java fields and returns).
    semicolon_free_kinds: KindSet,
    /// Ruby's blocks of a call (`f(x) do ... end`, `f { }`): a call pattern
    /// without one matches the call and reports it without its block.
    call_block_kinds: KindSet,
    wrapper_kinds: KindSet,
    /// String literal kinds (interpolated ones are interior nodes).
    string_kinds: KindSet,
    /// Function and lambda kinds: a deep expression statement does not look
    /// inside them.
    function_kinds: KindSet,
    /// Pattern kinds some equivalence applies to (assignments, functions,
    /// imports, Ruby pairs and symbols, Java constructors, ...).
    equiv_pattern_kinds: KindSet,
    /// Code kinds some equivalence applies to (wrappers, Ruby keyword
    /// parameters).
    equiv_target_kinds: KindSet,
    /// Python definitions with decorators: the definition's id to the
    /// `decorated_definition` around it.
    decorated: HashMap<NodeId, NodeId>,
    /// Python's `set` and `dictionary` kinds: the pattern `{...}` is
    /// either.
    python_braces: Option<(u16, u16)>,
    /// Python's `import_statement` kind, for module-import patterns.
    python_import_kind: Option<u16>,
    language: Option<tree_sitter::Language>,
    /// Node kind names by kind id.
    kind_names: Arc<[Box<str>]>,
    declared: DeclaredTypes,
    /// Matching steps left for this file; when it runs out, matching stops
    /// and the file is reported as timed out instead of hanging the scan.
    budget: std::cell::Cell<u64>,
    /// Constant values of identifiers, computed on first use.
    constants: std::cell::OnceCell<Constants>,
    /// Body blocks of class definitions (see `class_bodies`).
    class_bodies: std::cell::OnceCell<HashSet<NodeId>>,
    /// Names declared by parameters (see `parameter_names`).
    parameter_names: std::cell::OnceCell<HashSet<NodeId>>,
    /// Expression bodies of lambdas (see `lambda_bodies`).
    lambda_bodies: std::cell::OnceCell<Vec<NodeId>>,
    /// `sub_statements`, per statement: a `...` in a statement sequence
    /// asks for them again at every start position.
    sub_statements: std::cell::RefCell<HashMap<NodeId, Arc<[NodeId]>>>,
    /// While a statement-sequence pattern is matched: its statements (the
    /// address and length of the slice), and per statement index and tree
    /// node whether the statement matches the node with no metavariable
    /// bound yet. A statement that fails to match then fails whatever the
    /// bindings, so `A ... B` tries `B` with bindings only where it can
    /// match at all, instead of at every statement after every `A`.
    seq_top: std::cell::Cell<(usize, usize)>,
    seq_possible: std::cell::RefCell<HashMap<(usize, NodeId), bool>>,
}

impl<'t, 's> TreeMatcher<'t, 's> {
    pub(crate) fn new(tree: &'t SynTree<'s>, grammar: &Grammar) -> Self {
        let ids = |names: &[&str]| -> KindSet {
            names
                .iter()
                .map(|n| grammar.language.id_for_node_kind(n, true))
                .filter(|&id| id != 0)
                .collect()
        };
        let mut by_kind: HashMap<u16, Vec<NodeId>> = HashMap::new();
        for id in tree.ids() {
            by_kind.entry(tree.node(id).kind).or_default().push(id);
        }
        let decorated = {
            let kind = grammar
                .language
                .id_for_node_kind("decorated_definition", true);
            let mut map = HashMap::new();
            if grammar.import_style == ImportStyle::Python && kind != 0 {
                for &wrapper in by_kind.get(&kind).into_iter().flatten() {
                    if let Some(&inner) = tree.kids(wrapper).last() {
                        map.insert(inner, wrapper);
                    }
                }
            }
            // `@Dec() export class A {}`: the decorators belong to the
            // exported class, which is reported with them.
            let export = grammar.language.id_for_node_kind("export_statement", true);
            let decorator = grammar.language.id_for_node_kind("decorator", true);
            if grammar.import_style == ImportStyle::JavaScript && export != 0 && decorator != 0 {
                for &wrapper in by_kind.get(&export).into_iter().flatten() {
                    let kids = tree.kids(wrapper);
                    if kids.iter().any(|&k| tree.node(k).kind == decorator)
                        && let Some(&inner) = kids.last()
                    {
                        map.insert(inner, wrapper);
                    }
                }
            }
            map
        };
        Self {
            tree,
            symbolic: std::cell::Cell::new(false),
            keyword_kinds: ids(grammar.keyword_arguments),
            block_kinds: ids(grammar.blocks),
            by_kind,
            aliases: match grammar.import_style {
                ImportStyle::Python => Aliases::python(tree, grammar),
                ImportStyle::Java => Aliases::java(tree, grammar),
                ImportStyle::Go => Aliases::go(tree, grammar),
                ImportStyle::JavaScript => Aliases::javascript(tree, grammar),
                ImportStyle::None => Aliases::default(),
            },
            attribute_kinds: ids(grammar.import_attributes),
            // Keywords such as `async` are anonymous tokens: both ids count.
            optional_kinds: {
                let mut kinds = ids(grammar.optional_kids);
                kinds.extend(
                    grammar
                        .optional_kids
                        .iter()
                        .map(|n| grammar.language.id_for_node_kind(n, false))
                        .filter(|&id| id != 0),
                );
                kinds
            },
            subset_kinds: ids(grammar.subset_kinds),
            jsx_tag_kinds: ids(&["jsx_opening_element", "jsx_self_closing_element"]),
            jsx_attribute_kinds: ids(&["jsx_attribute", "jsx_expression"]),
            keyed_entry_kinds: ids(&["pair_pattern"]),
            call_block_kinds: if grammar.language.id_for_node_kind("do_block", true) != 0 {
                ids(&["block", "do_block"])
            } else {
                KindSet::default()
            },
            semicolon_free_kinds: match grammar.import_style {
                ImportStyle::JavaScript => ids(&[
                    "lexical_declaration",
                    "variable_declaration",
                    "import_statement",
                ]),
                ImportStyle::Java => ids(&["field_declaration", "return_statement"]),
                _ => KindSet::default(),
            },
            wrapper_kinds: ids(grammar.wrappers),
            string_kinds: ids(grammar.strings),
            function_kinds: ids(super::constants::FUNCTION_KINDS),
            equiv_pattern_kinds: {
                let mut kinds = ids(ASSIGNMENT_KINDS);
                kinds.extend(ids(&[
                    "expression_statement",
                    "function_expression",
                    "function_declaration",
                    "variable_declaration",
                    "local_variable_declaration",
                    "var_spec",
                    "for_statement",
                    "member_expression",
                    "set",
                    "dictionary",
                    "import_statement",
                    "import_declaration",
                    "call",
                    "constructor_declaration",
                    "simple_symbol",
                    "match_pattern",
                    "pair",
                    "binary_expression",
                    "binary_operator",
                    "binary",
                    "decorator",
                    "return_statement",
                ]));
                kinds
            },
            equiv_target_kinds: {
                let mut kinds = ids(grammar.wrappers);
                kinds.extend(ids(&["keyword_parameter"]));
                kinds
            },
            decorated,
            python_braces: (grammar.import_style == ImportStyle::Python)
                .then(|| {
                    let id = |name| grammar.language.id_for_node_kind(name, true);
                    (id("set"), id("dictionary"))
                })
                .filter(|&(a, b)| a != 0 && b != 0),
            python_import_kind: (grammar.import_style == ImportStyle::Python)
                .then(|| grammar.language.id_for_node_kind("import_statement", true))
                .filter(|&id| id != 0),
            declared: match grammar.typed_metavariables {
                Some(lang) => DeclaredTypes::new(tree, &grammar.language, lang),
                None => DeclaredTypes::default(),
            },
            language: Some(grammar.language.clone()),
            kind_names: kind_names(&grammar.language),
            budget: std::cell::Cell::new(MAX_STEPS_PER_FILE),
            constants: std::cell::OnceCell::new(),
            class_bodies: std::cell::OnceCell::new(),
            parameter_names: std::cell::OnceCell::new(),
            lambda_bodies: std::cell::OnceCell::new(),
            sub_statements: std::cell::RefCell::default(),
            seq_top: std::cell::Cell::new((0, 0)),
            seq_possible: std::cell::RefCell::default(),
        }
    }

    /// The nodes of `kind`, in pre-order.
    pub(super) fn nodes_of_kind(&self, kind: u16) -> &[NodeId] {
        self.by_kind.get(&kind).map_or(&[], Vec::as_slice)
    }

    /// The nodes of any of `kinds`, in pre-order (each kind counted once).
    fn nodes_of_kinds(
        &self,
        kinds: impl IntoIterator<Item = u16>,
    ) -> Box<dyn Iterator<Item = NodeId> + '_> {
        let mut kinds: Vec<u16> = kinds.into_iter().collect();
        kinds.sort_unstable();
        kinds.dedup();
        let mut ids: Vec<NodeId> = kinds
            .iter()
            .flat_map(|&k| self.nodes_of_kind(k))
            .copied()
            .collect();
        ids.sort_unstable();
        Box::new(ids.into_iter())
    }

    /// Whether matching stopped early because the file used up its budget.
    pub(crate) fn timed_out(&self) -> bool {
        self.budget.get() == 0
    }

    /// The nodes where a match of `p` can start.
    fn candidates(&self, p: &Pat) -> Box<dyn Iterator<Item = NodeId> + '_> {
        match p {
            // `O. ...` matches at any link of a chain (a Java method call
            // is no field access).
            Pat::Node { .. } if self.chain_object(p).is_some() => Box::new(self.tree.ids()),
            Pat::Node { kind, .. }
                if self.js_function_targets(p).is_some()
                    || self.kind_name(*kind) == "variable_declaration" =>
            {
                // `function (...) {...}` also matches arrow functions and
                // named function expressions, `function ... (...)` every
                // function, and `var x = e` also `let`/`const` declarations.
                let others: &[&str] = match self.js_function_targets(p) {
                    Some(targets) => targets,
                    None => &["lexical_declaration"],
                };
                self.nodes_of_kinds(
                    std::iter::once(*kind).chain(others.iter().filter_map(|n| self.kind_id(n))),
                )
            }
            Pat::Node { kind, .. } if self.any_braces(p) => {
                let (set, dict) = self.python_braces.unwrap_or((*kind, *kind));
                self.nodes_of_kinds([set, dict])
            }
            Pat::Node { kind, .. } if self.python_import_pattern(p).is_some() => self
                .nodes_of_kinds(
                    std::iter::once(*kind).chain(self.kind_id("import_from_statement")),
                ),
            // Assignments also match declarations with an initializer: at
            // the declarator, or at the declaration for a statement `x = e;`.
            Pat::Node { kind, .. } if self.assignment_parts_of_pattern(p).is_some() => {
                let targets = if self.kind_name(*kind) == "expression_statement" {
                    DECLARATION_STATEMENT_KINDS
                } else {
                    DECLARATOR_KINDS
                };
                self.nodes_of_kinds(
                    std::iter::once(*kind).chain(targets.iter().filter_map(|n| self.kind_id(n))),
                )
            }
            // A statement `e;` matches any simple statement holding `e`.
            Pat::Node { kind, .. } if self.kind_name(*kind) == "expression_statement" => {
                self.nodes_of_kinds(SIMPLE_STATEMENTS.iter().filter_map(|n| self.kind_id(n)))
            }
            // A return also matches a lambda's expression body.
            Pat::Node { kind, .. } if self.kind_name(*kind) == "return_statement" => Box::new(
                self.nodes_of_kind(*kind)
                    .iter()
                    .copied()
                    .chain(self.lambda_bodies().iter().copied()),
            ),
            Pat::Node { kind, .. } if self.equivalent_kinds(*kind).is_some() => {
                self.nodes_of_kinds(std::iter::once(*kind).chain(self.equivalent_kinds(*kind)))
            }
            // A literal also matches an identifier that holds it.
            Pat::Leaf {
                kind, named: true, ..
            } if self.kind_name(*kind) != "identifier" && self.kind_id("identifier").is_some() => {
                self.nodes_of_kinds(std::iter::once(*kind).chain(self.kind_id("identifier")))
            }
            Pat::Node { kind, .. } | Pat::Leaf { kind, .. } => {
                Box::new(self.by_kind.get(kind).into_iter().flatten().copied())
            }
            Pat::Name { inner, .. } if self.aliases.is_empty() => self.candidates(inner),
            _ => Box::new(self.tree.ids()),
        }
    }

    /// A matcher for a tree without grammar (regex-only formulas).
    pub(crate) fn new_textual(tree: &'t SynTree<'s>) -> Self {
        Self {
            tree,
            symbolic: std::cell::Cell::new(false),
            keyword_kinds: KindSet::default(),
            block_kinds: KindSet::default(),
            by_kind: HashMap::new(),
            aliases: Aliases::default(),
            attribute_kinds: KindSet::default(),
            optional_kinds: KindSet::default(),
            subset_kinds: KindSet::default(),
            jsx_tag_kinds: KindSet::default(),
            jsx_attribute_kinds: KindSet::default(),
            keyed_entry_kinds: KindSet::default(),
            semicolon_free_kinds: KindSet::default(),
            call_block_kinds: KindSet::default(),
            wrapper_kinds: KindSet::default(),
            string_kinds: KindSet::default(),
            function_kinds: KindSet::default(),
            equiv_pattern_kinds: KindSet::default(),
            equiv_target_kinds: KindSet::default(),
            decorated: HashMap::new(),
            python_import_kind: None,
            python_braces: None,
            language: None,
            kind_names: Arc::from(Vec::new()),
            declared: DeclaredTypes::default(),
            budget: std::cell::Cell::new(MAX_STEPS_PER_FILE),
            constants: std::cell::OnceCell::new(),
            class_bodies: std::cell::OnceCell::new(),
            parameter_names: std::cell::OnceCell::new(),
            lambda_bodies: std::cell::OnceCell::new(),
            sub_statements: std::cell::RefCell::default(),
            seq_top: std::cell::Cell::new((0, 0)),
            seq_possible: std::cell::RefCell::default(),
        }
    }

    /// Every match of `pattern` in the tree, in source order.
    pub(crate) fn find_all(&self, pattern: &PatternTree) -> Vec<RangeMatch> {
        let mut out = Vec::new();
        match pattern {
            PatternTree::Node(p) => {
                // A lone `$X` is any expression: not a statement, a
                // definition, a block or a parameter declaration, as in
                // Semgrep.
                let lone_metavar = matches!(p, Pat::Metavar(_) | Pat::TypedMetavar { .. });
                for id in self.candidates(p) {
                    if !self.could_start(p, id)
                        || (lone_metavar
                            && (!self.is_expression_like(id)
                                || self.parameter_names().contains(&id)))
                    {
                        continue;
                    }
                    // A decorated Python definition is matched (and
                    // reported) with its decorators, as Semgrep does.
                    let id = self.decorated.get(&id).copied().unwrap_or(id);
                    let (start, end) = (self.reported_start(p, id), self.reported_end(p, id));
                    let (first, mut tries) = (out.len(), 0);
                    self.node(p, id, &mut Env::default(), &mut |env| {
                        tries += 1;
                        if !out[first..].iter().any(|m: &RangeMatch| m.env == *env) {
                            out.push(RangeMatch {
                                start,
                                end,
                                env: env.clone(),
                            });
                        }
                        out.len() - first >= MAX_ENVS_PER_NODE || tries >= MAX_TRIES_PER_NODE
                    });
                }
            }
            PatternTree::Seq(ps) => {
                let outer = self.seq_top.replace((ps.as_ptr() as usize, ps.len()));
                let outer_possible = self.seq_possible.take();
                let blocks = self
                    .block_kinds
                    .iter()
                    .filter_map(|k| self.by_kind.get(k))
                    .flatten();
                for &block in blocks {
                    let kids = self.tree.kids(block);
                    for i in 0..kids.len() {
                        let rest = &kids[i..];
                        let (first_match, mut tries) = (out.len(), 0);
                        self.seq(
                            ps,
                            rest,
                            true,
                            &mut Env::default(),
                            &mut |env, remaining| {
                                let used = rest.len() - remaining;
                                tries += 1;
                                if used > 0 {
                                    let (first, last) =
                                        (self.tree.node(rest[0]), self.tree.node(rest[used - 1]));
                                    let m = RangeMatch {
                                        start: first.start,
                                        end: last.end,
                                        env: env.clone(),
                                    };
                                    if !out[first_match..].contains(&m) {
                                        out.push(m);
                                    }
                                }
                                out.len() - first_match >= MAX_ENVS_PER_NODE
                                    || tries >= MAX_TRIES_PER_NODE
                            },
                        );
                    }
                }
                self.seq_top.set(outer);
                *self.seq_possible.borrow_mut() = outer_possible;
            }
        }
        out.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end)));
        out
    }

    /// Whether a lone `$X` pattern may match `id`: a node that is not the
    /// file, a block, a statement, a definition or an argument list (an
    /// expression statement's expression is matched on its own), and is
    /// not empty.
    fn is_expression_like(&self, id: NodeId) -> bool {
        let n = self.tree.node(id);
        if id == self.tree.root() || n.start == n.end || self.block_kinds.contains(&n.kind) {
            return false;
        }
        let name = self.kind_name(n.kind);
        !(name.contains("statement")
            || name.contains("definition")
            || name.contains("declaration")
            || name.contains("argument")
            || matches!(
                name,
                "method" | "singleton_method" | "class" | "module" | "decorator"
            ))
    }

    /// A cheap test before trying a pattern at a node.
    fn could_start(&self, p: &Pat, id: NodeId) -> bool {
        let n = self.tree.node(id);
        match p {
            Pat::Node { kind, .. } => {
                (n.kind == *kind && n.class == Class::Interior)
                    || (n.named && self.chain_object(p).is_some())
                    || (self.any_braces(p) && self.is_braces(n.kind))
                    || (self.kind_name(*kind) == "variable_declaration"
                        && self.kind_name(n.kind) == "lexical_declaration")
                    || (self.kind_name(n.kind) == "import_from_statement"
                        && self.python_import_pattern(p).is_some())
                    || (self.assignment_parts_of_pattern(p).is_some()
                        && self.assignment_parts(id).is_some())
                    || self
                        .js_function_targets(p)
                        .is_some_and(|targets| targets.contains(&self.kind_name(n.kind)))
                    || self.equivalent_kinds(*kind) == Some(n.kind)
                    || (self.kind_name(*kind) == "expression_statement"
                        && SIMPLE_STATEMENTS.contains(&self.kind_name(n.kind)))
                    || (self.kind_name(*kind) == "return_statement"
                        && self.lambda_bodies().binary_search(&id).is_ok())
            }
            Pat::Leaf { kind, named, .. } => {
                n.kind == *kind || (*named && n.class == Class::Leaf && n.named)
            }
            // An identifier may hold a string constant.
            Pat::Str(StrPat::AnyFString) => {
                n.class == Class::Str
                    || (n.class == Class::Interior && self.string_kinds.contains(&n.kind))
            }
            Pat::Str(sp) => {
                n.class == Class::Str
                    || (n.named
                        && matches!(n.class, Class::Leaf | Class::Interior)
                        && !matches!(sp, StrPat::Metavar(_)))
            }
            Pat::Metavar(_)
            | Pat::TypedMetavar { .. }
            | Pat::Wildcard
            | Pat::Deep(_)
            | Pat::InStatement(_)
            | Pat::Name { .. } => n.named,
            // A lone `...` or `$...X` matches nothing useful on its own.
            Pat::Ellipsis | Pat::EllipsisMetavar(_) => false,
        }
    }

    /// Match one pattern node against one tree node.
    pub(crate) fn node(
        &self,
        p: &Pat,
        t: NodeId,
        env: &mut Env,
        k: &mut dyn FnMut(&mut Env) -> bool,
    ) -> bool {
        let left = self.budget.get();
        if left == 0 {
            // Out of budget: unwind as if the caller asked to stop.
            return true;
        }
        self.budget.set(left - 1);
        let n = *self.tree.node(t);
        // `t` itself, as a metavariable binding: with its parentheses, as
        // Semgrep binds `(a + b)` (looked up only when a metavariable binds).
        let whole = || {
            let (start, end) = self.tree.outer_span(t);
            Binding {
                node: Some(t),
                start,
                end,
            }
        };
        match p {
            Pat::Node {
                kind,
                kids,
                unordered_keywords,
            } => {
                if let Some(object) = self.chain_object(p) {
                    return self.chain_prefix(object, t, env, k);
                }
                // Only a few kinds take part in an equivalence: the
                // checks below are skipped for every other node.
                let special = self.equiv_pattern_kinds.contains(kind)
                    || self.equiv_target_kinds.contains(&n.kind);
                if special {
                    if let Some(module) = self.python_import_pattern(p) {
                        return self.imports_module(t, &module) && k(env);
                    }
                    if self.any_braces(p) {
                        return self.is_braces(n.kind) && k(env);
                    }
                    if self.js_function_targets(p).is_some() {
                        return self.function_equivalence(p, t, env, k);
                    }
                    if let Some(matched) = self.decorator_with_call(p, t, env, k) {
                        return matched;
                    }
                    if self.operand_chain(p, t, env, k) {
                        return true;
                    }
                }
                let mut found = false;
                let stop = if n.kind != *kind || n.class != Class::Interior {
                    special
                        && (self.assignment_equivalence(p, t, env, &mut |env| {
                            found = true;
                            k(env)
                        }) || self.wrapped_declaration(p, t, env, &mut |env| {
                            found = true;
                            k(env)
                        }) || self.var_equivalence(p, t, env, &mut |env| {
                            found = true;
                            k(env)
                        }))
                } else {
                    let tkids = self.tree.kids(t);
                    let mut k2 = |env: &mut Env| {
                        found = true;
                        k(env)
                    };
                    if special && self.is_dotted_callee_pattern(p, t) {
                        self.ruby_dotted_callee(p, t, env, &mut k2)
                    } else if *unordered_keywords {
                        self.keyword_seq(kids, tkids, env, &mut k2)
                    } else if self.jsx_tag_kinds.contains(kind) {
                        self.jsx_tag(kids, tkids, env, &mut k2)
                    } else if self.subset_kinds.contains(kind) {
                        let pats: Vec<&Pat> = kids.iter().collect();
                        let mut used = vec![false; tkids.len()];
                        self.assign_distinct(&pats, tkids, &mut used, None, env, &mut |env, _| {
                            k2(env)
                        })
                    } else if self.block_kinds.contains(kind)
                        && t != self.tree.root()
                        && self.class_bodies().contains(&t)
                    {
                        self.class_members(kids, tkids, env, &mut k2)
                    } else if self.block_kinds.contains(kind)
                        && t != self.tree.root()
                        && kids.iter().any(|p| matches!(p, Pat::Ellipsis))
                    {
                        self.block_body(kids, tkids, env, &mut k2)
                    } else if let (Some(name), [first, .., last]) =
                        (self.python_block_metavar(*kind, kids), tkids)
                    {
                        // A Python body that is one `$S` is the whole body,
                        // however many statements it holds, as in Semgrep.
                        let whole = Binding {
                            node: None,
                            start: self.tree.node(*first).start,
                            end: self.tree.node(*last).end,
                        };
                        self.bind(name, whole, env, &mut k2)
                    } else if self.kind_name(*kind) == "concatenated_string" {
                        // Python's `"a" "b" "c"`: a pattern of two parts
                        // matches any run of parts of a longer
                        // concatenation, as Semgrep folds it pairwise.
                        (0..tkids.len())
                            .any(|i| self.seq(kids, &tkids[i..], true, env, &mut |env, _| k2(env)))
                    } else {
                        self.seq(kids, tkids, false, env, &mut |env, _| k2(env))
                    }
                };
                if stop {
                    return true;
                }
                if found {
                    // Semgrep's deep statement matching also looks inside
                    // a statement the pattern matched whole (`$X = $Y;`
                    // matches `a = b = c;` twice).
                    return special
                        && n.kind == *kind
                        && self.kind_name(*kind) == "expression_statement"
                        && self.deep_expression_statement(p, t, true, env, k);
                }
                (special
                    && (self.deep_expression_statement(p, t, false, env, k)
                        || self.node_equivalence(p, t, env, k)
                        || self.tuple_assignment(p, t, env, k)))
                    || self
                        .symbolic_value(t)
                        .is_some_and(|v| self.node(p, v, env, k))
                    // A variable holding a regex literal matches a regex
                    // pattern (`r = /a+/` ... `r.test(s)` for `/$R/.test(...)`).
                    || (n.class == Class::Leaf
                        && self.kind_name(*kind) == "regex"
                        && self.literal_constant(t).is_some_and(|l| {
                            self.tree.node(l).kind == *kind && self.node(p, l, env, k)
                        }))
            }
            Pat::Leaf { kind, text, named } => {
                (n.kind == *kind
                    && matches!(n.class, Class::Leaf | Class::Error)
                    && (self.tree.text(t) == &**text || self.same_string_delimiter(*kind, t, text))
                    && k(env))
                    // An identifier holding the literal, by constant
                    // propagation (`flag = False` ... `f(flag)` matches
                    // `f(False)`).
                    || (*named
                        && n.kind != *kind
                        && n.class == Class::Leaf
                        && self.literal_constant(t).is_some_and(|l| {
                            self.tree.node(l).kind == *kind && self.tree.text(l) == &**text
                        })
                        && k(env))
                    || ((self.equiv_pattern_kinds.contains(kind)
                        || self.equiv_target_kinds.contains(&n.kind))
                        && self.node_equivalence(p, t, env, k))
            }
            Pat::Str(StrPat::AnyFString) => {
                let is_string = n.class == Class::Str
                    || (n.class == Class::Interior && self.string_kinds.contains(&n.kind));
                let text = self.tree.text(t);
                is_string && (super::pattern::is_f_string(text) || text.starts_with('`')) && k(env)
            }
            Pat::Str(sp) => {
                let folded;
                // `"$X"` on an identifier holding one literal's value (by
                // constant propagation) binds that literal's content.
                let literal = match sp {
                    StrPat::Metavar(_) if n.class == Class::Leaf => {
                        self.constants().and_then(|c| c.content(t))
                    }
                    _ => None,
                };
                let content = if n.class == Class::Str {
                    self.tree.str_content(t)
                } else if let Some((start, end)) = literal {
                    &self.tree.source[start as usize..end as usize]
                } else if matches!(n.class, Class::Leaf | Class::Interior)
                    && let Some(value) = self.constant(t)
                {
                    value
                } else if let Some(value) = self.string_concat(t) {
                    folded = value;
                    folded.as_str()
                } else {
                    return false;
                };
                match sp {
                    StrPat::Any => k(env),
                    // Handled above.
                    StrPat::AnyFString => false,
                    StrPat::Exact(s) => content == &**s && k(env),
                    StrPat::Regex(re) => re.is_match(content) && k(env),
                    // `"$X"` binds the string's content, without quotes.
                    StrPat::Metavar(name) if let Some((start, end)) = literal => self.bind(
                        name,
                        Binding {
                            node: None,
                            start,
                            end,
                        },
                        env,
                        k,
                    ),
                    // Otherwise, through a variable holding a string, the
                    // content of the literal assigned (as Semgrep locates
                    // it), or the identifier.
                    StrPat::Metavar(name) if n.class != Class::Str => {
                        let origin = self
                            .literal_constant(t)
                            .map(|l| *self.tree.node(l))
                            .filter(|l| l.class == Class::Str);
                        let b = origin.map_or_else(whole, |l| Binding {
                            node: None,
                            start: l.content.0,
                            end: l.content.1,
                        });
                        self.bind(name, b, env, k)
                    }
                    StrPat::Metavar(name) => self.bind(
                        name,
                        Binding {
                            node: None,
                            start: n.content.0,
                            end: n.content.1,
                        },
                        env,
                        k,
                    ),
                }
            }
            // A keyword argument (`f(a=1)`, Ruby `f(a: 1)`) is no
            // expression: `f($X)` does not match it. (Ruby's `"k" => v` is
            // a pair that is one.) The kind set test keeps the common case
            // to one lookup.
            Pat::Metavar(name) => {
                let keyword = self.keyword_kinds.contains(&n.kind)
                    && (self.kind_name(n.kind) != "pair" || self.is_ruby_keyword_argument(t));
                n.named && !keyword && self.bind(name, whole(), env, k)
            }
            Pat::TypedMetavar { name, ty } => {
                n.named
                    && self
                        .language
                        .as_ref()
                        .is_some_and(|l| self.declared.has_type(self.tree, l, t, ty))
                    && self.bind(name, whole(), env, k)
            }
            Pat::Wildcard | Pat::Ellipsis => k(env),
            Pat::EllipsisMetavar(name) => self.bind(name, whole(), env, k),
            Pat::Name {
                dotted,
                tail,
                inner,
            } => {
                if self.node(inner, t, env, k) {
                    return true;
                }
                let Some(full) = self.aliases.resolve(self.tree, t, &self.attribute_kinds) else {
                    return false;
                };
                let Some(tail) = tail else {
                    return full == **dotted && k(env);
                };
                // `a.b.$X`: the resolved name is `a.b.<one segment>`, and
                // `$X` binds the code's last identifier.
                let last_is_one_segment = full
                    .strip_prefix(&**dotted)
                    .and_then(|rest| rest.strip_prefix('.'))
                    .is_some_and(|rest| !rest.is_empty() && !rest.contains('.'));
                if !last_is_one_segment {
                    return false;
                }
                let last = self.tree.kids(t).last().copied().unwrap_or(t);
                let ln = self.tree.node(last);
                let b = Binding {
                    node: Some(last),
                    start: ln.start,
                    end: ln.end,
                };
                self.bind(tail, b, env, k)
            }
            Pat::Deep(inner) => {
                let mut stack = vec![t];
                while let Some(id) = stack.pop() {
                    if self.node(inner, id, env, k) {
                        return true;
                    }
                    stack.extend(self.tree.kids(id).iter().rev());
                }
                false
            }
            Pat::InStatement(inner) => {
                let mut stack = vec![t];
                while let Some(id) = stack.pop() {
                    if self.node(inner, id, env, k) {
                        return true;
                    }
                    let kind = self.tree.node(id).kind;
                    if id != t
                        && (self.block_kinds.contains(&kind) || self.function_kinds.contains(&kind))
                    {
                        continue;
                    }
                    stack.extend(
                        self.tree
                            .kids(id)
                            .iter()
                            .rev()
                            .filter(|&&c| !self.block_kinds.contains(&self.tree.node(c).kind)),
                    );
                }
                false
            }
        }
    }

    /// The grammar's name for a node kind (a table lookup: this sits on
    /// the matcher's hot path).
    pub(super) fn kind_name(&self, kind: u16) -> &str {
        self.kind_names.get(usize::from(kind)).map_or("", |n| n)
    }

    pub(super) fn kind_id(&self, name: &str) -> Option<u16> {
        let id = self.language.as_ref()?.id_for_node_kind(name, true);
        (id != 0).then_some(id)
    }

    /// `lhs = rhs` in a pattern (or a statement wrapping one).
    fn assignment_parts_of_pattern<'p>(&self, p: &'p Pat) -> Option<(&'p Pat, &'p Pat)> {
        let Pat::Node { kind, kids, .. } = p else {
            return None;
        };
        match (self.kind_name(*kind), kids.as_slice()) {
            // Only a plain `=` (or Go's `:=`) is a declaration's equal:
            // `x += e` is no `T x = e`.
            (name, [lhs, Pat::Leaf { text, .. }, rhs])
                if ASSIGNMENT_KINDS.contains(&name) && matches!(&**text, "=" | ":=") =>
            {
                Some((lhs, rhs))
            }
            ("expression_statement", [inner]) => self.assignment_parts_of_pattern(inner),
            _ => None,
        }
    }

    /// `lhs = rhs` in the code: an assignment, or a declaration with an
    /// initializer (`const x = e`, `var x = e`, `x := e`, `T x = e;`).
    fn assignment_parts(&self, t: NodeId) -> Option<(NodeId, NodeId)> {
        let kids = self.tree.kids(t);
        match self.kind_name(self.tree.node(t).kind) {
            name if ASSIGNMENT_KINDS.contains(&name) => match kids {
                [lhs, _, rhs] => Some((*lhs, *rhs)),
                _ => None,
            },
            // `try (T x = e)`: the name is right before the `=`.
            "resource" => match kids {
                [.., name, op, value] if self.tree.text(*op) == "=" => Some((*name, *value)),
                _ => None,
            },
            "variable_declarator" | "var_spec" => match kids {
                [name, .., op, value] if self.tree.text(*op) == "=" => Some((*name, *value)),
                _ => None,
            },
            "expression_statement" => match kids {
                [inner] => self.assignment_parts(*inner),
                _ => None,
            },
            name if DECLARATION_KINDS.contains(&name) => {
                let declarators: Vec<NodeId> = kids
                    .iter()
                    .copied()
                    .filter(|&c| {
                        matches!(
                            self.kind_name(self.tree.node(c).kind),
                            "variable_declarator" | "var_spec"
                        )
                    })
                    .collect();
                match declarators.as_slice() {
                    [one] => self.assignment_parts(*one),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Match an assignment pattern against an assignment-like node of
    /// another kind (Semgrep treats `x = e` and `var x = e` alike).
    fn assignment_equivalence(
        &self,
        p: &Pat,
        t: NodeId,
        env: &mut Env,
        k: &mut dyn FnMut(&mut Env) -> bool,
    ) -> bool {
        let Some(((pl, pr), (tl, tr))) = self.assignment_pair(p, t) else {
            return false;
        };
        let (pl, pr) = (self.single_of_list(pl), self.single_of_list(pr));
        let (tl, tr) = (self.single_of_list_t(tl), self.single_of_list_t(tr));
        self.node(pl, tl, env, &mut |env| self.node(pr, tr, env, k))
    }

    /// The metavariable of a Python block pattern whose only statement is
    /// a lone `$S`.
    fn python_block_metavar<'p>(&self, kind: u16, kids: &'p [Pat]) -> Option<&'p Arc<str>> {
        // Only a Python matcher knows Python's brace kinds.
        if self.python_braces.is_none() || !self.block_kinds.contains(&kind) {
            return None;
        }
        match kids {
            [Pat::Node { kind, kids, .. }] if self.kind_name(*kind) == "expression_statement" => {
                match kids.as_slice() {
                    [Pat::Metavar(name)] => Some(name),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The two sides of an assignment pattern and of an assignment in the
    /// code, when both are assignments.
    fn assignment_pair<'p>(
        &self,
        p: &'p Pat,
        t: NodeId,
    ) -> Option<(PatPair<'p>, (NodeId, NodeId))> {
        Some((
            self.assignment_parts_of_pattern(p)?,
            self.assignment_parts(t)?,
        ))
    }

    /// `a, b = 1, 2` (Python) holds `a = 1` and `b = 2`: Semgrep matches a
    /// pattern with one target, `$V = 1`, at the whole statement.
    fn tuple_assignment(
        &self,
        p: &Pat,
        t: NodeId,
        env: &mut Env,
        k: &mut dyn FnMut(&mut Env) -> bool,
    ) -> bool {
        let Some(((pl, pr), (tl, tr))) = self.assignment_pair(p, t) else {
            return false;
        };
        let is_list = |kind: u16| {
            matches!(
                self.kind_name(kind),
                "pattern_list" | "expression_list" | "tuple_pattern"
            )
        };
        if !is_list(self.tree.node(tl).kind)
            || self.kind_name(self.tree.node(tr).kind) != "expression_list"
            || matches!(pl, Pat::Node { kind, .. } if is_list(*kind))
        {
            return false;
        }
        let (targets, values) = (self.tree.kids(tl), self.tree.kids(tr));
        if targets.len() != values.len() || targets.len() < 2 {
            return false;
        }
        targets.iter().zip(values).any(|(&l, &r)| {
            self.node(pl, l, env, &mut |env| match pr {
                Pat::Ellipsis => k(env),
                _ => self.node(pr, r, env, k),
            })
        })
    }

    /// Python string delimiters that differ only in their quotes (`f"`
    /// and `f'`): a pattern's choice of quote does not matter.
    fn same_string_delimiter(&self, kind: u16, t: NodeId, text: &str) -> bool {
        // Ruby's `` `cmd` `` and `%x{cmd}` are the same subshell.
        if self.kind_name(kind) == "`" {
            return true;
        }
        if !matches!(self.kind_name(kind), "string_start" | "string_end") {
            return false;
        }
        let strip = |s: &str| s.replace(['"', '\''], "").to_ascii_lowercase();
        strip(self.tree.text(t)) == strip(text)
    }

    /// The kinds a JavaScript function pattern also matches, beyond its
    /// own: an anonymous `function (...) {...}` matches arrow functions and
    /// named function expressions; `function ... (...) {...}` (an ellipsis
    /// for the name) matches every function. `None` for other patterns.
    fn js_function_targets(&self, p: &Pat) -> Option<&'static [&'static str]> {
        let Pat::Node { kind, kids, .. } = p else {
            return None;
        };
        let kind = self.kind_name(*kind);
        if !matches!(kind, "function_expression" | "function_declaration") {
            return None;
        }
        let named: Vec<&Pat> = kids
            .iter()
            .filter(|k| !matches!(k, Pat::Leaf { named: false, .. }))
            .collect();
        match (kind, named.as_slice()) {
            // `function (...) {...}` and `function $F(...) {...}`: any
            // function value, arrow functions included (as in Semgrep,
            // `$F` is not bound).
            ("function_expression", [_params, _body])
            | ("function_expression", [Pat::Metavar(_), _params, _body]) => {
                Some(&["function_expression", "arrow_function"])
            }
            (_, [Pat::Ellipsis, _params, _body]) => Some(&[
                "function_declaration",
                "function_expression",
                "arrow_function",
                "generator_function_declaration",
                "generator_function",
                // Semgrep's `function ...` matches class methods too.
                "method_definition",
            ]),
            _ => None,
        }
    }

    /// A JavaScript function pattern (see [`Self::js_function_targets`])
    /// against a function of any of its kinds: the parameters and the body
    /// must match; the name, `async` and type annotations may differ.
    fn function_equivalence(
        &self,
        p: &Pat,
        t: NodeId,
        env: &mut Env,
        k: &mut dyn FnMut(&mut Env) -> bool,
    ) -> bool {
        let Pat::Node { kind, kids, .. } = p else {
            return false;
        };
        let tkind = self.kind_name(self.tree.node(t).kind);
        let allowed = self
            .js_function_targets(p)
            .is_some_and(|targets| targets.contains(&tkind))
            || self.tree.node(t).kind == *kind;
        if !allowed {
            return false;
        }
        let named: Vec<&Pat> = kids
            .iter()
            .filter(|k| !matches!(k, Pat::Leaf { named: false, .. }))
            .collect();
        let (pparams, pbody) = match named.as_slice() {
            [params, body] | [_, params, body] => (*params, *body),
            _ => return false,
        };
        let tkids: Vec<NodeId> = self
            .tree
            .kids(t)
            .iter()
            .copied()
            .filter(|&c| self.tree.node(c).named)
            .collect();
        let param_kinds = ["formal_parameters", "identifier"];
        let Some(pos) = tkids
            .iter()
            .rposition(|&c| param_kinds.contains(&self.kind_name(self.tree.node(c).kind)))
        else {
            return false;
        };
        let tparams = tkids[pos];
        let Some(&tbody) = tkids.last().filter(|_| pos + 1 < tkids.len()) else {
            return false;
        };
        let params_match = |env: &mut Env, k: &mut dyn FnMut(&mut Env) -> bool| -> bool {
            if self.kind_name(self.tree.node(tparams).kind) == "identifier" {
                // `x => ...`: a single parameter without parentheses.
                let pk: Vec<Pat> = match pparams {
                    Pat::Ellipsis => return k(env),
                    Pat::Node { kids, .. } => kids
                        .iter()
                        .filter(|p| !matches!(p, Pat::Leaf { named: false, .. }))
                        .cloned()
                        .collect(),
                    _ => return false,
                };
                self.seq(&pk, &[tparams], false, env, &mut |env, _| k(env))
            } else {
                self.node(pparams, tparams, env, k)
            }
        };
        params_match(env, &mut |env| {
            if self.kind_name(self.tree.node(tbody).kind) == "statement_block" {
                self.node(pbody, tbody, env, k)
            } else {
                // An expression body is `{ return e; }`: a `{ ... }`
                // pattern body matches it, and so does one statement
                // between `...`s that matches `return e` (`<... e ...>;`
                // looks through it).
                let stmts: Vec<&Pat> = match pbody {
                    Pat::Ellipsis => return k(env),
                    Pat::Node { kids, .. } => kids
                        .iter()
                        .filter(|k| !matches!(k, Pat::Ellipsis))
                        .collect(),
                    _ => return false,
                };
                match stmts.as_slice() {
                    [] => k(env),
                    [Pat::Node { kind, kids, .. }]
                        if self.kind_name(*kind) == "expression_statement" =>
                    {
                        matches!(kids.as_slice(), [Pat::Deep(_)])
                            && self.node(&kids[0], tbody, env, k)
                    }
                    [stmt] => self.node(stmt, tbody, env, k),
                    _ => false,
                }
            }
        })
    }

    /// Semgrep's "deep expression statement": in a statement sequence, the
    /// pattern statement `foo(x);` also matches a statement that contains
    /// the call, such as `y = foo(x);` or `return foo(x);`.
    fn deep_expression_statement(
        &self,
        p: &Pat,
        t: NodeId,
        // The statement's own expressions were matched already: start
        // below them.
        below_top: bool,
        env: &mut Env,
        k: &mut dyn FnMut(&mut Env) -> bool,
    ) -> bool {
        let Pat::Node { kind, kids, .. } = p else {
            return false;
        };
        let [inner] = kids.as_slice() else {
            return false;
        };
        // `<... e ...>;` is any statement holding `e`, compound ones too,
        // and a lone metavariable statement (`$S`) any statement
        // (`pass`, `break`, an `if`).
        let statement = self.kind_name(self.tree.node(t).kind);
        let compound =
            matches!(inner, Pat::Deep(_) | Pat::Metavar(_)) && statement.ends_with("_statement");
        if self.kind_name(*kind) != "expression_statement"
            || matches!(inner, Pat::Ellipsis | Pat::EllipsisMetavar(_))
            || !(SIMPLE_STATEMENTS.contains(&statement) || compound)
        {
            return false;
        }
        // A lone metavariable statement (`$S`) binds the statement whole.
        if let Pat::Metavar(name) = inner {
            let n = self.tree.node(t);
            let whole = Binding {
                node: Some(t),
                start: n.start,
                end: n.end,
            };
            return self.bind(name, whole, env, k);
        }
        // The statement's own expressions, not the bodies of functions
        // defined in it (a callback's statements are statements of their
        // own, as in Semgrep).
        // Nor the branches of a JavaScript `c ? a : b` or the parts of a
        // comma sequence, which Semgrep's deep statement matching does not
        // enter either.
        let mut stack: Vec<NodeId> = if below_top {
            self.tree
                .kids(t)
                .iter()
                .flat_map(|&e| self.tree.kids(e).iter().copied())
                .rev()
                .collect()
        } else {
            self.tree.kids(t).iter().rev().copied().collect()
        };
        while let Some(id) = stack.pop() {
            let kind = self.tree.node(id).kind;
            if self.function_kinds.contains(&kind) {
                continue;
            }
            if self.node(inner, id, env, k) {
                return true;
            }
            if !matches!(
                self.kind_name(kind),
                "ternary_expression" | "sequence_expression"
            ) {
                stack.extend(self.tree.kids(id).iter().rev());
            }
        }
        false
    }

    /// Python's `{...}`: a set pattern holding only `...`, which Semgrep
    /// also matches against dictionaries.
    fn any_braces(&self, p: &Pat) -> bool {
        matches!(p, Pat::Node { kind, kids, .. }
            if self.is_braces(*kind) && matches!(kids.as_slice(), [Pat::Ellipsis]))
    }

    /// Whether `kind` is Python's `set` or `dictionary`.
    fn is_braces(&self, kind: u16) -> bool {
        self.python_braces
            .is_some_and(|(a, b)| kind == a || kind == b)
    }

    /// The module of a Python pattern `import a.b` (one module, no alias,
    /// no metavariable): such a pattern matches every import of that
    /// module or of a submodule, as Semgrep does.
    fn python_import_pattern(&self, p: &Pat) -> Option<String> {
        let Pat::Node { kind, kids, .. } = p else {
            return None;
        };
        if Some(*kind) != self.python_import_kind {
            return None;
        }
        let mut modules = kids.iter().filter_map(|k| match k {
            Pat::Node { kind, kids, .. } if self.kind_name(*kind) == "dotted_name" => {
                let parts: Option<Vec<&str>> = kids
                    .iter()
                    .filter_map(|k| match k {
                        Pat::Leaf {
                            text, named: true, ..
                        } => Some(Some(&**text)),
                        Pat::Leaf { named: false, .. } => None,
                        _ => Some(None),
                    })
                    .collect();
                Some(parts.map(|p| p.join(".")))
            }
            Pat::Leaf { named: false, .. } => None,
            _ => Some(None),
        });
        let module = modules.next()??;
        modules.next().is_none().then_some(module)
    }

    /// Whether import statement `t` imports `module` or a submodule of it
    /// (`import a.b.c`, `import x, a.b as y`, `from a.b.c import d`).
    fn imports_module(&self, t: NodeId, module: &str) -> bool {
        let within = |name: &str| {
            let name: String = name.split_whitespace().collect();
            name == module
                || name
                    .strip_prefix(module)
                    .is_some_and(|rest| rest.starts_with('.'))
        };
        let kids = self.tree.kids(t);
        match self.kind_name(self.tree.node(t).kind) {
            "import_statement" => kids.iter().any(|&id| {
                let name = match self.kind_name(self.tree.node(id).kind) {
                    "dotted_name" => Some(id),
                    "aliased_import" => self.tree.kids(id).first().copied(),
                    _ => None,
                };
                name.is_some_and(|id| within(self.tree.text(id)))
            }),
            // `from a.b import c` imports `a.b` and `a.b.c`.
            "import_from_statement" => {
                let mut named = kids.iter().filter(|&&id| self.tree.node(id).named);
                let Some(&from) = named.next() else {
                    return false;
                };
                let from = self.tree.text(from);
                within(from)
                    || named.any(|&id| {
                        let name = match self.kind_name(self.tree.node(id).kind) {
                            "dotted_name" => Some(id),
                            "aliased_import" => self.tree.kids(id).first().copied(),
                            _ => None,
                        };
                        name.is_some_and(|id| within(&format!("{from}.{}", self.tree.text(id))))
                    })
            }
            _ => false,
        }
    }

    /// JavaScript `var x = e` in a pattern also matches `let` and `const`
    /// declarations (the keyword aside, the declarators must match).
    fn var_equivalence(
        &self,
        p: &Pat,
        t: NodeId,
        env: &mut Env,
        k: &mut dyn FnMut(&mut Env) -> bool,
    ) -> bool {
        let Pat::Node { kind, kids, .. } = p else {
            return false;
        };
        // Go: `var x T = e` also matches `const x T = e`.
        // Java: a local variable pattern also matches a field.
        if matches!(
            (
                self.kind_name(*kind),
                self.kind_name(self.tree.node(t).kind)
            ),
            ("var_spec", "const_spec") | ("local_variable_declaration", "field_declaration")
        ) {
            return self.seq(kids, self.tree.kids(t), false, env, &mut |env, _| k(env));
        }
        if self.kind_name(*kind) != "variable_declaration"
            || self.kind_name(self.tree.node(t).kind) != "lexical_declaration"
        {
            return false;
        }
        let pkids = match kids.split_first() {
            Some((Pat::Leaf { text, .. }, rest)) if &**text == "var" => rest,
            _ => kids.as_slice(),
        };
        let tkids = self.tree.kids(t);
        let tkids = match tkids.split_first() {
            Some((&first, rest)) if !self.tree.node(first).named => rest,
            _ => tkids,
        };
        self.seq(pkids, tkids, false, env, &mut |env, _| k(env))
    }

    /// A declaration pattern against a wrapper statement around one
    /// (`decorated_definition`, `export_statement`): the pattern matches
    /// the wrapped declaration.
    fn wrapped_declaration(
        &self,
        p: &Pat,
        t: NodeId,
        env: &mut Env,
        k: &mut dyn FnMut(&mut Env) -> bool,
    ) -> bool {
        let Pat::Node { kind, .. } = p else {
            return false;
        };
        if !self.wrapper_kinds.contains(&self.tree.node(t).kind) {
            return false;
        }
        self.tree
            .kids(t)
            .iter()
            .rev()
            .find(|&&id| self.tree.node(id).kind == *kind)
            .is_some_and(|&inner| self.node(p, inner, env, k))
    }

    /// The names parameters declare (`x` of `def f(x, y=1)`, `int x`,
    /// `x => ...`): Semgrep's `$X` matches expressions, never these.
    fn parameter_names(&self) -> &HashSet<NodeId> {
        self.parameter_names.get_or_init(|| {
            // Parameter lists: every name in them is declared.
            const LISTS: &[&str] = &[
                "formal_parameters",
                "parameters",
                "lambda_parameters",
                "parameter_list",
                "method_parameters",
                "block_parameters",
                "formal_parameter",
                "parameter_declaration",
                "variadic_parameter_declaration",
                "spread_parameter",
            ];
            // Single parameters: their first name is declared (the rest
            // is a type or a default value).
            const SINGLE: &[&str] = &[
                "default_parameter",
                "typed_parameter",
                "typed_default_parameter",
                "required_parameter",
                "optional_parameter",
                "assignment_pattern",
                "keyword_parameter",
                "splat_parameter",
                "hash_splat_parameter",
                "list_splat_pattern",
                "dictionary_splat_pattern",
            ];
            let name = |k: NodeId| {
                matches!(
                    self.kind_name(self.tree.node(k).kind),
                    "identifier" | "shorthand_property_identifier_pattern"
                )
            };
            let mut out = HashSet::new();
            let mut lists: Vec<NodeId> = Vec::new();
            for kind in LISTS.iter().filter_map(|n| self.kind_id(n)) {
                lists.extend(self.by_kind.get(&kind).into_iter().flatten());
            }
            while let Some(list) = lists.pop() {
                for &kid in self.tree.kids(list) {
                    let kind = self.kind_name(self.tree.node(kid).kind);
                    if name(kid) {
                        out.insert(kid);
                    } else if SINGLE.contains(&kind)
                        && let Some(&first) = self.tree.kids(kid).iter().find(|&&k| name(k))
                    {
                        out.insert(first);
                    }
                }
            }
            // `x => ...`: an arrow function's lone parameter.
            if let Some(arrow) = self.kind_id("arrow_function") {
                for &f in self.by_kind.get(&arrow).into_iter().flatten() {
                    if let Some(&first) = self.tree.kids(f).first()
                        && name(first)
                    {
                        out.insert(first);
                    }
                }
            }
            out
        })
    }

    /// The expression bodies of lambdas, sorted: Semgrep reads
    /// `lambda x: e` (Python) and `x => e` (JavaScript) as a function whose
    /// body is `return e`, so a return pattern matches `e`.
    pub(super) fn lambda_bodies(&self) -> &[NodeId] {
        self.lambda_bodies.get_or_init(|| {
            let mut out = Vec::new();
            // Nor does it look into a Python parameter's default value.
            let defaults: Vec<(u32, u32)> = ["default_parameter", "typed_default_parameter"]
                .iter()
                .filter_map(|n| self.kind_id(n))
                .flat_map(|k| self.nodes_of_kind(k).iter())
                .map(|&d| (self.tree.node(d).start, self.tree.node(d).end))
                .collect();
            for kind in ["lambda", "arrow_function"]
                .iter()
                .filter_map(|n| self.kind_id(n))
            {
                for &f in self.nodes_of_kind(kind) {
                    let at = self.tree.node(f).start;
                    if defaults.iter().any(|&(from, to)| from <= at && at < to) {
                        continue;
                    }
                    // Semgrep does not read a Python conditional or a
                    // yield with a value as the lambda's return value.
                    if let Some(&body) = self.tree.kids(f).last()
                        && !self.block_kinds.contains(&self.tree.node(body).kind)
                        && !match self.kind_name(self.tree.node(body).kind) {
                            "conditional_expression" => true,
                            "yield" => self
                                .tree
                                .kids(body)
                                .iter()
                                .any(|&v| self.tree.node(v).named),
                            _ => false,
                        }
                    {
                        out.push(body);
                    }
                }
            }
            out.sort_unstable();
            out
        })
    }

    /// The body blocks of class definitions: a class body pattern may
    /// leave out members that follow its last one, as in Semgrep.
    fn class_bodies(&self) -> &HashSet<NodeId> {
        self.class_bodies.get_or_init(|| {
            let mut out = HashSet::new();
            for kind in CLASS_KINDS.iter().filter_map(|n| self.kind_id(n)) {
                for &def in self.by_kind.get(&kind).into_iter().flatten() {
                    out.extend(
                        self.tree
                            .kids(def)
                            .iter()
                            .filter(|&&k| self.block_kinds.contains(&self.tree.node(k).kind)),
                    );
                }
            }
            out
        })
    }

    /// The members of a class body pattern against a class body: as in
    /// Semgrep, each member the pattern names matches a distinct member of
    /// the class, in any order, and the class may have others. A member's
    /// decorators (`@Get() m() {}` in TypeScript, where they are siblings)
    /// go with it: the pattern's must be among the member's.
    fn class_members(
        &self,
        ps: &[Pat],
        ts: &[NodeId],
        env: &mut Env,
        k: &mut dyn FnMut(&mut Env) -> bool,
    ) -> bool {
        let decorator = self.kind_id("decorator");
        let is_decorator =
            |p: &Pat| matches!(p, Pat::Node { kind, .. } if Some(*kind) == decorator);
        let mut groups: Vec<(Vec<&Pat>, &Pat)> = Vec::new();
        let mut pending: Vec<&Pat> = Vec::new();
        for p in ps {
            match p {
                Pat::Leaf { named: false, .. } | Pat::Ellipsis => {}
                _ if is_decorator(p) => pending.push(p),
                _ => groups.push((std::mem::take(&mut pending), p)),
            }
        }
        if !pending.is_empty() {
            // Decorators with no member after them: nothing to attach to.
            return false;
        }
        let mut targets: Vec<(Vec<NodeId>, NodeId)> = Vec::new();
        let mut pending: Vec<NodeId> = Vec::new();
        for &t in ts {
            let n = self.tree.node(t);
            if !n.named {
                continue;
            }
            if Some(n.kind) == decorator {
                pending.push(t);
            } else {
                targets.push((std::mem::take(&mut pending), t));
            }
        }
        let mut used = vec![false; targets.len()];
        self.member_groups(&groups, &targets, &mut used, env, k)
    }

    fn member_groups(
        &self,
        groups: &[(Vec<&Pat>, &Pat)],
        targets: &[(Vec<NodeId>, NodeId)],
        used: &mut [bool],
        env: &mut Env,
        k: &mut dyn FnMut(&mut Env) -> bool,
    ) -> bool {
        let Some(((decorators, member), rest)) = groups.split_first() else {
            return k(env);
        };
        for i in 0..targets.len() {
            if used[i] {
                continue;
            }
            used[i] = true;
            let (t_decorators, t_member) = &targets[i];
            let snapshot = used.to_vec();
            let stop = self.node(member, *t_member, env, &mut |env| {
                let mut taken = vec![false; t_decorators.len()];
                self.assign_distinct(
                    decorators,
                    t_decorators,
                    &mut taken,
                    None,
                    env,
                    &mut |env, _| self.member_groups(rest, targets, &mut snapshot.clone(), env, k),
                )
            });
            used[i] = false;
            if stop {
                return true;
            }
        }
        false
    }

    /// Match the statements of a block pattern that holds a `...` (or of a
    /// class body) against a block. As in Semgrep, statements may then
    /// follow the last one the pattern names (`def f(): ... foo()` matches
    /// a body that goes on after `foo()`, `def f(): foo()` does not); the
    /// closing delimiter, if any, must still close both.
    fn block_body(
        &self,
        ps: &[Pat],
        ts: &[NodeId],
        env: &mut Env,
        k: &mut dyn FnMut(&mut Env) -> bool,
    ) -> bool {
        let closes = |p: Option<&Pat>| matches!(p, Some(Pat::Leaf { named: false, .. }));
        let (ps, p_close) = match ps.split_last() {
            Some((last, init)) if closes(Some(last)) => (init, Some(last)),
            _ => (ps, None),
        };
        let (ts, t_close) = match ts.split_last() {
            Some((&last, init)) if p_close.is_some() && !self.tree.node(last).named => {
                (init, Some(last))
            }
            _ => (ts, None),
        };
        match (p_close, t_close) {
            (Some(pc), Some(tc)) => self.seq(ps, ts, true, env, &mut |env, _| {
                self.node(pc, tc, env, &mut |env| k(env))
            }),
            (None, _) => self.seq(ps, ts, true, env, &mut |env, _| k(env)),
            (Some(_), None) => false,
        }
    }

    /// The statements of the blocks directly nested in statement `t` (the
    /// branches of an `if`, the body of a loop or of a function defined
    /// there, ...), in source order.
    fn sub_statements(&self, t: NodeId) -> Arc<[NodeId]> {
        if let Some(known) = self.sub_statements.borrow().get(&t) {
            return known.clone();
        }
        let mut out = Vec::new();
        let mut stack: Vec<NodeId> = self.tree.kids(t).iter().rev().copied().collect();
        while let Some(id) = stack.pop() {
            let kind = self.tree.node(id).kind;
            if self.block_kinds.contains(&kind) {
                self.block_statements(id, &mut out);
            } else {
                stack.extend(self.tree.kids(id).iter().rev());
            }
        }
        let out: Arc<[NodeId]> = out.into();
        self.sub_statements.borrow_mut().insert(t, out.clone());
        out
    }

    /// The statements of block `b`, without its delimiters; a block that
    /// wraps another (Go's `statement_list`) is looked through.
    fn block_statements(&self, b: NodeId, out: &mut Vec<NodeId>) {
        for &kid in self.tree.kids(b) {
            let node = self.tree.node(kid);
            if !node.named {
                continue;
            }
            if self.block_kinds.contains(&node.kind) {
                self.block_statements(kid, out);
            } else {
                out.push(kid);
            }
        }
    }

    /// Match `rest`, the patterns after a `...` in a statement sequence,
    /// against a suffix of `ts`. As in Semgrep, the `...` may also enter a
    /// compound statement: its nested statements, followed by the
    /// statements after it, are matched as if they formed the sequence.
    /// Only the first `ts.len()` positions (`top`) or the nested
    /// statements (otherwise) are tried as starts, so each statement is
    /// tried once.
    fn after_ellipsis(
        &self,
        rest: &[Pat],
        ts: &[NodeId],
        top: bool,
        open_end: bool,
        env: &mut Env,
        k: &mut dyn FnMut(&mut Env, usize) -> bool,
    ) -> bool {
        self.after_ellipsis_in(
            rest,
            ts,
            if top { ts.len() + 1 } else { 0 },
            open_end,
            env,
            k,
        )
    }

    fn after_ellipsis_in(
        &self,
        rest: &[Pat],
        ts: &[NodeId],
        starts: usize,
        open_end: bool,
        env: &mut Env,
        k: &mut dyn FnMut(&mut Env, usize) -> bool,
    ) -> bool {
        if (0..starts.min(ts.len() + 1)).any(|i| self.seq(rest, &ts[i..], open_end, env, k)) {
            return true;
        }
        let entries = if starts > ts.len() { ts.len() } else { starts };
        for i in 0..entries {
            let subs = self.sub_statements(ts[i]);
            if subs.is_empty() {
                continue;
            }
            let tail = &ts[i + 1..];
            let n_subs = subs.len();
            let mut flat = Vec::with_capacity(n_subs + tail.len());
            flat.extend_from_slice(&subs);
            flat.extend_from_slice(tail);
            // A match that ends inside `ts[i]` ends, for the caller, at `ts[i]`.
            let n_tail = tail.len();
            if self.after_ellipsis_in(rest, &flat, n_subs, open_end, env, &mut |env, rem| {
                k(env, rem.min(n_tail))
            }) {
                return true;
            }
        }
        false
    }

    /// The string constant identifier `t` holds, by constant propagation.
    fn constant(&self, t: NodeId) -> Option<&str> {
        self.constants()?.get(t)
    }

    /// The literal (a plain string too) identifier `t` holds, by constant
    /// propagation.
    fn literal_constant(&self, t: NodeId) -> Option<NodeId> {
        self.constants()?.literal(t)
    }

    fn constants(&self) -> Option<&Constants> {
        let language = self.language.as_ref()?;
        Some(self.constants.get_or_init(|| {
            let assignment = |id: NodeId| -> Option<(NodeId, NodeId)> {
                let name = self.kind_name(self.tree.node(id).kind);
                // Python's `(x := e)` assigns too.
                if name == "named_expression"
                    && let [lhs, op, rhs] = self.tree.kids(id)
                    && self.tree.text(*op) == ":="
                {
                    return Some((*lhs, *rhs));
                }
                let plain = ASSIGNMENT_KINDS.contains(&name)
                    || DECLARATOR_KINDS.contains(&name)
                    || name == "const_spec";
                if !plain || name == "short_var_declaration" && self.tree.kids(id).len() != 3 {
                    return None;
                }
                // Only `=`/`:=`: `x += "a"` is not a constant assignment.
                // (Python's `x: str = e` has a `:` before its operator.)
                let op = self
                    .tree
                    .kids(id)
                    .iter()
                    .find(|&&k| !self.tree.node(k).named && self.tree.text(k).ends_with('='));
                if op.is_some_and(|&op| !matches!(self.tree.text(op), "=" | ":=")) {
                    return None;
                }
                // Go's `x := e` and `const x = e`: one-element lists.
                let (lhs, rhs) = match (name, self.tree.kids(id)) {
                    ("const_spec", [lhs, .., op, rhs]) if self.tree.text(*op) == "=" => {
                        (*lhs, *rhs)
                    }
                    // Python's annotated `x: str = e`.
                    ("assignment", [lhs, colon, _, op, rhs])
                        if self.tree.text(*colon) == ":" && self.tree.text(*op) == "=" =>
                    {
                        (*lhs, *rhs)
                    }
                    _ => self.assignment_parts(id)?,
                };
                Some((self.single_of_list_t(lhs), self.single_of_list_t(rhs)))
            };
            Constants::compute(self.tree, language, &assignment)
        }))
    }

    /// Where a match of `p` at `t` starts: at the parentheses around it
    /// (Semgrep reports `(a + b)` whole); a return pattern matched on a
    /// JavaScript arrow function's expression body at its `=>`, the token
    /// Semgrep reads as the `return`.
    fn reported_start(&self, p: &Pat, t: NodeId) -> u32 {
        let n = self.tree.node(t);
        let (start, _) = self.tree.outer_span(t);
        let is_return =
            matches!(p, Pat::Node { kind, .. } if self.kind_name(*kind) == "return_statement");
        if !is_return || self.kind_name(n.kind) == "return_statement" {
            return start;
        }
        match self.tree.source[..start as usize]
            .trim_end()
            .strip_suffix("=>")
        {
            Some(head) => head.len() as u32,
            None => start,
        }
    }

    /// Where a match of `p` at `t` ends: after the parentheses around it;
    /// a JavaScript variable declaration or import, or a Java field, without
    /// its closing `;` (`const x = 1` and `const x = 1;` alike); a Ruby call
    /// matched by a pattern without a block, without its block; as Semgrep
    /// reports them.
    fn reported_end(&self, p: &Pat, t: NodeId) -> u32 {
        let n = self.tree.node(t);
        let outer = self.tree.outer_span(t).1;
        if outer != n.end {
            return outer;
        }
        let Pat::Node { kind, kids, .. } = p else {
            return n.end;
        };
        let tkids = self.tree.kids(t);
        if let [.., before, last] = tkids
            && *kind == n.kind
            && self.call_block_kinds.contains(&self.tree.node(*last).kind)
            && !kids.iter().any(
                |k| matches!(k, Pat::Node { kind, .. } if self.call_block_kinds.contains(kind)),
            )
        {
            return self.tree.node(*before).end;
        }
        // The tree keeps no `;` token: it is the text after the last child.
        match tkids.last() {
            Some(&last)
                if self.semicolon_free_kinds.contains(&n.kind)
                    && self.tree.source[self.tree.node(last).end as usize..n.end as usize]
                        .trim()
                        == ";" =>
            {
                self.tree.node(last).end
            }
            _ => n.end,
        }
    }

    /// A JSX tag: the tokens and the name in order, then the pattern's
    /// attributes each matching a distinct attribute of the tag, in any
    /// order (`<$E a={1} />` matches `<X b c a={1} />`, as in Semgrep).
    fn jsx_tag(
        &self,
        kids: &[Pat],
        tkids: &[NodeId],
        env: &mut Env,
        k: &mut dyn FnMut(&mut Env) -> bool,
    ) -> bool {
        let is_attribute = |p: &Pat| matches!(p, Pat::Node { kind, .. } if self.jsx_attribute_kinds.contains(kind));
        let attributes: Vec<&Pat> = kids
            .iter()
            .filter(|p| is_attribute(p) || matches!(p, Pat::Ellipsis))
            .collect();
        let rest: Vec<Pat> = kids
            .iter()
            .filter(|p| !is_attribute(p) && !matches!(p, Pat::Ellipsis))
            .cloned()
            .collect();
        let (tattributes, trest): (Vec<NodeId>, Vec<NodeId>) = tkids
            .iter()
            .partition(|&&t| self.jsx_attribute_kinds.contains(&self.tree.node(t).kind));
        self.seq(&rest, &trest, false, env, &mut |env, _| {
            let mut used = vec![false; tattributes.len()];
            self.assign_distinct(
                &attributes,
                &tattributes,
                &mut used,
                None,
                env,
                &mut |env, _| k(env),
            )
        })
    }

    /// Whether the pattern may leave out tree node `t`.
    fn is_optional(&self, t: NodeId) -> bool {
        self.optional_kinds.contains(&self.tree.node(t).kind)
    }

    /// Whether pattern node `p` is rooted at the kind of tree node `t`.
    fn same_kind(&self, p: &Pat, t: NodeId) -> bool {
        let kind = self.tree.node(t).kind;
        matches!(p, Pat::Node { kind: k, .. } | Pat::Leaf { kind: k, .. } if *k == kind)
    }

    /// Go's one-element `expression_list`, unwrapped.
    fn single_of_list<'p>(&self, p: &'p Pat) -> &'p Pat {
        match p {
            Pat::Node { kind, kids, .. }
                if kids.len() == 1 && self.kind_name(*kind) == "expression_list" =>
            {
                &kids[0]
            }
            _ => p,
        }
    }

    fn single_of_list_t(&self, t: NodeId) -> NodeId {
        match self.tree.kids(t) {
            [one] if self.kind_name(self.tree.node(t).kind) == "expression_list" => *one,
            _ => t,
        }
    }

    /// Bind `name` (or check an existing binding), then continue.
    pub(super) fn bind(
        &self,
        name: &Arc<str>,
        b: Binding,
        env: &mut Env,
        k: &mut dyn FnMut(&mut Env) -> bool,
    ) -> bool {
        if let Some(old) = env.get(name) {
            return self.same_binding(old, b) && k(env);
        }
        env.vars.push((name.clone(), b));
        let stop = k(env);
        env.vars.pop();
        stop
    }

    /// The dotted name `t` stands for through an import, if any.
    pub(super) fn resolve_alias(&self, t: NodeId) -> Option<String> {
        self.aliases.resolve(self.tree, t, &self.attribute_kinds)
    }

    /// Let the rule being matched use symbolic propagation (or not).
    pub(crate) fn set_symbolic(&self, on: bool) {
        self.symbolic.set(on);
    }

    /// With symbolic propagation on, the expression an identifier use
    /// certainly holds (`k` after `k = JWK.asKey("x")`).
    pub(crate) fn symbolic_value(&self, t: NodeId) -> Option<NodeId> {
        if !self.symbolic.get() || self.tree.node(t).class != Class::Leaf {
            return None;
        }
        self.constants()?.symbol(t)
    }

    /// Whether two bindings hold the same literal through constant
    /// propagation: `$S is $S` matches `x is None` after `x = None`.
    fn same_literal(&self, x: NodeId, y: NodeId) -> bool {
        let Some(constants) = self.constants() else {
            return false;
        };
        let literal = |t: NodeId| {
            (self.tree.node(t).class == Class::Leaf)
                .then(|| constants.literal(t))
                .flatten()
        };
        match (literal(x), literal(y)) {
            (Some(a), Some(b)) => self.tree.same(a, b),
            (Some(a), None) => self.tree.same(a, y),
            (None, Some(b)) => self.tree.same(x, b),
            (None, None) => false,
        }
    }

    /// Whether two bindings denote the same code.
    pub(crate) fn same_binding(&self, a: Binding, b: Binding) -> bool {
        match (a.node, b.node) {
            (Some(x), Some(y)) => {
                self.tree.same(x, y)
                    || self.same_name(x, y)
                    || self.symbolic_value(x).is_some_and(|v| self.tree.same(v, y))
                    || self.symbolic_value(y).is_some_and(|v| self.tree.same(x, v))
                    || self.same_literal(x, y)
            }
            _ => {
                let text = |b: Binding| &self.tree.source[b.start as usize..b.end as usize];
                text(a).split_whitespace().eq(text(b).split_whitespace())
            }
        }
    }

    /// Match pattern siblings against tree siblings. With `open_end`, the
    /// pattern may stop before the siblings do; `k` gets how many siblings
    /// are left over.
    pub(super) fn seq(
        &self,
        ps: &[Pat],
        ts: &[NodeId],
        open_end: bool,
        env: &mut Env,
        k: &mut dyn FnMut(&mut Env, usize) -> bool,
    ) -> bool {
        let Some((first, rest)) = ps.split_first() else {
            if open_end {
                return k(env, ts.len());
            }
            // Children the pattern may leave out can also trail.
            return ts.iter().all(|&t| self.is_optional(t)) && k(env, 0);
        };
        match first {
            Pat::Ellipsis => {
                if rest.is_empty() {
                    // A trailing `...` takes everything that is left.
                    return k(env, 0);
                }
                self.after_ellipsis(rest, ts, true, open_end, env, k)
            }
            Pat::EllipsisMetavar(name) => (0..=ts.len()).any(|i| {
                let binding = match (ts.first(), i) {
                    (Some(&a), i) if i > 0 => Binding {
                        node: (i == 1).then_some(a),
                        start: self.tree.node(a).start,
                        end: self.tree.node(ts[i - 1]).end,
                    },
                    _ => {
                        let at = ts.first().map_or(0, |&a| self.tree.node(a).start);
                        Binding {
                            node: None,
                            start: at,
                            end: at,
                        }
                    }
                };
                self.bind(name, binding, env, &mut |env| {
                    self.seq(rest, &ts[i..], open_end, env, k)
                })
            }),
            _ => {
                let Some((&t, trest)) = ts.split_first() else {
                    return false;
                };
                if self.may_match_statement(first, t)
                    && self.node(first, t, env, &mut |env| {
                        self.seq(rest, trest, open_end, env, k)
                    })
                {
                    return true;
                }
                // A child the pattern left out (`async`, modifiers, ...).
                self.is_optional(t)
                    && !self.same_kind(first, t)
                    && self.seq(ps, trest, open_end, env, k)
            }
        }
    }

    /// Whether `p` can match `t` at all: always, unless `p` is a statement
    /// of the sequence pattern being matched, whose answer with no
    /// bindings is computed once per node (see `seq_top`).
    fn may_match_statement(&self, p: &Pat, t: NodeId) -> bool {
        let (start, len) = self.seq_top.get();
        let at = p as *const Pat as usize;
        let size = std::mem::size_of::<Pat>();
        if len == 0 || at < start || at >= start + len * size {
            return true;
        }
        let key = ((at - start) / size, t);
        if let Some(&known) = self.seq_possible.borrow().get(&key) {
            return known;
        }
        let possible = self.node(p, t, &mut Env::default(), &mut |_| true);
        self.seq_possible.borrow_mut().insert(key, possible);
        possible
    }

    /// Argument lists with keyword arguments: each keyword argument of the
    /// pattern matches a distinct keyword argument of the call, in any
    /// order; the rest match in order against what is left.
    fn keyword_seq(
        &self,
        ps: &[Pat],
        ts: &[NodeId],
        env: &mut Env,
        k: &mut dyn FnMut(&mut Env) -> bool,
    ) -> bool {
        let is_kw_pat =
            |p: &Pat| matches!(p, Pat::Node { kind, .. } if self.keyword_kinds.contains(kind));
        let kw_pats: Vec<&Pat> = ps.iter().filter(|p| is_kw_pat(p)).collect();
        if kw_pats.is_empty() {
            return self.seq(ps, ts, false, env, &mut |env, _| k(env));
        }
        let rest_pats: Vec<Pat> = ps.iter().filter(|p| !is_kw_pat(p)).cloned().collect();
        let mut used = vec![false; ts.len()];
        let keyword_kinds = Some(&self.keyword_kinds);
        self.assign_distinct(
            &kw_pats,
            ts,
            &mut used,
            keyword_kinds,
            env,
            &mut |env, used| {
                let left: Vec<NodeId> = ts
                    .iter()
                    .zip(used)
                    .filter(|(_, u)| !**u)
                    .map(|(t, _)| *t)
                    .collect();
                self.seq(&rest_pats, &left, false, env, &mut |env, _| k(env))
            },
        )
    }

    /// Match each pattern in `kws` against a distinct unused node of `ts`
    /// (restricted to `kinds` when given), in any order.
    pub(super) fn assign_distinct(
        &self,
        kws: &[&Pat],
        ts: &[NodeId],
        used: &mut [bool],
        kinds: Option<&KindSet>,
        env: &mut Env,
        k: &mut dyn FnMut(&mut Env, &[bool]) -> bool,
    ) -> bool {
        let Some((first, rest)) = kws.split_first() else {
            return k(env, used);
        };
        if matches!(first, Pat::Ellipsis) {
            return self.assign_distinct(rest, ts, used, kinds, env, k);
        }
        for i in 0..ts.len() {
            let kind = self.tree.node(ts[i]).kind;
            if used[i]
                || kinds.is_some_and(|kinds| !kinds.contains(&kind))
                || (matches!(first, Pat::Metavar(_)) && self.keyed_entry_kinds.contains(&kind))
            {
                continue;
            }
            used[i] = true;
            let stop = self.node(first, ts[i], env, &mut |env| {
                let mut inner_used = used.to_vec();
                self.assign_distinct(rest, ts, &mut inner_used, kinds, env, k)
            });
            used[i] = false;
            if stop {
                return true;
            }
        }
        false
    }
}
