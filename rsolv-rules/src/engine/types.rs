//! Typed metavariables: `(java.sql.Statement $STMT)` in Java patterns,
//! `($X : string)` in Go patterns. A typed metavariable only matches an
//! expression whose type the file declares: a variable, parameter or field
//! declared with that type, an object creation, a cast or a literal.

use std::collections::HashMap;

use rsolv_core::Language;

use super::tree::{NodeId, SynTree};

/// Remove typed metavariables from a pattern, returning the pattern with
/// plain metavariables and each metavariable's type.
pub(crate) fn strip_typed_metavariables(
    lang: Language,
    pattern: &str,
) -> (String, HashMap<String, String>) {
    let mut types = HashMap::new();
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(open) = rest.find('(') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find(')') else {
            rest = &rest[open..];
            break;
        };
        let inside = after[..close].trim();
        // Python's `f($X: int)`: these parentheses are the call's, left
        // for `strip_bare_annotations`.
        let call_parens = matches!(
            lang,
            Language::Python | Language::JavaScript | Language::TypeScript
        ) && out
            .trim_end()
            .ends_with(|c: char| c.is_alphanumeric() || matches!(c, '_' | ')' | ']'));
        // Java `m(Message $M)` after a method name: parameters, not a
        // typed metavariable.
        let call_parens = call_parens || super::pattern_rewrite::java_parameter_parens(lang, &out);
        match typed(lang, inside).filter(|_| !call_parens) {
            Some((name, ty)) => {
                out.push('$');
                out.push_str(name);
                types.insert(format!("${name}"), ty.to_owned());
                rest = &after[close + 1..];
            }
            None => {
                out.push('(');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    if lang == Language::Python {
        out = strip_bare_annotations(&out, &mut types);
    }
    (out, types)
}

/// Python's `f($X: int)`: a typed metavariable written as a whole call
/// argument, without parentheses of its own (`$X: T` right after `(` or
/// `,` and right before `)` or `,`).
fn strip_bare_annotations(pattern: &str, types: &mut HashMap<String, String>) -> String {
    let bytes = pattern.as_bytes();
    let mut out = String::with_capacity(pattern.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'$' {
            let before = pattern[..i].trim_end();
            let opens = before.ends_with('(') || before.ends_with(',');
            let name_end = i
                + 1
                + pattern[i + 1..]
                    .bytes()
                    .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
                    .count();
            let after_name = &pattern[name_end..];
            if opens
                && !in_def_parameters(&pattern[..i])
                && name_end > i + 1
                && let Some(colon) = after_name.trim_start().strip_prefix(':')
            {
                let ty_len = colon.find([')', ',']).unwrap_or(colon.len());
                let ty = colon[..ty_len].trim();
                let closes = colon[ty_len..].starts_with([')', ',']);
                if closes
                    && !ty.is_empty()
                    && ty.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'[' | b']')
                    })
                {
                    let name = &pattern[i..name_end];
                    types.insert(name.to_owned(), ty.to_owned());
                    out.push_str(name);
                    i = pattern.len() - colon[ty_len..].len();
                    continue;
                }
            }
        }
        let ch = pattern[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Whether the innermost open parenthesis before the end of `before`
/// starts the parameters of a `def` (where `$X: int` is an annotation).
fn in_def_parameters(before: &str) -> bool {
    let mut depth = 0usize;
    for (at, c) in before.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth > 0 => depth -= 1,
            '(' => {
                let head = before[..at].trim_end();
                let head =
                    head.trim_end_matches(|c: char| c.is_alphanumeric() || c == '_' || c == '$');
                return head.trim_end().ends_with("def") || head.trim_end().ends_with("lambda");
            }
            _ => {}
        }
    }
    false
}

/// `Type $X` (Java) or `$X : Type` (Go) → (`X`, `Type`).
fn typed(lang: Language, inside: &str) -> Option<(&str, &str)> {
    let is_name = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    };
    let is_type = |s: &str| {
        !s.is_empty()
            && s.bytes().all(|b| {
                b.is_ascii_alphanumeric()
                    || matches!(
                        b,
                        b'_' | b'.' | b'<' | b'>' | b'[' | b']' | b',' | b' ' | b'*' | b'?'
                    )
            })
    };
    match lang {
        Language::Java => {
            let (ty, var) = inside.rsplit_once(char::is_whitespace)?;
            let name = var.strip_prefix('$')?;
            // `List<$T>`: a type argument may be a metavariable; type
            // arguments are not compared (see `normalize`).
            let generic_ok = normalize(ty).bytes().all(|b| b != b'$');
            let ty_plain = ty.replace('$', "");
            (is_name(name) && generic_ok && is_type(ty_plain.trim()) && !ty.trim().is_empty())
                .then_some((name, ty.trim()))
        }
        Language::Go | Language::Python | Language::JavaScript | Language::TypeScript => {
            let (var, ty) = inside.split_once(':')?;
            let name = var.trim().strip_prefix('$')?;
            (is_name(name) && is_type(ty.trim())).then_some((name, ty.trim()))
        }
        _ => None,
    }
}

