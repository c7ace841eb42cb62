//! A security fix to learn from: the code before and after, from files, a
//! unified diff or a git commit.

use std::path::{Path, PathBuf};
use std::process::Command;

use rsolv_core::{Language, VulnClass};
use serde::Serialize;

use crate::{Error, Result};

/// One file's vulnerable and fixed versions, and what is known about the
/// fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityFix {
    /// The vulnerable code.
    pub before: String,
    /// The fixed code.
    pub after: String,
    /// Its language.
    pub language: Language,
    /// The vulnerability class, when known.
    pub vuln_class: Option<VulnClass>,
    /// The file the fix was made in, when known (relative to the repository).
    pub path: Option<PathBuf>,
    /// The issue the fix closed (a number, key or URL).
    pub issue: Option<String>,
}

impl SecurityFix {
    /// A fix of `before` into `after` in `language`.
    pub fn new(before: impl Into<String>, after: impl Into<String>, language: Language) -> Self {
        Self {
            before: before.into(),
            after: after.into(),
            language,
            vuln_class: None,
            path: None,
            issue: None,
        }
    }

    /// The same fix labelled with a vulnerability class.
    pub fn with_class(mut self, class: Option<VulnClass>) -> Self {
        self.vuln_class = class;
        self
    }

    /// The same fix, made in `path`.
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// The same fix, closing `issue`.
    pub fn with_issue(mut self, issue: Option<String>) -> Self {
        self.issue = issue;
        self
    }

    /// Read the two versions from files; the language is `language` or
    /// guessed from the file extension.
    pub fn from_files(before: &Path, after: &Path, language: Option<Language>) -> Result<Self> {
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|source| Error::Io {
                path: p.to_owned(),
                source,
            })
        };
        let language = language
            .or_else(|| Language::from_path(after))
            .or_else(|| Language::from_path(before))
            .ok_or_else(|| Error::UnknownLanguage {
                path: after.to_owned(),
            })?;
        Ok(Self::new(read(before)?, read(after)?, language)
            .with_path(after.file_name().map(PathBuf::from).unwrap_or_default()))
    }

    /// The fixes of a unified diff (`git diff`, `diff -u`), one per file in
    /// a language rsolv parses. Each side is rebuilt from the hunks' context
    /// and changed lines, so it is a fragment of the file, enough to locate
    /// and generalize the change.
    pub fn from_unified_diff(diff: &str) -> Vec<Self> {
        let mut fixes = Vec::new();
        let mut current: Option<(PathBuf, String, String)> = None;
        let mut flush = |current: &mut Option<(PathBuf, String, String)>| {
            if let Some((path, before, after)) = current.take()
                && let Some(lang) = Language::from_path(&path)
                && before != after
            {
                fixes.push(SecurityFix::new(before, after, lang).with_path(path));
            }
        };
        for line in diff.lines() {
            if let Some(name) = line.strip_prefix("+++ ") {
                flush(&mut current);
                let name = name.split('\t').next().unwrap_or(name).trim();
                let name = name.strip_prefix("b/").unwrap_or(name);
                current = Some((PathBuf::from(name), String::new(), String::new()));
            } else if line.starts_with("--- ") || line.starts_with("diff ") {
                continue;
            } else if let Some((_, before, after)) = current.as_mut() {
                if line.starts_with("@@") || line.starts_with('\\') {
                    continue;
                }
                let (mark, rest) = line.split_at(line.len().min(1));
                match mark {
                    "-" => push_line(before, rest),
                    "+" => push_line(after, rest),
                    " " | "" => {
                        push_line(before, rest);
                        push_line(after, rest);
                    }
                    _ => {}
                }
            }
        }
        flush(&mut current);
        fixes
    }

    /// The fixes of one git commit: for every changed file in a language
    /// rsolv parses, its version in the parent and in the commit.
    pub fn from_git_commit(repo: &Path, commit: &str) -> Result<Vec<Self>> {
        let names = git(
            repo,
            &[
                "diff-tree",
                "--no-commit-id",
                "--name-only",
                "-r",
                "-M",
                &format!("{commit}^"),
                commit,
            ],
        )?;
        let mut fixes = Vec::new();
        for name in names.lines().filter(|l| !l.is_empty()) {
            let path = PathBuf::from(name);
            let Some(lang) = Language::from_path(&path) else {
                continue;
            };
            let Ok(before) = git(repo, &["show", &format!("{commit}^:{name}")]) else {
                continue;
            };
            let Ok(after) = git(repo, &["show", &format!("{commit}:{name}")]) else {
                continue;
            };
            if before != after {
                fixes.push(SecurityFix::new(before, after, lang).with_path(path));
            }
        }
        Ok(fixes)
    }
}

fn push_line(text: &mut String, line: &str) {
    text.push_str(line);
    text.push('\n');
}

fn git(repo: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .map_err(|e| Error::Git {
            message: format!("cannot run git: {e}"),
        })?;
    if !output.status.success() {
        return Err(Error::Git {
            message: format!(
                "git {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_diff_sides() {
        let diff = "diff --git a/app/x.py b/app/x.py\n--- a/app/x.py\n+++ b/app/x.py\n@@ -1,3 +1,3 @@\n import yaml\n-cfg = yaml.load(f)\n+cfg = yaml.safe_load(f)\n print(cfg)\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-a\n+b\n";
        let fixes = SecurityFix::from_unified_diff(diff);
        assert_eq!(fixes.len(), 1);
        assert_eq!(
            fixes[0].before,
            "import yaml\ncfg = yaml.load(f)\nprint(cfg)\n"
        );
        assert_eq!(
            fixes[0].after,
            "import yaml\ncfg = yaml.safe_load(f)\nprint(cfg)\n"
        );
        assert_eq!(fixes[0].path.as_deref(), Some(Path::new("app/x.py")));
        assert_eq!(fixes[0].language, Language::Python);
    }
}
