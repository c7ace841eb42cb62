//! Test annotations: the `# ruleid: some-rule` comments of a test target.
//!
//! The grammar is the union of what Semgrep's two test runners accept
//! (`semgrep --test`, i.e. pysemgrep's `test.py`, and osemgrep's
//! `Test_annotation.ml`):
//!
//! * a comment opener (`#`, `//`, `/*`, `{/*`, `<!--`, `(*`), optional
//!   blanks, then a kind (`ruleid`, `ok`, `todoruleid`, `todook`),
//!   optionally prefixed by an engine (`deepruleid`, `prook`, …), and `:`;
//! * more `kind:` prefixes may follow (`ruleid: deepok: x`): they concern
//!   the Pro engines only;
//! * then rule ids separated by commas; a closing `-->`, `*/`, `*/}` or
//!   `*)` is dropped.
//!
//! An annotation always concerns the line *after* it, also when code
//! precedes it on its own line (pysemgrep; osemgrep ignores such trailing
//! annotations, and semgrep-rules has none in its main languages).

use serde::Serialize;

/// What an annotation says about the line after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AnnotationKind {
    /// `ruleid:` the rule must report a finding there (a true positive).
    RuleId,
    /// `ok:` the rule must not report a finding there (a true negative).
    Ok,
    /// `todoruleid:` a known false negative: the rule should report a
    /// finding but does not yet, so the test passes only if it does not.
    TodoRuleId,
    /// `todook:` a known false positive: the rule reports a finding it
    /// should not, so the test passes only if it does.
    TodoOk,
}

/// Which engine an annotation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AnnotationEngine {
    /// No prefix: Semgrep OSS, the engine rsolv follows.
    Oss,
    /// `pro` prefix (`proruleid:`): Semgrep Pro's intrafile engine.
    Pro,
    /// `deep` prefix (`deepruleid:`): Semgrep Pro's interfile engine.
    Deep,
}

/// One rule id of one annotation comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Annotation {
    /// What is expected.
    pub kind: AnnotationKind,
    /// For which engine.
    pub engine: AnnotationEngine,
    /// The rule id.
    pub rule_id: String,
    /// The 1-based line the annotation concerns: the one after the comment.
    pub line: usize,
}

impl Annotation {
    /// Whether Semgrep OSS must report a finding of [`Annotation::rule_id`]
    /// on [`Annotation::line`] for the test to pass: `ruleid:` and
    /// `todook:` without an engine prefix (osemgrep's
    /// `filter_annots_for_engine` for the OSS engine).
    pub fn expects_finding(&self) -> bool {
        self.engine == AnnotationEngine::Oss
            && matches!(self.kind, AnnotationKind::RuleId | AnnotationKind::TodoOk)
    }
}

/// Comment openers and the closers to drop after the rule ids. `{/*` comes
/// before `/*` so that the JSX form loses its whole closer.
const COMMENTS: [(&str, &str); 6] = [
    ("{/*", "*/}"),
    ("/*", "*/"),
    ("<!--", "-->"),
    ("(*", "*)"),
    ("//", ""),
    ("#", ""),
];

/// Every annotation of a test target, in line order.
///
/// ```
/// use rsolv_rules::{AnnotationKind, parse_annotations};
///
/// let found = parse_annotations("# ruleid: a, b\neval(x)\n");
/// assert_eq!(found.len(), 2);
/// assert_eq!((found[1].kind, found[1].rule_id.as_str(), found[1].line),
///            (AnnotationKind::RuleId, "b", 2));
/// ```
pub fn parse_annotations(text: &str) -> Vec<Annotation> {
    text.split('\n')
        .enumerate()
        .flat_map(|(index, line)| parse_line(line, index + 2))
        .collect()
}

/// The annotations of one source line; `target_line` is the line they
/// concern.
fn parse_line(line: &str, target_line: usize) -> Vec<Annotation> {
    // Cheap filter: every annotation has a kind followed by a colon.
    if !(line.contains("ruleid") || line.contains("ok")) || !line.contains(':') {
        return Vec::new();
    }
    for (start, _) in line.char_indices() {
        let rest = &line[start..];
        let Some((opener, closer)) = COMMENTS.iter().find(|(o, _)| rest.starts_with(o)) else {
            continue;
        };
        let body = rest[opener.len()..].trim_start();
        let Some((kind, engine, mut ids)) = parse_kind(body) else {
            continue;
        };
        // Further `kind:` prefixes (`ruleid: deepok: x`) only negate the
        // annotation for the Pro engines.
        while let Some((_, _, after)) = parse_kind(ids.trim_start()) {
            ids = after;
        }
        let ids = ids.trim();
        let ids = ids.strip_suffix(closer).unwrap_or(ids);
        return ids
            .split(',')
            .map(str::trim)
            .filter(|id| is_rule_id(id))
            .map(|id| Annotation {
                kind,
                engine,
                rule_id: id.to_owned(),
                line: target_line,
            })
            .collect();
    }
    Vec::new()
}