/// The declared types of names in one Java file.
#[derive(Debug, Default)]
pub(crate) struct DeclaredTypes {
    by_name: HashMap<String, Vec<String>>,
    /// Go, where Semgrep gives `true`/`false` (predeclared names) and
    /// `&&`/`||` no type.
    go: bool,
}

impl DeclaredTypes {
    /// The declarations of one file in `lang`.
    pub(crate) fn new(
        tree: &SynTree<'_>,
        language: &tree_sitter::Language,
        lang: Language,
    ) -> Self {
        match lang {
            Language::Java => Self::java(tree, language),
            Language::Go | Language::Python | Language::JavaScript | Language::TypeScript => {
                Self::annotated(tree, language, lang == Language::Go)
            }
            _ => Self::default(),
        }
    }

    /// Names declared with a type (Go parameters and `var`, Python and
    /// TypeScript annotations) or initialized from a literal
    /// (`n = 3`, `let y = 2.5`, `s := "x"`).
    fn annotated(tree: &SynTree<'_>, language: &tree_sitter::Language, go: bool) -> Self {
        let kind = |id: NodeId| language.node_kind_for_id(tree.node(id).kind).unwrap_or("");
        let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
        let mut add = |name: &str, ty: String| {
            by_name.entry(name.to_owned()).or_default().push(ty);
        };
        for id in tree.ids() {
            let kids = tree.kids(id);
            match kind(id) {
                // Go: `a, b int`, `r *http.Request`, `var x T`.
                "parameter_declaration" | "var_spec" | "field_declaration" => {
                    let Some(&ty) = kids.iter().find(|&&c| {
                        !matches!(
                            kind(c),
                            "identifier" | "field_identifier" | "expression_list"
                        )
                    }) else {
                        continue;
                    };
                    let ty = normalize(tree.text(ty));
                    for &c in kids {
                        if matches!(kind(c), "identifier" | "field_identifier") {
                            add(tree.text(c), ty.clone());
                        }
                    }
                    if kind(id) == "var_spec"
                        && let Some(values) = kids.iter().find(|&&c| kind(c) == "expression_list")
                    {
                        let names = kids.iter().filter(|&&c| kind(c) == "identifier");
                        for (&n, &v) in names.zip(tree.kids(*values)) {
                            for t in literal_types(kind(v), go) {
                                add(tree.text(n), (*t).to_owned());
                            }
                        }
                    }
                }
                // Python `k: int`, TypeScript `z: number`.
                "typed_parameter"
                | "typed_default_parameter"
                | "required_parameter"
                | "optional_parameter" => {
                    let name = kids.iter().find(|&&c| kind(c) == "identifier");
                    let ty = kids
                        .iter()
                        .find(|&&c| matches!(kind(c), "type" | "type_annotation"));
                    if let (Some(&name), Some(&ty)) = (name, ty) {
                        let text = tree.text(ty).trim_start_matches(':').trim();
                        add(tree.text(name), normalize(text));
                    }
                }
                // `n = 3`, `let y = 2.5`, `s := "x"`.
                "assignment" | "variable_declarator" | "short_var_declaration" => {
                    let (Some(&first), Some(&last)) = (kids.first(), kids.last()) else {
                        continue;
                    };
                    let (name, value) = match kind(id) {
                        "short_var_declaration" => match (tree.kids(first), tree.kids(last)) {
                            ([n], [v]) => (*n, *v),
                            _ => continue,
                        },
                        _ => (first, last),
                    };
                    if kids.len() < 2 || !matches!(kind(name), "identifier") {
                        continue;
                    }
                    if let Some(&annotation) = kids.iter().find(|&&c| kind(c) == "type") {
                        add(tree.text(name), normalize(tree.text(annotation)));
                    }
                    for t in literal_types(kind(value), go) {
                        add(tree.text(name), (*t).to_owned());
                    }
                }
                _ => {}
            }
        }
        Self { by_name, go }
    }

    fn java(tree: &SynTree<'_>, language: &tree_sitter::Language) -> Self {
        let kind = |id: NodeId| language.node_kind_for_id(tree.node(id).kind).unwrap_or("");
        let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
        for id in tree.ids() {
            let k = kind(id);
            if !matches!(
                k,
                "local_variable_declaration"
                    | "field_declaration"
                    | "formal_parameter"
                    | "catch_formal_parameter"
                    | "resource"
                    | "spread_parameter"
            ) {
                continue;
            }
            let kids = tree.kids(id);
            let Some(&ty) = kids
                .iter()
                .find(|&&c| !matches!(kind(c), "modifiers" | "final"))
            else {
                continue;
            };
            let ty = normalize(tree.text(ty));
            for &c in kids {
                let name = match kind(c) {
                    "variable_declarator" => tree.kids(c).first().map(|&n| tree.text(n)),
                    "identifier" => Some(tree.text(c)),
                    _ => None,
                };
                if let Some(name) = name {
                    by_name.entry(name.to_owned()).or_default().push(ty.clone());
                }
            }
        }
        Self { by_name, go: false }
    }

