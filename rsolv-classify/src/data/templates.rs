//! The generator's template files (`data/templates/*.txt`), parsed.

use rsolv_core::VulnClass;

use crate::{Error, Result};

/// The template files, compiled in.
const FILES: &[(&str, &str)] = &[
    (
        "injection.txt",
        include_str!("../../data/templates/injection.txt"),
    ),
    ("web.txt", include_str!("../../data/templates/web.txt")),
    (
        "auth_crypto.txt",
        include_str!("../../data/templates/auth_crypto.txt"),
    ),
    ("other.txt", include_str!("../../data/templates/other.txt")),
    ("extra.txt", include_str!("../../data/templates/extra.txt")),
];

/// The slot names templates may use.
pub(crate) const SLOTS: &[&str] = &["param", "func", "route"];

/// Everything the templates say about one label.
#[derive(Debug, Default, Clone)]
pub(crate) struct LabelTemplates {
    pub(crate) keywords: Vec<&'static str>,
    pub(crate) rules: Vec<&'static str>,
    pub(crate) titles: Vec<&'static str>,
    pub(crate) findings: Vec<&'static str>,
    pub(crate) impacts: Vec<&'static str>,
    pub(crate) fixes: Vec<&'static str>,
    pub(crate) files: Vec<&'static str>,
    /// `(title, description)` pairs.
    pub(crate) hard: Vec<(&'static str, &'static str)>,
}

/// Templates for every label, indexed by [`VulnClass::index`].
pub(crate) fn load() -> Result<Vec<LabelTemplates>> {
    let mut all = vec![LabelTemplates::default(); VulnClass::ALL.len()];
    for &(file, text) in FILES {
        // A label has at most one block per file; a later file's block
        // extends an earlier one.
        let mut seen = vec![false; VulnClass::ALL.len()];
        let mut current: Option<usize> = None;
        for (n, line) in text.lines().enumerate() {
            let bad = |message: String| Error::BadTemplate {
                file,
                line: n + 1,
                message,
            };
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(label) = line.strip_prefix("== ") {
                let class: VulnClass = label
                    .trim()
                    .parse()
                    .map_err(|_| bad(format!("unknown label `{label}`")))?;
                if std::mem::replace(&mut seen[class.index()], true) {
                    return Err(bad(format!("second block for `{label}` in this file")));
                }
                current = Some(class.index());
                continue;
            }
            let index = current.ok_or_else(|| bad("line before the first `== label`".into()))?;
            let (key, value) = line
                .split_once(": ")
                .ok_or_else(|| bad("expected `key: value`".into()))?;
            check_slots(value).map_err(&bad)?;
            let t = &mut all[index];
            let split = |v: &'static str| v.split('|').map(str::trim).collect::<Vec<_>>();
            match key {
                "kw" => t.keywords.extend(split(value)),
                "rule" => t.rules.extend(split(value)),
                "title" => t.titles.push(value),
                "find" => t.findings.push(value),
                "impact" => t.impacts.push(value),
                "fix" => t.fixes.push(value),
                "file" => t.files.extend(split(value)),
                "hard" => {
                    let (title, description) = value
                        .split_once(" >> ")
                        .ok_or_else(|| bad("expected `title >> description`".into()))?;
                    t.hard.push((title, description));
                }
                other => return Err(bad(format!("unknown key `{other}`"))),
            }
        }
    }
    for (class, templates) in VulnClass::ALL.iter().zip(&all) {
        let complete = !templates.keywords.is_empty()
            && !templates.rules.is_empty()
            && !templates.titles.is_empty()
            && !templates.findings.is_empty()
            && !templates.impacts.is_empty()
            && !templates.fixes.is_empty()
            && !templates.files.is_empty();
        if !complete {
            return Err(Error::BadTemplate {
                file: "*",
                line: 0,
                message: format!("label `{class}` lacks kw/rule/title/find/impact/fix/file lines"),
            });
        }
    }
    Ok(all)
}

/// Every `{name}` in `text` must be a known slot (or an escaped brace).
fn check_slots(text: &str) -> std::result::Result<(), String> {
    let mut unknown = None;
    fill(text, |name| {
        if !SLOTS.contains(&name) {
            unknown = Some(name.to_owned());
        }
        String::new()
    });
    match unknown {
        Some(name) => Err(format!("unknown slot `{{{name}}}`")),
        None => Ok(()),
    }
}

/// Replace `{slot}` by `value(slot)`, `{{`/`}}` by literal braces; other
/// braces stay as they are.
pub(crate) fn fill(text: &str, mut value: impl FnMut(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if let Some(inner) = tail.strip_prefix('{') {
            let name_len = inner
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(inner.len());
            if name_len > 0 && inner[name_len..].starts_with('}') {
                out.push_str(&value(&inner[..name_len]));
                rest = &inner[name_len + 1..];
                continue;
            }
        }
        out.push_str(&tail[..1]);
        rest = &tail[1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_has_templates() {
        let all = load().expect("templates parse");
        assert_eq!(all.len(), 54);
        let titles: usize = all.iter().map(|t| t.titles.len()).sum();
        assert!(titles > 54 * 3, "{titles} titles");
    }

    #[test]
    fn fill_handles_slots_and_braces() {
        let text = "f\"{{{param}}}\" #{params[:{param}]} {{x}} {unknown";
        let out = fill(text, |_| "id".into());
        assert_eq!(out, "f\"{id}\" #{params[:id]} {x} {unknown");
    }
}
