//! Regular expressions as Semgrep writes them (PCRE), compiled with
//! `fancy-regex` so lookarounds and backreferences work.

use std::fmt;

/// A compiled regular expression that remembers its source text.
#[derive(Clone)]
pub struct RuleRegex {
    source: String,
    regex: fancy_regex::Regex,
}

impl RuleRegex {
    /// Compile a PCRE-style expression from a rule.
    ///
    /// The few PCRE spellings that `fancy-regex` reads differently are
    /// rewritten first (see [`to_fancy_syntax`]); the error names what the
    /// regex engine rejected.
    pub fn new(source: &str) -> Result<Self, String> {
        let translated = to_fancy_syntax(source);
        let regex = fancy_regex::Regex::new(&translated).map_err(|e| e.to_string())?;
        Ok(Self {
            source: source.to_owned(),
            regex,
        })
    }

    /// The expression as written in the rule.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The compiled expression.
    pub fn regex(&self) -> &fancy_regex::Regex {
        &self.regex
    }

    /// Whether the expression matches somewhere in `text` (a backtracking
    /// limit counts as no match).
    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text).unwrap_or(false)
    }
}

impl fmt::Debug for RuleRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RuleRegex").field(&self.source).finish()
    }
}

impl PartialEq for RuleRegex {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for RuleRegex {}

/// Rewrite PCRE escapes whose meaning differs in `fancy-regex`/`regex`.
///
/// - `\Z` (end, or before a final newline) becomes `(?=\n?\z)`.
/// - `\<` and `\>` are literal angle brackets in PCRE but word-boundary
///   assertions in `regex`, so they become `<` and `>`.
/// - `\/`, `\"`, `\'` and other escaped ASCII punctuation are left alone:
///   both engines read them as the literal character.
fn to_fancy_syntax(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Z') => out.push_str(r"(?=\n?\z)"),
            Some(c @ ('<' | '>')) => out.push(c),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_pcre_features() {
        for source in [
            r"(?i)password\s*=",
            r"(?<!\w)eval\(",
            r"(['\x22])(.*?)\1",
            r"foo(?=bar)",
            r"^\s*debug\s*=\s*true\Z",
            r"\<script\>",
            r"(?P<name>[a-z]+)",
        ] {
            assert!(RuleRegex::new(source).is_ok(), "{source}");
        }
    }

    #[test]
    fn rejects_broken_expressions() {
        let err = RuleRegex::new("(unclosed").err().unwrap_or_default();
        assert!(!err.is_empty());
        assert!(RuleRegex::new("[z-a]").is_err());
    }

    #[test]
    fn pcre_rewrites_keep_meaning() {
        let re = RuleRegex::new(r"\<b\>").ok();
        assert!(re.as_ref().is_some_and(|r| r.is_match("<b>")));
        let re = RuleRegex::new(r"end\Z").ok();
        assert!(re.as_ref().is_some_and(|r| r.is_match("the end\n")));
        assert!(re.as_ref().is_some_and(|r| !r.is_match("end of it")));
        assert_eq!(re.map(|r| r.as_str().to_owned()), Some(r"end\Z".to_owned()));
    }
}
