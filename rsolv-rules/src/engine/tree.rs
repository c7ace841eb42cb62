//! A compact, normalized copy of a tree-sitter syntax tree.
//!
//! Patterns and targets are parsed by the same grammar and normalized the
//! same way, so the matcher compares them node for node. Normalizing means:
//! comments and punctuation (`(`, `,`, `;`, braces) are dropped, parentheses
//! around expressions are unwrapped (Semgrep treats `(e)` as `e`), and plain
//! string literals become leaves whose content is compared without quotes
//! (so `'a'` and `"a"` are the same string).

use super::lang::Grammar;

/// Index of a node in a [`SynTree`].
pub(crate) type NodeId = u32;

/// How the matcher treats a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// A node with children.
    Interior,
    /// A token: compared by kind and text.
    Leaf,
    /// A string literal without interpolation: compared by content.
    Str,
    /// A tree-sitter `ERROR` node.
    Error,
}

/// One node.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SynNode {
    /// tree-sitter kind id (comparable between trees of one grammar).
    pub(crate) kind: u16,
    /// Whether tree-sitter calls the node named.
    pub(crate) named: bool,
    /// How it is matched.
    pub(crate) class: Class,
    /// Byte range in the source.
    pub(crate) start: u32,
    /// End of the byte range.
    pub(crate) end: u32,
    /// For [`Class::Str`]: the content range, quotes excluded.
    pub(crate) content: (u32, u32),
    kids_start: u32,
    kids_len: u32,
}

/// Deeper trees are cut off: their deepest nodes become opaque leaves, which
/// bounds every recursion over the tree.
pub(crate) const MAX_DEPTH: usize = 1_000;

/// A normalized syntax tree over borrowed source text.
#[derive(Debug)]
pub(crate) struct SynTree<'s> {
    pub(crate) source: &'s str,
    nodes: Vec<SynNode>,
    kids: Vec<NodeId>,
    /// Whether tree-sitter reported syntax errors.
    pub(crate) has_errors: bool,
    /// The first syntax error's byte range, for `errors[]`.
    pub(crate) first_error: Option<(u32, u32)>,
    /// Nodes the tree unwrapped from parentheses: the span with the
    /// outermost of them, which Semgrep reports and binds (`(a + b)`).
    parens: std::collections::HashMap<NodeId, (u32, u32)>,
}

impl<'s> SynTree<'s> {
    /// Parse `source` with `grammar` and normalize it.
    pub(crate) fn parse(grammar: &Grammar, source: &'s str) -> Option<Self> {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&grammar.language).ok()?;
        let ts = parser.parse(source, None)?;
        Some(Self::from_ts(grammar, source, &ts))
    }

    fn from_ts(grammar: &Grammar, source: &'s str, ts: &tree_sitter::Tree) -> Self {
        let mut tree = SynTree {
            source,
            nodes: Vec::new(),
            kids: Vec::new(),
            has_errors: ts.root_node().has_error(),
            first_error: None,
            parens: std::collections::HashMap::new(),
        };
        let root = ts.root_node();
        let kind_id =
            |name| Some(grammar.language.id_for_node_kind(name, true)).filter(|&id| id != 0);
        let mut builder = Builder {
            grammar,
            tree: &mut tree,
            else_kind: kind_id("else_clause"),
            block_kind: kind_id("block"),
            tuple_kind: kind_id("tuple"),
            parent_kind: 0,
        };
        builder.build(root, 0);
        tree
    }

    /// A tree with no nodes over `source`, for text-only (regex) rules.
    pub(crate) fn empty(source: &'s str) -> Self {
        Self {
            source,
            nodes: Vec::new(),
            kids: Vec::new(),
            has_errors: false,
            first_error: None,
            parens: std::collections::HashMap::new(),
        }
    }

    /// The root node (always id 0).
    pub(crate) const fn root(&self) -> NodeId {
        0
    }

    pub(crate) fn node(&self, id: NodeId) -> &SynNode {
        &self.nodes[id as usize]
    }

    pub(crate) fn kids(&self, id: NodeId) -> &[NodeId] {
        let n = &self.nodes[id as usize];
        &self.kids[n.kids_start as usize..(n.kids_start + n.kids_len) as usize]
    }