    /// Whether the expression `id` has type `wanted`, as far as the file
    /// tells.
    pub(crate) fn has_type(
        &self,
        tree: &SynTree<'_>,
        language: &tree_sitter::Language,
        id: NodeId,
        wanted: &str,
    ) -> bool {
        let wanted = normalize(wanted);
        let kind = language.node_kind_for_id(tree.node(id).kind).unwrap_or("");
        let found: Vec<String> = match kind {
            "identifier" => self.by_name.get(tree.text(id)).cloned().unwrap_or_default(),
            "object_creation_expression" | "cast_expression" => tree
                .kids(id)
                .iter()
                .find(|&&c| !tree.text(c).starts_with("new"))
                .map(|&c| vec![normalize(tree.text(c))])
                .unwrap_or_default(),
            "string_literal" => vec!["String".into()],
            "decimal_integer_literal" => vec!["int".into()],
            "true" | "false" if !self.go => vec!["boolean".into()],
            // `(e)` has the type of `e`.
            "parenthesized_expression" => {
                let inner: Vec<NodeId> = tree
                    .kids(id)
                    .iter()
                    .copied()
                    .filter(|&k| tree.node(k).named)
                    .collect();
                return matches!(inner.as_slice(), [one] if self.has_type(tree, language, *one, &wanted));
            }
            // A comparison or a logical operator is a boolean.
            "binary_expression" | "comparison_operator" | "not_operator" | "unary_expression"
                if tree.kids(id).iter().any(|&k| {
                    !tree.node(k).named
                        && matches!(
                            tree.text(k),
                            "==" | "!=" | "<" | "<=" | ">" | ">=" | "!" | "not" | "===" | "!=="
                        )
                        || (!self.go && matches!(tree.text(k), "&&" | "||"))
                }) =>
            {
                vec!["bool".into(), "boolean".into()]
            }
            other => literal_types(other, self.go)
                .iter()
                .map(|t| (*t).to_owned())
                .collect(),
        };
        found.iter().any(|t| same_type(t, &wanted))
    }
}

/// Generic arguments and whitespace removed: `Map<K, V>` → `Map`.
fn normalize(ty: &str) -> String {
    let mut depth = 0;
    ty.chars()
        .filter(|c| match c {
            '<' => {
                depth += 1;
                false
            }
            '>' => {
                depth -= 1;
                false
            }
            c => depth == 0 && !c.is_whitespace(),
        })
        .collect()
}

/// The types Semgrep gives a literal of this node kind (Python, Go,
/// JavaScript/TypeScript; a JavaScript number is both `number` and `float`).
fn literal_types(kind: &str, go: bool) -> &'static [&'static str] {
    match kind {
        "true" | "false" if go => &[],
        "integer" => &["int"],
        "float" => &["float"],
        "string" | "concatenated_string" => &["str", "string"],
        "number" => &["number", "float"],
        "template_string" => &["string"],
        "int_literal" => &["int"],
        "float_literal" => &["float64"],
        "interpreted_string_literal" | "raw_string_literal" => &["string"],
        "true" | "false" => &["bool", "boolean"],
        _ => &[],
    }
}

/// A pattern's `java.sql.Statement` matches a declared `Statement` (the
/// file's imports are not resolved), but a pattern's `Statement` does not
/// match a declared `java.sql.Statement`, as in Semgrep.
fn same_type(found: &str, wanted: &str) -> bool {
    found == wanted || (!found.contains('.') && wanted.rsplit('.').next() == Some(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_java_and_go_typed_metavariables() {
        let (p, t) = strip_typed_metavariables(
            Language::Java,
            "(java.sql.Statement $STMT).$EXEC((String $Q))",
        );
        assert_eq!(p, "$STMT.$EXEC($Q)");
        assert_eq!(t["$STMT"], "java.sql.Statement");
        assert_eq!(t["$Q"], "String");
        let (p, t) = strip_typed_metavariables(Language::Go, "($DB : *sql.DB).Query($Q)");
        assert_eq!(p, "$DB.Query($Q)");
        assert_eq!(t["$DB"], "*sql.DB");
        let (p, t) = strip_typed_metavariables(Language::Java, "foo((int) $X, (a))");
        assert_eq!(p, "foo((int) $X, (a))");
        assert!(t.is_empty());
        let (p, t) = strip_typed_metavariables(Language::Python, "time.sleep($X: int)");
        assert_eq!(p, "time.sleep($X)");
        assert_eq!(t["$X"], "int");
        let (p, t) = strip_typed_metavariables(Language::JavaScript, "f(($X: float), $Y)");
        assert_eq!(p, "f($X, $Y)");
        assert_eq!(t["$X"], "float");
        let (p, t) = strip_typed_metavariables(Language::Python, "def $F($X: int): ...");
        assert_eq!(p, "def $F($X: int): ...");
        assert!(t.is_empty());
        let (p, t) = strip_typed_metavariables(Language::TypeScript, "function $F($R: Request) {}");
        assert_eq!(p, "function $F($R: Request) {}");
        assert!(t.is_empty());
        let (p, t) = strip_typed_metavariables(Language::Python, "{$K: v}");
        assert_eq!(p, "{$K: v}");
        assert!(t.is_empty());
    }
}
