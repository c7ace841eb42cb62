//! The rule options `taint_assume_safe_booleans` and
//! `taint_assume_safe_numbers`: a value of Boolean or number type carries
//! no taint, so `"a" + (x != null)`, `s.length()` or `int n = f(x)` stop
//! the flow. Types come from the syntax alone: comparison and negation
//! operators, casts, declarations and parameters with a scalar type, and
//! calls of well-known methods that return one (Semgrep knows, for
//! instance, that `isEmpty()` and `Integer.parseInt(...)` do).

use crate::engine::tree::{NodeId, SynTree};

/// Which scalar types the rule declares safe.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SafeScalars {
    pub(crate) booleans: bool,
    pub(crate) numbers: bool,
}

/// Operators whose result is a Boolean.
const COMPARISONS: &[&str] = &[
    "==",
    "!=",
    "===",
    "!==",
    "<",
    ">",
    "<=",
    ">=",
    "instanceof",
    "is",
    "not",
];

/// Methods whose result is a Boolean, whatever the receiver.
const BOOLEAN_METHODS: &[&str] = &[
    "equals",
    "equalsIgnoreCase",
    "isEmpty",
    "isBlank",
    "startsWith",
    "endsWith",
    "contains",
    "containsKey",
    "matches",
];

/// Methods whose result is a number, whatever the receiver.
const NUMBER_METHODS: &[&str] = &[
    "length",
    "size",
    "hashCode",
    "indexOf",
    "lastIndexOf",
    "compareTo",
    "compareToIgnoreCase",
];

/// Boxed number classes: their `parse*` and `valueOf` methods return a
/// number.
const NUMBER_CLASSES: &[&str] = &["Integer", "Long", "Short", "Byte", "Double", "Float"];

/// Type names of Booleans.
const BOOLEAN_TYPES: &[&str] = &["boolean", "Boolean", "bool"];

/// Type names of numbers.
const NUMBER_TYPES: &[&str] = &[
    "int", "long", "short", "byte", "float", "double", "Integer", "Long", "Short", "Byte", "Float",
    "Double", "number", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32",
    "uint64", "uintptr", "float32", "float64",
];

impl SafeScalars {
    /// Whether either option is on.
    pub(crate) fn any(self) -> bool {
        self.booleans || self.numbers
    }

    /// Whether the type written `name` is one the options make safe.
    pub(crate) fn safe_type_name(self, name: &str) -> bool {
        let name = name.trim().trim_start_matches(':').trim();
        (self.booleans && BOOLEAN_TYPES.contains(&name))
            || (self.numbers && NUMBER_TYPES.contains(&name))
    }

    /// Whether a declaration or parameter `id` declares a safe type: one of
    /// its parts is a type (a node whose kind names a type) with a safe
    /// name.
    pub(crate) fn declares_safe_type<'k>(
        self,
        tree: &SynTree<'_>,
        kind: &dyn Fn(NodeId) -> &'k str,
        id: NodeId,
    ) -> bool {
        self.any()
            && tree.kids(id).iter().any(|&k| {
                let kk = kind(k);
                (kk.ends_with("_type") || kk.contains("type_identifier") || kk == "type_annotation")
                    && self.safe_type_name(tree.text(k))
            })
    }

    /// Whether the expression `id` has a type the options make safe.
    pub(crate) fn safe_expr<'k>(
        self,
        tree: &SynTree<'_>,
        kind: &dyn Fn(NodeId) -> &'k str,
        id: NodeId,
    ) -> bool {
        if !self.any() {
            return false;
        }
        let kids = tree.kids(id);
        let operator = || {
            kids.iter()
                .find(|&&k| !tree.node(k).named)
                .map(|&k| tree.text(k))
        };
        match kind(id) {
            "binary_expression"
            | "comparison_operator"
            | "instanceof_expression"
            | "unary_expression"
            | "not_operator" => {
                self.booleans && operator().is_some_and(|op| COMPARISONS.contains(&op) || op == "!")
            }
            "cast_expression" => kids
                .first()
                .is_some_and(|&t| kind(t).ends_with("_type") && self.safe_type_name(tree.text(t))),
            "method_invocation" | "call_expression" | "call" => {
                let Some((receiver, name)) = callee(tree, kind, id) else {
                    return false;
                };
                (self.booleans && BOOLEAN_METHODS.contains(&name))
                    || (self.numbers
                        && (NUMBER_METHODS.contains(&name)
                            || receiver.is_some_and(|r| {
                                NUMBER_CLASSES.contains(&r)
                                    && (name.starts_with("parse") || name == "valueOf")
                            })))
            }
            _ => false,
        }
    }
}

/// The receiver text (if any) and the method name of a call: Java's
/// `recv.name(args)` holds both itself; elsewhere the callee is the first
/// part, a name or a field access `recv.name`.
fn callee<'s, 'k>(
    tree: &SynTree<'s>,
    kind: &dyn Fn(NodeId) -> &'k str,
    id: NodeId,
) -> Option<(Option<&'s str>, &'s str)> {
    let kids = tree.kids(id);
    let dotted = |parts: &[NodeId]| -> Option<(Option<&'s str>, &'s str)> {
        let dot = parts
            .iter()
            .position(|&k| tree.text(k) == "." && !tree.node(k).named)?;
        let name = parts
            .get(dot + 1)
            .filter(|&&k| kind(k).contains("identifier"))?;
        Some((parts.first().map(|&r| tree.text(r)), tree.text(*name)))
    };
    if kind(id) == "method_invocation" {
        if let Some(found) = dotted(kids) {
            return Some(found);
        }
        return kids
            .iter()
            .find(|&&k| kind(k) == "identifier")
            .map(|&k| (None, tree.text(k)));
    }
    let &function = kids.first()?;
    if kind(function) == "identifier" {
        return Some((None, tree.text(function)));
    }
    if kind(id) == "call" && dotted(kids).is_some() {
        // Ruby: `recv.name(args)` is one `call` node.
        return dotted(kids);
    }
    dotted(tree.kids(function))
}
