//! Intraprocedural taint propagation over the syntax tree.
//!
//! Each function is walked once in source order, with an environment from
//! l-value paths (`x`, `self.x`, `a.b`) to the taint they hold. An
//! assignment gives its target the taint of its value (or removes it, when
//! the value is clean and the assignment always runs); inside conditional
//! constructs assignments only add taint, so the result is a may-analysis
//! (Semgrep reports a sink when *some* path taints it). Loop bodies are
//! walked twice, enough for taint to travel around the loop once. An
//! expression is tainted when it lies in a source range, names a tainted
//! l-value, or has a tainted part (calls, operators, string interpolation,
//! containers and field reads all propagate), unless it lies in a sanitizer
//! range. A sink reports when a tainted expression lies in its range.

use std::collections::HashMap;
use std::sync::Arc;

use super::labels::{DEFAULT_LABEL, Requires};
use super::scalar::SafeScalars;
use super::syntax::Syntax;
use crate::BySideEffect;
use crate::engine::matcher::RangeMatch;
use crate::engine::tree::{NodeId, SynTree};

/// One match of a source, sanitizer, propagator or sink specification.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    /// Which specification (index in its list of the rule).
    pub(crate) spec: usize,
    /// Where it matched, with its bindings.
    pub(crate) m: RangeMatch,
}

/// How the dataflow treats one source specification.
#[derive(Debug, Clone, Default)]
pub(crate) struct SourceOptions {
    pub(crate) label: Option<Arc<str>>,
    pub(crate) requires: Option<Requires>,
    pub(crate) by_side_effect: Option<BySideEffect>,
    pub(crate) exact: bool,
}

/// How the dataflow treats one sink specification.
#[derive(Debug, Clone, Default)]
pub(crate) struct SinkOptions {
    pub(crate) requires: Option<Requires>,
    pub(crate) exact: bool,
}

/// How the dataflow treats one sanitizer specification.
#[derive(Debug, Clone, Default)]
pub(crate) struct SanitizerOptions {
    pub(crate) by_side_effect: bool,
    pub(crate) exact: bool,
    pub(crate) not_conflicting: bool,
}

/// How the dataflow treats one propagator specification.
#[derive(Debug, Clone, Default)]
pub(crate) struct PropagatorOptions {
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) label: Option<Arc<str>>,
}

/// The matches of every specification of one rule in one file.
#[derive(Debug, Default)]
pub(crate) struct Hits {
    pub(crate) sources: Vec<Hit>,
    pub(crate) sinks: Vec<Hit>,
    pub(crate) sanitizers: Vec<Hit>,
    pub(crate) propagators: Vec<Hit>,
}

/// The options of every specification of one rule.
#[derive(Debug, Default)]
pub(crate) struct Options {
    pub(crate) sources: Vec<SourceOptions>,
    pub(crate) sinks: Vec<SinkOptions>,
    pub(crate) sanitizers: Vec<SanitizerOptions>,
    pub(crate) propagators: Vec<PropagatorOptions>,
    /// `taint_assume_safe_functions`: calls do not pass taint on.
    pub(crate) safe_functions: bool,
    /// `taint_assume_safe_booleans` / `taint_assume_safe_numbers`.
    pub(crate) scalars: SafeScalars,
    /// Follow tainted arguments into functions defined in the same file
    /// (beyond Semgrep's free engine, as Opengrep's intrafile mode).
    pub(crate) intrafile: bool,
}

/// Calls are followed into same-file functions this many levels deep.
const MAX_CALL_DEPTH: usize = 3;

/// Tainted data reaching a sink.
#[derive(Debug, Clone)]
pub(crate) struct Flow {
    /// Index of the sink hit.
    pub(crate) sink: usize,
    /// Index of the source hit the data came from.
    pub(crate) source: usize,
    /// The variables it went through, in order (their defining occurrence).
    pub(crate) via: Vec<NodeId>,
}

/// One reason an expression is tainted.
#[derive(Debug, Clone)]
struct Fact {
    source: u32,
    label: Arc<str>,
    via: Arc<[NodeId]>,
}

type Taint = Vec<Fact>;

/// At most this many facts are kept per value (distinct sources/labels).
const MAX_FACTS: usize = 8;
/// Loops nested deeper than this are walked once (the walk doubles per
/// level otherwise).
const MAX_LOOP_DEPTH: u32 = 3;

fn has(list: &[&str], kind: &str) -> bool {
    list.contains(&kind)
}

