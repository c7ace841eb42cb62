//! Constant propagation, as Semgrep does it by default: after
//! `url = "http://x"`, the pattern `urlopen("=~/^http:/")` also matches
//! `urlopen(url)`.
//!
//! The analysis is deliberately small and sound for straight-line code: a
//! use of a variable has a constant value when the closest assignment
//! before it in the same function assigns a string literal (or a `+` of
//! string literals and constants), and nothing is assigned to the variable
//! inside a loop or a branch between the two. A variable no function
//! assigns falls back to the enclosing scopes, where it must be assigned
//! exactly once (a module-level constant: anywhere at the top level, before
//! the use). A Python class body's assignments are not seen by its methods.

use std::collections::HashMap;

use super::tree::{Class, NodeId, SynTree};

/// Node kinds that open a new variable scope, across the grammars.
pub(crate) const FUNCTION_KINDS: &[&str] = &[
    "function_definition",
    "lambda",
    "function_declaration",
    "function_expression",
    "generator_function_declaration",
    "arrow_function",
    "method_definition",
    "method_declaration",
    "constructor_declaration",
    "lambda_expression",
    "func_literal",
    "method",
    "singleton_method",
];

/// Compound statements: an assignment nested in one of them may or may not
/// run, so it makes the variable non-constant after it.
const BRANCH_KINDS: &[&str] = &[
    "if_statement",
    "else_clause",
    "elif_clause",
    "for_statement",
    "for_in_statement",
    "enhanced_for_statement",
    "while_statement",
    "do_statement",
    "try_statement",
    "switch_statement",
    "switch_expression",
    "expression_switch_statement",
    "type_switch_statement",
    "select_statement",
    "match_statement",
    "with_statement",
    "if",
    "unless",
    "while",
    "until",
    "for",
    "case",
    "if_modifier",
    "unless_modifier",
];

/// Loops: what their body assigns reaches the uses before it on the next
/// iteration.
const LOOP_KINDS: &[&str] = &[
    "for_statement",
    "for_in_statement",
    "enhanced_for_statement",
    "while_statement",
    "do_statement",
    "while",
    "until",
    "for",
];

/// Branching statements whose first child is the condition, which runs
/// whenever the statement does.
const CONDITION_FIRST_KINDS: &[&str] = &[
    "if_statement",
    "while_statement",
    "switch_statement",
    "if",
    "unless",
    "while",
    "until",
];

/// Ruby's statement lists: their statements are not wrapped in an
/// expression statement.
const RUBY_BODY_KINDS: &[&str] = &[
    "program",
    "body_statement",
    "then",
    "else",
    "do",
    "begin_block",
    "block_body",
];

/// Binary-expression kinds whose `+` concatenates strings.
const BINARY_KINDS: &[&str] = &["binary_operator", "binary_expression", "binary"];

/// String kinds that interpolate expressions (a plain literal of these
/// kinds is a [`Class::Str`] leaf instead).
const INTERPOLATING_KINDS: &[&str] = &["template_string", "string"];

/// Leaf kinds of non-string literals, across the grammars.
const LITERAL_KINDS: &[&str] = &[
    "true",
    "false",
    "none",
    "null",
    "nil",
    "integer",
    "float",
    "number",
    "decimal_integer_literal",
    "hex_integer_literal",
    "decimal_floating_point_literal",
    "null_literal",
    "int_literal",
    "float_literal",
];

