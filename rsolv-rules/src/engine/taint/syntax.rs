//! What the dataflow walk needs to know about each language's syntax: which
//! node kinds define functions, assign, branch, loop, or name an l-value.
//! Kinds are tree-sitter names; the walk compares them by name.

use rsolv_core::Language;

/// The node kinds of one language, by role.
#[derive(Debug)]
pub(crate) struct Syntax {
    /// Function, method and lambda definitions: each is analyzed on its own.
    pub(crate) functions: &'static [&'static str],
    /// Assignments and initialized declarations (`lhs op rhs`).
    pub(crate) assignments: &'static [&'static str],
    /// Constructs whose parts run conditionally: assignments inside them
    /// add taint but never remove it (may-taint).
    pub(crate) conditionals: &'static [&'static str],
    /// Loops: their body is walked twice, so taint flows around the loop.
    pub(crate) loops: &'static [&'static str],
    /// `for x in xs` loops: the loop variable takes the iterable's taint.
    pub(crate) for_each: &'static [&'static str],
    /// Plain names.
    pub(crate) names: &'static [&'static str],
    /// Field accesses `a.b` (object first, field last).
    pub(crate) members: &'static [&'static str],
    /// Element accesses `a[i]` (container first).
    pub(crate) subscripts: &'static [&'static str],
    /// Function parameter lists.
    pub(crate) parameters: &'static [&'static str],
    /// Slices (`a[1:]`), and the slice part of an element access: Semgrep
    /// passes no taint through a slice.
    pub(crate) slices: &'static [&'static str],
    /// Methods whose call `recv.m(args)` adds the arguments' taint to the
    /// receiver (Semgrep does it for Ruby's `concat`).
    pub(crate) appends: &'static [&'static str],
    /// Calls, and their argument lists (for intrafile taint).
    pub(crate) calls: &'static [&'static str],
    pub(crate) arguments: &'static [&'static str],
}

/// The syntax tables for `lang`, or `None` for text languages.
pub(crate) fn syntax(lang: Language) -> Option<&'static Syntax> {
    Some(match lang {
        Language::Python => &PYTHON,
        Language::JavaScript | Language::TypeScript => &JAVASCRIPT,
        Language::Java => &JAVA,
        Language::Go => &GO,
        Language::Ruby => &RUBY,
        _ => return None,
    })
}

static PYTHON: Syntax = Syntax {
    functions: &["function_definition", "lambda"],
    assignments: &["assignment", "augmented_assignment", "named_expression"],
    conditionals: &[
        "if_statement",
        "elif_clause",
        "else_clause",
        "conditional_expression",
        "try_statement",
        "except_clause",
        "finally_clause",
        "match_statement",
        "case_clause",
        "boolean_operator",
        "while_statement",
        "for_statement",
        "with_statement",
    ],
    loops: &["while_statement", "for_statement"],
    for_each: &["for_statement", "for_in_clause"],
    names: &["identifier"],
    members: &["attribute"],
    subscripts: &["subscript"],
    parameters: &["parameters", "lambda_parameters"],
    slices: &["slice"],
    appends: &[],
    calls: &["call"],
    arguments: &["argument_list"],
};

static JAVASCRIPT: Syntax = Syntax {
    functions: &[
        "function_declaration",
        "function_expression",
        "function",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
        "generator_function",
    ],
    assignments: &[
        "variable_declarator",
        "assignment_expression",
        "augmented_assignment_expression",
    ],
    conditionals: &[
        "if_statement",
        "else_clause",
        "ternary_expression",
        "switch_statement",
        "switch_case",
        "switch_default",
        "try_statement",
        "catch_clause",
        "finally_clause",
        "while_statement",
        "do_statement",
        "for_statement",
        "for_in_statement",
        "binary_expression",
    ],
    loops: &[
        "while_statement",
        "do_statement",
        "for_statement",
        "for_in_statement",
    ],
    for_each: &["for_in_statement"],
    names: &[
        "identifier",
        "this",
        "shorthand_property_identifier",
        "shorthand_property_identifier_pattern",
        "property_identifier",
    ],
    members: &["member_expression"],
    subscripts: &["subscript_expression"],
    parameters: &["formal_parameters"],
    slices: &[],
    appends: &[],
    calls: &["call_expression"],
    arguments: &["arguments"],
};

static JAVA: Syntax = Syntax {
    functions: &[
        "method_declaration",
        "constructor_declaration",
        "lambda_expression",
    ],
    assignments: &["variable_declarator", "assignment_expression"],
    conditionals: &[
        "if_statement",
        "ternary_expression",
        "switch_expression",
        "switch_block_statement_group",
        "switch_rule",
        "try_statement",
        "try_with_resources_statement",
        "catch_clause",
        "finally_clause",
        "while_statement",
        "do_statement",
        "for_statement",
        "enhanced_for_statement",
    ],
    loops: &[
        "while_statement",
        "do_statement",
        "for_statement",
        "enhanced_for_statement",
    ],
    for_each: &["enhanced_for_statement"],
    names: &["identifier", "this"],
    members: &["field_access"],
    subscripts: &["array_access"],
    parameters: &["formal_parameters", "inferred_parameters"],
    slices: &[],
    appends: &[],
    calls: &["method_invocation"],
    arguments: &["argument_list"],
};

static GO: Syntax = Syntax {
    functions: &["function_declaration", "method_declaration", "func_literal"],
    assignments: &[
        "short_var_declaration",
        "assignment_statement",
        "var_spec",
        "range_clause",
    ],
    conditionals: &[
        "if_statement",
        "expression_switch_statement",
        "type_switch_statement",
        "expression_case",
        "type_case",
        "default_case",
        "select_statement",
        "communication_case",
        "for_statement",
    ],
    loops: &["for_statement"],
    for_each: &[],
    names: &["identifier", "field_identifier"],
    members: &["selector_expression"],
    subscripts: &["index_expression"],
    parameters: &["parameter_list"],
    slices: &["slice_expression"],
    appends: &[],
    calls: &["call_expression"],
    arguments: &["argument_list"],
};

static RUBY: Syntax = Syntax {
    functions: &["method", "singleton_method", "lambda"],
    assignments: &["assignment", "operator_assignment"],
    conditionals: &[
        "if",
        "unless",
        "elsif",
        "else",
        "case",
        "when",
        "while",
        "until",
        "for",
        "begin",
        "rescue",
        "ensure",
        "if_modifier",
        "unless_modifier",
        "while_modifier",
        "until_modifier",
        "conditional",
        "rescue_modifier",
        "block",
        "do_block",
    ],
    loops: &["while", "until", "for", "block", "do_block"],
    for_each: &["for"],
    names: &[
        "identifier",
        "instance_variable",
        "class_variable",
        "global_variable",
        "self",
    ],
    members: &[],
    subscripts: &["element_reference"],
    parameters: &[
        "method_parameters",
        "lambda_parameters",
        "block_parameters",
        "parameters",
    ],
    slices: &[],
    appends: &["concat"],
    calls: &["call"],
    arguments: &["argument_list"],
};
