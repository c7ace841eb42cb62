//! Anti-unification of a vulnerable construct: its source text rewritten
//! into a Semgrep pattern, data replaced by metavariables, API names kept.

use std::collections::{BTreeMap, BTreeSet};

use rsolv_core::Language;
use tree_sitter::Node;

use super::syntax::{Scope, SyntaxKinds, constant_in_scope, is_dynamic_string, text};

/// Which names or literals a rung generalizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// None: they stay as written.
    None,
    /// Only those the fixed code has too: what the fix changed stays
    /// concrete (the anti-unification of the vulnerable and fixed code).
    Shared,
    /// All of them.
    All,
}

/// How far one rung of the generalization ladder goes. Each rung keeps
/// everything the previous one generalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Level {
    /// The rung's name, reported and written to the rule's metadata.
    pub(crate) name: &'static str,
    /// Locally declared names (variables, parameters) that become
    /// metavariables.
    pub(crate) locals: Reach,
    /// Arguments the fix left untouched become metavariables.
    pub(crate) common_args: bool,
    /// String literals that become `"..."`.
    pub(crate) strings: Reach,
    /// Lower-case names that are neither declared nor imported (globals,
    /// receivers from elsewhere) become metavariables.
    pub(crate) free_names: bool,
    /// Argument lists end in `...`, so extra arguments still match.
    pub(crate) open_args: bool,
    /// Arguments the fix left untouched become `...`: only the arguments
    /// it changed stay in the pattern, wherever they stand.
    pub(crate) sparse_args: bool,
    /// String literals the fix changed become a regular expression for
    /// their vulnerable start (`"=~/^http:/"` from `http:` to `https:`).
    pub(crate) prefixes: bool,
    /// Arguments the fix changed that build a string from data (a
    /// concatenation, an interpolation, a format call) become a
    /// metavariable that any such string-building shape binds
    /// ([`SyntaxKinds::dynamic_shapes`]): the sink stays, the way the
    /// string was built does not matter.
    pub(crate) dynamic: bool,
    /// Arguments the fix changed that are data (not literals, not
    /// functions) become metavariables, and the fixed shape's literals
    /// `"..."`: the sink called with anything but a constant.
    pub(crate) data_args: bool,
}

const fn level(
    name: &'static str,
    locals: Reach,
    common_args: bool,
    strings: Reach,
    free_names: bool,
    (open_args, sparse_args, prefixes): (bool, bool, bool),
) -> Level {
    Level {
        name,
        locals,
        common_args,
        strings,
        free_names,
        open_args,
        sparse_args,
        prefixes,
        dynamic: false,
        data_args: false,
    }
}

/// `base` with dynamic strings generalized, under another name.
const fn dynamic(name: &'static str, base: Level) -> Level {
    Level {
        name,
        dynamic: true,
        ..base
    }
}

const CLOSED: (bool, bool, bool) = (false, false, false);
const OPEN: (bool, bool, bool) = (true, false, false);
const SPARSE: (bool, bool, bool) = (true, true, false);
const PREFIXES: (bool, bool, bool) = (false, false, true);
const OPEN_PREFIXES: (bool, bool, bool) = (true, false, true);
const SPARSE_PREFIXES: (bool, bool, bool) = (true, true, true);

/// The ladder from the exact text to the most general pattern. The string
/// literals the fix changed stay concrete up to `sparse-arguments`, so a
/// fix that only changed a literal (`verify=False` to `verify=True`) keeps
/// it; the later rungs let every literal go.
pub(crate) const LADDER: [Level; 14] = [
    level("exact", Reach::None, false, Reach::None, false, CLOSED),
    level("shared", Reach::Shared, false, Reach::Shared, false, CLOSED),
    level("locals", Reach::All, false, Reach::Shared, false, CLOSED),
    level("arguments", Reach::All, true, Reach::Shared, false, CLOSED),
    level("free-names", Reach::All, true, Reach::Shared, true, CLOSED),
    level(
        "open-arguments",
        Reach::All,
        true,
        Reach::Shared,
        true,
        OPEN,
    ),
    level(
        "sparse-arguments",
        Reach::All,
        true,
        Reach::Shared,
        true,
        SPARSE,
    ),
    level(
        "open-prefixes",
        Reach::All,
        true,
        Reach::Shared,
        true,
        OPEN_PREFIXES,
    ),
    level(
        "sparse-prefixes",
        Reach::All,
        true,
        Reach::Shared,
        true,
        SPARSE_PREFIXES,
    ),
    level("literals", Reach::All, true, Reach::All, false, PREFIXES),
    level(
        "free-literals",
        Reach::All,
        true,
        Reach::All,
        true,
        PREFIXES,
    ),
    level(
        "open-literals",
        Reach::All,
        true,
        Reach::All,
        true,
        OPEN_PREFIXES,
    ),
    dynamic(
        "dynamic-strings",
        level("", Reach::All, true, Reach::All, true, OPEN_PREFIXES),
    ),
    Level {
        name: "data-arguments",
        data_args: true,
        ..dynamic(
            "",
            level("", Reach::All, true, Reach::All, true, OPEN_PREFIXES),
        )
    },
];

