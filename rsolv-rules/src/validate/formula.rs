//! Checks for formulas: the four formula keys, operator lists, operators
//! and taint items.

use serde_yaml::{Mapping, Value};

use super::Checker;
use super::checker::kind;
use crate::language::{LanguageSupport, classify};
use crate::raw::{Operator, TaintRole};
use crate::source_map::child_index;

/// Keys that hold a formula (rule top level, taint items,
/// `metavariable-pattern`).
pub(crate) const FORMULA_KEYS: [&str; 4] =
    ["pattern", "patterns", "pattern-either", "pattern-regex"];

/// Operators Semgrep allows inside `pattern-either` (its schema's
/// `pattern-either-content`); the others need a `patterns` around them.
const EITHER_KEYS: [&str; 5] = [
    "patterns",
    "pattern-either",
    "pattern-inside",
    "pattern",
    "pattern-regex",
];

/// Keys of a formula map given to `pattern-not`/`pattern-inside`/
/// `pattern-not-inside` (the schema's `general-pattern-content`).
const OPERAND_KEYS: [&str; 7] = [
    "pattern",
    "pattern-regex",
    "patterns",
    "pattern-either",
    "pattern-not",
    "pattern-inside",
    "pattern-not-inside",
];

/// Check the formula keys present in `map` (already collected by the
/// caller); `owner` names the map for messages. Exactly one must be
/// present.
pub(crate) fn check_formula_keys(ck: &mut Checker<'_>, map: &Mapping, path: &str, owner: &str) {
    let present: Vec<&str> = FORMULA_KEYS
        .iter()
        .copied()
        .filter(|k| map.contains_key(*k))
        .collect();
    match present.len() {
        0 => ck.error(
            path,
            format!("{owner} has no pattern: expected one of `pattern`, `patterns`, `pattern-either`, `pattern-regex`"),
        ),
        1 => {}
        _ => ck.error(
            path,
            format!(
                "{owner} has several formulas ({}); only one is allowed",
                present.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            ),
        ),
    }
    for key in present {
        if let Some(value) = map.get(key) {
            check_formula_value(ck, key, value, &crate::source_map::child_key(path, key));
        }
    }
}

/// Check the value of one formula key (or of an operator with the same key).
fn check_formula_value(ck: &mut Checker<'_>, key: &str, value: &Value, path: &str) {
    match key {
        "pattern" => check_pattern(ck, value, path, key),
        "pattern-regex" | "pattern-not-regex" => {
            if let Some(s) = ck.string(value, path, key) {
                ck.regex(s, path, key);
            }
        }
        "patterns" => check_list(ck, value, path, key, &Operator::KEYS),
        "pattern-either" => check_list(ck, value, path, key, &EITHER_KEYS),
        _ => {}
    }
}

fn check_pattern(ck: &mut Checker<'_>, value: &Value, path: &str, key: &str) {
    if let Some(s) = ck.string(value, path, key)
        && s.trim().is_empty()
    {
        ck.error(path, format!("`{key}` is empty"));
    }
}

/// A `patterns`/`pattern-either` list whose items may use `allowed` keys.
fn check_list(ck: &mut Checker<'_>, value: &Value, path: &str, key: &str, allowed: &[&str]) {
    let Some(items) = value.as_sequence() else {
        ck.error(
            path,
            format!("`{key}` must be a list of operators, found {}", kind(value)),
        );
        return;
    };
    if items.is_empty() {
        ck.error(path, format!("`{key}` must not be empty"));
    }
    for (i, item) in items.iter().enumerate() {
        check_operator(ck, item, &child_index(path, i), key, allowed);
    }
}

