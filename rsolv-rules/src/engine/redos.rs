//! `metavariable-analysis: {analyzer: redos}`: whether a regular
//! expression may backtrack catastrophically. The test is the classic
//! nested-quantifier shape: an unbounded repetition (`*`, `+`, `{n,}`)
//! inside another one, as in `([a-z]+)+` or `(\w+\s?)*`.

use regex_syntax::ast::{Ast, RepetitionKind, RepetitionRange};

/// Whether `pattern` (a regex's source text, without delimiters) has an
/// unbounded repetition nested in another. Syntax the parser does not
/// know (lookbehind, backreferences) falls back to a textual test.
pub(crate) fn is_vulnerable(pattern: &str) -> bool {
    match regex_syntax::ast::parse::Parser::new().parse(pattern) {
        Ok(ast) => nested(&ast, false),
        Err(_) => textual(pattern),
    }
}

fn unbounded(kind: &RepetitionKind) -> bool {
    match kind {
        RepetitionKind::ZeroOrOne => false,
        RepetitionKind::ZeroOrMore | RepetitionKind::OneOrMore => true,
        RepetitionKind::Range(RepetitionRange::AtLeast(_)) => true,
        RepetitionKind::Range(RepetitionRange::Exactly(n))
        | RepetitionKind::Range(RepetitionRange::Bounded(_, n)) => *n > 10,
    }
}

/// Whether `ast`, inside an unbounded repetition when `inside`, holds one.
fn nested(ast: &Ast, inside: bool) -> bool {
    match ast {
        Ast::Repetition(rep) => {
            let here = unbounded(&rep.op.kind);
            if here && inside && can_repeat_text(&rep.ast) {
                return true;
            }
            nested(&rep.ast, inside || here)
        }
        Ast::Group(group) => nested(&group.ast, inside),
        Ast::Alternation(alt) => alt.asts.iter().any(|a| nested(a, inside)),
        Ast::Concat(concat) => concat.asts.iter().any(|a| nested(a, inside)),
        _ => false,
    }
}

/// Whether the repeated part matches some non-empty text (an empty group
/// repeated is harmless).
fn can_repeat_text(ast: &Ast) -> bool {
    !matches!(ast, Ast::Empty(_) | Ast::Assertion(_) | Ast::Flags(_))
}

/// Without a parse: a parenthesized group holding `+` or `*` and followed
/// by one.
fn textual(pattern: &str) -> bool {
    let bytes = pattern.as_bytes();
    let mut opens: Vec<(usize, bool)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'(' => opens.push((i, false)),
            b'+' | b'*' => {
                if let Some(last) = opens.last_mut() {
                    last.1 = true;
                }
            }
            b')' => {
                if let Some((_, quantified)) = opens.pop()
                    && quantified
                    && matches!(bytes.get(i + 1), Some(b'+' | b'*'))
                {
                    return true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_quantifiers_are_vulnerable() {
        assert!(is_vulnerable("([a-z]+)+$"));
        assert!(is_vulnerable(r"^\\w+([-_+.]\\w+)*@\\w+$"));
        assert!(is_vulnerable("(a*)*b"));
        assert!(is_vulnerable("(x+x+){2,}y"));
        assert!(!is_vulnerable("([a-z])"));
        assert!(!is_vulnerable("^[a-z]+$"));
        assert!(!is_vulnerable("(ab)+c"));
        assert!(!is_vulnerable("(a?)?"));
        // Lookbehind: the textual test.
        assert!(is_vulnerable("(?<=x)(a+)+"));
        assert!(!is_vulnerable("(?<=x)a+"));
    }
}
