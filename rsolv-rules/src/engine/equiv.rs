//! Equivalences between pattern and code nodes of different shapes that
//! Semgrep treats alike in Ruby and Java (its generic AST erases the
//! difference): a dotted callee bound by `$F(...)`, a keyword parameter
//! matched by a plain one, a method declaration matched by a pattern
//! without a return type.

use super::matcher::{Binding, Env, TreeMatcher};
use super::pattern::Pat;
use super::tree::NodeId;

/// A continuation: called for every way a match succeeds.
type Cont<'a> = &'a mut dyn FnMut(&mut Env) -> bool;

impl<'t, 's> TreeMatcher<'t, 's> {
    /// Match `p` against `t` when their shapes differ but Semgrep treats
    /// them alike (a fallback after the structural match failed).
    pub(super) fn node_equivalence(&self, p: &Pat, t: NodeId, env: &mut Env, k: Cont) -> bool {
        self.java_method_without_type(p, t, env, k)
            || self.ruby_keyword_parameter(p, t, env, k)
            || self.ruby_symbol_metavariable(p, t, env, k)
            || self.ruby_pair_pattern(p, t, env, k)
            || self.ruby_pair_syntax(p, t, env, k)
            || self.go_import_specs(p, t, env, k)
            || self.js_any_loop_header(p, t, env, k)
            || self.imported_member(p, t, env, k)
            || self.js_shorthand_property(p, t, env, k)
            || self.bare_decorator(p, t, env, k)
            || self.lambda_return(p, t, env, k)
    }

    /// A lambda's expression body is its return value: `return $X` matches
    /// the `e` of `lambda x: e` or `x => e`, as in Semgrep.
    fn lambda_return(&self, p: &Pat, t: NodeId, env: &mut Env, k: Cont) -> bool {
        let Pat::Node { kind, kids, .. } = p else {
            return false;
        };
        if self.kind_name(*kind) != "return_statement"
            || self.lambda_bodies().binary_search(&t).is_err()
        {
            return false;
        }
        // The `return` keyword, then the value.
        let values: Vec<&Pat> = kids
            .iter()
            .filter(|k| !matches!(k, Pat::Leaf { named: false, .. }))
            .collect();
        match values.as_slice() {
            // A metavariable binds the body with its parentheses.
            [Pat::Metavar(name)] => {
                let (start, end) = self.tree.outer_span(t);
                let body = Binding {
                    node: Some(t),
                    start,
                    end,
                };
                self.bind(name, body, env, k)
            }
            [value] => self.node(value, t, env, k),
            _ => false,
        }
    }

    /// Python's `@f` is `@f()`: a decorator pattern calling `f(...)` with
    /// only `...` as arguments matches a decorator naming `f` without a
    /// call, as in Semgrep.
    fn bare_decorator(&self, p: &Pat, t: NodeId, env: &mut Env, k: Cont) -> bool {
        let Pat::Node { kind, kids, .. } = p else {
            return false;
        };
        if self.kind_name(*kind) != "decorator" || self.tree.node(t).kind != *kind {
            return false;
        }
        let Some(Pat::Node {
            kind: call,
            kids: call_kids,
            ..
        }) = kids.last()
        else {
            return false;
        };
        // `(...)` is kept as `...` itself.
        let (callee, args) = match call_kids.as_slice() {
            [callee, Pat::Node { kids: args, .. }] => (callee, args.as_slice()),
            [callee, only @ Pat::Ellipsis] => (callee, std::slice::from_ref(only)),
            _ => return false,
        };
        let Some(&target) = self.tree.kids(t).last() else {
            return false;
        };
        self.kind_name(*call) == "call"
            && args.iter().all(|a| matches!(a, Pat::Ellipsis))
            && self.kind_name(self.tree.node(target).kind) != "call"
            && self.node(callee, target, env, k)
    }