fn union(into: &mut Taint, from: Taint) {
    for f in from {
        if into.len() >= MAX_FACTS {
            break;
        }
        if !into
            .iter()
            .any(|g| g.source == f.source && g.label == f.label)
        {
            into.push(f);
        }
    }
}

enum Effect {
    Source(usize),
    Sanitizer(usize),
    Propagator(usize),
}

/// Run the analysis on `tree` and return the flows into sinks, one per
/// sink hit.
pub(crate) fn analyze(
    tree: &SynTree<'_>,
    language: &tree_sitter::Language,
    syntax: &Syntax,
    hits: &Hits,
    options: &Options,
) -> Vec<Flow> {
    if tree.ids().next().is_none() || hits.sources.is_empty() || hits.sinks.is_empty() {
        return Vec::new();
    }
    let mut by_range = HashMap::new();
    for id in tree.ids() {
        let n = tree.node(id);
        by_range.entry((n.start, n.end)).or_insert(id);
    }
    let mut walker = Walker {
        tree,
        language,
        syntax,
        hits,
        options,
        by_range,
        sinks_at: HashMap::new(),
        effects_at: HashMap::new(),
        env: HashMap::new(),
        weak: 0,
        loops: 0,
        functions: 0,
        scalar_declaration: false,
        found: HashMap::new(),
        sanitizers: Vec::new(),
        definitions: HashMap::new(),
        calls: Vec::new(),
        entry: HashMap::new(),
    };
    walker.sanitizers = walker.active_sanitizers();
    if options.intrafile {
        walker.definitions = walker.definitions();
    }
    for (i, h) in hits.sinks.iter().enumerate() {
        let at = walker.anchor(h.m.start, h.m.end);
        walker.sinks_at.entry(at).or_default().push(i);
    }
    for (i, h) in hits.sources.iter().enumerate() {
        if options.sources[h.spec]
            .by_side_effect
            .is_some_and(|b| b != BySideEffect::No)
        {
            let at = walker.anchor(h.m.start, h.m.end);
            walker
                .effects_at
                .entry(at)
                .or_default()
                .push(Effect::Source(i));
        }
    }
    for (i, h) in hits.sanitizers.iter().enumerate() {
        if options.sanitizers[h.spec].by_side_effect {
            let at = walker.anchor(h.m.start, h.m.end);
            walker
                .effects_at
                .entry(at)
                .or_default()
                .push(Effect::Sanitizer(i));
        }
    }
    for (i, h) in hits.propagators.iter().enumerate() {
        let at = walker.anchor(h.m.start, h.m.end);
        walker
            .effects_at
            .entry(at)
            .or_default()
            .push(Effect::Propagator(i));
    }
    walker.walk(tree.root());
    // Intrafile: walk each same-file function again with the parameters
    // its callers passed tainted data to, a few calls deep.
    for _ in 0..MAX_CALL_DEPTH {
        let calls = std::mem::take(&mut walker.calls);
        if calls.is_empty() {
            break;
        }
        let mut entries: HashMap<NodeId, HashMap<usize, Taint>> = HashMap::new();
        for (function, position, taint) in calls {
            union(
                entries
                    .entry(function)
                    .or_default()
                    .entry(position)
                    .or_default(),
                taint,
            );
        }
        let mut functions: Vec<NodeId> = entries.keys().copied().collect();
        functions.sort_unstable();
        for function in functions {
            walker.entry = entries.remove(&function).unwrap_or_default();
            walker.env.clear();
            walker.function(function);
            walker.entry.clear();
        }
    }
    let mut flows: Vec<Flow> = walker.found.into_values().collect();
    flows.sort_by_key(|f| f.sink);
    flows
}

struct Walker<'a, 't, 's> {
    tree: &'t SynTree<'s>,
    language: &'a tree_sitter::Language,
    syntax: &'a Syntax,
    hits: &'a Hits,
    options: &'a Options,
    /// The outermost node of each range.
    by_range: HashMap<(u32, u32), NodeId>,
    sinks_at: HashMap<NodeId, Vec<usize>>,
    effects_at: HashMap<NodeId, Vec<Effect>>,
    env: HashMap<String, Taint>,
    /// Depth of conditional constructs around the current node.
    weak: u32,
    loops: u32,
    functions: u32,
    /// Inside a declaration of a safe scalar type (`int n = …`).
    scalar_declaration: bool,
    found: HashMap<usize, Flow>,
    /// Sanitizer hits that apply (`not_conflicting` ones that coincide with
    /// a source or sink are dropped), as (start, end, exact).
    sanitizers: Vec<(u32, u32, bool)>,
    /// Intrafile: functions by name (names defined once only).
    definitions: HashMap<String, NodeId>,
    /// Intrafile: tainted arguments passed to same-file functions, as
    /// (function, parameter position, taint).
    calls: Vec<(NodeId, usize, Taint)>,
    /// Intrafile: the tainted parameters of the function walked again.
    entry: HashMap<usize, Taint>,
}

