//! Judged findings as the sites a refinement is checked on: in their files
//! when those are readable and the rule still reports the finding there,
//! else (the file moved, was deleted or changed) as their lines alone.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use rsolv_core::Language;
use rsolv_rules::Engine;
use rsolv_store::{Feedback, StoredFinding};
use tree_sitter::Node;

use crate::check::snippet_path;
use crate::synth::{kinds, parse_tree};
use crate::testfile::snippet;

/// A finding's location: 1-based `(line, col)` of its start and its end.
type Location = ((usize, usize), (usize, usize));

/// Where a judged finding is looked for.
#[derive(Debug)]
enum Place {
    /// In its file (an index into [`Sites::files`]), at its location; the
    /// bytes it covers there.
    File {
        file: usize,
        at: Location,
        bytes: Range<usize>,
    },
    /// Its lines alone, dedented.
    Snippet { code: String },
}

/// A file that holds judged findings.
#[derive(Debug)]
struct SourceFile {
    path: PathBuf,
    lang: Language,
    text: String,
    /// Its syntax tree, parsed once for every site in it.
    tree: Option<tree_sitter::Tree>,
}

/// One judged finding.
#[derive(Debug)]
struct Site {
    verdict: Feedback,
    place: Place,
    /// The finding's lines, trimmed: the exclusion of the snippet method.
    lines: String,
}

/// The judged findings of one rule, ready to re-check under refined
/// versions of it.
#[derive(Debug)]
pub(super) struct Sites {
    lang: Language,
    files: Vec<SourceFile>,
    sites: Vec<Site>,
}

impl Sites {
    /// The true and false positives among `findings`; `baseline` (the rule
    /// as it is) decides which can be checked in their files.
    pub(super) fn collect(findings: &[StoredFinding], lang: Language, baseline: &Engine) -> Self {
        let mut files: Vec<SourceFile> = Vec::new();
        let mut reported: Vec<BTreeMap<Location, Range<usize>>> = Vec::new();
        let mut by_path: BTreeMap<&str, Option<usize>> = BTreeMap::new();
        let mut sites = Vec::new();
        for f in findings {
            let Some(verdict) = f.feedback.as_ref().map(|r| r.verdict) else {
                continue;
            };
            if !matches!(verdict, Feedback::TruePositive | Feedback::FalsePositive) {
                continue;
            }
            let file = *by_path.entry(&f.path).or_insert_with(|| {
                let path = PathBuf::from(&f.path);
                let text = std::fs::read_to_string(&path).ok()?;
                let file_lang = Language::from_path(&path).unwrap_or(lang);
                reported.push(locations(baseline, &path, file_lang, &text));
                files.push(SourceFile {
                    path,
                    lang: file_lang,
                    tree: parse_tree(file_lang, &text),
                    text,
                });
                Some(files.len() - 1)
            });
            let at = (
                (f.start_line as usize, f.start_col as usize),
                (f.end_line as usize, f.end_col as usize),
            );
            let place = match file.and_then(|i| Some((i, reported[i].get(&at)?))) {
                Some((file, bytes)) => Place::File {
                    file,
                    at,
                    bytes: bytes.clone(),
                },
                None => Place::Snippet {
                    code: snippet(&f.lines, &(0..f.lines.len())),
                },
            };
            sites.push(Site {
                verdict,
                place,
                lines: f.lines.trim().to_owned(),
            });
        }
        Self { lang, files, sites }
    }

    /// How many sites there are; they are numbered `0..len()`.
    pub(super) fn len(&self) -> usize {
        self.sites.len()
    }

    /// The verdict on site `i`.
    pub(super) fn verdict(&self, i: usize) -> Feedback {
        self.sites[i].verdict
    }

    /// Which sites `engine` reports, by index.
    pub(super) fn reported(&self, engine: &Engine) -> Vec<bool> {
        let in_files: Vec<BTreeSet<Location>> = self
            .files
            .iter()
            .map(|f| {
                locations(engine, &f.path, f.lang, &f.text)
                    .into_keys()
                    .collect()
            })
            .collect();
        let path = snippet_path(self.lang, None);
        self.sites
            .iter()
            .map(|site| match &site.place {
                Place::File { file, at, .. } => in_files[*file].contains(at),
                Place::Snippet { code } => !engine
                    .scan_source(&path, self.lang, code)
                    .matches
                    .is_empty(),
            })
            .collect()
    }

    /// The `pattern-not-inside` texts that may exclude site `i`, smallest
    /// first: in its file, the constructs that enclose it up to its
    /// statement; else its lines.
    pub(super) fn exclusions(&self, i: usize) -> Vec<String> {
        let site = &self.sites[i];
        match &site.place {
            Place::File { file, bytes, .. } => {
                let file = &self.files[*file];
                let Some(tree) = &file.tree else {
                    return Vec::new();
                };
                let mut out = enclosing_constructs(file.lang, tree, &file.text, bytes);
                for context in enclosing_context(file.lang, tree, &file.text, bytes) {
                    if !out.contains(&context) {
                        out.push(context);
                    }
                }
                out
            }
            Place::Snippet { .. } if site.lines.is_empty() => Vec::new(),
            Place::Snippet { .. } => vec![site.lines.clone()],
        }
    }
}

/// Where `engine` reports in `text`, with the bytes each finding covers.
fn locations(
    engine: &Engine,
    path: &Path,
    lang: Language,
    text: &str,
) -> BTreeMap<Location, Range<usize>> {
    engine
        .scan_source(path, lang, text)
        .matches
        .into_iter()
        .map(|m| {
            (
                ((m.start.line, m.start.col), (m.end.line, m.end.col)),
                m.start.offset..m.end.offset,
            )
        })
        .collect()
}