    /// The byte range of a node with the parentheses around it, as Semgrep
    /// reports an expression (the node's own range when it has none).
    pub(crate) fn outer_span(&self, id: NodeId) -> (u32, u32) {
        match self.parens.get(&id) {
            Some(&span) => span,
            None => {
                let n = self.node(id);
                (n.start, n.end)
            }
        }
    }

    /// The source text of a node.
    pub(crate) fn text(&self, id: NodeId) -> &'s str {
        let n = self.node(id);
        &self.source[n.start as usize..n.end as usize]
    }

    /// The content of a string node (quotes excluded).
    pub(crate) fn str_content(&self, id: NodeId) -> &'s str {
        let (a, b) = self.node(id).content;
        &self.source[a as usize..b as usize]
    }

    /// Whether two subtrees are structurally equal (same kinds, same tokens).
    pub(crate) fn same(&self, a: NodeId, b: NodeId) -> bool {
        let (na, nb) = (self.node(a), self.node(b));
        if na.kind != nb.kind || na.class != nb.class {
            return false;
        }
        match na.class {
            Class::Leaf | Class::Error => self.text(a) == self.text(b),
            Class::Str => self.str_content(a) == self.str_content(b),
            Class::Interior => {
                let (ka, kb) = (self.kids(a), self.kids(b));
                ka.len() == kb.len() && ka.iter().zip(kb).all(|(x, y)| self.same(*x, *y))
            }
        }
    }

    /// Every node id in pre-order.
    pub(crate) fn ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        0..self.nodes.len() as NodeId
    }
}

struct Builder<'g, 't, 's> {
    grammar: &'g Grammar,
    tree: &'t mut SynTree<'s>,
    /// The `else_clause` and `block` kinds, for Python's `elif` chains.
    else_kind: Option<u16>,
    block_kind: Option<u16>,
    /// Python's tuple kind: `x[i, j]` indexes with the tuple `i, j`.
    tuple_kind: Option<u16>,
    /// The kind of the node whose child is being built (tree-sitter's
    /// `parent()` walks down from the root, too slow to ask per node).
    parent_kind: u16,
}

