//! Rule metadata: a free-form map with typed accessors for the keys rsolv
//! writes and reads.

use serde::{Deserialize, Serialize};
use serde_yaml::{Mapping, Value};

use rsolv_core::{VulnClass, parse_cwe};

/// The `metadata:` map of a rule.
///
/// Semgrep puts no constraint on it, so it is kept as an ordered map (key
/// order survives a round trip); the accessors read the keys rsolv uses.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Metadata(pub Mapping);

impl Metadata {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The raw value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// Insert or replace `key`; a new key goes last, a replaced one keeps
    /// its place.
    pub fn set(&mut self, key: &str, value: Value) {
        self.0.insert(Value::String(key.to_owned()), value);
    }

    /// Set `confidence`, written as a string (`"0.85"`): Semgrep cannot load
    /// rule files that contain floating-point numbers. [`Metadata::confidence`]
    /// reads either form.
    pub fn set_confidence(&mut self, confidence: f64) {
        self.set("confidence", Value::String(confidence.to_string()));
    }

    /// The underlying map.
    pub fn as_mapping(&self) -> &Mapping {
        &self.0
    }

    fn str_value(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    /// `created_from_issue`: the issue (number, URL or key) a learned rule
    /// came from. Numbers are returned as their decimal text.
    pub fn created_from_issue(&self) -> Option<String> {
        match self.get("created_from_issue")? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// `organization_id`: the organization that owns a learned rule.
    pub fn organization_id(&self) -> Option<&str> {
        self.str_value("organization_id")
    }

    /// `vulnerability_type`, when it names a label of the taxonomy.
    pub fn vulnerability_type(&self) -> Option<VulnClass> {
        self.str_value("vulnerability_type")?.parse().ok()
    }

    /// `confidence` as a number in `0.0..=1.0`.
    ///
    /// Numbers (or numeric strings) are taken as they are; the words
    /// semgrep-rules uses map to coarse values: `HIGH` 0.9, `MEDIUM` 0.6,
    /// `LOW` 0.3.
    pub fn confidence(&self) -> Option<f64> {
        let value = match self.get("confidence")? {
            Value::Number(n) => n.as_f64()?,
            Value::String(s) => match s.trim().to_ascii_uppercase().as_str() {
                "HIGH" => 0.9,
                "MEDIUM" => 0.6,
                "LOW" => 0.3,
                other => other.parse().ok()?,
            },
            _ => return None,
        };
        (0.0..=1.0).contains(&value).then_some(value)
    }

    /// `cwe`, whether written as one string or a list.
    pub fn cwe(&self) -> Vec<String> {
        match self.get("cwe") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Sequence(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The vulnerability class: `vulnerability_type` if present and known,
    /// otherwise the first CWE that maps to a label.
    pub fn vuln_class(&self) -> Option<VulnClass> {
        self.vulnerability_type().or_else(|| {
            self.cwe()
                .iter()
                .filter_map(|c| parse_cwe(c))
                .find_map(VulnClass::from_cwe)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(yaml: &str) -> Metadata {
        serde_yaml::from_str(yaml).unwrap_or_default()
    }

    #[test]
    fn typed_accessors() {
        let m = metadata(
            "created_from_issue: 42\norganization_id: acme\nvulnerability_type: sqli\nconfidence: 0.75\ncwe: 'CWE-89: SQL Injection'",
        );
        assert_eq!(m.created_from_issue().as_deref(), Some("42"));
        assert_eq!(m.organization_id(), Some("acme"));
        assert_eq!(m.vulnerability_type(), Some(VulnClass::Sqli));
        assert_eq!(m.confidence(), Some(0.75));
        assert_eq!(m.cwe(), ["CWE-89: SQL Injection"]);
    }

    #[test]
    fn vuln_class_falls_back_to_cwe() {
        let m = metadata("cwe:\n  - 'CWE-1: nothing'\n  - 'CWE-79: XSS'\nconfidence: HIGH");
        assert_eq!(m.vulnerability_type(), None);
        assert_eq!(m.vuln_class(), Some(VulnClass::Xss));
        assert_eq!(m.confidence(), Some(0.9));
        let m = metadata("vulnerability_type: not-a-label\nconfidence: 7");
        assert_eq!(m.vuln_class(), None);
        assert_eq!(m.confidence(), None);
    }

    #[test]
    fn set_keeps_order() {
        let mut m = metadata("a: 1\nb: 2");
        m.set("a", Value::from(3));
        m.set("c", Value::from("x"));
        let keys: Vec<_> = m.as_mapping().keys().filter_map(Value::as_str).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(m.get("a"), Some(&Value::from(3)));
        m.set_confidence(0.85);
        assert_eq!(m.get("confidence"), Some(&Value::from("0.85")));
        assert_eq!(m.confidence(), Some(0.85));
    }
}