    /// Python's `@f()` is `@f`, and `@f(x)` is no bare decorator: a
    /// decorator pattern without a call (`@$D`, `@app.route`) matches a
    /// decorator calling its expression without arguments, and never one
    /// that passes arguments, as in Semgrep. `None` when `p` and `t` are
    /// not a bare decorator pattern and a call decorator.
    pub(super) fn decorator_with_call(
        &self,
        p: &Pat,
        t: NodeId,
        env: &mut Env,
        k: Cont,
    ) -> Option<bool> {
        let Pat::Node { kind, kids, .. } = p else {
            return None;
        };
        if self.kind_name(*kind) != "decorator" || self.tree.node(t).kind != *kind {
            return None;
        }
        let expr = kids.last()?;
        if matches!(expr, Pat::Node { kind, .. } if self.kind_name(*kind) == "call") {
            return None;
        }
        let &target = self.tree.kids(t).last()?;
        if self.kind_name(self.tree.node(target).kind) != "call" {
            return None;
        }
        let [callee, args] = self.tree.kids(target) else {
            return Some(false);
        };
        Some(self.tree.kids(*args).is_empty() && self.node(expr, *callee, env, k))
    }

    /// JavaScript `{ name }` is `{ name: name }`: a `key: value` pattern
    /// matches a shorthand property whose name the key matches, with the
    /// value pattern matched against the same name.
    fn js_shorthand_property(&self, p: &Pat, t: NodeId, env: &mut Env, k: Cont) -> bool {
        let Pat::Node { kind, kids, .. } = p else {
            return false;
        };
        if self.kind_name(*kind) != "pair"
            || self.kind_name(self.tree.node(t).kind) != "shorthand_property_identifier"
        {
            return false;
        }
        let named: Vec<&Pat> = kids
            .iter()
            .filter(|k| !matches!(k, Pat::Leaf { named: false, .. }))
            .collect();
        let [key, value] = named.as_slice() else {
            return false;
        };
        let key_matches = |env: &mut Env, k: Cont| match key {
            Pat::Leaf { text, .. } => &**text == self.tree.text(t) && k(env),
            Pat::Metavar(_) => self.node(key, t, env, k),
            _ => false,
        };
        key_matches(env, &mut |env| self.node(value, t, env, k))
    }

    /// `$M.name` against an identifier an import bound to `module.name`
    /// (`const { name } = require('m')`, `import { name as n } from 'm'`):
    /// it matches, and `$M` binds the identifier, as in Semgrep.
    fn imported_member(&self, p: &Pat, t: NodeId, env: &mut Env, k: Cont) -> bool {
        let Pat::Node { kind, kids, .. } = p else {
            return false;
        };
        let [Pat::Metavar(name), .., Pat::Leaf { text: member, .. }] = kids.as_slice() else {
            return false;
        };
        if self.kind_name(*kind) != "member_expression" || !self.tree.kids(t).is_empty() {
            return false;
        }
        let Some(full) = self.resolve_alias(t) else {
            return false;
        };
        if full
            .rsplit_once('.')
            .is_none_or(|(_, last)| last != &**member)
        {
            return false;
        }
        let n = self.tree.node(t);
        let b = Binding {
            node: Some(t),
            start: n.start,
            end: n.end,
        };
        self.bind(name, b, env, k)
    }

    /// JavaScript `for (...) body`: a header of only `...` matches every
    /// loop header, `for (x of xs)` and `for (k in o)` included.
    fn js_any_loop_header(&self, p: &Pat, t: NodeId, env: &mut Env, k: Cont) -> bool {
        let Pat::Node { kind, kids, .. } = p else {
            return false;
        };
        if self.kind_name(*kind) != "for_statement"
            || self.kind_name(self.tree.node(t).kind) != "for_in_statement"
        {
            return false;
        }
        let header_is_dots = kids
            .iter()
            .skip_while(|p| !matches!(p, Pat::Leaf { text, .. } if &**text == "("))
            .skip(1)
            .take_while(|p| !matches!(p, Pat::Leaf { text, .. } if &**text == ")"))
            .all(|p| matches!(p, Pat::Ellipsis));
        let (Some(body), Some(&tbody)) = (kids.last(), self.tree.kids(t).last()) else {
            return false;
        };
        header_is_dots && self.node(body, tbody, env, k)
    }

