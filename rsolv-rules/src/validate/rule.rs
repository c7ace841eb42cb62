//! Rule-level checks: required keys, id, severity, languages, mode and the
//! keys each mode allows.

use serde_yaml::{Mapping, Value};

use super::Checker;
use super::checker::kind;
use super::formula::{FORMULA_KEYS, check_formula_keys, check_taint_item};
use crate::language::{LanguageSupport, classify};
use crate::raw::{Mode, Rule, TaintRole};
use crate::source_map::{child_index, child_key};

/// Taint keys of the classic syntax.
const TAINT_KEYS: [&str; 4] = [
    "pattern-sources",
    "pattern-propagators",
    "pattern-sanitizers",
    "pattern-sinks",
];

/// Rule keys Semgrep knows but the embedded engine does not run.
const UNRUN_KEYS: [&str; 4] = [
    "equivalences",
    "validators",
    "r2c-internal-project-depends-on",
    "match",
];

/// Check one rule at `path` (`rules[3]`). Sets the checker's rule id first,
/// so every diagnostic about the rule carries it.
pub(crate) fn check_rule(ck: &mut Checker<'_>, value: &Value, path: &str) {
    ck.rule_id = value.get("id").and_then(Value::as_str).map(str::to_owned);
    let Some(map) = ck.mapping(value, path, "a rule") else {
        return;
    };
    let mode = check_mode(ck, map, path);
    check_id(ck, map, path);
    check_required(ck, map, path, mode);

    for (key, value, key_path) in ck.entries(map, path, &Rule::KEYS, "a rule") {
        match key {
            "message" | "min-version" | "max-version" | "version" | "fix" | "extract"
            | "transform" | "reduce" => {
                ck.string(value, &key_path, key);
            }
            "dest-language" => {
                if let Some(name) = ck.string(value, &key_path, key)
                    && classify(name) == LanguageSupport::Unknown
                {
                    ck.error(&key_path, format!("unknown language `{name}`"));
                }
            }
            "severity" => check_severity(ck, value, &key_path),
            "languages" => check_languages(ck, value, &key_path),
            "paths" => check_paths(ck, value, &key_path),
            "options" | "metadata" => {
                ck.mapping(value, &key_path, &format!("`{key}`"));
            }
            "fix-regex" => check_fix_regex(ck, value, &key_path),
            _ if UNRUN_KEYS.contains(&key) => ck.warning(
                &key_path,
                format!("`{key}` is valid Semgrep but not supported by the embedded engine"),
            ),
            _ => {}
        }
    }

    warn_floats(ck, value, path);

    match mode {
        Mode::Search => check_search(ck, map, path),
        Mode::Taint => check_taint(ck, map, path),
        Mode::Join | Mode::Extract => {
            for key in TAINT_KEYS {
                if map.contains_key(key) {
                    ck.error(
                        &child_key(path, key),
                        format!("`{key}` requires `mode: taint`"),
                    );
                }
            }
            if mode == Mode::Extract && map.contains_key("pattern") | map.contains_key("patterns") {
                check_formula_keys(ck, map, path, "the rule");
            }
        }
    }
}

fn check_mode(ck: &mut Checker<'_>, map: &Mapping, path: &str) -> Mode {
    let Some(value) = map.get("mode") else {
        return Mode::Search;
    };
    let key_path = child_key(path, "mode");
    let mode = match value.as_str() {
        Some("search") => Mode::Search,
        Some("taint") => Mode::Taint,
        Some("join") => Mode::Join,
        Some("extract") => Mode::Extract,
        _ => {
            ck.error(
                &key_path,
                format!(
                    "`mode` must be one of search, taint, join, extract; found {}",
                    show(value)
                ),
            );
            return Mode::Search;
        }
    };
    if matches!(mode, Mode::Join | Mode::Extract) {
        ck.warning(
            &key_path,
            format!(
                "`mode: {}` is valid Semgrep but not supported by the embedded engine",
                mode.as_str()
            ),
        );
    }
    mode
}

fn check_id(ck: &mut Checker<'_>, map: &Mapping, path: &str) {
    let Some(value) = map.get("id") else {
        return;
    };
    let key_path = child_key(path, "id");
    if let Some(id) = ck.string(value, &key_path, "id") {
        let ok = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !ok {
            ck.error(
                &key_path,
                format!("rule id `{id}` may only use letters, digits, `.`, `_` and `-`"),
            );
        }
    }
}

fn check_required(ck: &mut Checker<'_>, map: &Mapping, path: &str, mode: Mode) {
    let required: &[&str] = match mode {
        Mode::Search | Mode::Taint => &["id", "message", "languages", "severity"],
        Mode::Join => &["id", "message", "severity", "join"],
        Mode::Extract => &["id", "languages", "dest-language", "extract"],
    };
    for key in required {
        if !map.contains_key(*key) {
            ck.error(path, format!("missing required key `{key}`"));
        }
    }
}

