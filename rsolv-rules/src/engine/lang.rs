//! What the engine needs to know about each tree-sitter grammar.

use rsolv_core::Language;

/// A grammar rsolv parses, with the node kinds the matcher treats specially.
#[derive(Debug)]
pub(crate) struct Grammar {
    /// The tree-sitter language.
    pub(crate) language: tree_sitter::Language,
    /// Comment node kinds: dropped from both patterns and targets.
    pub(crate) comments: &'static [&'static str],
    /// Parenthesized-expression kinds: unwrapped, since `(e)` is `e`.
    pub(crate) parens: &'static [&'static str],
    /// String literal kinds whose content is compared without quotes.
    pub(crate) strings: &'static [&'static str],
    /// Children of a string literal that are plain content (anything else,
    /// such as an interpolation, makes the literal a structured node).
    pub(crate) string_parts: &'static [&'static str],
    /// Kinds whose children are a sequence of statements.
    pub(crate) blocks: &'static [&'static str],
    /// Statement wrappers around a single expression.
    pub(crate) expression_statements: &'static [&'static str],
    /// Kinds of keyword arguments, matched in any order (`f(a=1, b=2)`).
    pub(crate) keyword_arguments: &'static [&'static str],
    /// Argument-list kinds.
    pub(crate) argument_lists: &'static [&'static str],
    /// Member-access kinds (`a.b`, Java's `a.b.C` type) whose dotted names
    /// imports can alias, for languages whose imports the engine resolves.
    pub(crate) import_attributes: &'static [&'static str],
    /// Children a pattern may leave out (`async`, Java modifiers, a return
    /// type annotation): `def $F(...): ...` also matches `async def`, and
    /// `void $M(...)` also matches `public static void m()`.
    pub(crate) optional_kids: &'static [&'static str],
    /// Kinds whose children match as an unordered subset: the pattern's
    /// `@Foo public` matches `public static @Foo final`.
    pub(crate) subset_kinds: &'static [&'static str],
    /// Statement kinds that wrap a declaration a pattern may name alone:
    /// in a statement sequence, `def $F(...): ...` also matches a decorated
    /// function, and `function $F(...) {...}` an exported one.
    pub(crate) wrappers: &'static [&'static str],
    /// How the language's imports bind names.
    pub(crate) import_style: ImportStyle,
    /// The language whose declarations `(Type $X)` / `($X : Type)` typed
    /// metavariables are checked against, if the engine checks them.
    pub(crate) typed_metavariables: Option<Language>,
}

const NO: &[&str] = &[];

/// How a language's imports introduce local names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImportStyle {
    /// Imports are not resolved.
    None,
    /// `import a.b as c`, `from m import x as y`.
    Python,
    /// `import a.b.C;` binds `C`; `java.lang` is implicit.
    Java,
    /// `import name "path/pkg"` names package `pkg` `name`.
    Go,
    /// ES imports and `require` (destructured too).
    JavaScript,
}

/// The tree-sitter grammar the engine parses `lang` with (`tsx` picks the
/// TSX dialect of TypeScript), or `None` for `generic`/`regex`.
///
/// Tools that work on syntax trees next to the engine (rule synthesis, for
/// one) use it so that both see the same trees.
///
/// ```
/// use rsolv_core::Language;
/// let grammar = rsolv_rules::tree_sitter_language(Language::Python, false);
/// let mut parser = tree_sitter::Parser::new();
/// assert!(grammar.is_some_and(|g| parser.set_language(&g).is_ok()));
/// ```
pub fn tree_sitter_language(lang: Language, tsx: bool) -> Option<tree_sitter::Language> {
    grammar(lang, tsx).map(|g| g.language)
}