    /// Go imports: Semgrep reads every spec of `import ( "a"; "b" )` as
    /// an import of its own, so `import "a"` and `import ("a")` match
    /// either form, and a block that imports more packages.
    fn go_import_specs(&self, p: &Pat, t: NodeId, env: &mut Env, k: Cont) -> bool {
        let Pat::Node { kind, kids, .. } = p else {
            return false;
        };
        if self.kind_name(*kind) != "import_declaration" || self.tree.node(t).kind != *kind {
            return false;
        }
        let mut pats: Vec<&Pat> = Vec::new();
        for kid in kids {
            match kid {
                Pat::Node { kind, kids, .. } if self.kind_name(*kind) == "import_spec_list" => {
                    pats.extend(
                        kids.iter()
                            .filter(|p| !matches!(p, Pat::Leaf { named: false, .. })),
                    );
                }
                Pat::Node { kind, .. } if self.kind_name(*kind) == "import_spec" => pats.push(kid),
                _ => {}
            }
        }
        if pats.is_empty() {
            return false;
        }
        let mut specs = Vec::new();
        for &kid in self.tree.kids(t) {
            match self.kind_name(self.tree.node(kid).kind) {
                "import_spec" => specs.push(kid),
                "import_spec_list" => specs.extend(
                    self.tree
                        .kids(kid)
                        .iter()
                        .filter(|&&s| self.kind_name(self.tree.node(s).kind) == "import_spec"),
                ),
                _ => {}
            }
        }
        let mut used = vec![false; specs.len()];
        self.assign_distinct(&pats, &specs, &mut used, None, env, &mut |env, _| k(env))
    }

    /// `a + ...` against `a + b + c`: Semgrep flattens a chain of one
    /// operator into one operation of many operands, so a pattern whose
    /// last operand is `...` matches the chain when it matches the chain's
    /// leading operands (`(a + b) + c` parses left-nested: the pattern is
    /// tried on the left operand, the match keeps the whole chain). Tried
    /// before the structural match: `"$S" + ...` on `"a" + "b" + x` binds
    /// `$S` to `"a"`, as in Semgrep, before the folded `"a" + "b"`.
    pub(super) fn operand_chain(&self, p: &Pat, t: NodeId, env: &mut Env, k: Cont) -> bool {
        let Pat::Node { kind, kids, .. } = p else {
            return false;
        };
        let [_, Pat::Leaf { text: op, .. }, Pat::Ellipsis] = kids.as_slice() else {
            return false;
        };
        if self.tree.node(t).kind != *kind {
            return false;
        }
        let &[left, top, _] = self.tree.kids(t) else {
            return false;
        };
        let same_op =
            |id: NodeId| matches!(self.tree.kids(id), &[_, o, _] if self.tree.text(o) == &**op);
        self.tree.text(top) == &**op
            && self.tree.node(left).kind == *kind
            && same_op(left)
            && self.node(p, left, env, k)
    }

    /// Ruby `key: v` or `:key => v`: a keyword argument, which Semgrep's
    /// `$X` (an expression) does not match; `"key" => v` is a hash entry,
    /// which it does.
    pub(super) fn is_ruby_keyword_argument(&self, t: NodeId) -> bool {
        self.kind_name(self.tree.node(t).kind) == "pair"
            && self.tree.kids(t).first().is_some_and(|&key| {
                matches!(
                    self.kind_name(self.tree.node(key).kind),
                    "hash_key_symbol" | "simple_symbol"
                )
            })
    }

    /// Kinds a pattern node of `kind` may also match, beyond its own.
    pub(super) fn equivalent_kinds(&self, kind: u16) -> Option<u16> {
        match self.kind_name(kind) {
            // `$M(...) {...}` parses as a Java constructor; it also matches
            // methods, whatever their return type.
            "constructor_declaration" => self.kind_id("method_declaration"),
            // `:$K => v` alone parses as a Ruby pattern match; it is a
            // hash pair.
            "match_pattern" => self.kind_id("pair"),
            // Go `var x T = e` also matches a constant declaration.
            "var_spec" => self.kind_id("const_spec"),
            // Java `T x = e;` also matches a field.
            "local_variable_declaration" => self.kind_id("field_declaration"),
            // JavaScript `for (...)` also matches `for (x of xs)`.
            "for_statement" => self.kind_id("for_in_statement"),
            _ => None,
        }
    }