/// One operator: a map with exactly one key from `allowed`.
fn check_operator(ck: &mut Checker<'_>, item: &Value, path: &str, parent: &str, allowed: &[&str]) {
    let Some(map) = ck.mapping(item, path, &format!("an item of `{parent}`")) else {
        return;
    };
    if map.len() != 1 {
        let keys: Vec<String> = map
            .keys()
            .filter_map(Value::as_str)
            .map(|k| format!("`{k}`"))
            .collect();
        ck.error(
            path,
            format!(
                "an item of `{parent}` must have exactly one operator key, found {}: {}",
                map.len(),
                keys.join(", ")
            ),
        );
    }
    for (key, value) in map {
        let Some(key) = key.as_str() else {
            ck.error(path, format!("an item of `{parent}` has a non-string key"));
            continue;
        };
        let key_path = crate::source_map::child_key(path, key);
        if !Operator::KEYS.contains(&key) {
            ck.error(&key_path, format!("unknown pattern operator `{key}`"));
            continue;
        }
        if !allowed.contains(&key) {
            ck.error(
                &key_path,
                format!("`{key}` is not allowed in `{parent}`; wrap it in a `patterns` list"),
            );
        }
        check_operator_value(ck, key, value, &key_path);
    }
}

fn check_operator_value(ck: &mut Checker<'_>, key: &str, value: &Value, path: &str) {
    match key {
        "pattern" | "pattern-regex" | "pattern-not-regex" | "patterns" | "pattern-either" => {
            check_formula_value(ck, key, value, path);
        }
        "pattern-not" | "pattern-inside" | "pattern-not-inside" => {
            check_operand(ck, key, value, path)
        }
        "focus-metavariable" => check_focus(ck, value, path),
        _ => check_metavariable_operator(ck, key, value, path),
    }
}

/// The value of `pattern-not`/`pattern-inside`/`pattern-not-inside`: a
/// pattern string or a one-key formula map.
fn check_operand(ck: &mut Checker<'_>, key: &str, value: &Value, path: &str) {
    match value {
        Value::String(_) => check_pattern(ck, value, path, key),
        Value::Mapping(map) => {
            if map.len() != 1 {
                ck.error(
                    path,
                    format!("`{key}` given as a map must have exactly one key"),
                );
            }
            for (k, v) in map {
                let Some(k) = k.as_str() else { continue };
                let k_path = crate::source_map::child_key(path, k);
                if OPERAND_KEYS.contains(&k) {
                    check_operator_value(ck, k, v, &k_path);
                } else {
                    ck.error(&k_path, format!("`{k}` is not allowed inside `{key}`"));
                }
            }
        }
        other => ck.error(
            path,
            format!(
                "`{key}` must be a pattern string or a formula, found {}",
                kind(other)
            ),
        ),
    }
}

fn check_focus(ck: &mut Checker<'_>, value: &Value, path: &str) {
    let names = match value {
        Value::String(s) => vec![(s.as_str(), path.to_owned())],
        _ => ck.string_list(value, path, "focus-metavariable"),
    };
    for (name, name_path) in names {
        check_metavariable_name(ck, name, &name_path);
    }
}

fn check_metavariable_name(ck: &mut Checker<'_>, name: &str, path: &str) {
    if !name.starts_with('$') {
        ck.error(
            path,
            format!("`{name}` is not a metavariable (it must start with `$`)"),
        );
    }
}

