//! `$X. ... .y`: an ellipsis in a field position stands for any chain of
//! field accesses and method calls, including none (Semgrep matches
//! `$W. ... .location` on `window.location`, `window.top.location` and
//! `angular.element(e).find(q).html`). Also constant folding of string
//! concatenation: `"a" + "b"` is the string `"ab"` for a string pattern,
//! and names of different identifier kinds that bind alike.

use super::matcher::{Env, TreeMatcher};
use super::pattern::Pat;
use super::tree::{Class, NodeId};

/// Field accesses, their object first, in every grammar.
const MEMBERS: &[&str] = &[
    "member_expression",
    "attribute",
    "field_access",
    "selector_expression",
    "subscript_expression",
    "subscript",
    "index_expression",
    "element_reference",
];

impl TreeMatcher<'_, '_> {
    /// The object pattern `O` of a pattern `O. ...` (a field access whose
    /// field is an ellipsis).
    pub(super) fn chain_object<'p>(&self, p: &'p Pat) -> Option<&'p Pat> {
        let Pat::Node { kind, kids, .. } = p else {
            return None;
        };
        let [object, Pat::Leaf { text: dot, .. }, Pat::Ellipsis] = &kids[..] else {
            return None;
        };
        let field = matches!(
            self.kind_name(*kind),
            "member_expression" | "attribute" | "field_access" | "selector_expression" | "call"
        );
        (field && matches!(&**dot, "." | "&." | "?.")).then_some(object)
    }

    /// Match `object` on `t` or on any object further down `t`'s chain of
    /// field accesses and method calls.
    pub(super) fn chain_prefix(
        &self,
        object: &Pat,
        t: NodeId,
        env: &mut Env,
        k: &mut dyn FnMut(&mut Env) -> bool,
    ) -> bool {
        let mut at = Some(t);
        while let Some(cur) = at {
            if self.node(object, cur, env, k) {
                return true;
            }
            at = self.chain_step(cur);
        }
        false
    }

    /// The next link of a chain: a field access's object, a method call's
    /// receiver (or callee, where the callee is a field access).
    fn chain_step(&self, t: NodeId) -> Option<NodeId> {
        let kids = self.tree.kids(t);
        let &first = kids.first()?;
        let kind = self.kind_name(self.tree.node(t).kind);
        let dotted = || {
            kids.get(1)
                .is_some_and(|&d| matches!(self.tree.text(d), "." | "&." | "?."))
        };
        match kind {
            k if MEMBERS.contains(&k) => Some(first),
            "method_invocation" | "call" if dotted() => Some(first),
            "call" | "call_expression" => MEMBERS
                .contains(&self.kind_name(self.tree.node(first).kind))
                .then_some(first),
            _ => None,
        }
    }

    /// The value of a concatenation of string literals (`"<h1>" + "x: "`),
    /// which Semgrep folds into one constant string.
    pub(super) fn string_concat(&self, t: NodeId) -> Option<String> {
        let n = self.tree.node(t);
        if n.class == Class::Str {
            return Some(self.tree.str_content(t).to_owned());
        }
        if !matches!(
            self.kind_name(n.kind),
            "binary_expression" | "binary_operator" | "binary"
        ) {
            return None;
        }
        let &[left, op, right] = self.tree.kids(t) else {
            return None;
        };
        if self.tree.text(op) != "+" {
            return None;
        }
        let mut out = self.string_concat(left)?;
        out.push_str(&self.string_concat(right)?);
        Some(out)
    }

    /// Two identifiers of different kinds with the same name (the
    /// shorthand `{input}` of a destructuring parameter and a later
    /// `input`) bind a metavariable consistently.
    pub(super) fn same_name(&self, a: NodeId, b: NodeId) -> bool {
        let ident = |id: NodeId| {
            let n = self.tree.node(id);
            n.class == Class::Leaf && n.named && self.kind_name(n.kind).contains("identifier")
        };
        ident(a) && ident(b) && self.tree.text(a) == self.tree.text(b)
    }
}
