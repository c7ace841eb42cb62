//! Labeled findings: the JSONL format, loading with validation, balancing,
//! and the seeded synthetic generator.
//!
//! One sample per line:
//! `{"id", "title", "description", "filename", "label", "source"}`, where
//! `label` is a [`VulnClass`] id and `source` records provenance
//! (`gen:review`, `dev:hand`, `user`, …). In files users write, only
//! `title` and `label` are required.

mod generator;
pub(crate) mod rng;
pub(crate) mod templates;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use rsolv_core::VulnClass;
use serde::{Deserialize, Serialize};

use crate::{Error, FindingText, Result};
pub use generator::{GeneratorConfig, generate};
use rng::SplitMix64;

/// One labeled finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// A unique id within its file.
    pub id: String,
    /// The finding's title.
    pub title: String,
    /// The finding's description.
    pub description: String,
    /// The file the finding is about (may be empty).
    pub filename: String,
    /// The correct label.
    pub label: VulnClass,
    /// Where the sample comes from (`gen:<style>`, `dev:hand`, `user`).
    pub source: String,
}

impl Sample {
    /// The text a classifier sees.
    pub fn text(&self) -> FindingText {
        FindingText::new(&self.title, &self.description, &self.filename)
    }
}

/// A line as users may write it: everything but `title` and `label` optional.
#[derive(Deserialize)]
struct RawSample {
    #[serde(default)]
    id: Option<String>,
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    filename: String,
    label: String,
    #[serde(default)]
    source: Option<String>,
}

/// Parse JSONL text; `path` names the file in errors. Blank lines are
/// skipped. Every label must be a [`VulnClass`] id.
pub fn parse_jsonl(text: &str, path: &Path) -> Result<Vec<Sample>> {
    let mut samples = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |message: String| Error::BadSample {
            path: path.to_owned(),
            line: n + 1,
            message,
        };
        let raw: RawSample = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        let label: VulnClass = raw.label.parse().map_err(|_| {
            bad(format!(
                "unknown label `{}` (see `rsolv-core/data/taxonomy.tsv`)",
                raw.label
            ))
        })?;
        if raw.title.trim().is_empty() && raw.description.trim().is_empty() {
            return Err(bad("empty title and description".into()));
        }
        samples.push(Sample {
            id: raw
                .id
                .unwrap_or_else(|| format!("{}:{}", path.display(), n + 1)),
            title: raw.title,
            description: raw.description,
            filename: raw.filename,
            label,
            source: raw.source.unwrap_or_else(|| "user".into()),
        });
    }
    Ok(samples)
}

/// Read and validate a JSONL file of labeled findings.
pub fn read_jsonl(path: &Path) -> Result<Vec<Sample>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_jsonl(&text, path)
}

/// The committed training set `data/train.jsonl` (5,400 generated
/// findings), built into the crate so that index-based approaches such as
/// [`crate::KnnScorer`] work without a checkout.
pub fn bundled_train_set() -> Result<Vec<Sample>> {
    parse_jsonl(
        include_str!("../../data/train.jsonl"),
        Path::new("rsolv-classify/data/train.jsonl"),
    )
}

/// Write samples as JSONL, one per line, fields in a fixed order.
pub fn write_jsonl(out: &mut dyn Write, samples: &[Sample]) -> std::io::Result<()> {
    for sample in samples {
        serde_json::to_writer(&mut *out, sample)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Samples as JSONL text.
pub fn to_jsonl_string(samples: &[Sample]) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write_jsonl(&mut out, samples);
    String::from_utf8(out).unwrap_or_default()
}

/// Give every label that has samples exactly `per_label`: labels with more
/// are capped (a seeded random subset), labels with fewer are upsampled by
/// repeating their samples (ids get a `#<n>` suffix). Labels without any
/// sample stay absent. The result is grouped by label in taxonomy order.
pub fn balance(samples: Vec<Sample>, per_label: usize, seed: u64) -> Vec<Sample> {
    let mut rng = SplitMix64::new(seed);
    let mut by_label: BTreeMap<VulnClass, Vec<Sample>> = BTreeMap::new();
    for sample in samples {
        by_label.entry(sample.label).or_default().push(sample);
    }
    let mut out = Vec::new();
    for (_, mut group) in by_label {
        rng.shuffle(&mut group);
        if group.len() >= per_label {
            group.truncate(per_label);
            out.extend(group);
            continue;
        }
        let original = group.len();
        for i in 0..per_label {
            let mut sample = group[i % original].clone();
            if i >= original {
                sample.id = format!("{}#{}", sample.id, i / original);
            }
            out.push(sample);
        }
    }
    out
}

/// How many samples each label has, in taxonomy order.
pub fn label_counts(samples: &[Sample]) -> Vec<(VulnClass, usize)> {
    let mut counts = vec![0usize; VulnClass::ALL.len()];
    for sample in samples {
        counts[sample.label.index()] += 1;
    }
    VulnClass::ALL.iter().copied().zip(counts).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_label_reports_file_and_line() {
        let text = "{\"title\":\"a\",\"label\":\"sqli\"}\n\n{\"title\":\"b\",\"label\":\"nope\"}\n";
        let err = parse_jsonl(text, Path::new("mine.jsonl")).expect_err("bad label");
        let message = err.to_string();
        assert!(
            message.starts_with("mine.jsonl:3: unknown label `nope`"),
            "{message}"
        );
    }

    #[test]
    fn bad_json_reports_line() {
        let err = parse_jsonl("{\"title\": 1}", Path::new("x.jsonl")).expect_err("bad");
        assert!(err.to_string().starts_with("x.jsonl:1: "), "{err}");
    }

    #[test]
    fn user_lines_get_defaults_and_round_trip() {
        let samples = parse_jsonl(
            "{\"title\":\"t\",\"label\":\"xss\"}\n",
            Path::new("u.jsonl"),
        )
        .expect("parses");
        assert_eq!(samples[0].source, "user");
        assert_eq!(samples[0].id, "u.jsonl:1");
        let text = to_jsonl_string(&samples);
        assert_eq!(parse_jsonl(&text, Path::new("u.jsonl")).ok(), Some(samples));
    }

    #[test]
    fn balance_caps_and_upsamples() {
        let sample = |label, id: &str| Sample {
            id: id.into(),
            title: id.into(),
            description: String::new(),
            filename: String::new(),
            label,
            source: "user".into(),
        };
        let samples = vec![
            sample(VulnClass::Xss, "a"),
            sample(VulnClass::Xss, "b"),
            sample(VulnClass::Xss, "c"),
            sample(VulnClass::Sqli, "d"),
        ];
        let balanced = balance(samples, 2, 1);
        let counts = label_counts(&balanced);
        assert_eq!(counts[VulnClass::Xss.index()].1, 2);
        assert_eq!(counts[VulnClass::Sqli.index()].1, 2);
        assert!(balanced.iter().any(|s| s.id == "d#1"));
    }
}