/// One assignment of a variable.
#[derive(Debug)]
struct Assign {
    /// Where the assignment ends: uses after this see its value.
    end: u32,
    /// The constant assigned, if any.
    value: Option<Box<str>>,
    /// The literal assigned (`False`, `42`, a plain string).
    literal: Option<NodeId>,
    /// The content range of the string literal assigned, when the value
    /// is one literal (not folded from parts).
    content: Option<(u32, u32)>,
    /// Whether the assignment sits in a branch or loop of its scope.
    conditional: bool,
    /// The innermost branch or loop body the assignment sits in: a use
    /// inside it, after the assignment, sees it for certain.
    region: Option<(u32, u32)>,
    /// The expression assigned.
    rhs: NodeId,
    /// A compound assignment (`x += e`, `x ||= e`): the value after it is
    /// not known.
    compound: bool,
    /// A function's write to a module variable it declared `global`.
    global_write: bool,
    /// No assignment: a statement that may have changed the variable in
    /// place (`q.strip()`, `q.x = 1`); it counts in the variable's own
    /// function only.
    mutation: bool,
    /// A JavaScript `const` declaration: its value reaches the closures
    /// in its scope too.
    fixed: bool,
}

/// The constant value of identifier uses, by node.
#[derive(Debug, Default)]
pub(crate) struct Constants {
    values: HashMap<NodeId, Box<str>>,
    /// Identifier uses holding a literal (a plain string too): its node.
    literals: HashMap<NodeId, NodeId>,
    /// Identifier uses whose value is certain: the expression assigned
    /// (Semgrep's symbolic propagation).
    symbols: HashMap<NodeId, NodeId>,
    /// Identifier uses holding the value of one string literal: the
    /// literal's content range.
    contents: HashMap<NodeId, (u32, u32)>,
}

impl Constants {
    /// The string constant the identifier `id` holds, if known.
    pub(crate) fn get(&self, id: NodeId) -> Option<&str> {
        self.values.get(&id).map(|v| &**v)
    }

    /// The content range of the string literal whose value the
    /// identifier `id` holds, if it holds exactly one literal's value.
    pub(crate) fn content(&self, id: NodeId) -> Option<(u32, u32)> {
        self.contents.get(&id).copied()
    }

    /// The literal (a boolean, a number, a plain string) the identifier
    /// `id` holds, if known.
    pub(crate) fn literal(&self, id: NodeId) -> Option<NodeId> {
        self.literals.get(&id).copied()
    }

    /// The expression whose value the identifier `id` certainly holds.
    pub(crate) fn symbol(&self, id: NodeId) -> Option<NodeId> {
        self.symbols.get(&id).copied()
    }

    /// Analyze `tree`, parsed with `language`. `assignment` splits an
    /// assignment or initialized declarator into its target and value.
    pub(crate) fn compute(
        tree: &SynTree<'_>,
        language: &tree_sitter::Language,
        assignment: &dyn Fn(NodeId) -> Option<(NodeId, NodeId)>,
    ) -> Self {
        let mut walk = Walk {
            tree,
            language,
            assignment,
            scopes: vec![Scope::default()],
            uses: Vec::new(),
            loops: Vec::new(),
            lhs: Vec::new(),
            folded: Vec::new(),
            in_const: false,
            regions: Vec::new(),
        };
        walk.visit(tree.root(), &[0], 0);
        let Walk {
            scopes,
            uses,
            lhs,
            folded,
            ..
        } = walk;
        let lhs: std::collections::HashSet<NodeId> = lhs.into_iter().collect();
        let mut values: HashMap<NodeId, Box<str>> = folded.into_iter().collect();
        let mut literals = HashMap::new();
        let mut symbols = HashMap::new();
        let mut contents = HashMap::new();
        for (id, chain, in_loop) in uses {
            if lhs.contains(&id) {
                continue;
            }
            let name = tree.text(id);
            let start = tree.node(id).start;
            // A loop carries what is assigned later in its body back to
            // the uses before it.
            let reassigned_in_loop = in_loop.is_some_and(|(from, to)| {
                scopes[*chain.last().unwrap_or(&0)]
                    .vars
                    .get(name)
                    .is_some_and(|all| {
                        all.iter()
                            .any(|b| b.end > start && b.end > from && b.end <= to)
                    })
            });
            let found = lookup(&scopes, &chain, name, start).filter(|_| !reassigned_in_loop);
            if let Some(assign) = found
                && assign.compound
            {
                // Only a folded `+=` of string constants is known, and it
                // is no one expression.
                if let Some(v) = &assign.value {
                    values.insert(id, v.clone());
                }
            } else if let Some(assign) = found {
                if let Some(v) = &assign.value {
                    values.insert(id, v.clone());
                }
                if let Some(l) = assign.literal {
                    literals.insert(id, l);
                }
                // Semgrep's symbolic propagation stays in the variable's
                // own function and out of loops.
                let own = chain.last().is_some_and(|&scope| {
                    scopes[scope]
                        .vars
                        .get(name)
                        .is_some_and(|all| all.iter().any(|a| std::ptr::eq(a, assign)))
                });
                // A loop around the use but not the assignment keeps an
                // expression over other variables out (Semgrep's loops may
                // change them); `$('foo')` still reaches the loop's body.
                let loop_safe = in_loop.is_none_or(|(from, _)| {
                    assign.end > from || !has_operand_variable(tree, language, assign.rhs)
                });
                if (own && loop_safe) || assign.fixed {
                    symbols.insert(id, assign.rhs);
                }
                if let Some(c) = assign.content {
                    contents.insert(id, c);
                }
            }
        }
        Self {
            values,
            literals,
            symbols,
            contents,
        }
    }
}

