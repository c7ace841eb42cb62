//! Semgrep's `generic` language: patterns matched on tokens, for files no
//! grammar covers (templates, configuration, HTML).
//!
//! Text is split into words (`[A-Za-z0-9_]+`) and single punctuation
//! characters; whitespace only separates. In a pattern, `...` matches any
//! run of tokens (lazily, over at most [`ELLIPSIS_MAX_LINES`] lines) and
//! `$X` matches one word, bound consistently.

use std::sync::Arc;

use super::matcher::{Binding, Env, RangeMatch};

/// How many line breaks one `...` may span.
const ELLIPSIS_MAX_LINES: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Text(String),
    Metavar(Arc<str>),
    Ellipsis,
    /// `$...X`: an ellipsis whose tokens are bound to `$...X`.
    EllipsisVar(Arc<str>),
}

/// A parsed generic pattern.
#[derive(Debug, Clone)]
pub(crate) struct GenericPattern {
    toks: Vec<Tok>,
    /// How many line breaks one `...` may span (the rule's
    /// `generic_ellipsis_max_span` option; 0 keeps it on one line).
    max_lines: usize,
}

struct Token {
    start: usize,
    end: usize,
    line: usize,
}

fn tokenize(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            line += 1;
            i += 1;
        } else if b.is_ascii_whitespace() {
            i += 1;
        } else if b.is_ascii_alphanumeric() || b == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push(Token {
                start,
                end: i,
                line,
            });
        } else {
            let len = text[i..].chars().next().map_or(1, char::len_utf8);
            out.push(Token {
                start: i,
                end: i + len,
                line,
            });
            i += len;
        }
    }
    out
}

impl GenericPattern {
    pub(crate) fn parse(pattern: &str) -> Result<Self, String> {
        let mut toks = Vec::new();
        let mut rest = pattern;
        let tokens = tokenize(pattern);
        let mut i = 0;
        while i < tokens.len() {
            let t = &tokens[i];
            let text = &pattern[t.start..t.end];
            rest = &pattern[t.start..];
            if rest.starts_with("...") {
                toks.push(Tok::Ellipsis);
                i += 3;
                continue;
            }
            if text == "$"
                && rest.starts_with("$...")
                && let Some(name) = tokens.get(i + 4).filter(|n| n.start == t.end + 3)
                && is_metavariable_name(&pattern[name.start..name.end])
            {
                let name = &pattern[name.start..name.end];
                toks.push(Tok::EllipsisVar(format!("$...{name}").into()));
                i += 5;
                continue;
            }
            if text == "$"
                && let Some(next) = tokens.get(i + 1).filter(|n| n.start == t.end)
            {
                let name = &pattern[next.start..next.end];
                if is_metavariable_name(name) {
                    toks.push(Tok::Metavar(format!("${name}").into()));
                    i += 2;
                    continue;
                }
            }
            toks.push(Tok::Text(text.to_owned()));
            i += 1;
        }
        let _ = rest;
        if toks
            .iter()
            .all(|t| matches!(t, Tok::Ellipsis | Tok::EllipsisVar(_)))
        {
            return Err("generic pattern has no token to match".into());
        }
        Ok(Self {
            toks,
            max_lines: ELLIPSIS_MAX_LINES,
        })
    }

    /// Apply the rule's `generic_ellipsis_max_span` option.
    pub(crate) fn set_max_span(&mut self, lines: usize) {
        self.max_lines = lines;
    }

    /// Words every match contains, for the prefilter.
    pub(crate) fn required_words(&self) -> Vec<String> {
        self.toks
            .iter()
            .filter_map(|t| match t {
                Tok::Text(s) if s.len() >= 2 => Some(s.clone()),
                _ => None,
            })
            .collect()
    }

    /// Every match in `text`, leftmost first; matches do not overlap.
    pub(crate) fn find_all(&self, text: &str) -> Vec<RangeMatch> {
        let tokens = tokenize(text);
        let pattern: &[Tok] = {
            // Leading ellipses add nothing to a leftmost match.
            let skip = self
                .toks
                .iter()
                .take_while(|t| **t == Tok::Ellipsis)
                .count();
            &self.toks[skip..]
        };
        let mut out = Vec::new();
        let mut i = 0;
        let mut search = Search {
            tokens: &tokens,
            text,
            max_lines: self.max_lines,
            budget: MAX_STEPS,
            failed: std::collections::HashSet::new(),
            memo: !pattern.iter().any(|t| matches!(t, Tok::Metavar(_))),
        };
        while i < tokens.len() && search.budget > 0 {
            let mut env = Env::default();
            match search.match_at(pattern, i, &mut env) {
                Some(end) if end > i => {
                    out.push(RangeMatch {
                        start: tokens[i].start as u32,
                        end: tokens[end - 1].end as u32,
                        env,
                    });
                    i = end;
                }
                _ => i += 1,
            }
        }
        out
    }
}

/// Work done per file is bounded: a pathological pattern stops matching
/// instead of hanging the scan.
const MAX_STEPS: usize = 2_000_000;

struct Search<'a> {
    tokens: &'a [Token],
    text: &'a str,
    max_lines: usize,
    budget: usize,
    /// (pattern length left, token index) pairs known to fail; only sound
    /// when the pattern binds no metavariable.
    failed: std::collections::HashSet<(usize, usize)>,
    memo: bool,
}

