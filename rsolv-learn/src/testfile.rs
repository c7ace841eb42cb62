//! Stored test cases as Semgrep test files: `X.yaml` next to `X.<ext>`
//! whose `ruleid:`/`ok:` comments `semgrep --test` (and `rsolv test`) judge.

use std::ops::Range;

use rsolv_core::Language;
use rsolv_store::{TestCase, TestCaseKind};

use crate::synth::kinds;

/// A rule and its examples, as the two files of a Semgrep test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemgrepTest {
    /// The rule file (`X.yaml`).
    pub yaml: String,
    /// The annotated target (`X.<extension>`).
    pub code: String,
    /// The target's extension, without the dot.
    pub extension: &'static str,
}

/// Build the Semgrep test of one rule from its stored test cases.
pub fn semgrep_test(yaml: &str, rule_id: &str, lang: Language, cases: &[TestCase]) -> SemgrepTest {
    let (code, _) = render_cases(lang, cases, rule_id);
    SemgrepTest {
        yaml: yaml.to_owned(),
        code,
        extension: lang.extensions().first().copied().unwrap_or("txt"),
    }
}

/// The annotated target text, and for each case the 1-based lines its code
/// occupies.
pub(crate) fn render_cases(
    lang: Language,
    cases: &[TestCase],
    rule_id: &str,
) -> (String, Vec<(usize, usize)>) {
    let comment = kinds(lang).map_or("#", |k| k.comment);
    let (header, open, indent, close): (&str, fn(usize) -> String, &str, &str) = match lang {
        Language::Java => (
            "class RsolvTest {\n",
            |i| format!("    void case{i}() throws Exception {{\n"),
            "        ",
            "    }\n",
        ),
        Language::Go => (
            "package main\n\n",
            |i| format!("func case{i}() {{\n"),
            "\t",
            "}\n",
        ),
        _ => ("", |_| String::new(), "", ""),
    };
    let mut out = String::from(header);
    let mut spans = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&open(i + 1));
        let mark = match case.kind {
            TestCaseKind::Positive => "ruleid",
            TestCaseKind::Negative => "ok",
        };
        out.push_str(&format!("{indent}{comment} {mark}: {rule_id}\n"));
        let start = out.lines().count() + 1;
        let mut n = 0;
        for line in case.code.lines() {
            out.push_str(indent);
            out.push_str(line);
            out.push('\n');
            n += 1;
        }
        spans.push((start, start + n.max(1) - 1));
        out.push_str(close);
    }
    if lang == Language::Java {
        out.push_str("}\n");
    }
    (out, spans)
}

/// The whole lines of `text` that `range` touches, dedented: a test case
/// snippet.
pub(crate) fn snippet(text: &str, range: &Range<usize>) -> String {
    let start = text[..range.start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let end = text[range.end.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |i| range.end + i);
    let lines: Vec<&str> = text[start..end].lines().collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or(l.trim_start()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(kind: TestCaseKind, code: &str) -> TestCase {
        TestCase {
            id: 1,
            rule_id: "r".into(),
            kind,
            language: "python".into(),
            code: code.into(),
            description: None,
            created_at: String::new(),
        }
    }

    #[test]
    fn annotations_precede_each_case() {
        let cases = [
            case(TestCaseKind::Positive, "yaml.load(f)"),
            case(TestCaseKind::Negative, "yaml.safe_load(f)"),
        ];
        let (code, spans) = render_cases(Language::Python, &cases, "r");
        assert_eq!(
            code,
            "# ruleid: r\nyaml.load(f)\n\n# ok: r\nyaml.safe_load(f)\n"
        );
        assert_eq!(spans, [(2, 2), (5, 5)]);
        let (java, spans) = render_cases(Language::Java, &cases[..1], "r");
        assert!(
            java.starts_with("class RsolvTest {\n    void case1()"),
            "{java}"
        );
        assert_eq!(
            java.lines().nth(spans[0].0 - 1),
            Some("        yaml.load(f)")
        );
    }

    #[test]
    fn snippets_are_whole_dedented_lines() {
        let text = "def f():\n    x = 1\n    y = g(x,\n          2)\n";
        let at = text.find("g(").unwrap();
        let end = text.find("2)").unwrap() + 2;
        assert_eq!(snippet(text, &(at..end)), "y = g(x,\n      2)");
        assert_eq!(snippet(text, &(at..at + 1)), "y = g(x,");
    }
}
