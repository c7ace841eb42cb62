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
    /// rewritten first (`\Z`, `\<`, literal `[` in classes, quantified
    /// lookarounds); the error names what the
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

/// Rewrite the PCRE spellings that `fancy-regex` (and the `regex` crate
/// under it) read differently.
///
/// Outside character classes:
/// - `\Z` (end, or before a final newline) becomes `(?=\n?\z)`;
/// - `\<` and `\>` are literal angle brackets in PCRE but word-boundary
///   assertions in `regex`, so they become `<` and `>`.
///
/// A quantified lookaround (`(?=x){2}`) is accepted by PCRE, which reads a
/// quantifier with minimum 0 as "assertion optional" and any other as
/// "once"; `fancy-regex` rejects it, so the assertion is dropped or the
/// quantifier removed to the same effect.
///
/// Inside character classes, PCRE has no nesting and no set operators, so
/// `[` (other than a POSIX `[:name:]`), `&&`, `~~` and `--` are literal
/// there; they are escaped. A `]` right after `[` or `[^` is literal too.
fn to_fancy_syntax(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len() + 8);
    let mut in_class = false;
    // Open groups: where each starts in `out`, and whether it is a lookaround.
    let mut groups: Vec<(usize, bool)> = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let next = chars.get(i + 1).copied();
        if c == '\\' {
            match next {
                Some('Z') if !in_class => out.push_str(r"(?=\n?\z)"),
                Some(n @ ('<' | '>')) => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
            i += 2;
            continue;
        }
        if !in_class {
            if c == '(' {
                let ahead: String = chars[i..chars.len().min(i + 4)].iter().collect();
                let lookaround = ["(?=", "(?!", "(?<=", "(?<!"]
                    .iter()
                    .any(|p| ahead.starts_with(p));
                groups.push((out.len(), lookaround));
            }
            out.push(c);
            i += 1;
            if c == ')'
                && let Some((start, true)) = groups.pop()
                && let Some((min, len)) = quantifier(&chars[i..])
            {
                if min == 0 {
                    out.truncate(start);
                }
                i += len;
            }
            if c == '[' {
                in_class = true;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    out.push_str(r"\]");
                    i += 1;
                }
            }
            continue;
        }
        match c {
            ']' => {
                in_class = false;
                out.push(c);
            }
            '[' if next == Some(':') => {
                // A POSIX class such as `[:alpha:]`: copy it whole.
                let rest: String = chars[i..].iter().collect();
                match rest.find(":]") {
                    Some(end) => {
                        out.push_str(&rest[..end + 2]);
                        i += rest[..end + 2].chars().count();
                        continue;
                    }
                    None => out.push_str(r"\["),
                }
            }
            '[' | '&' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '-' if next == Some('-') => out.push_str(r"\-"),
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// The quantifier at the start of `rest`: its minimum and its length in
/// chars (including a lazy `?` or possessive `+` suffix).
fn quantifier(rest: &[char]) -> Option<(usize, usize)> {
    let (min, mut len) = match rest.first()? {
        '*' | '?' => (0, 1),
        '+' => (1, 1),
        '{' => {
            let close = rest.iter().position(|&c| c == '}')?;
            let body: String = rest[1..close].iter().collect();
            let low = body.split(',').next()?;
            let ok = !low.is_empty()
                && body.chars().all(|c| c.is_ascii_digit() || c == ',')
                && body.matches(',').count() <= 1;
            if !ok {
                return None;
            }
            (low.parse().ok()?, close + 1)
        }
        _ => return None,
    };
    if matches!(rest.get(len), Some('?' | '+')) {
        len += 1;
    }
    Some((min, len))
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
            r"(?=.*[!#$%&'()*+,-./:;<=>?@[\]^_`{|}~]){6,32}",
            r"[[:alpha:]]+[]a]",
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
        let re = RuleRegex::new(r"^(?=.*\d){2,3}(?!x)*\w+$").ok();
        assert!(re.as_ref().is_some_and(|r| r.is_match("ab1")));
        assert!(re.as_ref().is_some_and(|r| !r.is_match("abc")));
        let re = RuleRegex::new(r"^[a&&b[]+$").ok();
        assert!(re.as_ref().is_some_and(|r| r.is_match("&&[b")));
        assert!(re.as_ref().is_some_and(|r| !r.is_match("c")));
    }
}
