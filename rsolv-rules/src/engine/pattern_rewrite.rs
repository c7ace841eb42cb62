//! Per-language touch-ups of a pattern's text after its holes are
//! rewritten, so that grammar-specific Semgrep idioms parse.

use rsolv_core::Language;

use super::lang::Grammar;

/// The placeholder `...` is rewritten to (see `pattern.rs`).
const ELLIPSIS: &str = "__rsel";

/// Rewrite `text` (holes already replaced by placeholders) so that the
/// grammar of `lang` accepts Semgrep's idioms for it.
pub(crate) fn rewrite_for_grammar(lang: Language, text: &str) -> String {
    match lang {
        Language::Ruby => ruby_interpolated_ellipsis(text),
        Language::Java => {
            java_untyped_parameters(&java_member_ellipsis(&java_trailing_ellipsis(text)))
        }
        Language::JavaScript | Language::TypeScript => jsx_attribute_ellipsis(&js_for_header(text)),
        _ => text.to_owned(),
    }
}

/// Ruby `"...#{...}..."`: the `...` inside an interpolation is left alone
/// by the hole rewriting (it is inside quotes) and is no Ruby expression;
/// make it the ellipsis placeholder.
fn ruby_interpolated_ellipsis(text: &str) -> String {
    text.replace("#{...}", &format!("#{{{ELLIPSIS}}}"))
}

/// JavaScript `for (...)`: a header of one `...` is no JavaScript; make
/// it a three-part header of `...`s (the matcher lets such a header match
/// any loop header, `for (x of y)` included).
fn js_for_header(text: &str) -> String {
    text.replace(
        &format!("for ({ELLIPSIS})"),
        &format!("for ({ELLIPSIS}; {ELLIPSIS}; {ELLIPSIS})"),
    )
}

/// JSX `<$E attr=... />`: an attribute value `...` is no JSX; make it an
/// expression container (`attr={...}`), which the pattern converter reads
/// as any value.
fn jsx_attribute_ellipsis(text: &str) -> String {
    if !text.trim_start().starts_with('<') {
        return text.to_owned();
    }
    let needle = format!("={ELLIPSIS}");
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(at) = rest.find(&needle) {
        let named = rest[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-');
        out.push_str(&rest[..at]);
        if named {
            out.push_str(&format!("={{{ELLIPSIS}}}"));
        } else {
            out.push_str(&needle);
        }
        rest = &rest[at + needle.len()..];
    }
    out.push_str(rest);
    out
}

/// Java `a(); ...` on one line: the `...` after a statement is a statement
/// too and needs its own semicolon to parse.
fn java_trailing_ellipsis(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            let trimmed = line.trim_end();
            match trimmed.strip_suffix(ELLIPSIS) {
                Some(before)
                    if before.ends_with(char::is_whitespace)
                        && matches!(before.trim_end().chars().last(), Some(';' | '}' | '{')) =>
                {
                    format!("{trimmed};")
                }
                _ => line.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The metavariable placeholder (see `pattern.rs`).
const MV: &str = "__rsmv_";

/// Java `$RET $F(..., $P, ...) { ... }`: a parameter written as a lone
/// metavariable is, for Semgrep, any parameter, binding its name. Java's
/// grammar wants a type in front of it, so give it the anonymous `$_`.
/// Only parameter lists that a body or `throws` follows are declarations'.
fn java_untyped_parameters(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        let Some(len) = rest[open..].find(')') else {
            break;
        };
        let close = open + len;
        let after = rest[close + 1..].trim_start();
        let declaration = after.starts_with('{') || after.starts_with("throws ");
        out.push_str(&rest[..=open]);
        let list = &rest[open + 1..close];
        if declaration && !list.contains('(') {
            let params: Vec<String> = list
                .split(',')
                .map(|param| {
                    let name = param.trim();
                    let lone = name.strip_prefix(MV).is_some_and(|n| {
                        !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    });
                    if lone {
                        param.replacen(name, &format!("{MV}_ {name}"), 1)
                    } else {
                        param.to_owned()
                    }
                })
                .collect();
            out.push_str(&params.join(","));
        } else {
            out.push_str(list);
        }
        out.push(')');
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Whether a wrapper's parse of a pattern should be passed over for the
/// next wrapper: in Java, a token the parser had to invent right before a
/// `{` (a missing `;`) means the fragment was read as something else, as
/// `$M(...) {...}` is read as a call followed by a block rather than a
/// method declaration.
pub(crate) fn misparsed(lang: Language, grammar: &Grammar, source: &str) -> bool {
    if lang != Language::Java {
        return false;
    }
    let mut parser = tree_sitter::Parser::new();
    if parser.set_language(&grammar.language).is_err() {
        return false;
    }
    let Some(tree) = parser.parse(source, None) else {
        return false;
    };
    let mut cursor = tree.walk();
    loop {
        let node = cursor.node();
        if node.is_missing()
            && source
                .get(node.start_byte()..)
                .is_some_and(|rest| rest.trim_start().starts_with('{'))
        {
            return true;
        }
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return false;
            }
        }
    }
}

/// Whether `text` is one Java annotation and nothing else (`@A`,
/// `@A(x = 1)`), which parses only in front of a declaration.
pub(crate) fn is_lone_annotation(text: &str) -> bool {
    let Some(rest) = text.trim().strip_prefix('@') else {
        return false;
    };
    let name_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(rest.len());
    if name_len == 0 {
        return false;
    }
    let rest = rest[name_len..].trim_start();
    if rest.is_empty() {
        return true;
    }
    if !rest.starts_with('(') {
        return false;
    }
    // The argument list must close at the very end.
    let mut depth = 0usize;
    let mut quote = None;
    let mut escaped = false;
    for (i, c) in rest.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return rest[i + 1..].trim().is_empty();
                    }
                }
                _ => {}
            },
        }
    }
    false
}