    /// Whether `p` is Ruby `$F(...)` and `t` a call with a receiver
    /// (`recv.meth(args)`), which [`Self::ruby_dotted_callee`] matches in
    /// place of the structural match (that would bind `$F` to `recv`).
    pub(super) fn is_dotted_callee_pattern(&self, p: &Pat, t: NodeId) -> bool {
        let Pat::Node { kind, kids, .. } = p else {
            return false;
        };
        // `$F(...)`, not `$R.meth(...)`.
        if !matches!(
            kids.as_slice(),
            [Pat::Metavar(_)]
                | [
                    Pat::Metavar(_),
                    Pat::Node { .. } | Pat::Ellipsis | Pat::EllipsisMetavar(_)
                ]
        ) || self.kind_name(*kind) != "call"
            || self.tree.node(t).kind != *kind
        {
            return false;
        }
        matches!(self.tree.kids(t), [_, dot, method, ..]
            if !self.tree.node(*dot).named
                && matches!(self.tree.text(*dot), "." | "&.")
                && self.kind_name(self.tree.node(*method).kind) == "identifier")
    }

    /// Ruby `$F(...)` against `recv.meth(args)` (or `recv.meth args`):
    /// Semgrep binds `$F` to the dotted callee `recv.meth`.
    pub(super) fn ruby_dotted_callee(&self, p: &Pat, t: NodeId, env: &mut Env, k: Cont) -> bool {
        let Pat::Node { kind, kids, .. } = p else {
            return false;
        };
        let [Pat::Metavar(name), rest @ ..] = kids.as_slice() else {
            return false;
        };
        if self.kind_name(*kind) != "call" || self.tree.node(t).kind != *kind {
            return false;
        }
        let tkids = self.tree.kids(t);
        let [recv, dot, method, targs @ ..] = tkids else {
            return false;
        };
        let dot_text = self.tree.text(*dot);
        if self.tree.node(*dot).named
            || !matches!(dot_text, "." | "&.")
            || self.kind_name(self.tree.node(*method).kind) != "identifier"
        {
            return false;
        }
        let binding = Binding {
            node: None,
            start: self.tree.node(*recv).start,
            end: self.tree.node(*method).end,
        };
        self.bind(name, binding, env, &mut |env| {
            self.seq(rest, targs, false, env, &mut |env, _| k(env))
        })
    }

    /// Ruby `def f(a, b)` in a pattern against `def f(a:, b:)`: a plain
    /// parameter name matches the name of a keyword parameter.
    fn ruby_keyword_parameter(&self, p: &Pat, t: NodeId, env: &mut Env, k: Cont) -> bool {
        if !matches!(p, Pat::Leaf { named: true, .. }) {
            return false;
        }
        if self.kind_name(self.tree.node(t).kind) != "keyword_parameter" {
            return false;
        }
        // With or without a default value (`a: nil`), as in Semgrep.
        match self.tree.kids(t) {
            [name, colon, ..] if self.tree.text(*colon) == ":" => self.node(p, *name, env, k),
            _ => false,
        }
    }

