//! The diagnostic collector shared by the validation passes, and the small
//! type checks they all use.

use std::path::Path;

use serde_yaml::{Mapping, Value};

use crate::source_map::{SourceMap, child_key};
use crate::{Diagnostic, DiagnosticLevel};

/// Collects diagnostics for one file, positioned through its source map.
#[derive(Debug)]
pub(crate) struct Checker<'a> {
    path: &'a Path,
    map: &'a SourceMap,
    /// The id of the rule being checked, attached to each diagnostic.
    pub(crate) rule_id: Option<String>,
    /// Everything found so far.
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    pub(crate) fn new(path: &'a Path, map: &'a SourceMap) -> Self {
        Self {
            path,
            map,
            rule_id: None,
            diagnostics: Vec::new(),
        }
    }

    pub(crate) fn diagnostic(
        &self,
        level: DiagnosticLevel,
        key_path: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        let pos = self.map.lookup(key_path);
        Diagnostic {
            level,
            path: self.path.to_path_buf(),
            line: pos.line,
            col: pos.col,
            rule_id: self.rule_id.clone(),
            key_path: key_path.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn error(&mut self, key_path: &str, message: impl Into<String>) {
        let d = self.diagnostic(DiagnosticLevel::Error, key_path, message);
        self.diagnostics.push(d);
    }

    pub(crate) fn warning(&mut self, key_path: &str, message: impl Into<String>) {
        let d = self.diagnostic(DiagnosticLevel::Warning, key_path, message);
        self.diagnostics.push(d);
    }

    /// The number of errors so far (to tell whether a pass found any).
    pub(crate) fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// Report every key of `map` not in `allowed`, then return the entries
    /// whose key is a string, with their paths.
    pub(crate) fn entries<'v>(
        &mut self,
        map: &'v Mapping,
        path: &str,
        allowed: &[&str],
        context: &str,
    ) -> Vec<(&'v str, &'v Value, String)> {
        let mut out = Vec::new();
        for (key, value) in map {
            let Some(key) = key.as_str() else {
                self.error(path, format!("{context} has a non-string key"));
                continue;
            };
            let key_path = child_key(path, key);
            if allowed.contains(&key) {
                out.push((key, value, key_path));
            } else {
                self.error(&key_path, format!("unknown key `{key}` in {context}"));
            }
        }
        out
    }

    /// `value` as a map, or an error naming what was expected.
    pub(crate) fn mapping<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        what: &str,
    ) -> Option<&'v Mapping> {
        let found = value.as_mapping();
        if found.is_none() {
            self.error(path, format!("{what} must be a map, found {}", kind(value)));
        }
        found
    }

    /// `value` as a string, or an error.
    pub(crate) fn string<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        what: &str,
    ) -> Option<&'v str> {
        let found = value.as_str();
        if found.is_none() {
            self.error(
                path,
                format!("`{what}` must be a string, found {}", kind(value)),
            );
        }
        found
    }

    /// A non-empty list of strings, or errors.
    pub(crate) fn string_list<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        what: &str,
    ) -> Vec<(&'v str, String)> {
        let Some(items) = value.as_sequence() else {
            self.error(
                path,
                format!("`{what}` must be a list, found {}", kind(value)),
            );
            return Vec::new();
        };
        if items.is_empty() {
            self.error(path, format!("`{what}` must not be empty"));
        }
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            if let Some(s) = self.string(item, &item_path, what) {
                out.push((s, item_path));
            }
        }
        out
    }

    pub(crate) fn boolean(&mut self, value: &Value, path: &str, what: &str) {
        if !value.is_bool() {
            self.error(
                path,
                format!("`{what}` must be true or false, found {}", kind(value)),
            );
        }
    }

    pub(crate) fn integer(&mut self, value: &Value, path: &str, what: &str) {
        if !(value.is_i64() || value.is_u64()) {
            self.error(
                path,
                format!("`{what}` must be an integer, found {}", kind(value)),
            );
        }
    }

    /// Compile `source` as a rule regex, reporting why it is rejected.
    pub(crate) fn regex(&mut self, source: &str, path: &str, what: &str) {
        if let Err(e) = crate::RuleRegex::new(source) {
            self.error(path, format!("invalid regex in `{what}`: {e}"));
        }
    }
}

/// A word for the YAML type of `value`, for messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a map",
        Value::Tagged(_) => "a tagged value",
    }
}