/// Whether parentheses opening after `before` in a Java pattern are a
/// method's (declaration or call) rather than a typed metavariable's:
/// they follow a name, not a keyword such as `return`.
pub(crate) fn java_parameter_parens(lang: Language, before: &str) -> bool {
    if lang != Language::Java {
        return false;
    }
    let before = before.trim_end();
    let word_start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .map_or(0, |i| i + 1);
    let word = &before[word_start..];
    !word.is_empty()
        && !matches!(
            word,
            "return" | "throw" | "case" | "else" | "yield" | "assert" | "new"
        )
}

/// The text of a pattern node that may be a hole the grammar could not
/// place (a syntax error around `...` or `$X`), without the separators
/// the error swallowed (`...;`, `..., ` in an annotation's arguments).
pub(crate) fn hole_text(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || c == ';' || c == ',')
}

/// What a `{` opens in a Java pattern, for [`java_member_ellipsis`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum JavaBrace {
    /// An array initializer (`= {`, `new int[] {`, an annotation's `({`).
    Initializer,
    /// A class, interface or enum body.
    Body,
    /// A block or anything else.
    Other,
}

/// Java `...` alone on its line where a statement `...;` does not parse:
/// in an array initializer (`byte[] $X = {\n...\n};`) it is an element,
/// kept from becoming `...;` by a trailing comma; in a class body it is a
/// member, written as an initializer block `{ ...; }` (which the pattern
/// converter reduces to `...`), since `...;` would run into the member
/// after it.
fn java_member_ellipsis(text: &str) -> String {
    let mut braces: Vec<JavaBrace> = Vec::new();
    let mut out = Vec::new();
    for line in text.split('\n') {
        let trimmed = line.trim();
        if trimmed == ELLIPSIS {
            match braces.last() {
                Some(JavaBrace::Initializer) => {
                    out.push(format!("{line},"));
                    continue;
                }
                Some(JavaBrace::Body) => {
                    out.push(format!("{{ {ELLIPSIS}; }}"));
                    continue;
                }
                _ => {}
            }
        }
        for (i, c) in trimmed.char_indices() {
            match c {
                '{' => {
                    let before = trimmed[..i].trim_end();
                    let is_body = before
                        .split_whitespace()
                        .any(|w| matches!(w, "class" | "interface" | "enum" | "@interface"));
                    braces.push(if before.ends_with(['=', ']', '(', ',']) {
                        JavaBrace::Initializer
                    } else if is_body {
                        JavaBrace::Body
                    } else {
                        JavaBrace::Other
                    });
                }
                '}' => {
                    braces.pop();
                }
                _ => {}
            }
        }
        out.push(line.to_owned());
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_grammar_idioms() {
        assert_eq!(
            rewrite_for_grammar(Language::Ruby, "foo(\"...#{...}...\")"),
            "foo(\"...#{__rsel}...\")"
        );
        assert_eq!(
            rewrite_for_grammar(Language::Java, "x.a(); __rsel\nx.b();"),
            "x.a(); __rsel;\nx.b();"
        );
        assert_eq!(
            rewrite_for_grammar(Language::Java, "byte[] x = {\n  __rsel\n};\n__rsel"),
            "byte[] x = {\n  __rsel,\n};\n__rsel"
        );
        assert_eq!(
            rewrite_for_grammar(Language::Java, "class A {\n  __rsel\n  int x;\n}"),
            "class A {\n{ __rsel; }\n  int x;\n}"
        );
        assert_eq!(hole_text(", __rsel"), "__rsel");
        assert!(java_parameter_parens(Language::Java, "void onMessage"));
        assert!(!java_parameter_parens(Language::Java, "return "));
        assert!(!java_parameter_parens(Language::Java, "x = "));
        assert!(is_lone_annotation("@Consumes({\"a/b\"})\n"));
        assert!(is_lone_annotation("@Deprecated"));
        assert!(!is_lone_annotation("@A\n@B"));
        assert!(!is_lone_annotation("@A(x)\nvoid f() {}"));
        assert_eq!(
            rewrite_for_grammar(Language::Java, "f(__rsel)"),
            "f(__rsel)"
        );
        assert_eq!(
            rewrite_for_grammar(
                Language::Java,
                "__rsmv_A __rsmv_F (__rsel, __rsmv_X, __rsel) {\n__rsel;\n}"
            ),
            "__rsmv_A __rsmv_F (__rsel, __rsmv__ __rsmv_X, __rsel) {\n__rsel;\n}"
        );
        assert_eq!(
            rewrite_for_grammar(Language::Java, "f(__rsmv_X);"),
            "f(__rsmv_X);"
        );
    }
}
