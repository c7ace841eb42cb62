//! Target languages and the names Semgrep accepts for them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// A language rsolv can scan.
///
/// Parsing accepts every alias Semgrep accepts for these languages (`js`,
/// `ts`, `py`, `python3`, `golang`, `rb`, `none`, …), case-insensitively;
/// [`Display`](fmt::Display) and serde always write the canonical name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Language {
    /// JavaScript, including JSX.
    JavaScript,
    /// TypeScript, including TSX.
    TypeScript,
    /// Python 2 and 3.
    Python,
    /// Java.
    Java,
    /// Go.
    Go,
    /// Ruby.
    Ruby,
    /// Semgrep's language-agnostic "generic" mode (spacegrep).
    Generic,
    /// Regex-only rules (`pattern-regex` without a parser).
    Regex,
}

impl Language {
    /// Every language, in a stable order.
    pub const ALL: [Language; 8] = [
        Language::JavaScript,
        Language::TypeScript,
        Language::Python,
        Language::Java,
        Language::Go,
        Language::Ruby,
        Language::Generic,
        Language::Regex,
    ];

    /// Every name accepted by [`FromStr`], canonical names first.
    pub const ACCEPTED_NAMES: [&'static str; 18] = [
        "javascript",
        "typescript",
        "python",
        "java",
        "go",
        "ruby",
        "generic",
        "regex",
        "js",
        "ts",
        "py",
        "python2",
        "python3",
        "golang",
        "rb",
        "none",
        "tsx",
        "jsx",
    ];

    /// The canonical name, as Semgrep writes it in `languages:`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Language::JavaScript => "javascript",
            Language::TypeScript => "typescript",
            Language::Python => "python",
            Language::Java => "java",
            Language::Go => "go",
            Language::Ruby => "ruby",
            Language::Generic => "generic",
            Language::Regex => "regex",
        }
    }

    /// File extensions (without the dot) that belong to this language.
    ///
    /// `Generic` and `Regex` rules apply to any file, so they list none.
    pub const fn extensions(self) -> &'static [&'static str] {
        match self {
            Language::JavaScript => &["js", "jsx", "mjs", "cjs"],
            Language::TypeScript => &["ts", "tsx", "mts", "cts"],
            Language::Python => &["py", "pyi"],
            Language::Java => &["java"],
            Language::Go => &["go"],
            Language::Ruby => &["rb"],
            Language::Generic | Language::Regex => &[],
        }
    }

    /// The language a file belongs to, judged by its extension.
    pub fn from_path(path: &std::path::Path) -> Option<Language> {
        let ext = path.extension()?.to_str()?;
        Language::ALL.into_iter().find(|lang| {
            lang.extensions()
                .iter()
                .any(|e| e.eq_ignore_ascii_case(ext))
        })
    }

    /// Whether rules in this language need a syntax tree (as opposed to
    /// `generic` and `regex`, which work on text).
    pub const fn is_parsed(self) -> bool {
        !matches!(self, Language::Generic | Language::Regex)
    }

    /// The comment marker used for `ruleid:`/`ok:` annotations in test files.
    pub const fn line_comment(self) -> &'static str {
        match self {
            Language::Python | Language::Ruby | Language::Generic | Language::Regex => "#",
            _ => "//",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Language {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Ok(match lower.as_str() {
            "javascript" | "js" | "jsx" => Language::JavaScript,
            "typescript" | "ts" | "tsx" => Language::TypeScript,
            "python" | "py" | "python2" | "python3" => Language::Python,
            "java" => Language::Java,
            "go" | "golang" => Language::Go,
            "ruby" | "rb" => Language::Ruby,
            "generic" => Language::Generic,
            "regex" | "none" => Language::Regex,
            _ => return Err(Error::UnknownLanguage(s.to_owned())),
        })
    }
}

impl Serialize for Language {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Language {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_accepted_name_parses() {
        for name in Language::ACCEPTED_NAMES {
            assert!(name.parse::<Language>().is_ok(), "{name}");
        }
    }

    #[test]
    fn aliases_map_to_canonical() {
        assert_eq!("JS".parse::<Language>().ok(), Some(Language::JavaScript));
        assert_eq!("py".parse::<Language>().ok(), Some(Language::Python));
        assert_eq!("golang".parse::<Language>().ok(), Some(Language::Go));
        assert_eq!("none".parse::<Language>().ok(), Some(Language::Regex));
        assert!("cobol".parse::<Language>().is_err());
    }

    #[test]
    fn display_round_trips() {
        for lang in Language::ALL {
            assert_eq!(lang.to_string().parse::<Language>().ok(), Some(lang));
        }
    }

    #[test]
    fn languages_by_extension() {
        use std::path::Path;
        assert_eq!(
            Language::from_path(Path::new("a/b.tsx")),
            Some(Language::TypeScript)
        );
        assert_eq!(
            Language::from_path(Path::new("x.PY")),
            Some(Language::Python)
        );
        assert_eq!(Language::from_path(Path::new("Makefile")), None);
    }
}