impl Builder<'_, '_, '_> {
    /// Append `node` (and its subtree) and return its id, or `None` when the
    /// node is dropped by normalization.
    fn build(&mut self, node: tree_sitter::Node<'_>, depth: usize) -> Option<NodeId> {
        let kind = node.kind();
        let parent_kind = self.parent_kind;
        if self.grammar.comments.contains(&kind) {
            return None;
        }
        if !node.is_named() && is_punctuation(kind) {
            return None;
        }
        if (node.is_error() || node.is_missing()) && self.tree.first_error.is_none() {
            self.tree.first_error = Some((node.start_byte() as u32, node.end_byte() as u32));
        }
        if node.is_missing() {
            return None;
        }
        // `(e)` is `e`.
        if self.grammar.parens.contains(&kind) && depth < MAX_DEPTH {
            let mut cursor = node.walk();
            let inner: Vec<_> = node
                .named_children(&mut cursor)
                .filter(|c| !self.grammar.comments.contains(&c.kind()))
                .collect();
            if let [only] = inner.as_slice() {
                self.parent_kind = node.kind_id();
                let id = self.build(*only, depth + 1)?;
                if kind == "parenthesized_expression" && self.reports_parens(node, parent_kind) {
                    self.tree
                        .parens
                        .insert(id, (node.start_byte() as u32, node.end_byte() as u32));
                }
                return Some(id);
            }
        }
        if kind == "if_statement"
            && self.grammar.import_style == super::lang::ImportStyle::Python
            && depth < MAX_DEPTH
        {
            let mut cursor = node.walk();
            let parts: Vec<_> = node.named_children(&mut cursor).collect();
            let span = (node.start_byte() as u32, node.end_byte() as u32);
            return self.python_if(&parts, node.kind_id(), span, depth);
        }
        if kind == "subscript"
            && self.grammar.import_style == super::lang::ImportStyle::Python
            && depth < MAX_DEPTH
            && let Some(id) = self.python_subscript(node, depth)
        {
            return Some(id);
        }
        let id = self.tree.nodes.len() as NodeId;
        let class = if node.is_error() {
            Class::Error
        } else if node.child_count() == 0 || depth >= MAX_DEPTH {
            Class::Leaf
        } else {
            Class::Interior
        };
        self.tree.nodes.push(SynNode {
            kind: node.kind_id(),
            named: node.is_named(),
            class,
            start: node.start_byte() as u32,
            end: node.end_byte() as u32,
            content: (0, 0),
            kids_start: 0,
            kids_len: 0,
        });
        if class == Class::Leaf {
            return Some(id);
        }
        if self.grammar.strings.contains(&kind)
            && let Some(content) = self.plain_string(node)
        {
            let n = &mut self.tree.nodes[id as usize];
            n.class = Class::Str;
            n.content = content;
            return Some(id);
        }
        let mut kids = Vec::with_capacity(node.child_count() as usize);
        let mut cursor = node.walk();
        // Where the node ends without its trailing comments (a Python
        // block takes in the comments after its last statement; Semgrep's
        // ranges end at the statement).
        let mut code_end = node.end_byte() as u32;
        let mut trailing_comment = false;
        for child in node.children(&mut cursor) {
            self.parent_kind = node.kind_id();
            let built = self.build(child, depth + 1);
            if self.grammar.comments.contains(&child.kind()) {
                trailing_comment = true;
                continue;
            }
            trailing_comment = false;
            code_end = child.end_byte() as u32;
            if let Some(kid) = built {
                kids.push(kid);
                // A child that kept its own kind may have dropped its own
                // trailing comments (`(e)` builds as `e`: not that).
                let built = &self.tree.nodes[kid as usize];
                if built.kind == child.kind_id() && built.start == child.start_byte() as u32 {
                    code_end = built.end;
                }
            }
        }
        let n = &mut self.tree.nodes[id as usize];
        if (trailing_comment || code_end < n.end) && code_end > n.start {
            n.end = n.end.min(code_end);
        }
        n.kids_start = self.tree.kids.len() as u32;
        n.kids_len = kids.len() as u32;
        self.tree.kids.extend(kids);
        Some(id)
    }

    /// A Python `if` as Semgrep reads it: `elif c: b ...` is an `else:`
    /// holding a nested `if c: b ...`, so a pattern `if $X: $S else: $S`
    /// matches at an `elif` too, and never skips one. `parts` are the named
    /// children of the `if` (or of the `elif` that starts it): condition,
    /// block, then the `elif`/`else` clauses. Keyword tokens are left out,
    /// in patterns and code alike.
    fn python_if(
        &mut self,
        parts: &[tree_sitter::Node<'_>],
        if_kind: u16,
        (start, end): (u32, u32),
        depth: usize,
    ) -> Option<NodeId> {
        let id = self.push_interior(if_kind, start, end, true);
        let mut kids = Vec::new();
        let mut rest = parts;
        // The condition and the block: up to the first clause.
        while let Some((part, tail)) = rest.split_first() {
            if matches!(part.kind(), "elif_clause" | "else_clause") {
                break;
            }
            self.parent_kind = if_kind;
            if let Some(kid) = self.build(*part, depth + 1) {
                kids.push(kid);
            }
            rest = tail;
        }
        if let Some((clause, tail)) = rest.split_first() {
            let mut cursor = clause.walk();
            let inner: Vec<_> = clause
                .named_children(&mut cursor)
                .filter(|c| !self.grammar.comments.contains(&c.kind()))
                .collect();
            let else_id =
                self.push_interior(self.else_kind?, clause.start_byte() as u32, end, true);
            let else_kids = if clause.kind() == "else_clause" {
                inner
                    .iter()
                    .filter_map(|c| {
                        self.parent_kind = clause.kind_id();
                        self.build(*c, depth + 1)
                    })
                    .collect()
            } else {
                // `elif c: b` and the clauses after it: a block holding an
                // `if`.
                let block =
                    self.push_interior(self.block_kind?, clause.start_byte() as u32, end, true);
                let mut nested: Vec<_> = inner;
                nested.extend_from_slice(tail);
                let span = (clause.start_byte() as u32, end);
                let nested_if = self.python_if(&nested, if_kind, span, depth + 1);
                self.set_kids(block, nested_if.into_iter().collect());
                vec![block]
            };
            self.set_kids(else_id, else_kids);
            kids.push(else_id);
        }
        self.set_kids(id, kids);
        Some(id)
    }

    /// `x[i, j]` as Semgrep reads it: `x` indexed with the tuple `i, j`,
    /// so `$X[$Y]` matches it with `$Y` bound to `i, j`. `None` for a
    /// subscript with one index, or with a slice among its indices (which
    /// Semgrep matches with no tuple pattern), built as it is.
    fn python_subscript(&mut self, node: tree_sitter::Node<'_>, depth: usize) -> Option<NodeId> {
        let mut cursor = node.walk();
        let indices: Vec<_> = node
            .children_by_field_name("subscript", &mut cursor)
            .collect();
        // Semgrep does not read an index list with a slice as a tuple.
        if indices.iter().any(|i| i.kind() == "slice") {
            return None;
        }
        let (tuple_kind, value, [first, .., last]) = (
            self.tuple_kind?,
            node.child_by_field_name("value")?,
            indices.as_slice(),
        ) else {
            return None;
        };
        let id = self.push_interior(
            node.kind_id(),
            node.start_byte() as u32,
            node.end_byte() as u32,
            true,
        );
        self.parent_kind = node.kind_id();
        let value = self.build(value, depth + 1);
        let tuple = self.push_interior(
            tuple_kind,
            first.start_byte() as u32,
            last.end_byte() as u32,
            true,
        );
        let mut items = Vec::with_capacity(indices.len());
        for index in &indices {
            self.parent_kind = tuple_kind;
            if let Some(item) = self.build(*index, depth + 2) {
                items.push(item);
            }
        }
        self.set_kids(tuple, items);
        self.set_kids(id, value.into_iter().chain([tuple]).collect());
        Some(id)
    }

    fn push_interior(&mut self, kind: u16, start: u32, end: u32, named: bool) -> NodeId {
        let id = self.tree.nodes.len() as NodeId;
        self.tree.nodes.push(SynNode {
            kind,
            named,
            class: Class::Interior,
            start,
            end,
            content: (0, 0),
            kids_start: 0,
            kids_len: 0,
        });
        id
    }

    fn set_kids(&mut self, id: NodeId, kids: Vec<NodeId>) {
        let n = &mut self.tree.nodes[id as usize];
        n.kids_start = self.tree.kids.len() as u32;
        n.kids_len = kids.len() as u32;
        self.tree.kids.extend(kids);
    }

    /// Whether Semgrep counts these parentheses as part of the expression
    /// they hold. It does in Python, JavaScript and TypeScript, except
    /// around a lone name (`(x)` binds `x`), a call's argument (`f((x))`
    /// binds `x`), a yield, and the condition parentheses a JavaScript
    /// `if`/`while` requires; Java and Go drop them.
    fn reports_parens(&self, parens: tree_sitter::Node<'_>, parent_kind: u16) -> bool {
        use super::lang::ImportStyle;
        let (Some(kind), Some(inner)) = (
            self.grammar.language.node_kind_for_id(parent_kind),
            parens.named_child(0),
        ) else {
            return false;
        };
        match self.grammar.import_style {
            ImportStyle::Python => {}
            ImportStyle::JavaScript => {
                if matches!(
                    kind,
                    "if_statement"
                        | "while_statement"
                        | "do_statement"
                        | "switch_statement"
                        | "for_statement"
                        | "with_statement"
                ) {
                    return false;
                }
            }
            _ => return false,
        }
        !(kind.contains("argument") || matches!(inner.kind(), "identifier" | "yield"))
    }

    /// The content range of a string literal made only of delimiters and
    /// text, or `None` when it interpolates.
    fn plain_string(&self, node: tree_sitter::Node<'_>) -> Option<(u32, u32)> {
        let mut cursor = node.walk();
        let children: Vec<_> = node.children(&mut cursor).collect();
        let all_plain = children
            .iter()
            .all(|c| !c.is_named() || self.grammar.string_parts.contains(&c.kind()));
        if !all_plain {
            return None;
        }
        // Delimiters: the first and last anonymous children, or Python's
        // `string_start`/`string_end`.
        let first = children.first()?;
        let last = children.last()?;
        if children.len() < 2 {
            return None;
        }
        let open = matches!(first.kind(), "string_start") || !first.is_named();
        let close = matches!(last.kind(), "string_end") || !last.is_named();
        if !(open && close) {
            return None;
        }
        Some((first.end_byte() as u32, last.start_byte() as u32))
    }
}

/// Tokens that carry no meaning once the tree is built.
fn is_punctuation(kind: &str) -> bool {
    matches!(kind, "(" | ")" | "," | ";" | "{" | "}" | "[" | "]" | "\n")
}