/// Metavariables handed out so far: the same code always gets the same
/// metavariable (the consistency anti-unification needs), and names are
/// derived from the code so the rule stays readable.
#[derive(Debug, Default, Clone)]
pub(crate) struct Metavars {
    by_code: BTreeMap<String, String>,
    names: BTreeSet<String>,
    /// Metavariables that stand for a string built from data, in the order
    /// they were handed out.
    pub(crate) dynamic: Vec<String>,
}

impl Metavars {
    /// An empty set whose new names avoid every name of `other`: Semgrep
    /// unifies a `pattern-not`'s metavariables with the positive pattern's,
    /// so the fixed shape needs names of its own to exclude every fixed
    /// site, not only those whose parts equal the vulnerable ones.
    pub(crate) fn avoiding(other: &Metavars) -> Self {
        Self {
            by_code: BTreeMap::new(),
            names: other.names.clone(),
            dynamic: Vec::new(),
        }
    }

    /// A metavariable named after `base` that no code has.
    pub(crate) fn fresh(&mut self, base: &str) -> String {
        let mut name = format!("${base}");
        let mut n = 2;
        while self.names.contains(&name) {
            name = format!("${base}{n}");
            n += 1;
        }
        self.names.insert(name.clone());
        name
    }

    /// The metavariable (`$DYN`, `$DYN2`, ...) for the dynamic string
    /// `code`.
    fn for_dynamic(&mut self, code: &str) -> String {
        let key = format!("\0dynamic\0{code}");
        if let Some(name) = self.by_code.get(&key) {
            return name.clone();
        }
        let name = self.fresh("DYN");
        self.by_code.insert(key, name.clone());
        self.dynamic.push(name.clone());
        name
    }

    /// The metavariable already handed out for `code`.
    pub(crate) fn get(&self, code: &str) -> Option<&str> {
        self.by_code.get(code).map(String::as_str)
    }

    /// The metavariable for `code`, creating one unless `lookup_only`.
    pub(crate) fn for_code(&mut self, code: &str, lookup_only: bool) -> Option<String> {
        if let Some(name) = self.by_code.get(code) {
            return Some(name.clone());
        }
        if lookup_only {
            return None;
        }
        let name = self.fresh(&metavar_base(code));
        self.by_code.insert(code.to_owned(), name.clone());
        Some(name)
    }
}

/// `user_id` → `USER_ID`; anything that is not a plain name → `ARG`.
fn metavar_base(code: &str) -> String {
    let is_name = !code.is_empty()
        && code.len() <= 24
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !code.starts_with(|c: char| c.is_ascii_digit());
    if !is_name {
        return "ARG".into();
    }
    let upper = code.to_ascii_uppercase();
    if upper.starts_with('_') {
        format!("V{upper}")
    } else {
        upper
    }
}

