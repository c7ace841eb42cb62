//! Finding rule/test pairs on disk, the way `semgrep --test` does.
//!
//! A rule file `X.yaml` (or `X.yml`) is tested on the files of its own
//! directory whose name up to the first dot is `X` (pysemgrep's
//! `relatively_eq`): `X.py`, `X.ts`, `X.test.yaml`, … Rule files named
//! `*.test.yaml` are targets, not rules; files with a `.fixed` suffix are
//! the expected autofix results of the target with the same name without
//! it (`X.fixed.py` for `X.py`).

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// One rule file and the files it is tested on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pair {
    pub(crate) rule_file: PathBuf,
    /// The targets, sorted; empty when the rule file has no test.
    pub(crate) targets: Vec<PathBuf>,
}

/// The rule files under `paths`, with their targets, sorted by rule file.
///
/// A directory is searched recursively (hidden entries skipped); a rule
/// file stands for itself; any other file is a target tested with the rule
/// file of the same name beside it.
pub(crate) fn find_pairs(paths: &[PathBuf]) -> Result<Vec<Pair>> {
    let mut pairs = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| io_error(path, source))?;
        if meta.is_dir() {
            let mut rule_files = Vec::new();
            walk(path, &mut rule_files).map_err(|source| io_error(path, source))?;
            for rule_file in rule_files {
                let targets = targets_of(&rule_file).map_err(|s| io_error(&rule_file, s))?;
                pairs.push(Pair { rule_file, targets });
            }
        } else if is_rule_file(path) {
            let targets = targets_of(path).map_err(|s| io_error(path, s))?;
            pairs.push(Pair {
                rule_file: path.clone(),
                targets,
            });
        } else {
            let stem = first_stem(path);
            let dir = parent(path);
            let rule_file = ["yaml", "yml"]
                .iter()
                .map(|ext| dir.join(format!("{stem}.{ext}")))
                .find(|p| p.is_file())
                .ok_or_else(|| {
                    io_error(
                        path,
                        std::io::Error::new(
                            std::io::ErrorKind::NotFound,
                            format!(
                                "no rule file {stem}.yaml or {stem}.yml beside the test target"
                            ),
                        ),
                    )
                })?;
            pairs.push(Pair {
                rule_file,
                targets: vec![path.clone()],
            });
        }
    }
    for pair in &mut pairs {
        pair.rule_file = without_dot_components(&pair.rule_file);
        for target in &mut pair.targets {
            *target = without_dot_components(target);
        }
    }
    pairs.sort_by(|a, b| a.rule_file.cmp(&b.rule_file));
    pairs.dedup_by(|a, b| {
        if a.rule_file != b.rule_file {
            return false;
        }
        b.targets.append(&mut a.targets);
        b.targets.sort();
        b.targets.dedup();
        true
    });
    Ok(pairs)
}

/// The expected autofix result of `target`, when there is one:
/// `X.fixed.py` for `X.py`, `X.fixed.test.yaml` for `X.test.yaml`.
pub(crate) fn fixed_file_of(target: &Path) -> Option<PathBuf> {
    let name = target.file_name()?.to_str()?;
    let (stem, extensions) = name.split_once('.')?;
    let fixed = parent(target).join(format!("{stem}.fixed.{extensions}"));
    fixed.is_file().then_some(fixed)
}

fn walk(dir: &Path, rule_files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        if path.is_dir() {
            walk(&path, rule_files)?;
        } else if is_rule_file(&path) {
            rule_files.push(path);
        }
    }
    Ok(())
}

/// `*.yaml`/`*.yml`, but neither a test target (`*.test.yaml`) nor an
/// expected fix (`*.fixed.*`): pysemgrep's `is_config_suffix`.
fn is_rule_file(path: &Path) -> bool {
    let suffixes = suffixes(path);
    matches!(suffixes.last().copied(), Some("yaml" | "yml"))
        && !is_test_suffix(&suffixes)
        && !suffixes.contains(&"fixed")
}

fn targets_of(rule_file: &Path) -> std::io::Result<Vec<PathBuf>> {
    let stem = first_stem(rule_file);
    let mut targets = Vec::new();
    for entry in std::fs::read_dir(parent(rule_file))? {
        let path = entry?.path();
        if path == rule_file || !path.is_file() || first_stem(&path) != stem {
            continue;
        }
        let suffixes = suffixes(&path);
        let is_config =
            matches!(suffixes.last().copied(), Some("yaml" | "yml")) && !is_test_suffix(&suffixes);
        if !is_config && !suffixes.contains(&"fixed") {
            targets.push(path);
        }
    }
    targets.sort();
    Ok(targets)
}

fn is_test_suffix(suffixes: &[&str]) -> bool {
    suffixes.len() >= 2 && suffixes[suffixes.len() - 2] == "test"
}

/// The name up to its first dot (`X` for `X.fixed.py`).
fn first_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match name.split_once('.') {
        Some((stem, _)) => stem.to_owned(),
        None => name,
    }
}

/// The dot-separated parts after the first one (`["fixed", "py"]`).
fn suffixes(path: &Path) -> Vec<&str> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.split('.').skip(1).collect()
}

/// `a/b` for `./a/./b`, as Semgrep prints paths.
fn without_dot_components(path: &Path) -> PathBuf {
    let clean: PathBuf = path
        .components()
        .filter(|c| *c != std::path::Component::CurDir)
        .collect();
    if clean.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        clean
    }
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_rules_with_same_stem_targets() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for name in [
            "a.yaml",
            "a.py",
            "a.fixed.py",
            "a.ts",
            "a.test.yaml",
            "ab.py",
            "b.yml",
            "c.test.yaml",
            ".hidden.yaml",
        ] {
            std::fs::write(d.join(name), "").unwrap();
        }
        let pairs = find_pairs(&[d.to_path_buf()]).unwrap();
        let names: Vec<(String, Vec<String>)> = pairs
            .iter()
            .map(|p| {
                let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
                (
                    name(&p.rule_file),
                    p.targets.iter().map(|t| name(t)).collect(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                (
                    "a.yaml".into(),
                    vec!["a.py".into(), "a.test.yaml".into(), "a.ts".into()]
                ),
                ("b.yml".into(), vec![]),
            ]
        );
        assert_eq!(fixed_file_of(&d.join("a.py")), Some(d.join("a.fixed.py")));
        assert_eq!(fixed_file_of(&d.join("a.ts")), None);
    }

    #[test]
    fn a_target_path_finds_its_rule_file() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("r.yml"), "").unwrap();
        std::fs::write(d.join("r.go"), "").unwrap();
        std::fs::write(d.join("r.rb"), "").unwrap();
        let pairs = find_pairs(&[d.join("r.go")]).unwrap();
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].rule_file, d.join("r.yml"));
        assert_eq!(pairs[0].targets, [d.join("r.go")]);
        assert!(find_pairs(&[d.join("missing")]).is_err());
    }
}