impl Search<'_> {
    /// The index after the last token matched when `pattern` matches at
    /// token `at`.
    fn match_at(&mut self, pattern: &[Tok], at: usize, env: &mut Env) -> Option<usize> {
        let Some((first, rest)) = pattern.split_first() else {
            return Some(at);
        };
        if self.budget == 0 || (self.memo && self.failed.contains(&(pattern.len(), at))) {
            return None;
        }
        self.budget -= 1;
        let found = self.step(first, rest, at, env);
        if found.is_none() && self.memo {
            self.failed.insert((pattern.len(), at));
        }
        found
    }

    fn step(&mut self, first: &Tok, rest: &[Tok], at: usize, env: &mut Env) -> Option<usize> {
        let (tokens, text) = (self.tokens, self.text);
        match first {
            Tok::Ellipsis | Tok::EllipsisVar(_) => {
                // Count lines from the last token matched before the `...`.
                let start_line = at
                    .checked_sub(1)
                    .and_then(|i| tokens.get(i))
                    .or(tokens.get(at))
                    .map_or(0, |t| t.line);
                let last_line = start_line + self.max_lines;
                let within = |j: usize| tokens[j].line <= last_line;
                let name = match first {
                    Tok::EllipsisVar(name) => Some(name),
                    _ => None,
                };
                if rest.is_empty() {
                    // A trailing ellipsis takes every token it may span.
                    let mut end = at;
                    while end < tokens.len() && within(end) {
                        end += 1;
                    }
                    if let Some(name) = name {
                        self.bind_run(name, at, end, env)?;
                    }
                    return Some(end);
                }
                for j in at..=tokens.len() {
                    if j < tokens.len() && !within(j) {
                        break;
                    }
                    let mark = env.vars.len();
                    if let Some(name) = name
                        && self.bind_run(name, at, j, env).is_none()
                    {
                        continue;
                    }
                    if let Some(end) = self.match_at(rest, j, env) {
                        return Some(end);
                    }
                    env.vars.truncate(mark);
                }
                None
            }
            Tok::Text(word) => {
                let t = tokens.get(at)?;
                (&text[t.start..t.end] == word).then_some(())?;
                self.match_at(rest, at + 1, env)
            }
            Tok::Metavar(name) => {
                let t = tokens.get(at)?;
                let value = &text[t.start..t.end];
                if !value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    return None;
                }
                match env.get(name) {
                    Some(b) if &text[b.start as usize..b.end as usize] != value => None,
                    Some(_) => self.match_at(rest, at + 1, env),
                    None => {
                        env.vars.push((
                            name.clone(),
                            Binding {
                                node: None,
                                start: t.start as u32,
                                end: t.end as u32,
                            },
                        ));
                        let found = self.match_at(rest, at + 1, env);
                        if found.is_none() {
                            env.vars.pop();
                        }
                        found
                    }
                }
            }
        }
    }
}

impl Search<'_> {
    /// Bind `name` to tokens `from..to` (an empty run binds an empty
    /// range); `None` when it is already bound to different text.
    fn bind_run(&self, name: &Arc<str>, from: usize, to: usize, env: &mut Env) -> Option<()> {
        let (tokens, text) = (self.tokens, self.text);
        let start = tokens.get(from).map_or(text.len(), |t| t.start);
        let end = if to > from { tokens[to - 1].end } else { start };
        match env.get(name) {
            Some(b) => (text[b.start as usize..b.end as usize] == text[start..end]).then_some(()),
            None => {
                env.vars.push((
                    name.clone(),
                    Binding {
                        node: None,
                        start: start as u32,
                        end: end as u32,
                    },
                ));
                Some(())
            }
        }
    }
}

/// `X`, `FOO_2`: what may follow `$` in a metavariable.
fn is_metavariable_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase() || c == '_')
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(pattern: &str, text: &str) -> Vec<(u32, u32)> {
        GenericPattern::parse(pattern)
            .unwrap()
            .find_all(text)
            .iter()
            .map(|m| (m.start, m.end))
            .collect()
    }

    #[test]
    fn tokens_ellipses_and_metavariables() {
        let html =
            "<script src=\"{{ url }}\"></script>\n<a href=\"x\" target=\"_blank\">link</a>\n";
        assert_eq!(spans("<script src=\"{{ $X }}\"></script>", html), [(0, 33)]);
        assert_eq!(spans("<a ... target=\"_blank\" ...>", html), [(34, 62)]);
        assert_eq!(spans("$A = $A", "x = x; y = z"), [(0, 5)]);
        assert!(spans("<iframe ...>", html).is_empty());
    }

    #[test]
    fn ellipsis_metavariables_and_trailing_ellipses() {
        let text = "a.b=health,pro,env\nx = 1\na.b=z\n";
        let mut p = GenericPattern::parse("a.b=$...X").unwrap();
        p.set_max_span(0);
        let found = p.find_all(text);
        let bound: Vec<&str> = found
            .iter()
            .map(|m| {
                let b = m.env.get("$...X").unwrap();
                &text[b.start as usize..b.end as usize]
            })
            .collect();
        assert_eq!(bound, ["health,pro,env", "z"]);
        // Without the option a trailing `...` runs on over later lines.
        assert_eq!(spans("a.b= ...", text), [(0, 30)]);
    }

    #[test]
    fn ellipsis_is_bounded() {
        let far = format!("begin{}end", "\n".repeat(20));
        assert!(spans("begin ... end", &far).is_empty());
        assert_eq!(spans("begin ... end", "begin\nx\nend"), [(0, 11)]);
    }
}