/// Whether `id` reads a variable other than as the function it calls:
/// `"a" + x` does, `$("foo")` does not.
fn has_operand_variable(tree: &SynTree<'_>, language: &tree_sitter::Language, id: NodeId) -> bool {
    let kind = language.node_kind_for_id(tree.node(id).kind).unwrap_or("");
    let kids = tree.kids(id);
    if kids.is_empty() {
        return matches!(kind, "identifier" | "constant");
    }
    let skip = usize::from(kind.contains("call"));
    kids.iter()
        .skip(skip)
        .any(|&k| has_operand_variable(tree, language, k))
}

/// The assignment whose value `name` holds at `start`, from the innermost
/// scope of `chain` that assigns it, when that value is certain.
fn lookup<'a>(scopes: &'a [Scope], chain: &[usize], name: &str, start: u32) -> Option<&'a Assign> {
    for (depth, &scope) in chain.iter().rev().enumerate() {
        // A class body's names are not in scope in its methods.
        if depth > 0 && scopes[scope].class {
            continue;
        }
        // A function that writes a `global` may have changed it anywhere.
        if depth == 0 && scopes[scope].written_globals.contains(name) {
            return None;
        }
        let Some(assigns) = scopes[scope].vars.get(name) else {
            continue;
        };
        if depth == 0 {
            // The use's own function: the closest assignment before it.
            let before: Vec<&Assign> = assigns.iter().filter(|a| a.end <= start).collect();
            let last = before.last()?;
            let uncertain = |a: &Assign| {
                a.conditional
                    && !a
                        .region
                        .is_some_and(|(from, to)| from <= start && start < to)
            };
            // The closest assignment, when certain, overwrites whatever
            // the earlier ones (certain or not) assigned.
            if uncertain(last) {
                return None;
            }
            return Some(last);
        }
        // An enclosing scope: only a variable assigned once is a constant.
        // At the top level of the file, as Semgrep has it, once anywhere
        // (in a branch or loop too), before the use.
        if scope == 0 {
            // A `global` write between the assignment and the use undoes
            // it; one before the assignment does not.
            let mut own = assigns.iter().filter(|a| !a.global_write && !a.mutation);
            let (Some(only), None) = (own.next(), own.next()) else {
                return None;
            };
            let overwritten = assigns
                .iter()
                .any(|a| a.global_write && a.end > only.end && a.end <= start);
            return (only.end <= start && !overwritten && !only.compound).then_some(only);
        }
        let mut own = assigns.iter().filter(|a| !a.mutation);
        return match (own.next(), own.next()) {
            (Some(only), None) if !only.conditional => Some(only),
            _ => None,
        };
    }
    None
}