/// Rewrites one construct's text into a pattern.
pub(crate) struct Renderer<'a> {
    pub(crate) kinds: &'static SyntaxKinds,
    pub(crate) language: Language,
    pub(crate) source: &'a str,
    pub(crate) scope: &'a Scope,
    pub(crate) level: Level,
    /// Argument texts the vulnerable and fixed constructs share.
    pub(crate) common: &'a BTreeSet<String>,
    /// Names and literals that occur in the fixed construct.
    pub(crate) shared: &'a BTreeSet<String>,
    /// Changed string literals and the `"=~/^.../"` pattern for each.
    pub(crate) prefixes: &'a BTreeMap<String, String>,
    pub(crate) metavars: &'a mut Metavars,
    /// Render a `fix` template: only reuse metavariables already bound,
    /// keep literals, never add `...`.
    pub(crate) fix: bool,
    /// Generalize only names and literals in `shared`: the fixed shape
    /// keeps what the fix introduced concrete, so that its `pattern-not`
    /// excludes the fixed code and not the vulnerable code as well.
    pub(crate) only_shared: bool,
    /// With `only_shared`: a name that only holds a constant string
    /// renders as `"..."` (the fixed shape passes a constant).
    pub(crate) constants: bool,
    /// Names rendered as the given pattern text instead (a sanitized copy
    /// the fix introduced, inlined into the call that uses it).
    pub(crate) inline: Option<&'a BTreeMap<String, String>>,
    /// The node (by id) the rule reports: rendered as `$FOCUS`, its own
    /// rendering kept in `focused`.
    pub(crate) focus: Option<usize>,
    /// The focus metavariable and, unless the focus rendered as a
    /// metavariable itself, the pattern it must match.
    pub(crate) focused: Option<(String, Option<String>)>,
}