/// The grammar for `lang`, or `None` for `generic`/`regex`.
pub(crate) fn grammar(lang: Language, path_is_tsx: bool) -> Option<Grammar> {
    let g = match lang {
        Language::Python => Grammar {
            language: tree_sitter_python::LANGUAGE.into(),
            comments: &["comment"],
            parens: &["parenthesized_expression"],
            strings: &["string"],
            string_parts: &[
                "string_start",
                "string_content",
                "string_end",
                "escape_sequence",
            ],
            blocks: &["module", "block"],
            expression_statements: &["expression_statement"],
            keyword_arguments: &["keyword_argument"],
            argument_lists: &["argument_list"],
            import_attributes: &["attribute"],
            optional_kids: &[
                "async",
                "->",
                "type",
                "else_clause",
                "elif_clause",
                "argument_list",
            ],
            subset_kinds: &[
                "decorated_definition",
                "import_from_statement",
                "dictionary",
            ],
            wrappers: &["decorated_definition"],
            import_style: ImportStyle::Python,
            typed_metavariables: Some(Language::Python),
        },
        Language::JavaScript | Language::TypeScript => Grammar {
            language: match (lang, path_is_tsx) {
                (Language::TypeScript, true) => tree_sitter_typescript::LANGUAGE_TSX.into(),
                (Language::TypeScript, false) => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
                _ => tree_sitter_javascript::LANGUAGE.into(),
            },
            comments: &["comment", "html_comment"],
            parens: &["parenthesized_expression"],
            strings: &["string", "template_string"],
            string_parts: &["string_fragment", "escape_sequence"],
            blocks: &[
                "program",
                "statement_block",
                "class_body",
                "switch_case",
                "switch_default",
            ],
            expression_statements: &["expression_statement"],
            keyword_arguments: NO,
            argument_lists: &["arguments"],
            import_attributes: &["member_expression"],
            optional_kids: &[
                "async",
                "static",
                "class_heritage",
                "type_annotation",
                "type_parameters",
                "type_arguments",
                "accessibility_modifier",
                "override_modifier",
                "readonly",
            ],
            subset_kinds: &[
                "object",
                "object_pattern",
                "import_statement",
                "named_imports",
            ],
            wrappers: &["export_statement"],
            import_style: ImportStyle::JavaScript,
            typed_metavariables: Some(lang),
        },
        Language::Java => Grammar {
            language: tree_sitter_java::LANGUAGE.into(),
            comments: &["line_comment", "block_comment"],
            parens: &["parenthesized_expression"],
            strings: &["string_literal"],
            string_parts: &[
                "string_fragment",
                "escape_sequence",
                "multiline_string_fragment",
            ],
            blocks: &[
                "program",
                "block",
                "class_body",
                "constructor_body",
                "switch_block_statement_group",
                "interface_body",
            ],
            expression_statements: &["expression_statement"],
            keyword_arguments: NO,
            argument_lists: &["argument_list"],
            import_attributes: &[
                "field_access",
                "scoped_type_identifier",
                "scoped_identifier",
            ],
            optional_kids: &[
                "modifiers",
                "throws",
                "type_parameters",
                "superclass",
                "super_interfaces",
                "dimensions",
            ],
            subset_kinds: &["modifiers"],
            wrappers: NO,
            import_style: ImportStyle::Java,
            typed_metavariables: Some(Language::Java),
        },
        Language::Go => Grammar {
            language: tree_sitter_go::LANGUAGE.into(),
            comments: &["comment"],
            parens: &["parenthesized_expression"],
            strings: &["interpreted_string_literal", "raw_string_literal"],
            string_parts: &[
                "interpreted_string_literal_content",
                "raw_string_literal_content",
                "escape_sequence",
            ],
            blocks: &[
                "source_file",
                "block",
                "statement_list",
                "expression_case",
                "default_case",
            ],
            expression_statements: &["expression_statement"],
            keyword_arguments: NO,
            argument_lists: &["argument_list"],
            import_attributes: &["selector_expression"],
            optional_kids: NO,
            subset_kinds: &["import_spec_list"],
            wrappers: NO,
            import_style: ImportStyle::Go,
            typed_metavariables: Some(Language::Go),
        },
        Language::Ruby => Grammar {
            language: tree_sitter_ruby::LANGUAGE.into(),
            comments: &["comment"],
            parens: &["parenthesized_statements"],
            strings: &["string"],
            string_parts: &["string_content", "escape_sequence"],
            blocks: &[
                "program",
                "body_statement",
                "then",
                "else",
                "do",
                "block_body",
                "begin",
            ],
            expression_statements: NO,
            keyword_arguments: &["pair"],
            argument_lists: &["argument_list"],
            import_attributes: NO,
            optional_kids: &["argument_list", "block", "do_block"],
            subset_kinds: NO,
            wrappers: NO,
            import_style: ImportStyle::None,
            typed_metavariables: None,
        },
        Language::Generic | Language::Regex => return None,
        _ => return None,
    };
    Some(g)
}