/// The assignments of one function (or class body, or the file).
#[derive(Debug, Default)]
struct Scope {
    vars: HashMap<String, Vec<Assign>>,
    /// A Python class body.
    class: bool,
    /// Names the function declared `global`.
    globals: std::collections::HashSet<String>,
    /// Of those, the names it assigns.
    written_globals: std::collections::HashSet<String>,
}

/// An identifier use: its node, its scope chain, and the span of the
/// innermost loop of its own scope around it.
type Use = (NodeId, Vec<usize>, Option<(u32, u32)>);

struct Walk<'a, 's> {
    tree: &'a SynTree<'s>,
    language: &'a tree_sitter::Language,
    assignment: &'a dyn Fn(NodeId) -> Option<(NodeId, NodeId)>,
    /// Assignments per scope, by variable name.
    scopes: Vec<Scope>,
    /// Identifier uses with the scope chain they sit in and the innermost
    /// loop of their own scope around them.
    uses: Vec<Use>,
    /// The loops being walked: their span and scope.
    loops: Vec<(u32, u32, usize)>,
    /// Identifiers that are assignment targets.
    lhs: Vec<NodeId>,
    /// Compound expressions (`+` of strings, interpolating strings) that
    /// fold to a constant.
    folded: Vec<(NodeId, Box<str>)>,
    /// Inside a JavaScript `const` declaration.
    in_const: bool,
    /// The spans of the branch and loop bodies being walked.
    regions: Vec<(u32, u32)>,
}

