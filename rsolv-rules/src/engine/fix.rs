//! Message interpolation and fix templates.

use std::collections::BTreeMap;

use super::MetavarValue;
use crate::CompiledRule;

/// Replace `$X` (and `$...X`) in `template` with the bound code. Longer
/// names are replaced first so that `$X` does not eat the start of `$XY`.
pub(crate) fn interpolate(template: &str, metavars: &BTreeMap<String, MetavarValue>) -> String {
    let mut names: Vec<&String> = metavars.keys().collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut out = template.to_owned();
    for name in names {
        if out.contains(name.as_str()) {
            out = out.replace(name.as_str(), &metavars[name].abstract_content);
        }
    }
    out
}

/// The replacement for a match, from `fix` (a template) or `fix-regex`.
pub(crate) fn fix_text(
    rule: &CompiledRule,
    matched: &str,
    metavars: &BTreeMap<String, MetavarValue>,
) -> Option<String> {
    if let Some(template) = &rule.fix {
        // A block scalar (`fix: |`) ends with a newline that is not part of
        // the replacement; Semgrep drops it too.
        let template = template.strip_suffix('\n').unwrap_or(template);
        return Some(interpolate(template, metavars));
    }
    let fix = rule.fix_regex.as_ref()?;
    let limit = fix.count.map_or(usize::MAX, |c| c as usize);
    let mut out = String::with_capacity(matched.len());
    let mut last = 0;
    for (n, caps) in fix
        .regex
        .regex()
        .captures_iter(matched)
        .filter_map(Result::ok)
        .enumerate()
    {
        if n >= limit {
            break;
        }
        let Some(whole) = caps.get(0) else { continue };
        out.push_str(&matched[last..whole.start()]);
        out.push_str(&expand_groups(&fix.replacement, &caps));
        last = whole.end();
    }
    out.push_str(&matched[last..]);
    Some(out)
}

/// Indent every line of a multi-line fix after the first to the column
/// where the match starts (`before` is the text between the start of the
/// line and the match), as Semgrep does, so that a fix spanning lines
/// keeps the code's indentation. Tabs are kept; other characters count as
/// one space each.
pub(crate) fn indent_continuation(fix: &str, before: &str) -> String {
    if !fix.contains('\n') {
        return fix.to_owned();
    }
    let indent: String = before
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let mut out = String::with_capacity(fix.len() + indent.len() * 4);
    for (i, line) in fix.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(&indent);
            }
        }
        out.push_str(line);
    }
    out
}

/// `\1`-style group references, as in Python's `re.sub`.
fn expand_groups(replacement: &str, caps: &fancy_regex::Captures<'_, str>) -> String {
    let mut out = String::new();
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(d) = chars.peek().and_then(|d| d.to_digit(10))
        {
            chars.next();
            out.push_str(caps.get(d as usize).map_or("", |m| m.as_str()));
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::indent_continuation;

    #[test]
    fn later_fix_lines_take_the_match_column() {
        assert_eq!(indent_continuation("a()", "    x = "), "a()");
        assert_eq!(
            indent_continuation("if ok:\n    go()\n\nend()", "\tx = "),
            "if ok:\n\t        go()\n\n\t    end()"
        );
    }
}