/// `[deep|pro](ruleid|ok|todoruleid|todook):` at the start of `text`, and
/// what follows the colon.
fn parse_kind(text: &str) -> Option<(AnnotationKind, AnnotationEngine, &str)> {
    let (engine, text) = if let Some(rest) = text.strip_prefix("deep") {
        (AnnotationEngine::Deep, rest)
    } else if let Some(rest) = text.strip_prefix("pro") {
        (AnnotationEngine::Pro, rest)
    } else {
        (AnnotationEngine::Oss, text)
    };
    let (word, rest) = text.split_once(':')?;
    let kind = match word {
        "ruleid" => AnnotationKind::RuleId,
        "ok" => AnnotationKind::Ok,
        "todoruleid" => AnnotationKind::TodoRuleId,
        "todook" => AnnotationKind::TodoOk,
        _ => return None,
    };
    Some((kind, engine, rest))
}

/// Rule ids are words of letters, digits, `.`, `-` and `_` (osemgrep skips
/// anything else with a warning).
fn is_rule_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use AnnotationEngine::{Deep, Oss, Pro};
    use AnnotationKind::{Ok, RuleId, TodoOk, TodoRuleId};

    fn parsed(line: &str) -> Vec<(AnnotationKind, AnnotationEngine, String)> {
        parse_line(line, 2)
            .into_iter()
            .map(|a| (a.kind, a.engine, a.rule_id))
            .collect()
    }

    fn one(
        kind: AnnotationKind,
        engine: AnnotationEngine,
        id: &str,
    ) -> Vec<(AnnotationKind, AnnotationEngine, String)> {
        vec![(kind, engine, id.to_owned())]
    }

    #[test]
    fn every_comment_style() {
        for line in [
            "# ruleid: foo",
            "#ruleid:foo",
            "    // ruleid: foo",
            "//ruleid: foo",
            "/* ruleid: foo */",
            "  {/* ruleid: foo */}",
            "<!-- ruleid: foo -->",
            "<!--ruleid:foo-->",
            "(* ruleid: foo *)",
        ] {
            assert_eq!(parsed(line), one(RuleId, Oss, "foo"), "{line}");
        }
    }

    #[test]
    fn multiple_ids() {
        assert_eq!(
            parsed("# ruleid: a.b-c, d_e ,f"),
            vec![
                (RuleId, Oss, "a.b-c".to_owned()),
                (RuleId, Oss, "d_e".to_owned()),
                (RuleId, Oss, "f".to_owned()),
            ]
        );
        assert_eq!(parsed("<!-- ok: a, b -->").len(), 2);
    }

    #[test]
    fn every_kind() {
        assert_eq!(parsed("# ok: x"), one(Ok, Oss, "x"));
        assert_eq!(parsed("# todoruleid: x"), one(TodoRuleId, Oss, "x"));
        assert_eq!(parsed("// todook: x"), one(TodoOk, Oss, "x"));
        assert_eq!(parsed("# deepruleid: x"), one(RuleId, Deep, "x"));
        assert_eq!(parsed("// prook: x"), one(Ok, Pro, "x"));
        assert_eq!(parsed("// deeptodook: x"), one(TodoOk, Deep, "x"));
    }

    #[test]
    fn pro_negations_keep_the_first_kind() {
        assert_eq!(parsed("// ruleid: deepok: x"), one(RuleId, Oss, "x"));
        assert_eq!(parsed("# ruleid: prook: deepok: x, y").len(), 2);
    }

    #[test]
    fn only_oss_ruleid_and_todook_expect_findings() {
        let expects = |line: &str| parse_line(line, 2)[0].expects_finding();
        assert!(expects("# ruleid: x"));
        assert!(expects("# todook: x"));
        assert!(!expects("# ok: x"));
        assert!(!expects("# todoruleid: x"));
        assert!(!expects("# deepruleid: x"));
        assert!(expects("# ruleid: deepok: x"));
    }

    #[test]
    fn trailing_annotations_concern_the_next_line() {
        let found = parse_annotations("a\nfoo(2)  # ruleid: r\nfoo(3)\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line, 3);
    }

    #[test]
    fn code_is_not_an_annotation() {
        for line in [
            "return res.send({ok: true})",
            "x = {'ok': 1}",
            "# a plain comment: ok",
            "// see https://example.com/ruleid",
            "# ruleid:",
            "# ruleid: not an id",
            "# okay: x",
        ] {
            assert_eq!(parsed(line), vec![], "{line}");
        }
    }

    #[test]
    fn lines_are_counted_from_one_after_the_comment() {
        let found = parse_annotations("x\n# ok: a\ny\n\n// ruleid: b\nz");
        let lines: Vec<_> = found.iter().map(|a| (a.rule_id.as_str(), a.line)).collect();
        assert_eq!(lines, [("a", 3), ("b", 6)]);
    }
}