impl<'a> Renderer<'a> {
    /// A renderer of `source` at `level`, with the argument texts both
    /// constructs share, the names and literals of the fixed one, and the
    /// changed literals' prefixes: a plain pattern, no fix, no focus.
    pub(crate) fn new(
        kinds: &'static SyntaxKinds,
        language: Language,
        (source, scope): (&'a str, &'a Scope),
        level: Level,
        (common, shared, prefixes): (
            &'a BTreeSet<String>,
            &'a BTreeSet<String>,
            &'a BTreeMap<String, String>,
        ),
        metavars: &'a mut Metavars,
    ) -> Self {
        Self {
            kinds,
            language,
            source,
            scope,
            level,
            common,
            shared,
            prefixes,
            metavars,
            fix: false,
            only_shared: false,
            constants: false,
            inline: None,
            focus: None,
            focused: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The name of the called function or method: always concrete.
    Callee,
    /// Anything else.
    Data,
}

/// Fields whose node is a member or keyword name: always concrete.
const NAME_FIELDS: &[&str] = &["attribute", "property", "field", "name", "method", "key"];
/// Fields holding the object a member belongs to.
const RECEIVER_FIELDS: &[&str] = &["object", "operand", "receiver"];
/// Fields holding the thing being called.
const CALLEE_FIELDS: &[&str] = &["function", "constructor", "type"];

impl<'a> Renderer<'a> {
    /// The pattern text for `node`.
    pub(crate) fn render(&mut self, node: Node<'_>) -> String {
        // The construct itself never becomes a metavariable.
        if self.dynamic_here() && is_dynamic_string(self.kinds, node, self.source) {
            let saved = self.level;
            self.level.dynamic = false;
            let out = self.node(node, Role::Data);
            self.level = saved;
            return out;
        }
        self.node(node, Role::Data)
    }

    /// Whether dynamic strings become `$DYN` in what is being rendered.
    fn dynamic_here(&self) -> bool {
        self.level.dynamic && !self.fix && !self.only_shared
    }

    fn node(&mut self, node: Node<'_>, role: Role) -> String {
        if self.focus == Some(node.id()) && self.focused.is_none() {
            self.focus = None;
            let inner = self.node(node, role);
            let is_metavar = inner.starts_with('$')
                && inner[1..]
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if is_metavar {
                self.focused = Some((inner.clone(), None));
                return inner;
            }
            let name = self.metavars.fresh("FOCUS");
            self.focused = Some((name.clone(), Some(inner)));
            return name;
        }
        let kind = node.kind();
        if role == Role::Data
            && self.dynamic_here()
            && !self.common.contains(text(node, self.source))
            && is_dynamic_string(self.kinds, node, self.source)
        {
            return self.metavars.for_dynamic(text(node, self.source));
        }
        if self.kinds.calls.contains(&kind) {
            return self.call(node);
        }
        if self.kinds.identifiers.contains(&kind) {
            return self.identifier(node, role);
        }
        if self.kinds.strings.contains(&kind) {
            return self.string(node);
        }
        // Below the callee only the member names stay concrete: the
        // receiver (`cursor` in `cursor.execute`) is data like any other.
        self.splice(node, |this, child, field| match field {
            Some(f) if NAME_FIELDS.contains(&f) => text(child, this.source).to_owned(),
            Some(f) if RECEIVER_FIELDS.contains(&f) => this.node(child, Role::Data),
            _ => this.node(child, role),
        })
    }

    fn call(&mut self, node: Node<'_>) -> String {
        let args_field = self.kinds.arguments_field;
        self.splice(node, |this, child, field| match field {
            Some(f) if f == args_field => this.arguments(child),
            Some(f) if CALLEE_FIELDS.contains(&f) => this.node(child, Role::Callee),
            Some(f) if NAME_FIELDS.contains(&f) => text(child, this.source).to_owned(),
            _ => this.node(child, Role::Data),
        })
    }

    fn identifier(&mut self, node: Node<'_>, role: Role) -> String {
        let name = text(node, self.source);
        if role == Role::Data
            && let Some(inlined) = self.inline.and_then(|m| m.get(name))
        {
            return inlined.clone();
        }
        if self.scope.is_imported(name)
            && let Some(full) = self.scope.qualified(name, node.start_byte())
            && !self.inside_import(node)
        {
            return full.to_owned();
        }
        // The fixed shape passes a name that only ever holds a constant
        // string where the vulnerable code passed data: `"..."` excludes
        // every constant, as Semgrep propagates constants into it.
        if role == Role::Data
            && self.only_shared
            && self.constants
            && !self.fix
            && !self.shared.contains(name)
            && self.scope.is_constant(name)
            && constant_in_scope(self.kinds, node, self.source, name)
        {
            return "\"...\"".to_owned();
        }
        if role == Role::Callee
            || self.scope.is_imported(name)
            || self.only_shared && !self.shared.contains(name)
        {
            return name.to_owned();
        }
        let starts_lower = name.starts_with(|c: char| c.is_lowercase() || c == '_');
        let class_like = self.language == Language::Java && !starts_lower;
        let generalize = if self.scope.is_local(name) {
            match self.level.locals {
                Reach::None => false,
                Reach::Shared => self.shared.contains(name),
                Reach::All => true,
            }
        } else {
            self.level.free_names
                && starts_lower
                && !class_like
                && !self.kinds.globals.contains(&name)
        };
        if generalize && let Some(mv) = self.metavars.for_code(name, self.fix) {
            return mv;
        }
        name.to_owned()
    }

    /// Whether `node` is part of an import statement.
    fn inside_import(&self, node: Node<'_>) -> bool {
        let mut at = Some(node);
        while let Some(n) = at {
            if self.kinds.imports.contains(&n.kind()) {
                return true;
            }
            at = n.parent();
        }
        false
    }

    fn string(&mut self, node: Node<'_>) -> String {
        let mut cursor = node.walk();
        let interpolated = node
            .named_children(&mut cursor)
            .any(|c| self.kinds.interpolations.contains(&c.kind()));
        if self.level.prefixes
            && !self.fix
            && !self.only_shared
            && let Some(regex) = self.prefixes.get(text(node, self.source))
        {
            return regex.clone();
        }
        let generalize = match self.level.strings {
            Reach::None => false,
            Reach::Shared => self.shared.contains(text(node, self.source)),
            Reach::All => {
                !self.only_shared
                    || self.level.data_args
                    || self.shared.contains(text(node, self.source))
            }
        };
        if !generalize || self.fix {
            if !interpolated {
                return text(node, self.source).to_owned();
            }
            return self.splice(node, |this, child, _| {
                if this.kinds.interpolations.contains(&child.kind()) {
                    this.node(child, Role::Data)
                } else {
                    text(child, this.source).to_owned()
                }
            });
        }
        if !interpolated {
            return "\"...\"".to_owned();
        }
        // Keep the interpolations, let the text around them be anything.
        let mut last_was_text = false;
        self.splice(node, |this, child, _| {
            let kind = child.kind();
            if this.kinds.string_text.contains(&kind) {
                if last_was_text {
                    return String::new();
                }
                last_was_text = true;
                "...".to_owned()
            } else {
                last_was_text = false;
                if this.kinds.interpolations.contains(&kind) {
                    this.node(child, Role::Data)
                } else {
                    text(child, this.source).to_owned()
                }
            }
        })
    }

    fn arguments(&mut self, node: Node<'_>) -> String {
        if self.level.sparse_args
            && !self.fix
            && let Some(sparse) = self.sparse_arguments(node)
        {
            return sparse;
        }
        let mut rendered = self.splice(node, |this, child, _| {
            let code = text(child, this.source);
            if !child.is_named() || child.is_extra() {
                return code.to_owned();
            }
            this.argument(child)
        });
        if self.level.open_args && !self.fix {
            let has_args = {
                let mut cursor = node.walk();
                node.named_children(&mut cursor).any(|c| !c.is_extra())
            };
            let tail = if has_args { ", ..." } else { "..." };
            match rendered.rfind(')') {
                Some(close) if rendered.ends_with(')') => {
                    // A trailing comma (and what follows it) gives way.
                    let body = rendered[..close].trim_end();
                    let body = body.strip_suffix(',').unwrap_or(body).trim_end();
                    rendered = format!("{body}{tail})");
                }
                _ => rendered.push_str(tail),
            }
        }
        rendered
    }

    /// `(..., changed, ...)`: the arguments the fix left as they were
    /// become `...`; `None` for argument lists without parentheses.
    fn sparse_arguments(&mut self, node: Node<'_>) -> Option<String> {
        let code = text(node, self.source);
        if !(code.starts_with('(') && code.ends_with(')')) {
            return None;
        }
        let mut cursor = node.walk();
        let args: Vec<Node<'_>> = node
            .named_children(&mut cursor)
            .filter(|c| !c.is_extra())
            .collect();
        let mut items: Vec<String> = Vec::new();
        for arg in args {
            let item = if self.common.contains(text(arg, self.source)) {
                "...".to_owned()
            } else {
                self.argument(arg)
            };
            if item == "..." && items.last().is_some_and(|l| l == "...") {
                continue;
            }
            items.push(item);
        }
        // The fix changed none of them (it only added some): nothing to
        // keep, and `(...)` would match every call; the open list stays.
        if items.iter().all(|i| i == "...") {
            return None;
        }
        if items.last().is_none_or(|l| l != "...") {
            items.push("...".to_owned());
        }
        Some(format!("({})", items.join(", ")))
    }

    /// One argument: a metavariable when the fix left it as it was (and
    /// the rung allows), otherwise its rendering.
    fn argument(&mut self, child: Node<'_>) -> String {
        let code = text(child, self.source);
        let dynamic = self.level.dynamic && is_dynamic_string(self.kinds, child, self.source);
        if self.level.data_args
            && !self.fix
            && !self.only_shared
            && !dynamic
            && !self.common.contains(code)
            && is_data(self.kinds, child)
            && let Some(mv) = self.metavars.for_code(code, false)
        {
            return mv;
        }
        if self.level.common_args && self.common.contains(code) {
            // A keyword argument keeps its keyword.
            if let Some(value) = child.child_by_field_name("value")
                && child
                    .child_by_field_name("name")
                    .or(child.child_by_field_name("key"))
                    .is_some()
            {
                let value_code = text(value, self.source);
                if let Some(mv) = self.metavars.for_code(value_code, self.fix) {
                    let prefix = &self.source[child.start_byte()..value.start_byte()];
                    return format!("{prefix}{mv}");
                }
            } else if let Some(mv) = self.metavars.for_code(code, self.fix) {
                return mv;
            }
        }
        self.node(child, Role::Data)
    }

    /// The node's text with each child replaced by `each(child, field)`,
    /// keeping the text between children as it was.
    fn splice<'t>(
        &mut self,
        node: Node<'t>,
        mut each: impl FnMut(&mut Renderer<'a>, Node<'t>, Option<&str>) -> String,
    ) -> String {
        let mut out = String::new();
        let mut at = node.start_byte();
        let mut cursor = node.walk();
        if cursor.goto_first_child() {
            loop {
                let child = cursor.node();
                let field = cursor.field_name();
                out.push_str(self.source.get(at..child.start_byte()).unwrap_or_default());
                // Comments say nothing about the code's shape, and one that
                // ends a line would swallow the rest of a one-line pattern.
                let comment = child.is_extra() && child.kind().contains("comment");
                if !comment || self.fix {
                    out.push_str(&each(self, child, field));
                }
                at = child.end_byte();
                if !cursor.goto_next_sibling() {
                    break;
                }
            }
        } else {
            return text(node, self.source).to_owned();
        }
        out.push_str(self.source.get(at..node.end_byte()).unwrap_or_default());
        out
    }
}

/// `"=~/^http:/"` for a vulnerable literal `"http://x"` whose fixed
/// counterpart is `"https://x"`: the vulnerable text up to the end of what
/// the fix changed (to the end of the word, when the fix only inserted).
/// `None` when the literals are equal or the start holds characters the
/// pattern cannot carry unescaped.
pub(crate) fn prefix_pattern(vulnerable: &str, fixed: &str) -> Option<String> {
    let unquote = |s: &str| {
        let q = s.chars().next()?;
        (matches!(q, '"' | '\'' | '`') && s.len() >= 2 && s.ends_with(q))
            .then(|| s[1..s.len() - 1].chars().collect::<Vec<char>>())
    };
    let (v, f) = (unquote(vulnerable)?, unquote(fixed)?);
    if v == f || v.is_empty() {
        return None;
    }
    let prefix = v.iter().zip(&f).take_while(|(a, b)| a == b).count();
    if prefix >= v.len() {
        // The fix only appended: the vulnerable literal is a prefix of the
        // fixed one, and no regex on its start tells them apart.
        return None;
    }
    // Up to the end of the first word the fix changed, and the separator
    // after it: `AES/ECB/` of `AES/ECB/NoPadding` (to `AES/GCM/NoPadding`),
    // `ftp:` of `ftp://x` (to `sftp://x`), `http:` of `http://x` (to
    // `https://x`); digits and dots make one word (`0.0.0.0:`).
    let numeric = |c: char| c.is_ascii_digit() || c == '.';
    let in_word = |c: char| c.is_alphanumeric() || c == '.';
    let mut end = prefix + 1;
    if v[prefix].is_alphanumeric() {
        let start = (0..prefix)
            .rev()
            .take_while(|&i| in_word(v[i]))
            .last()
            .unwrap_or(prefix);
        let stop = (prefix..v.len())
            .find(|&i| !in_word(v[i]))
            .unwrap_or(v.len());
        let number = v[start..stop].iter().all(|&c| numeric(c));
        while end < v.len()
            && (if number {
                numeric(v[end])
            } else {
                v[end].is_alphanumeric()
            })
        {
            end += 1;
        }
        if end < v.len() && ":/_-@=, %".contains(v[end]) {
            end += 1;
        }
    }
    let case_free = v[..end].iter().any(|c| c.is_alphabetic());
    let mut out = String::from(if case_free { "\"=~/(?i)^" } else { "\"=~/^" });
    for &c in &v[..end] {
        match c {
            '.' => out.push_str("[.]"),
            c if c.is_ascii_alphanumeric() || ":/_-@=, %".contains(c) => out.push(c),
            _ => return None,
        }
    }
    out.push_str("/\"");
    Some(out)
}

/// `pattern` with the one occurrence of metavariable `name` replaced by
/// `with`; `None` when it occurs other than once (a repeated metavariable
/// ties parts together that one replacement would split).
pub(crate) fn replace_metavariable(pattern: &str, name: &str, with: &str) -> Option<String> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let at: Vec<usize> = pattern
        .match_indices(name)
        .map(|(i, _)| i)
        .filter(|&i| !pattern[i + name.len()..].starts_with(is_name))
        .collect();
    let [i] = at[..] else { return None };
    Some(format!(
        "{}{with}{}",
        &pattern[..i],
        &pattern[i + name.len()..]
    ))
}

