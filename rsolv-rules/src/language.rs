//! Which language names a rule may use: the ones the embedded engine runs,
//! the other ones Semgrep knows, and the rest.

use rsolv_core::Language;

/// Language names Semgrep accepts (its rule schema and `lang.json`) that
/// rsolv's engine does not run. Rules using them are valid, round-trip and
/// export, and are skipped by the scanner.
const SEMGREP_ONLY: &[&str] = &[
    "apex",
    "bash",
    "sh",
    "c",
    "cairo",
    "circom",
    "clojure",
    "cpp",
    "c++",
    "csharp",
    "c#",
    "dart",
    "dockerfile",
    "docker",
    "ex",
    "elixir",
    "gosu",
    "hack",
    "html",
    "json",
    "jsonnet",
    "julia",
    "kt",
    "kotlin",
    "lisp",
    "lua",
    "move_on_aptos",
    "move_on_sui",
    "ocaml",
    "php",
    "promql",
    "protobuf",
    "ql",
    "r",
    "rust",
    "scala",
    "scheme",
    "solidity",
    "sol",
    "swift",
    "tf",
    "hcl",
    "terraform",
    "vue",
    "xml",
    "yaml",
];

/// How a language name in `languages:` is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LanguageSupport {
    /// The embedded engine runs it.
    Supported(Language),
    /// Semgrep knows it; rsolv keeps the rule but does not run it.
    SemgrepOnly,
    /// Neither knows it: the rule is invalid.
    Unknown,
}

/// Classify a name as written in a rule (case-insensitive, like Semgrep).
pub(crate) fn classify(name: &str) -> LanguageSupport {
    if let Ok(lang) = name.parse::<Language>() {
        return LanguageSupport::Supported(lang);
    }
    let lower = name.trim().to_ascii_lowercase();
    if SEMGREP_ONLY.contains(&lower.as_str()) {
        LanguageSupport::SemgrepOnly
    } else {
        LanguageSupport::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_kinds_of_names() {
        assert_eq!(
            classify("ts"),
            LanguageSupport::Supported(Language::TypeScript)
        );
        assert_eq!(
            classify("Python"),
            LanguageSupport::Supported(Language::Python)
        );
        assert_eq!(classify("kt"), LanguageSupport::SemgrepOnly);
        assert_eq!(classify("yaml"), LanguageSupport::SemgrepOnly);
        assert_eq!(classify("cobol"), LanguageSupport::Unknown);
    }
}
