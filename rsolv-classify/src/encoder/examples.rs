//! Labelled findings for training and evaluation (JSONL).

use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::FindingText;
use crate::{Error, Result, VulnClass};

/// One JSONL line: `{id, title, description, filename, label, source}`,
/// `label` being a taxonomy id such as `sqli`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExampleRecord {
    /// Stable id of the example.
    #[serde(default)]
    pub id: String,
    /// Finding title.
    pub title: String,
    /// Finding description.
    #[serde(default)]
    pub description: String,
    /// Affected file.
    #[serde(default)]
    pub filename: String,
    /// Taxonomy id of the label.
    pub label: String,
    /// Where the example comes from (generator, dataset, …).
    #[serde(default)]
    pub source: String,
}

/// A finding with its label.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledFinding {
    /// Stable id of the example.
    pub id: String,
    /// The finding text.
    pub finding: FindingText,
    /// The label.
    pub label: VulnClass,
}

/// Reads a JSONL file of [`ExampleRecord`]s; blank lines are skipped, an
/// unknown label is an error naming the line.
pub fn read_labeled_jsonl(path: &Path) -> Result<Vec<LabeledFinding>> {
    let file = std::fs::File::open(path).map_err(Error::io_at(path))?;
    let mut out = Vec::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(Error::io_at(path))?;
        if line.trim().is_empty() {
            continue;
        }
        let record: ExampleRecord =
            serde_json::from_str(&line).map_err(Error::json_at(path, Some(index + 1)))?;
        let label = record.label.parse().map_err(|_| Error::UnknownLabel {
            label: record.label.clone(),
            location: Some(format!("{}:{}", path.display(), index + 1)),
        })?;
        out.push(LabeledFinding {
            id: record.id,
            finding: FindingText {
                title: record.title,
                description: record.description,
                filename: record.filename,
            },
            label,
        });
    }
    Ok(out)
}

/// A small deterministic PRNG (SplitMix64) for shuffling; the data order of
/// a training run depends only on its seed.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Fisher–Yates shuffle.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_jsonl_and_names_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl");
        std::fs::write(
            &path,
            "{\"id\":\"1\",\"title\":\"SQL injection\",\"description\":\"d\",\"filename\":\"a.py\",\"label\":\"sqli\",\"source\":\"t\"}\n\n",
        )
        .unwrap();
        let rows = read_labeled_jsonl(&path).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].label, VulnClass::Sqli);

        std::fs::write(&path, "{\"title\":\"x\",\"label\":\"nope\"}\n").unwrap();
        let err = read_labeled_jsonl(&path).unwrap_err().to_string();
        assert!(err.contains("nope") && err.contains(":1"), "{err}");
    }

    #[test]
    fn shuffle_is_seeded() {
        let mut a: Vec<u32> = (0..50).collect();
        let mut b = a.clone();
        SplitMix64::new(7).shuffle(&mut a);
        SplitMix64::new(7).shuffle(&mut b);
        assert_eq!(a, b);
        assert_ne!(a, (0..50).collect::<Vec<_>>());
    }
}