/// The source of the constructs that hold `bytes`, dedented, smallest
/// first: from the smallest node with children that holds the whole range
/// (an expression at least, not a bare identifier) up to its statement, the
/// child of a block; never the enclosing function or class.
fn enclosing_constructs(
    lang: Language,
    tree: &tree_sitter::Tree,
    text: &str,
    bytes: &Range<usize>,
) -> Vec<String> {
    let blocks = kinds(lang).map_or(&[][..], |k| k.blocks);
    let is_block =
        |kind: &str| blocks.contains(&kind) || kind.ends_with("block") || kind.ends_with("body");
    let mut out: Vec<String> = Vec::new();
    let Some(mut node) = tree
        .root_node()
        .descendant_for_byte_range(bytes.start, bytes.end)
    else {
        return out;
    };
    while let Some(parent) = node.parent() {
        if node.is_named() && node.named_child_count() > 0 && !is_list(node.kind()) {
            let code = construct_text(text, node);
            if !code.is_empty() && !out.contains(&code) {
                out.push(code);
            }
        }
        if is_block(parent.kind()) || parent.parent().is_none() {
            break;
        }
        node = parent;
    }
    out
}

/// How many statements before the finding, per block, are tried as the
/// start of an excluded sequence.
const PRECEDING_STATEMENTS: usize = 3;
/// How many enclosing compound statements (loops, conditionals, closures)
/// are tried.
const ENCLOSING_LEVELS: usize = 3;

/// The context above a finding's statement that may tell a false positive
/// from a true one, nearest first: each statement before it in its block
/// as the start of a sequence (`x = sanitize(y)` then `...`: the finding
/// follows a safe step), then the compound statement around it (a loop, a
/// conditional, a closure call) whole, and the statements before that;
/// never the enclosing function or class, which would exclude the rule
/// from everything in it.
fn enclosing_context(
    lang: Language,
    tree: &tree_sitter::Tree,
    text: &str,
    bytes: &Range<usize>,
) -> Vec<String> {
    let Some(k) = kinds(lang) else {
        return Vec::new();
    };
    let is_block =
        |kind: &str| k.blocks.contains(&kind) || kind.ends_with("block") || kind.ends_with("body");
    let Some(mut node) = tree
        .root_node()
        .descendant_for_byte_range(bytes.start, bytes.end)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for level in 0..=ENCLOSING_LEVELS {
        // Up to the statement: the child of a block.
        while let Some(parent) = node.parent() {
            if is_block(parent.kind()) || parent.parent().is_none() {
                break;
            }
            node = parent;
        }
        if node.parent().is_none() || is_definition(node.kind()) {
            break;
        }
        if level > 0 {
            out.push(construct_text(text, node));
        }
        let mut before = node.prev_named_sibling();
        let mut taken = 0;
        while let Some(sibling) = before {
            if taken == PRECEDING_STATEMENTS || is_definition(sibling.kind()) {
                break;
            }
            before = sibling.prev_named_sibling();
            if sibling.is_extra() || sibling.kind().contains("comment") {
                continue;
            }
            out.push(format!("{}\n...", construct_text(text, sibling)));
            taken += 1;
        }
        // Out of the block, to the statement that holds it.
        match node.parent().and_then(|block| block.parent()) {
            Some(holder) => node = holder,
            None => break,
        }
    }
    out
}

/// Functions, methods and classes: an exclusion never names one whole.
fn is_definition(kind: &str) -> bool {
    kind.contains("function")
        || kind.contains("method")
        || kind.contains("class")
        || kind.contains("constructor")
        || matches!(kind, "decorated_definition" | "module" | "program")
}

/// Argument and parameter lists: not constructs a pattern can state alone
/// (`(a, b)` would read as a tuple).
fn is_list(kind: &str) -> bool {
    kind.contains("argument") || kind.contains("parameter") || kind.ends_with("_list")
}

/// The text of `node`, dedented as if it started its line: what it sits
/// after on its first line counts as indentation.
fn construct_text(text: &str, node: Node<'_>) -> String {
    let range = node.byte_range();
    let line_start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
    let mut code: String = text[line_start..range.start]
        .chars()
        .map(|c| if c.is_whitespace() { c } else { ' ' })
        .collect();
    code.push_str(&text[range]);
    snippet(&code, &(0..code.len())).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructs_go_from_the_expression_up_to_the_statement() {
        let text =
            "def f(x):\n    if x:\n        y = g(\n            x,\n            1)\n    return y\n";
        let at = text.find("x,").expect("test step");
        let tree = parse_tree(Language::Python, text).expect("test step");
        let out = enclosing_constructs(Language::Python, &tree, text, &(at..at + 1));
        assert_eq!(out, ["g(\nx,\n1)", "y = g(\n    x,\n    1)"]);
    }

    #[test]
    fn a_whole_line_statement_keeps_its_relative_indentation() {
        let text = "def f(x):\n    for a in x:\n        h(a)\n";
        let at = text.find("x:").expect("test step");
        let tree = parse_tree(Language::Python, text).expect("test step");
        let out = enclosing_constructs(Language::Python, &tree, text, &(at..at + 1));
        assert_eq!(out, ["for a in x:\n    h(a)"]);
    }

    #[test]
    fn context_goes_from_the_statements_before_up_to_the_function() {
        let text =
            "def f(xs):\n    clean = []\n    for x in xs:\n        y = quote(x)\n        run(y)\n";
        let at = text.find("run(y)").expect("test step");
        let tree = parse_tree(Language::Python, text).expect("test step");
        let out = enclosing_context(Language::Python, &tree, text, &(at..at + 6));
        assert_eq!(
            out,
            [
                "y = quote(x)\n...",
                "for x in xs:\n    y = quote(x)\n    run(y)",
                "clean = []\n...",
            ]
        );
    }
}