impl<'a> Walk<'a, '_> {
    fn kind_name(&self, id: NodeId) -> &'a str {
        self.language
            .node_kind_for_id(self.tree.node(id).kind)
            .unwrap_or("")
    }

    fn visit(&mut self, id: NodeId, chain: &[usize], branch: usize) {
        let kind = self.kind_name(id);
        let node = *self.tree.node(id);
        let inner;
        let class = kind == "class_definition";
        let (chain, mut branch) = if FUNCTION_KINDS.contains(&kind) || class {
            self.scopes.push(Scope {
                class,
                ..Scope::default()
            });
            inner = [chain, &[self.scopes.len() - 1]].concat();
            (inner.as_slice(), 0)
        } else {
            (chain, branch)
        };
        let outer_branch = branch;
        if BRANCH_KINDS.contains(&kind) {
            branch += 1;
        }
        // The condition of an `if` or a loop runs whenever the statement
        // does (`if (x = true)` assigns for certain); its first child.
        let condition = CONDITION_FIRST_KINDS
            .contains(&kind)
            .then(|| {
                self.tree
                    .kids(id)
                    .iter()
                    .copied()
                    .find(|&k| self.tree.node(k).named)
            })
            .flatten();
        // `global x` (Python): the function's assignments to `x` are
        // writes to the module's variable.
        if kind == "global_statement" {
            let scope = *chain.last().unwrap_or(&0);
            for &name in self.tree.kids(id) {
                if self.kind_name(name) == "identifier" {
                    let name = self.tree.text(name).to_owned();
                    self.scopes[scope].globals.insert(name);
                }
            }
        }
        if matches!(kind, "identifier" | "constant") && node.class == Class::Leaf {
            let scope = *chain.last().unwrap_or(&0);
            let in_loop = self
                .loops
                .last()
                .filter(|l| l.2 == scope)
                .map(|l| (l.0, l.1));
            self.uses.push((id, chain.to_vec(), in_loop));
        }
        // `x += e` (and Ruby's `x ||= e`): what `x` holds after it is not
        // known. Java and Go parse it as an assignment with its operator.
        let augmented = matches!(
            kind,
            "augmented_assignment" | "augmented_assignment_expression" | "operator_assignment"
        )
        .then(|| {
            let kids = self.tree.kids(id);
            Some((*kids.first()?, *kids.last()?))
        })
        .flatten();
        if let Some((lhs, rhs)) = augmented.or_else(|| (self.assignment)(id))
            && self.tree.kids(lhs).is_empty()
            && matches!(self.kind_name(lhs), "identifier" | "constant")
        {
            let (lhs_end, rhs_start) = (self.tree.node(lhs).end, self.tree.node(rhs).start);
            let operator = self
                .tree
                .source
                .get(lhs_end as usize..rhs_start as usize)
                .unwrap_or("")
                .split_whitespace()
                // Python's `x: str = e`: the operator is the last token.
                .next_back()
                .unwrap_or("");
            let compound = augmented.is_some()
                || (operator.len() > 1 && operator.ends_with('=') && operator != ":=");
            self.lhs.push(lhs);
            // `s += "b"` after `s = "a"` holds `"ab"`, as Semgrep folds it.
            let value = if compound {
                (operator == "+=")
                    .then(|| {
                        let name = self.tree.text(lhs);
                        let before = lookup(&self.scopes, chain, name, self.tree.node(lhs).start)?;
                        let mut value = before.value.as_deref()?.to_owned();
                        value.push_str(&self.constant(rhs, chain)?);
                        Some(value.into_boxed_str())
                    })
                    .flatten()
            } else if *chain.last().unwrap_or(&0) != 0 && self.is_bytes(rhs) {
                // Semgrep's propagation inside a function does not make
                // a Python bytes literal a string constant (at the top
                // level it does).
                None
            } else {
                self.constant(rhs, chain)
            };
            let rhs_node = self.tree.node(rhs);
            let local_bytes = *chain.last().unwrap_or(&0) != 0 && self.is_bytes(rhs);
            // A JavaScript regex literal (`r = /a+/`) is a constant too.
            let literal = (!compound
                && !local_bytes
                && ((rhs_node.class == Class::Leaf
                    && rhs_node.named
                    && LITERAL_KINDS.contains(&self.kind_name(rhs)))
                    || rhs_node.class == Class::Str
                    || self.kind_name(rhs) == "regex"))
                .then_some(rhs);
            let content =
                (!compound && !local_bytes && rhs_node.class == Class::Str && value.is_some())
                    .then_some(rhs_node.content)
                    .or_else(|| {
                        // `y = x` with `x` holding one literal's value.
                        (!compound
                            && rhs_node.class == Class::Leaf
                            && matches!(self.kind_name(rhs), "identifier" | "constant"))
                        .then(|| {
                            lookup(&self.scopes, chain, self.tree.text(rhs), rhs_node.start)
                                .and_then(|a| a.content)
                        })
                        .flatten()
                    });
            self.record(
                chain,
                self.tree.text(lhs),
                Assign {
                    end: node.end,
                    value,
                    literal,
                    content,
                    conditional: branch > 0,
                    region: self.regions.last().copied(),
                    rhs,
                    compound,
                    global_write: false,
                    mutation: false,
                    fixed: self.in_const,
                },
            );
        } else if let Some((lhs, rhs)) = (self.assignment)(id)
            && matches!(
                self.kind_name(lhs),
                "pattern_list"
                    | "tuple_pattern"
                    | "list_pattern"
                    | "expression_list"
                    | "tuple"
                    | "left_assignment_list"
            )
        {
            // `a, b = f()` (and Go's `a, b := ...`): each name now holds
            // something not known here.
            for &target in self.tree.kids(lhs) {
                if self.tree.kids(target).is_empty()
                    && matches!(self.kind_name(target), "identifier" | "constant")
                {
                    self.lhs.push(target);
                    self.record(
                        chain,
                        self.tree.text(target),
                        self.unknown(node.end, rhs, branch, false),
                    );
                }
            }
        }
        // A statement that may change a local variable in place (Ruby's
        // statements are not wrapped: they are seen from their list, in
        // turn, below).
        if kind == "expression_statement"
            && let Some(&statement) = self.tree.kids(id).first()
        {
            self.note_mutation(statement, chain, branch);
        }
        let foldable = node.class == Class::Interior
            && (BINARY_KINDS.contains(&kind)
                || INTERPOLATING_KINDS.contains(&kind)
                || kind == "concatenated_string");
        if foldable && let Some(value) = self.constant(id, chain) {
            self.folded.push((id, value));
        }
        let tree = self.tree;
        let is_loop = LOOP_KINDS.contains(&kind);
        if is_loop {
            self.loops
                .push((node.start, node.end, *chain.last().unwrap_or(&0)));
        }
        let outer_const = self.in_const;
        if kind == "lexical_declaration" {
            self.in_const = tree
                .kids(id)
                .first()
                .is_some_and(|&k| tree.text(k) == "const");
        }
        let branching = BRANCH_KINDS.contains(&kind);
        for &kid in tree.kids(id) {
            let branch = if Some(kid) == condition {
                outer_branch
            } else {
                branch
            };
            // Each part of a branch or loop (a body, an else) is a region
            // of its own; the condition is none.
            let region = branching && Some(kid) != condition;
            if region {
                // What a `try` body assigns reaches its handlers too, as
                // Semgrep's flow has it.
                let k = if kind == "try_statement"
                    && matches!(self.kind_name(kid), "block" | "statement_block")
                {
                    node
                } else {
                    *tree.node(kid)
                };
                self.regions.push((k.start, k.end));
            }
            self.visit(kid, chain, branch);
            if region {
                self.regions.pop();
            }
            if RUBY_BODY_KINDS.contains(&kind) {
                self.note_mutation(kid, chain, branch);
            }
        }
        self.in_const = outer_const;
        if is_loop {
            self.loops.pop();
        }
    }

    /// A write whose value is not known here (a tuple target, or an
    /// in-place change when `mutation`), ending at `end`.
    fn unknown(&self, end: u32, rhs: NodeId, branch: usize, mutation: bool) -> Assign {
        Assign {
            end,
            value: None,
            literal: None,
            content: None,
            conditional: branch > 0,
            region: self.regions.last().copied(),
            rhs,
            compound: true,
            global_write: false,
            mutation,
            fixed: false,
        }
    }

    /// Record that `statement` may have changed a variable of the
    /// innermost scope in place: its value is not known after it.
    fn note_mutation(&mut self, statement: NodeId, chain: &[usize], branch: usize) {
        let Some(target) = self.mutated(statement) else {
            return;
        };
        let scope = *chain.last().unwrap_or(&0);
        let name = self.tree.text(target);
        if self.scopes[scope].vars.contains_key(name) && !self.scopes[scope].globals.contains(name)
        {
            self.record(
                chain,
                name,
                self.unknown(self.tree.node(statement).end, statement, branch, true),
            );
        }
    }

    /// The variable a statement may change in place, as Semgrep's constant
    /// propagation has it: the receiver of a method call made for its
    /// effect (`q.strip()` in Python, Java, Go and Ruby; JavaScript keeps
    /// its constants), Ruby's `q << x`, and the object of a Python
    /// attribute or item assignment (`q.x = 1`, `q[0] = 1`).
    fn mutated(&self, statement: NodeId) -> Option<NodeId> {
        let kids = self.tree.kids(statement);
        let receiver = |kids: &[NodeId]| match kids {
            [object, dot, ..]
                if matches!(self.kind_name(*object), "identifier" | "constant")
                    && self.tree.kids(*object).is_empty()
                    && self.tree.text(*dot) == "." =>
            {
                Some(*object)
            }
            _ => None,
        };
        match self.kind_name(statement) {
            "method_invocation" => receiver(kids),
            "call" if !kids.is_empty() => {
                // Ruby's call holds its receiver; Python's an attribute.
                receiver(kids).or_else(|| {
                    (self.kind_name(kids[0]) == "attribute")
                        .then(|| receiver(self.tree.kids(kids[0])))
                        .flatten()
                })
            }
            "call_expression" if !kids.is_empty() => (self.kind_name(kids[0])
                == "selector_expression")
                .then(|| receiver(self.tree.kids(kids[0])))
                .flatten(),
            "binary" => match kids {
                [left, op, ..]
                    if self.tree.text(*op) == "<<"
                        && self.kind_name(*left) == "identifier"
                        && self.tree.kids(*left).is_empty() =>
                {
                    Some(*left)
                }
                _ => None,
            },
            "assignment" => {
                let target = *kids.first()?;
                match self.kind_name(target) {
                    "attribute" => receiver(self.tree.kids(target)),
                    "subscript" => {
                        let object = *self.tree.kids(target).first()?;
                        (self.kind_name(object) == "identifier"
                            && self.tree.kids(object).is_empty())
                        .then_some(object)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Whether `id` is a Python bytes literal (`b'..'`, or a
    /// concatenation starting with one).
    fn is_bytes(&self, id: NodeId) -> bool {
        if !matches!(self.kind_name(id), "string" | "concatenated_string") {
            return false;
        }
        let text = self.tree.text(id);
        let prefix: String = text.chars().take_while(char::is_ascii_alphabetic).collect();
        prefix.len() <= 2
            && prefix.contains(['b', 'B'])
            && text[prefix.len()..].starts_with(['\'', '"'])
    }

    /// Add an assignment of `name` to the innermost scope of `chain`, or
    /// to the module's when the function declared the name `global`.
    fn record(&mut self, chain: &[usize], name: &str, mut assign: Assign) {
        let scope = *chain.last().unwrap_or(&0);
        let scope = if self.scopes[scope].globals.contains(name) {
            assign.global_write = true;
            self.scopes[scope].written_globals.insert(name.to_owned());
            0
        } else {
            scope
        };
        self.scopes[scope]
            .vars
            .entry(name.to_owned())
            .or_default()
            .push(assign);
    }

    /// The constant an interpolating string folds to: every interpolated
    /// expression is itself a constant.
    fn interpolated(&self, id: NodeId, chain: &[usize]) -> Option<Box<str>> {
        let mut out = String::new();
        for &kid in self.tree.kids(id) {
            let kind = self.kind_name(kid);
            if kind == "template_substitution" || kind == "interpolation" {
                let inner = self
                    .tree
                    .kids(kid)
                    .iter()
                    .copied()
                    .filter(|&k| self.tree.node(k).named)
                    .collect::<Vec<_>>();
                let [expr] = inner.as_slice() else {
                    return None;
                };
                out.push_str(&self.constant(*expr, chain)?);
            } else if self.tree.node(kid).named && !matches!(kind, "string_start" | "string_end") {
                out.push_str(self.tree.text(kid));
            }
        }
        Some(out.into())
    }

    /// The string constant expression `id` evaluates to, if it is one: a
    /// plain string literal or a `+` of constants.
    fn constant(&self, id: NodeId, chain: &[usize]) -> Option<Box<str>> {
        let node = self.tree.node(id);
        match node.class {
            Class::Str => Some(self.tree.str_content(id).into()),
            Class::Interior if BINARY_KINDS.contains(&self.kind_name(id)) => {
                let [l, op, r] = self.tree.kids(id) else {
                    return None;
                };
                if self.tree.text(*op) != "+" {
                    return None;
                }
                let (l, r) = (self.constant(*l, chain)?, self.constant(*r, chain)?);
                Some(format!("{l}{r}").into())
            }
            // Python's implicit concatenation: `"a" "b"`.
            Class::Interior if self.kind_name(id) == "concatenated_string" => {
                let mut out = String::new();
                for &kid in self.tree.kids(id) {
                    out.push_str(&self.constant(kid, chain)?);
                }
                Some(out.into())
            }
            Class::Interior if INTERPOLATING_KINDS.contains(&self.kind_name(id)) => {
                self.interpolated(id, chain)
            }
            Class::Leaf if matches!(self.kind_name(id), "identifier" | "constant") => {
                let name = self.tree.text(id);
                lookup(&self.scopes, chain, name, node.start)?.value.clone()
            }
            _ => None,
        }
    }
}