/// Whether an argument is data: an expression that is neither a literal
/// nor a function, nor a keyword argument (whose keyword matters).
fn is_data(kinds: &SyntaxKinds, node: Node<'_>) -> bool {
    let kind = node.kind();
    if kinds.strings.contains(&kind)
        || node.child_by_field_name("value").is_some()
        || kind.contains("lambda")
        || kind.contains("function")
        || kind.contains("literal")
        || kind.contains("keyword")
        || kind == "pair"
        || matches!(
            kind,
            "integer" | "float" | "number" | "true" | "false" | "none" | "null" | "nil"
        )
    {
        return false;
    }
    kinds.identifiers.contains(&kind)
        || kinds.calls.contains(&kind)
        || kind.ends_with("expression")
        || matches!(kind, "attribute" | "subscript" | "element_reference")
}

/// The argument texts of a call (each argument's source).
pub(crate) fn argument_texts(kinds: &SyntaxKinds, call: Node<'_>, source: &str) -> Vec<String> {
    let Some(args) = call.child_by_field_name(kinds.arguments_field) else {
        return Vec::new();
    };
    let mut cursor = args.walk();
    args.named_children(&mut cursor)
        .filter(|c| !c.is_extra())
        .map(|c| text(c, source).to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::syntax::{construct_at, kinds, parse};
    use super::*;

    fn render_at(lang: Language, src: &str, needle: &str, level: Level) -> String {
        let k = kinds(lang).unwrap();
        let tree = parse(lang, src).unwrap();
        let at = src.find(needle).unwrap();
        let node = construct_at(k, &tree, at, at + needle.len()).unwrap();
        let scope = Scope::of(k, tree.root_node(), src);
        let common = BTreeSet::new();
        let mut metavars = Metavars::default();
        let prefixes = BTreeMap::new();
        Renderer::new(
            k,
            lang,
            (src, &scope),
            level,
            (&common, &common, &prefixes),
            &mut metavars,
        )
        .render(node)
    }

    #[test]
    fn the_ladder_generalizes_step_by_step() {
        let src = "import os\ndef run(name, cursor):\n    cursor.execute(\"SELECT * FROM t WHERE n = '\" + name + \"'\")\n";
        let exact = render_at(Language::Python, src, "execute", LADDER[0]);
        assert_eq!(
            exact,
            "cursor.execute(\"SELECT * FROM t WHERE n = '\" + name + \"'\")"
        );
        let locals = render_at(Language::Python, src, "execute", LADDER[2]);
        assert_eq!(
            locals,
            "$CURSOR.execute(\"SELECT * FROM t WHERE n = '\" + $NAME + \"'\")"
        );
        let literals = render_at(Language::Python, src, "execute", LADDER[9]);
        assert_eq!(literals, "$CURSOR.execute(\"...\" + $NAME + \"...\")");
        let open = render_at(Language::Python, src, "execute", LADDER[11]);
        assert_eq!(open, "$CURSOR.execute(\"...\" + $NAME + \"...\", ...)");
    }

    #[test]
    fn api_names_and_keywords_stay_concrete() {
        let src = "import subprocess\ndef f(cmd):\n    subprocess.call(cmd, shell=True)\n";
        let got = render_at(Language::Python, src, "call", LADDER[11]);
        assert_eq!(got, "subprocess.call($CMD, shell=True, ...)");
        let js =
            "const cp = require('child_process');\nfunction f(input) { cp.exec(`ls ${input}`); }\n";
        let got = render_at(Language::JavaScript, js, "exec", LADDER[9]);
        assert_eq!(got, "cp.exec(`...${$INPUT}`)");
        let java = "class A { void f(String q) { Runtime.getRuntime().exec(q); } }";
        let got = render_at(Language::Java, java, "exec", LADDER[10]);
        assert_eq!(got, "Runtime.getRuntime().exec($Q)");
    }

    #[test]
    fn changed_literals_become_prefixes() {
        let p = |a: &str, b: &str| prefix_pattern(a, b);
        assert_eq!(
            p("\"http://x.com\"", "\"https://x.com\"").as_deref(),
            Some("\"=~/(?i)^http:/\"")
        );
        assert_eq!(
            p("'ftp://x'", "'sftp://x'").as_deref(),
            Some("\"=~/(?i)^ftp:/\"")
        );
        assert_eq!(
            p("\"0.0.0.0:2000\"", "\"192.168.1.101:2000\"").as_deref(),
            Some("\"=~/^0[.]0[.]0[.]0:/\"")
        );
        // Only the first word the fix changed, whatever the case.
        assert_eq!(
            p("\"AES/ECB/NoPadding\"", "\"AES/GCM/NoPadding\"").as_deref(),
            Some("\"=~/(?i)^AES/ECB//\"")
        );
        assert_eq!(p("'md5'", "'sha256'").as_deref(), Some("\"=~/(?i)^md5/\""));
        assert_eq!(p("\"a\"", "\"a b\""), None);
        assert_eq!(p("\"a\"", "\"a\""), None);
        assert_eq!(p("\"(x\"", "\"y\""), None);
    }

    #[test]
    fn metavariable_names_are_readable_and_unique() {
        let mut m = Metavars::default();
        assert_eq!(m.for_code("user_id", false).as_deref(), Some("$USER_ID"));
        assert_eq!(m.for_code("User_Id", false).as_deref(), Some("$USER_ID2"));
        assert_eq!(m.for_code("user_id", true).as_deref(), Some("$USER_ID"));
        assert_eq!(m.for_code("a + b", false).as_deref(), Some("$ARG"));
        assert_eq!(m.for_code("_x", false).as_deref(), Some("$V_X"));
        assert_eq!(m.for_code("other", true), None);
    }
}