impl<'a> Walker<'a, '_, '_> {
    fn kind(&self, id: NodeId) -> &'a str {
        self.language
            .node_kind_for_id(self.tree.node(id).kind)
            .unwrap_or("")
    }

    fn active_sanitizers(&self) -> Vec<(u32, u32, bool)> {
        let same = |h: &Hit, other: &[Hit]| {
            other
                .iter()
                .any(|o| o.m.start == h.m.start && o.m.end == h.m.end)
        };
        self.hits
            .sanitizers
            .iter()
            .filter(|h| {
                let o = &self.options.sanitizers[h.spec];
                !(o.not_conflicting && (same(h, &self.hits.sources) || same(h, &self.hits.sinks)))
            })
            .map(|h| (h.m.start, h.m.end, self.options.sanitizers[h.spec].exact))
            .collect()
    }

    /// The node a range is checked at: the outermost node with exactly that
    /// range, or else the smallest node containing it.
    fn anchor(&self, start: u32, end: u32) -> NodeId {
        if let Some(&id) = self.by_range.get(&(start, end)) {
            return id;
        }
        let mut at = self.tree.root();
        'down: loop {
            for &kid in self.tree.kids(at) {
                let n = self.tree.node(kid);
                if n.start <= start && end <= n.end {
                    at = kid;
                    continue 'down;
                }
            }
            return at;
        }
    }

    fn walk(&mut self, id: NodeId) {
        let kind = self.kind(id);
        if has(self.syntax.functions, kind) {
            self.function(id);
            return;
        }
        if let Some(sinks) = self.sinks_at.get(&id).cloned() {
            for sink in sinks {
                self.check_sink(sink, id);
            }
        }
        if matches!(kind, "local_variable_declaration" | "field_declaration")
            && self.declares_safe_type(id)
        {
            let outer = std::mem::replace(&mut self.scalar_declaration, true);
            self.walk_kids(id);
            self.scalar_declaration = outer;
        } else if has(self.syntax.assignments, kind) {
            self.assignment(id);
        } else if has(self.syntax.for_each, kind) && self.for_each(id) {
            // Handled.
        } else if has(self.syntax.loops, kind) {
            self.weak += 1;
            self.loops += 1;
            let times = if self.loops <= MAX_LOOP_DEPTH { 2 } else { 1 };
            for _ in 0..times {
                self.walk_kids(id);
            }
            self.loops -= 1;
            self.weak -= 1;
        } else if has(self.syntax.conditionals, kind) {
            self.weak += 1;
            self.walk_kids(id);
            self.weak -= 1;
        } else {
            self.walk_kids(id);
            self.appending_call(id);
            if self.options.intrafile && has(self.syntax.calls, kind) {
                self.same_file_call(id);
            }
        }
        self.side_effects(id);
    }

    /// Functions defined in the file, by name; a name defined twice is
    /// left out (which one a call reaches is unknown).
    fn definitions(&self) -> HashMap<String, NodeId> {
        let mut by_name: HashMap<String, Option<NodeId>> = HashMap::new();
        for id in self.tree.ids() {
            if !has(self.syntax.functions, self.kind(id)) {
                continue;
            }
            let Some(name) = self.tree.kids(id).iter().copied().find(|&k| {
                self.tree.node(k).named && self.kind(k).ends_with("identifier")
                    || self.kind(k) == "constant"
            }) else {
                continue;
            };
            by_name
                .entry(self.tree.text(name).to_owned())
                .and_modify(|seen| *seen = None)
                .or_insert(Some(id));
        }
        by_name
            .into_iter()
            .filter_map(|(name, id)| Some((name, id?)))
            .collect()
    }

    /// The parameter names of a function, in order (a leading `self` or
    /// `cls` left out, as a method call does not pass it).
    fn parameter_names(&self, function: NodeId) -> Vec<NodeId> {
        let Some(list) = self
            .tree
            .kids(function)
            .iter()
            .copied()
            .rfind(|&k| has(self.syntax.parameters, self.kind(k)))
        else {
            return Vec::new();
        };
        let mut names = Vec::new();
        for &param in self.tree.kids(list) {
            if !self.tree.node(param).named {
                continue;
            }
            if has(self.syntax.names, self.kind(param)) {
                names.push(param);
                continue;
            }
            // The first name inside a parameter node (`String id`,
            // `x=1`, `x: int`).
            if let Some(&name) = self
                .tree
                .kids(param)
                .iter()
                .find(|&&k| has(self.syntax.names, self.kind(k)))
            {
                names.push(name);
            }
        }
        if names
            .first()
            .is_some_and(|&n| matches!(self.tree.text(n), "self" | "cls"))
        {
            names.remove(0);
        }
        names
    }

    /// A call `f(args)` (or `self.f` / `this.f`) of a function defined in
    /// the file: remember which of its parameters receive tainted data.
    fn same_file_call(&mut self, id: NodeId) {
        let kids = self.tree.kids(id);
        let Some(args) = kids
            .iter()
            .copied()
            .rfind(|&k| has(self.syntax.arguments, self.kind(k)))
        else {
            return;
        };
        let before: Vec<NodeId> = kids
            .iter()
            .copied()
            .take_while(|&k| k != args)
            .filter(|&k| self.tree.node(k).named)
            .collect();
        // The callee: a bare name, or a member of `self`/`this`.
        let callee = match before.as_slice() {
            [name] => Some(*name),
            [object, name] if matches!(self.tree.text(*object), "self" | "this") => Some(*name),
            _ => None,
        };
        let callee = callee.map(|c| match self.tree.kids(c) {
            [object, .., name]
                if has(self.syntax.members, self.kind(c))
                    && matches!(self.tree.text(*object), "self" | "this") =>
            {
                *name
            }
            _ => c,
        });
        let Some(&function) = callee.and_then(|c| self.definitions.get(self.tree.text(c))) else {
            return;
        };
        let positional = self
            .tree
            .kids(args)
            .iter()
            .copied()
            .filter(|&a| self.tree.node(a).named && !self.kind(a).contains("keyword"))
            .filter(|&a| !matches!(self.kind(a), "pair" | "comment"))
            .collect::<Vec<_>>();
        for (position, arg) in positional.into_iter().enumerate() {
            let taint = self.expr(arg);
            if !taint.is_empty() {
                self.calls.push((function, position, taint));
            }
        }
    }

    /// `s.concat(x)` (Ruby): the receiver takes the taint of the arguments,
    /// added to its own.
    fn appending_call(&mut self, id: NodeId) {
        if self.syntax.appends.is_empty() || self.kind(id) != "call" {
            return;
        }
        let kids = self.tree.kids(id);
        let [receiver, dot, method, args @ ..] = kids else {
            return;
        };
        if self.tree.text(*dot) != "." || !has(self.syntax.appends, self.tree.text(*method)) {
            return;
        }
        let mut taint = Taint::new();
        for &arg in args {
            union(&mut taint, self.expr(arg));
        }
        if !taint.is_empty() {
            self.assign(*receiver, taint, false);
        }
    }

    fn walk_kids(&mut self, id: NodeId) {
        for &kid in self.tree.kids(id) {
            self.walk(kid);
        }
    }

    /// A function body starts from an empty environment (a nested one,
    /// a closure, from a copy of the enclosing one); parameters matched by
    /// a source, or with a tainted default value, are tainted.
    fn function(&mut self, id: NodeId) {
        let saved = if self.functions == 0 {
            std::mem::take(&mut self.env)
        } else {
            self.env.clone()
        };
        let (weak, loops) = (self.weak, self.loops);
        let scalar_declaration = std::mem::take(&mut self.scalar_declaration);
        self.weak = 0;
        self.loops = 0;
        self.functions += 1;
        for &kid in self.tree.kids(id) {
            if has(self.syntax.parameters, self.kind(kid)) {
                self.parameters(kid);
            }
        }
        if self.functions == 1 && !self.entry.is_empty() {
            let names = self.parameter_names(id);
            for (position, taint) in std::mem::take(&mut self.entry) {
                let Some(&name) = names.get(position) else {
                    continue;
                };
                let taint = taint
                    .into_iter()
                    .map(|f| {
                        let mut via = f.via.to_vec();
                        via.push(name);
                        Fact {
                            via: Arc::from(via),
                            ..f
                        }
                    })
                    .collect();
                self.env.insert(self.tree.text(name).to_owned(), taint);
            }
        }
        if let Some(sinks) = self.sinks_at.get(&id).cloned() {
            for sink in sinks {
                self.check_sink(sink, id);
            }
        }
        self.walk_kids(id);
        self.functions -= 1;
        self.weak = weak;
        self.loops = loops;
        self.scalar_declaration = scalar_declaration;
        self.env = saved;
    }

    fn parameters(&mut self, id: NodeId) {
        let mut stack = vec![id];
        while let Some(at) = stack.pop() {
            if self.declares_safe_type(at) {
                // `int id`: a scalar parameter carries no taint.
                continue;
            }
            let kids = self.tree.kids(at);
            if let Some(eq) = kids
                .iter()
                .position(|&k| !self.tree.node(k).named && self.tree.text(k) == "=")
            {
                // `url="http://…"`: the parameter starts with the taint of
                // its default value (Semgrep tracks it too). The value's
                // own names are not parameters.
                stack.extend(&kids[..eq]);
                if let (Some(&name), Some(&value)) = (kids.first(), kids.get(eq + 1)) {
                    let taint = self.expr(value);
                    if !taint.is_empty() && has(self.syntax.names, self.kind(name)) {
                        self.assign(name, taint, false);
                    }
                }
                continue;
            }
            stack.extend(kids);
            if !has(self.syntax.names, self.kind(at)) {
                continue;
            }
            let taint = self.source_taint(at, &Taint::new());
            if !taint.is_empty() {
                let name = self.tree.text(at).to_owned();
                let via: Arc<[NodeId]> = Arc::from(vec![at]);
                let taint = taint
                    .into_iter()
                    .map(|f| Fact {
                        via: via.clone(),
                        ..f
                    })
                    .collect();
                self.env.insert(name, taint);
            }
        }
    }

    /// The operator token of an assignment and its index among the kids.
    fn operator(&self, id: NodeId) -> Option<(usize, &'static str)> {
        const OPS: &[&str] = &[
            "=", ":=", "+=", "-=", "*=", "/=", "%=", "||=", "&&=", "??=", "|=", "&=", "^=", "<<=",
            ">>=", ">>>=", "**=", "//=", "@=",
        ];
        self.tree.kids(id).iter().enumerate().find_map(|(i, &k)| {
            let n = self.tree.node(k);
            if n.named {
                return None;
            }
            let text = self.tree.text(k);
            OPS.iter().find(|&&op| op == text).map(|&op| (i, op))
        })
    }

    fn assignment(&mut self, id: NodeId) {
        let Some((op, text)) = self.operator(id) else {
            self.walk_kids(id);
            return;
        };
        let kids = self.tree.kids(id).to_vec();
        for &kid in &kids[op + 1..] {
            self.walk(kid);
        }
        let Some(&rhs) = kids[op + 1..].last() else {
            return;
        };
        let taint = if self.scalar_declaration || self.declares_safe_type(id) {
            Taint::new()
        } else {
            self.expr(rhs)
        };
        for &kid in &kids[..op] {
            self.walk_target(kid);
        }
        let strong = matches!(text, "=" | ":=");
        let targets: Vec<NodeId> = if self.kind(id) == "var_spec" {
            kids[..op]
                .iter()
                .copied()
                .filter(|&k| self.kind(k) == "identifier")
                .collect()
        } else {
            kids.first().map(|&k| self.lvalues(k)).unwrap_or_default()
        };
        // `a, b = x, y`: every target gets the taint of the whole value, as
        // in Semgrep.
        for &target in &targets {
            let t = if strong {
                taint.clone()
            } else {
                let mut old = self.expr(target);
                union(&mut old, taint.clone());
                old
            };
            self.assign(target, t, strong);
        }
    }

    /// Sinks in an assignment target, before it is assigned: the target
    /// itself (a sink `$O[...]` on `o[key] = …`) and the expressions inside
    /// it (`a[sink(x)] = …`). Names and field names are not expressions.
    fn walk_target(&mut self, id: NodeId) {
        if let Some(sinks) = self.sinks_at.get(&id).cloned() {
            for sink in sinks {
                self.check_sink(sink, id);
            }
        }
        // `o.secret = "..."` with a by-side-effect source `o`: `o` is
        // tainted from here on.
        self.side_effects(id);
        let kind = self.kind(id);
        if has(self.syntax.names, kind) {
            return;
        }
        let kids = self.tree.kids(id).to_vec();
        if has(self.syntax.members, kind) || self.is_ruby_attribute(id) {
            if let Some(&object) = kids.first() {
                self.walk_target(object);
            }
        } else if has(self.syntax.subscripts, kind) {
            if let Some((&container, index)) = kids.split_first() {
                self.walk_target(container);
                for &kid in index {
                    self.walk(kid);
                }
            }
        } else {
            for kid in kids {
                self.walk_target(kid);
            }
        }
    }

    /// `for x in xs`: `x` takes the taint of `xs`.
    fn for_each(&mut self, id: NodeId) -> bool {
        let kids = self.tree.kids(id).to_vec();
        let Some(i) = kids.iter().position(|&k| {
            !self.tree.node(k).named && matches!(self.tree.text(k), "in" | "of" | ":")
        }) else {
            return false;
        };
        let (Some(&target), Some(&value)) = (kids.get(i.wrapping_sub(1)), kids.get(i + 1)) else {
            return false;
        };
        self.walk(value);
        let taint = self.expr(value);
        self.weak += 1;
        self.loops += 1;
        for t in self.lvalues(target) {
            self.assign(t, taint.clone(), false);
        }
        let times = if self.loops <= MAX_LOOP_DEPTH { 2 } else { 1 };
        for _ in 0..times {
            for &kid in &kids[i + 2..] {
                self.walk(kid);
            }
        }
        self.loops -= 1;
        self.weak -= 1;
        true
    }

    /// The l-values a target denotes: itself, or the parts of a tuple or
    /// destructuring pattern.
    fn lvalues(&self, id: NodeId) -> Vec<NodeId> {
        if self.path(id).is_some() {
            return vec![id];
        }
        let kind = self.kind(id);
        if kind.contains("type") {
            return Vec::new();
        }
        self.tree
            .kids(id)
            .iter()
            .flat_map(|&k| self.lvalues(k))
            .collect()
    }

    /// Give `target` the taint `taint`. A strong update replaces what the
    /// l-value held (a clean value kills its taint); inside a conditional
    /// construct or on an element (`a[i] = …`) taint is only added.
    fn assign(&mut self, target: NodeId, taint: Taint, strong: bool) {
        let Some(path) = self.path(target) else {
            return;
        };
        let strong = strong && self.weak == 0 && !has(self.syntax.subscripts, self.kind(target));
        if strong {
            self.kill(&path);
        }
        if taint.is_empty() {
            return;
        }
        let taint: Taint = taint
            .into_iter()
            .map(|f| {
                let mut via = f.via.to_vec();
                if via.len() < 16 && !via.contains(&target) {
                    via.push(target);
                }
                Fact {
                    via: via.into(),
                    ..f
                }
            })
            .collect();
        union(self.env.entry(path).or_default(), taint);
    }

    /// Make `path` and its fields clean. A field (`o.f`) keeps an empty
    /// entry: it stays clean even when its object is tainted (Semgrep's
    /// taint is field-sensitive: `o.f = "safe"` cleans `o.f`, not `o`).
    fn kill(&mut self, path: &str) {
        let prefix = format!("{path}.");
        self.env.retain(|k, _| !k.starts_with(&prefix));
        if path.contains('.') {
            self.env.insert(path.to_owned(), Taint::new());
        } else {
            self.env.remove(path);
        }
    }

    /// Whether `path` was made clean explicitly (an empty entry).
    fn cleaned(&self, path: &str) -> bool {
        self.env.get(path).is_some_and(|t| t.is_empty())
    }

    /// The l-value path of an expression: `x`, `a.b`, `self.x`; an element
    /// `a[i]` is its container `a`.
    fn path(&self, id: NodeId) -> Option<String> {
        let kind = self.kind(id);
        if has(self.syntax.names, kind) {
            return Some(self.tree.text(id).to_owned());
        }
        let kids = self.tree.kids(id);
        if has(self.syntax.members, kind) || self.is_ruby_attribute(id) {
            let (&object, &field) = (kids.first()?, kids.last()?);
            return Some(format!("{}.{}", self.path(object)?, self.tree.text(field)));
        }
        if has(self.syntax.subscripts, kind) {
            return self.path(*kids.first()?);
        }
        None
    }

    /// Ruby's `obj.attr` is a call without arguments.
    fn is_ruby_attribute(&self, id: NodeId) -> bool {
        self.kind(id) == "call"
            && self.tree.kids(id).len() == 3
            && matches!(self.tree.text(self.tree.kids(id)[1]), "." | "&.")
            && self.kind(self.tree.kids(id)[2]) == "identifier"
    }

    /// The taint `path` holds: its own, its containers' (`a` for `a.b`) and
    /// its fields' (`a.b` for `a`).
    fn lookup(&self, path: &str, fields: bool) -> Taint {
        let mut out = Taint::new();
        if let Some(t) = self.env.get(path) {
            union(&mut out, t.clone());
        }
        // Containers up to the nearest one made clean explicitly.
        let mut prefix = path;
        while !self.cleaned(prefix)
            && let Some((head, _)) = prefix.rsplit_once('.')
        {
            if let Some(t) = self.env.get(head) {
                union(&mut out, t.clone());
            }
            prefix = head;
        }
        let prefix = format!("{path}.");
        for (k, t) in &self.env {
            if fields && k.starts_with(&prefix) {
                union(&mut out, t.clone());
            }
        }
        out
    }

    /// Whether the declaration or parameter `id` has a type that
    /// `taint_assume_safe_booleans`/`_numbers` make safe.
    fn declares_safe_type(&self, id: NodeId) -> bool {
        self.options
            .scalars
            .declares_safe_type(self.tree, &|k| self.kind(k), id)
    }

    /// A slice (`xs[1:]` in Python, `xs[1:]` in Go): Semgrep gives it no
    /// taint, even from a tainted container.
    fn is_slice(&self, id: NodeId) -> bool {
        let kind = self.kind(id);
        has(self.syntax.slices, kind)
            || (has(self.syntax.subscripts, kind)
                && self
                    .tree
                    .kids(id)
                    .iter()
                    .any(|&k| has(self.syntax.slices, self.kind(k))))
    }

    fn sanitized(&self, start: u32, end: u32) -> bool {
        self.sanitizers.iter().any(|&(s, e, exact)| {
            if exact {
                s == start && e == end
            } else {
                s <= start && end <= e
            }
        })
    }

    /// The taint the sources give the expression `id`, given the taint
    /// `inner` it already has (for `requires`).
    fn source_taint(&self, id: NodeId, inner: &Taint) -> Taint {
        let n = self.tree.node(id);
        let mut out = Taint::new();
        for (i, h) in self.hits.sources.iter().enumerate() {
            let o = &self.options.sources[h.spec];
            let inside = if o.exact {
                h.m.start == n.start && h.m.end == n.end
            } else {
                h.m.start <= n.start && n.end <= h.m.end
            };
            if !inside || o.by_side_effect == Some(BySideEffect::Only) {
                continue;
            }
            if let Some(r) = &o.requires
                && !r.holds(&|l| inner.iter().any(|f| &*f.label == l))
            {
                continue;
            }
            union(
                &mut out,
                vec![Fact {
                    source: i as u32,
                    label: o.label.clone().unwrap_or_else(|| DEFAULT_LABEL.into()),
                    via: Arc::from(Vec::new()),
                }],
            );
        }
        out
    }

    /// Whether the expression `id` is tainted, and by what.
    fn expr(&self, id: NodeId) -> Taint {
        self.expr_at(id, true)
    }

    /// [`Self::expr`]; `fields`: whether a tainted field taints the whole
    /// value (not for the object of a field access: `o.y` is clean when
    /// only `o.x` is tainted).
    fn expr_at(&self, id: NodeId, fields: bool) -> Taint {
        let n = self.tree.node(id);
        if self.sanitized(n.start, n.end)
            || self
                .options
                .scalars
                .safe_expr(self.tree, &|k| self.kind(k), id)
        {
            return Taint::new();
        }
        let kind = self.kind(id);
        if has(self.syntax.functions, kind) {
            return self.source_taint(id, &Taint::new());
        }
        if self.is_slice(id) {
            return self.source_taint(id, &Taint::new());
        }
        let mut t = Taint::new();
        let mut cleaned = false;
        if let Some(path) = self.path(id) {
            t = self.lookup(&path, fields);
            cleaned = self.cleaned(&path);
        }
        let kids = self.tree.kids(id);
        let member = has(self.syntax.members, kind) || self.is_ruby_attribute(id);
        // A field made clean does not take its object's taint, unless the
        // object is itself a source here.
        if member && cleaned {
            if let Some(&object) = kids.first() {
                union(&mut t, self.source_taint(object, &Taint::new()));
            }
        } else if !has(self.syntax.names, kind) {
            let container = member || has(self.syntax.subscripts, kind);
            let parts: &[NodeId] = if member {
                &kids[..kids.len().min(1)]
            } else if matches!(kind, "pair" | "keyword_argument" | "pair_pattern") {
                &kids[kids.len().saturating_sub(1)..]
            } else {
                kids
            };
            let call = matches!(
                kind,
                "call" | "call_expression" | "method_invocation" | "new_expression"
            );
            if !(call && self.options.safe_functions) {
                for (i, &kid) in parts.iter().enumerate() {
                    union(&mut t, self.expr_at(kid, !(container && i == 0)));
                }
            }
        }
        let sourced = self.source_taint(id, &t);
        union(&mut t, sourced);
        t
    }

    /// The taint of the parts of `id` inside `start..end`.
    fn taint_within(&self, id: NodeId, start: u32, end: u32) -> Taint {
        let n = self.tree.node(id);
        if start <= n.start && n.end <= end {
            return self.expr(id);
        }
        let mut t = Taint::new();
        for &kid in self.tree.kids(id) {
            let k = self.tree.node(kid);
            if k.start < end && start < k.end {
                union(&mut t, self.taint_within(kid, start, end));
            }
        }
        t
    }

    fn check_sink(&mut self, sink: usize, at: NodeId) {
        if self.found.contains_key(&sink) {
            return;
        }
        let h = &self.hits.sinks[sink];
        let o = &self.options.sinks[h.spec];
        let n = self.tree.node(at);
        let taint = if o.exact && (n.start, n.end) == (h.m.start, h.m.end) {
            self.expr(at)
        } else if (n.start, n.end) == (h.m.start, h.m.end)
            && has(self.syntax.functions, self.kind(at))
        {
            // A sink that is a whole function: what its body does.
            Taint::new()
        } else {
            self.taint_within(at, h.m.start, h.m.end)
        };
        let fact = match &o.requires {
            Some(r) => taint
                .first()
                .filter(|_| r.holds(&|l| taint.iter().any(|g| &*g.label == l))),
            None => taint.first(),
        };
        if let Some(f) = fact {
            self.found.insert(
                sink,
                Flow {
                    sink,
                    source: f.source as usize,
                    via: f.via.to_vec(),
                },
            );
        }
    }

    fn side_effects(&mut self, id: NodeId) {
        let Some(effects) = self.effects_at.get(&id) else {
            return;
        };
        let mut updates: Vec<(NodeId, Taint, bool)> = Vec::new();
        for effect in effects {
            match *effect {
                Effect::Source(i) => {
                    let h = &self.hits.sources[i];
                    let o = &self.options.sources[h.spec];
                    let label = o.label.clone().unwrap_or_else(|| DEFAULT_LABEL.into());
                    let target = self.anchor(h.m.start, h.m.end);
                    updates.push((
                        target,
                        vec![Fact {
                            source: i as u32,
                            label,
                            via: Arc::from(Vec::new()),
                        }],
                        false,
                    ));
                }
                Effect::Sanitizer(i) => {
                    let h = &self.hits.sanitizers[i];
                    updates.push((self.anchor(h.m.start, h.m.end), Taint::new(), true));
                }
                Effect::Propagator(i) => {
                    let h = &self.hits.propagators[i];
                    let o = &self.options.propagators[h.spec];
                    let (Some(from), Some(to)) = (h.m.env.get(&o.from), h.m.env.get(&o.to)) else {
                        continue;
                    };
                    let from = from
                        .node
                        .unwrap_or_else(|| self.anchor(from.start, from.end));
                    let to = to.node.unwrap_or_else(|| self.anchor(to.start, to.end));
                    let mut taint = self.expr(from);
                    if let Some(label) = &o.label {
                        for f in &mut taint {
                            f.label = label.clone();
                        }
                    }
                    if !taint.is_empty() {
                        updates.push((to, taint, false));
                    }
                }
            }
        }
        for (target, taint, kill) in updates {
            if kill {
                if let Some(path) = self.path(target) {
                    self.kill(&path);
                }
            } else {
                self.assign(target, taint, false);
            }
        }
    }
}