fn check_severity(ck: &mut Checker<'_>, value: &Value, path: &str) {
    let ok = value
        .as_str()
        .is_some_and(|s| s.parse::<rsolv_core::Severity>().is_ok() && s == s.to_ascii_uppercase());
    if !ok {
        ck.error(
            path,
            format!(
                "`severity` must be one of ERROR, WARNING, INFO, CRITICAL, HIGH, MEDIUM, LOW, EXPERIMENT, INVENTORY; found {}",
                show(value)
            ),
        );
    }
}

fn check_languages(ck: &mut Checker<'_>, value: &Value, path: &str) {
    let names = ck.string_list(value, path, "languages");
    for (name, name_path) in &names {
        match classify(name) {
            LanguageSupport::Supported(_) => {}
            LanguageSupport::SemgrepOnly => ck.warning(
                name_path,
                format!(
                    "language `{name}` is valid Semgrep but not supported by the embedded engine"
                ),
            ),
            LanguageSupport::Unknown => ck.error(name_path, format!("unknown language `{name}`")),
        }
    }
}

fn check_paths(ck: &mut Checker<'_>, value: &Value, path: &str) {
    let Some(map) = ck.mapping(value, path, "`paths`") else {
        return;
    };
    for (key, v, key_path) in ck.entries(map, path, &["include", "exclude"], "`paths`") {
        ck.string_list(v, &key_path, key);
    }
}

fn check_fix_regex(ck: &mut Checker<'_>, value: &Value, path: &str) {
    let Some(map) = ck.mapping(value, path, "`fix-regex`") else {
        return;
    };
    for req in ["regex", "replacement"] {
        if !map.contains_key(req) {
            ck.error(path, format!("`fix-regex` is missing required key `{req}`"));
        }
    }
    for (key, v, key_path) in
        ck.entries(map, path, &["regex", "replacement", "count"], "`fix-regex`")
    {
        match key {
            "regex" => {
                if let Some(s) = ck.string(v, &key_path, key) {
                    ck.regex(s, &key_path, "fix-regex");
                }
            }
            "replacement" => {
                ck.string(v, &key_path, key);
            }
            _ => ck.integer(v, &key_path, key),
        }
    }
}

fn check_search(ck: &mut Checker<'_>, map: &Mapping, path: &str) {
    for key in TAINT_KEYS.iter().chain(&["taint"]) {
        if map.contains_key(*key) {
            ck.error(
                &child_key(path, key),
                format!("`{key}` requires `mode: taint`"),
            );
        }
    }
    let has_formula = FORMULA_KEYS.iter().any(|k| map.contains_key(*k));
    let has_other =
        map.contains_key("match") || map.contains_key("r2c-internal-project-depends-on");
    if has_formula || !has_other {
        check_formula_keys(ck, map, path, "the rule");
    }
}

fn check_taint(ck: &mut Checker<'_>, map: &Mapping, path: &str) {
    for key in FORMULA_KEYS {
        if map.contains_key(key) {
            ck.error(
                &child_key(path, key),
                format!(
                    "`{key}` is not allowed in a taint rule; use `pattern-sources`/`pattern-sinks`"
                ),
            );
        }
    }
    if map.contains_key("taint") {
        ck.warning(
            &child_key(path, "taint"),
            "the `taint:` syntax is valid Semgrep but not supported by the embedded engine",
        );
        return;
    }
    let roles = [
        TaintRole::Source,
        TaintRole::Propagator,
        TaintRole::Sanitizer,
        TaintRole::Sink,
    ];
    for role in roles {
        let key = role.key();
        let key_path = child_key(path, key);
        let Some(value) = map.get(key) else {
            if matches!(role, TaintRole::Source | TaintRole::Sink) {
                ck.error(path, format!("a taint rule needs `{key}`"));
            }
            continue;
        };
        let Some(items) = value.as_sequence() else {
            ck.error(
                &key_path,
                format!("`{key}` must be a list, found {}", kind(value)),
            );
            continue;
        };
        if items.is_empty() {
            ck.error(&key_path, format!("`{key}` must not be empty"));
        }
        for (i, item) in items.iter().enumerate() {
            check_taint_item(ck, item, &child_index(&key_path, i), role);
        }
    }
}

/// Semgrep 1.160's rule loader stops with "Invalid YAML tree structure"
/// on any floating-point scalar, even inside `metadata`, so a rule holding
/// one does not load there although it is schema-valid.
fn warn_floats(ck: &mut Checker<'_>, value: &Value, path: &str) {
    match value {
        Value::Number(n) if n.is_f64() => ck.warning(
            path,
            format!(
                "floating-point value `{n}`: Semgrep cannot load rule files with floats; quote it"
            ),
        ),
        Value::Sequence(items) => {
            for (i, item) in items.iter().enumerate() {
                warn_floats(ck, item, &child_index(path, i));
            }
        }
        Value::Mapping(map) => {
            for (k, v) in map {
                if let Some(k) = k.as_str() {
                    warn_floats(ck, v, &child_key(path, k));
                }
            }
        }
        _ => {}
    }
}

/// A short rendering of a scalar for messages.
fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{s}`"),
        Value::Number(n) => format!("`{n}`"),
        Value::Bool(b) => format!("`{b}`"),
        other => kind(other).to_owned(),
    }
}
