//! Suppressions: drop findings of one vulnerability class under matching
//! paths.

use rsolv_core::VulnClass;
use serde::{Deserialize, Serialize};

/// A suppression to store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSuppression {
    /// The vulnerability class it silences.
    pub label: VulnClass,
    /// Which paths: a glob over `/`-separated relative paths, where `**`
    /// matches any number of directories, `*` anything within one path
    /// segment and `?` one character (`tests/**`, `**/*_test.go`).
    pub path_glob: String,
    /// Why (shown by `suppress list`).
    pub reason: Option<String>,
}

/// A stored suppression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// Its id within the store.
    pub id: i64,
    /// The vulnerability class it silences.
    pub label: VulnClass,
    /// The path glob.
    pub path_glob: String,
    /// Why.
    pub reason: Option<String>,
    /// Who added it.
    pub created_by: String,
    /// When (RFC 3339, UTC).
    pub created_at: String,
}

impl Suppression {
    /// Whether a finding of `label` in `path` is suppressed.
    pub fn matches(&self, label: VulnClass, path: &str) -> bool {
        self.label == label && glob_matches(&self.path_glob, path)
    }
}

/// Whether `path` matches the glob (see [`NewSuppression::path_glob`]). A
/// leading `./` and backslashes in `path` are normalised first.
pub fn glob_matches(glob: &str, path: &str) -> bool {
    let path = path.replace('\\', "/");
    let path = path.trim_start_matches("./");
    let glob: Vec<char> = glob.trim_start_matches("./").chars().collect();
    let path: Vec<char> = path.chars().collect();
    matches_from(&glob, &path)
}

fn matches_from(glob: &[char], path: &[char]) -> bool {
    match glob.first() {
        None => path.is_empty(),
        Some('*') if glob.get(1) == Some(&'*') => {
            // `**/` also matches zero directories.
            let rest = if glob.get(2) == Some(&'/') {
                &glob[3..]
            } else {
                &glob[2..]
            };
            (0..=path.len()).any(|i| {
                (i == 0 || path[i - 1] == '/' || glob.get(2) != Some(&'/'))
                    && matches_from(rest, &path[i..])
            })
        }
        Some('*') => (0..=path.len())
            .take_while(|&i| i == 0 || path[i - 1] != '/')
            .any(|i| matches_from(&glob[1..], &path[i..])),
        Some('?') => {
            path.first().is_some_and(|c| *c != '/') && matches_from(&glob[1..], &path[1..])
        }
        Some(c) => path.first() == Some(c) && matches_from(&glob[1..], &path[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_matches("tests/**", "tests/unit/a.py"));
        assert!(glob_matches("tests/**", "./tests/a.py"));
        assert!(!glob_matches("tests/**", "src/tests.py"));
        assert!(glob_matches("**/*_test.go", "pkg/a/b_test.go"));
        assert!(glob_matches("**/*_test.go", "b_test.go"));
        assert!(!glob_matches("*.py", "src/a.py"));
        assert!(glob_matches("src/*.py", "src/a.py"));
        assert!(glob_matches("**", "anything/at/all"));
        assert!(glob_matches("a?c", "abc"));
        assert!(!glob_matches("a?c", "a/c"));
    }
}
