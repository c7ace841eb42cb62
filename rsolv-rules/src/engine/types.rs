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
        match typed(lang, inside) {
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
    (out, types)
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
            (is_name(name) && is_type(ty.trim()) && !ty.trim().is_empty())
                .then_some((name, ty.trim()))
        }
        Language::Go => {
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
}

impl DeclaredTypes {
    pub(crate) fn java(tree: &SynTree<'_>, language: &tree_sitter::Language) -> Self {
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
        Self { by_name }
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
            "true" | "false" => vec!["boolean".into()],
            _ => Vec::new(),
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

/// `java.sql.Statement` and `Statement` are the same type here: the file's
/// imports are not resolved, so the simple names are compared.
fn same_type(a: &str, b: &str) -> bool {
    a == b || a.rsplit('.').next() == b.rsplit('.').next()
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
    }
}