    /// Ruby `:$K` in a pattern: any symbol, `$K` bound to its name.
    fn ruby_symbol_metavariable(&self, p: &Pat, t: NodeId, env: &mut Env, k: Cont) -> bool {
        let Pat::Leaf { kind, text, .. } = p else {
            return false;
        };
        let n = self.tree.node(t);
        if self.kind_name(*kind) != "simple_symbol" || n.kind != *kind {
            return false;
        }
        let Some(name) = text.strip_prefix(":__rsmv_") else {
            return false;
        };
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            return false;
        }
        let binding = Binding {
            node: None,
            start: n.start + 1,
            end: n.end,
        };
        let name: std::sync::Arc<str> = format!("${name}").into();
        self.bind(&name, binding, env, k)
    }

    /// Ruby `:a => $V` alone in a pattern (a pattern match to the parser)
    /// against a pair of a hash literal (Semgrep does not match the
    /// keyword arguments of a call with it).
    fn ruby_pair_pattern(&self, p: &Pat, t: NodeId, env: &mut Env, k: Cont) -> bool {
        let Pat::Node { kind, kids, .. } = p else {
            return false;
        };
        if self.kind_name(*kind) != "match_pattern"
            || self.kind_name(self.tree.node(t).kind) != "pair"
        {
            return false;
        }
        let in_hash = self.kind_id("hash").is_some_and(|hash| {
            self.nodes_of_kind(hash)
                .iter()
                .any(|&h| self.tree.kids(h).contains(&t))
        });
        in_hash && self.seq(kids, self.tree.kids(t), false, env, &mut |env, _| k(env))
    }

    /// Ruby `:k => v` and `k: v` are the same hash pair to Semgrep: a
    /// pattern pair in one syntax matches a pair in the other.
    fn ruby_pair_syntax(&self, p: &Pat, t: NodeId, env: &mut Env, k: Cont) -> bool {
        let Pat::Node { kind, kids, .. } = p else {
            return false;
        };
        if self.kind_name(*kind) != "pair" || self.tree.node(t).kind != *kind {
            return false;
        }
        let (
            [
                Pat::Leaf { text: pkey, .. },
                Pat::Leaf { text: pop, .. },
                pvalue,
            ],
            [tkey, top, tvalue],
        ) = (kids.as_slice(), self.tree.kids(t))
        else {
            return false;
        };
        let top = self.tree.text(*top);
        // The key's name, without the symbol's colon.
        let (pname, tname) = match (&**pop, top) {
            ("=>", ":") => (pkey.strip_prefix(':'), Some(self.tree.text(*tkey))),
            (":", "=>") => (Some(&**pkey), self.tree.text(*tkey).strip_prefix(':')),
            _ => return false,
        };
        let (Some(pname), Some(tname)) = (pname, tname) else {
            return false;
        };
        let tk = self.tree.node(*tkey);
        let name_start = if top == "=>" { tk.start + 1 } else { tk.start };
        let same_key = |env: &mut Env, k: Cont| -> bool {
            match pname.strip_prefix("__rsmv_") {
                Some(mv)
                    if !mv.is_empty()
                        && mv
                            .bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') =>
                {
                    let name: std::sync::Arc<str> = format!("${mv}").into();
                    let b = Binding {
                        node: None,
                        start: name_start,
                        end: tk.end,
                    };
                    self.bind(&name, b, env, k)
                }
                _ => pname == tname && k(env),
            }
        };
        same_key(env, &mut |env| self.node(pvalue, *tvalue, env, k))
    }

    /// Java `$M(...) {...}` (a constructor to the parser) against a method
    /// declaration: the pattern's modifiers, name, parameters and body
    /// match the method's, whatever its return type.
    fn java_method_without_type(&self, p: &Pat, t: NodeId, env: &mut Env, k: Cont) -> bool {
        let Pat::Node { kind, kids, .. } = p else {
            return false;
        };
        if self.kind_name(*kind) != "constructor_declaration"
            || self.kind_name(self.tree.node(t).kind) != "method_declaration"
        {
            return false;
        }
        let tkids = self.tree.kids(t);
        let Some(params_at) = tkids
            .iter()
            .position(|&c| self.kind_name(self.tree.node(c).kind) == "formal_parameters")
        else {
            return false;
        };
        if params_at < 2 {
            return false;
        }
        // Drop the return type (just before the name) and the type
        // parameters a pattern without a type cannot mention.
        let shown: Vec<NodeId> = tkids
            .iter()
            .enumerate()
            .filter(|&(i, &c)| {
                i != params_at - 2 && self.kind_name(self.tree.node(c).kind) != "type_parameters"
            })
            .map(|(_, &c)| c)
            .collect();
        let (Some((pbody, phead)), Some((&tbody, thead))) = (kids.split_last(), shown.split_last())
        else {
            return false;
        };
        if self.kind_name(self.tree.node(tbody).kind) != "block" {
            return false;
        }
        self.seq(phead, thead, false, env, &mut |env, _| match pbody {
            Pat::Node { kind, kids, .. } if self.kind_name(*kind) == "constructor_body" => self
                .seq(kids, self.tree.kids(tbody), false, env, &mut |env, _| {
                    k(env)
                }),
            other => self.node(other, tbody, env, k),
        })
    }
}
