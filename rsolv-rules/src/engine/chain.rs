//! `$X. ... .y`: an ellipsis in a field position stands for any chain of
//! field accesses and method calls, including none (Semgrep matches
//! `$W. ... .location` on `window.location`, `window.top.location` and
//! `angular.element(e).find(q).html`).

use super::matcher::{Env, TreeMatcher};
use super::pattern::Pat;
use super::tree::NodeId;

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
}