/// `metavariable-regex`, `-pattern`, `-comparison`, `-type`, `-analysis`,
/// `-name`.
fn check_metavariable_operator(ck: &mut Checker<'_>, key: &str, value: &Value, path: &str) {
    let Some(map) = ck.mapping(value, path, &format!("`{key}`")) else {
        return;
    };
    let allowed: &[&str] = match key {
        "metavariable-regex" => &["metavariable", "regex", "constant-propagation"],
        "metavariable-pattern" => &[
            "metavariable",
            "language",
            "pattern",
            "patterns",
            "pattern-either",
            "pattern-regex",
        ],
        "metavariable-comparison" => &["metavariable", "comparison", "base", "strip"],
        "metavariable-type" => &["metavariable", "type", "types", "language"],
        "metavariable-analysis" => &["metavariable", "analyzer"],
        _ => &["metavariable", "module", "modules"],
    };
    let required: &[&str] = match key {
        "metavariable-regex" => &["metavariable", "regex"],
        "metavariable-comparison" => &["comparison"],
        "metavariable-analysis" => &["metavariable", "analyzer"],
        _ => &["metavariable"],
    };
    for req in required {
        if !map.contains_key(*req) {
            ck.error(path, format!("`{key}` is missing required key `{req}`"));
        }
    }
    for (k, v, k_path) in ck.entries(map, path, allowed, &format!("`{key}`")) {
        match k {
            "metavariable" => {
                if let Some(name) = ck.string(v, &k_path, k) {
                    check_metavariable_name(ck, name, &k_path);
                }
            }
            "regex" => {
                if let Some(s) = ck.string(v, &k_path, k) {
                    ck.regex(s, &k_path, key);
                }
            }
            "constant-propagation" | "strip" => ck.boolean(v, &k_path, k),
            "base" => ck.integer(v, &k_path, k),
            "language" => check_language_name(ck, v, &k_path),
            "types" | "modules" => {
                ck.string_list(v, &k_path, k);
            }
            "analyzer" => check_analyzer(ck, v, &k_path),
            "pattern" | "patterns" | "pattern-either" | "pattern-regex" => {}
            _ => {
                ck.string(v, &k_path, k);
            }
        }
    }
    match key {
        "metavariable-pattern" => check_formula_keys(ck, map, path, "`metavariable-pattern`"),
        "metavariable-type" => exactly_one(ck, map, path, key, &["type", "types"]),
        "metavariable-name" => exactly_one(ck, map, path, key, &["module", "modules"]),
        _ => {}
    }
}

fn exactly_one(ck: &mut Checker<'_>, map: &Mapping, path: &str, key: &str, choices: &[&str]) {
    let n = choices.iter().filter(|c| map.contains_key(**c)).count();
    if n != 1 {
        ck.error(
            path,
            format!("`{key}` needs exactly one of `{}`", choices.join("`, `")),
        );
    }
}

fn check_language_name(ck: &mut Checker<'_>, value: &Value, path: &str) {
    if let Some(name) = ck.string(value, path, "language")
        && classify(name) == LanguageSupport::Unknown
    {
        ck.error(path, format!("unknown language `{name}`"));
    }
}

fn check_analyzer(ck: &mut Checker<'_>, value: &Value, path: &str) {
    const ANALYZERS: [&str; 3] = ["entropy", "entropy_v2", "redos"];
    let name = match value {
        Value::String(s) => Some(s.as_str()),
        Value::Mapping(m) => m.get("kind").and_then(Value::as_str),
        _ => None,
    };
    match name {
        Some(n) if ANALYZERS.contains(&n) => {}
        _ => ck.error(
            path,
            "`analyzer` must be `entropy`, `entropy_v2` or `redos`",
        ),
    }
}

/// One item of `pattern-sources`/`-sinks`/`-sanitizers`/`-propagators`.
pub(crate) fn check_taint_item(ck: &mut Checker<'_>, item: &Value, path: &str, role: TaintRole) {
    let list = role.key();
    let Some(map) = ck.mapping(item, path, &format!("an item of `{list}`")) else {
        return;
    };
    let mut allowed: Vec<&str> = FORMULA_KEYS.to_vec();
    allowed.extend_from_slice(role.option_keys());
    for (k, v, k_path) in ck.entries(map, path, &allowed, &format!("an item of `{list}`")) {
        match k {
            "label" | "requires" | "from" | "to" => {
                ck.string(v, &k_path, k);
            }
            "exact" | "control" | "at-exit" | "not_conflicting" => ck.boolean(v, &k_path, k),
            "by-side-effect" if !(v.is_bool() || v.as_str() == Some("only")) => {
                ck.error(&k_path, "`by-side-effect` must be true, false or `only`");
            }
            "replace-labels" => {
                ck.string_list(v, &k_path, k);
            }
            _ => {}
        }
    }
    if role == TaintRole::Propagator {
        for req in ["from", "to"] {
            if !map.contains_key(req) {
                ck.error(
                    path,
                    format!("a propagator is missing required key `{req}`"),
                );
            }
        }
    }
    check_formula_keys(ck, map, path, &format!("an item of `{list}`"));
}
