//! Writing rule files back as YAML.

use crate::{Result, RuleFile};

/// Serialize rules as Semgrep YAML.
///
/// Operators are written as plain one-key maps (`- pattern: foo()`), never
/// YAML tags, and absent optional keys stay absent, so the output is what
/// `semgrep --validate --config` accepts and what [`parse_rules`](crate::parse_rules)
/// reads back into an equal [`RuleFile`].
pub fn write_rules(file: &RuleFile) -> Result<String> {
    Ok(serde_yaml::to_string(file)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::{Operator, Rule};
    use rsolv_core::Severity;

    #[test]
    fn writes_semgrep_shape() {
        let rule = Rule {
            id: "no-eval".into(),
            message: Some("avoid eval\nit runs code".into()),
            severity: Some(Severity::Error),
            languages: vec!["python".into()],
            patterns: Some(vec![
                Operator::Pattern("eval($X)".into()),
                Operator::PatternNot(crate::raw::Operand::Pattern("eval(\"...\")".into())),
            ]),
            ..Rule::default()
        };
        let yaml = write_rules(&RuleFile { rules: vec![rule] }).unwrap_or_default();
        assert!(yaml.starts_with("rules:\n- id: no-eval\n"), "{yaml}");
        assert!(yaml.contains("- pattern: eval($X)"), "{yaml}");
        assert!(!yaml.contains('!'), "{yaml}");
        assert!(!yaml.contains("fix"), "absent keys stay absent: {yaml}");
    }
}
