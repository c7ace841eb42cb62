//! Nearest-neighbour voting on sentence embeddings: no training, only the
//! labeled set embedded once.
//!
//! A finding is embedded with a pretrained MiniLM ([`SentenceEmbedder`]);
//! its `k` most cosine-similar labeled findings vote for their labels with
//! weight `exp((sim - best_sim) / temperature)`, and the votes, mixed with a
//! little uniform mass so that no label gets probability 0, are the label
//! probabilities.
//!
//! Embedding the 5,400 training findings takes minutes on a 2-core CPU, so
//! the matrix is cached in a file named by a SHA-256 of everything it
//! depends on (the model's `config.json`, `tokenizer.json` and weight-file
//! size, the truncation length and every finding's text).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use burn::tensor::Device;
use sha2::{Digest, Sha256};

use crate::encoder::embedder::SentenceEmbedder;
use crate::eval::LabelScorer;
use crate::{Error, FindingText, LABELS, Result, Sample};

/// First bytes of an embedding cache file.
const CACHE_MAGIC: &[u8; 8] = b"RSKNNEMB";
/// Cache format version, part of the header and of the key.
const CACHE_VERSION: u32 = 1;

/// Settings of a [`KnnScorer`].
#[derive(Debug, Clone, PartialEq)]
pub struct KnnSettings {
    /// Neighbours that vote.
    pub k: usize,
    /// Softness of the similarity weights (cosine units): smaller lets the
    /// closest neighbour dominate.
    pub temperature: f32,
    /// Share of probability spread uniformly over all labels.
    pub smoothing: f32,
    /// Truncation length in tokens.
    pub max_len: usize,
}

impl Default for KnnSettings {
    fn default() -> Self {
        Self {
            k: 10,
            temperature: 0.05,
            smoothing: 0.01,
            max_len: crate::DEFAULT_MAX_LEN,
        }
    }
}

/// The nearest-neighbour scorer (see the module docs).
#[derive(Debug)]
pub struct KnnScorer {
    embedder: SentenceEmbedder,
    /// `labels.len()` unit rows of `embedder.dim()` values, row-major.
    index: Vec<f32>,
    /// Position in [`LABELS`] of each row's label.
    labels: Vec<usize>,
    settings: KnnSettings,
}

impl KnnScorer {
    /// Embeds `samples` with the encoder in `base` (a Hugging Face
    /// directory) on `device`, or reads the embeddings from `cache_dir` when
    /// an earlier run stored them there; a fresh matrix is written to
    /// `cache_dir`.
    pub fn build(
        base: &Path,
        samples: &[Sample],
        settings: KnnSettings,
        cache_dir: Option<&Path>,
        device: &Device,
    ) -> Result<Self> {
        if samples.is_empty() {
            return Err(Error::Dataset("the kNN index needs labeled samples".into()));
        }
        if settings.k == 0 || settings.temperature <= 0.0 {
            return Err(Error::InvalidArgument(format!(
                "kNN needs k > 0 and temperature > 0, got k = {} and temperature = {}",
                settings.k, settings.temperature
            )));
        }
        let embedder = SentenceEmbedder::load(base, settings.max_len, device)?;
        let texts: Vec<String> = samples.iter().map(|s| s.text().model_text()).collect();
        let dim = embedder.dim();
        let cache = cache_dir
            .map(|dir| cache_key(base, settings.max_len, &texts).map(|k| cache_path(dir, &k)))
            .transpose()?;
        let index = match cache.as_deref().map(|p| read_cache(p, texts.len(), dim)) {
            Some(Ok(Some(index))) => index,
            _ => {
                let index: Vec<f32> = embedder.embed_texts(&texts)?.concat();
                if let Some(path) = &cache {
                    write_cache(path, texts.len(), dim, &index)?;
                }
                index
            }
        };
        let labels = samples.iter().map(|s| label_index(s.label)).collect();
        Ok(Self {
            embedder,
            index,
            labels,
            settings,
        })
    }

    /// The number of labeled findings in the index.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the index is empty (never, for a built scorer).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The settings.
    pub fn settings(&self) -> &KnnSettings {
        &self.settings
    }

    /// Label probabilities, in [`LABELS`] order, for a unit-length query.
    pub fn vote(&self, query: &[f32]) -> Vec<f32> {
        let dim = self.embedder.dim();
        let mut scored: Vec<(f32, usize)> = self
            .index
            .chunks_exact(dim)
            .map(|row| row.iter().zip(query).map(|(a, b)| a * b).sum::<f32>())
            .enumerate()
            .map(|(i, sim)| (sim, i))
            .collect();
        // Highest similarity first; ties by index, so results are stable.
        let order = |a: &(f32, usize), b: &(f32, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        let k = self.settings.k.min(scored.len());
        if k < scored.len() {
            scored.select_nth_unstable_by(k - 1, order);
            scored.truncate(k);
        }
        scored.sort_by(order);
        let best = scored.first().map_or(0.0, |s| s.0);
        let mut votes = vec![0.0f32; LABELS.len()];
        for &(sim, i) in &scored {
            votes[self.labels[i]] += ((sim - best) / self.settings.temperature).exp();
        }
        let total: f32 = votes.iter().sum();
        let uniform = self.settings.smoothing / LABELS.len() as f32;
        for v in &mut votes {
            *v = (1.0 - self.settings.smoothing) * *v / total + uniform;
        }
        votes
    }
}

/// Uniform probabilities: the answer when a finding cannot be embedded
/// (the tokenizer failed), since [`LabelScorer`] has no error path.
fn uniform() -> Vec<f32> {
    vec![1.0 / LABELS.len() as f32; LABELS.len()]
}

impl LabelScorer for KnnScorer {
    fn name(&self) -> &str {
        "knn-minilm"
    }

    fn predict_proba(&self, finding: &FindingText) -> Vec<f32> {
        match self.embedder.embed(std::slice::from_ref(finding)) {
            Ok(mut rows) => self.vote(&rows.remove(0)),
            Err(_) => uniform(),
        }
    }

    fn predict_proba_batch(&self, findings: &[FindingText]) -> Vec<Vec<f32>> {
        match self.embedder.embed(findings) {
            Ok(rows) => rows.iter().map(|q| self.vote(q)).collect(),
            Err(_) => findings.iter().map(|f| self.predict_proba(f)).collect(),
        }
    }
}

fn label_index(label: rsolv_core::VulnClass) -> usize {
    LABELS.iter().position(|&l| l == label).unwrap_or_default()
}

/// Hex SHA-256 of what the embeddings depend on.
fn cache_key(base: &Path, max_len: usize, texts: &[String]) -> Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(CACHE_MAGIC);
    hasher.update(CACHE_VERSION.to_le_bytes());
    for name in ["config.json", "tokenizer.json"] {
        let path = base.join(name);
        hasher.update(std::fs::read(&path).map_err(Error::io_at(&path))?);
    }
    let weights = base.join("model.safetensors");
    let size = std::fs::metadata(&weights)
        .map_err(Error::io_at(&weights))?
        .len();
    hasher.update(size.to_le_bytes());
    hasher.update((max_len as u64).to_le_bytes());
    hasher.update((texts.len() as u64).to_le_bytes());
    for text in texts {
        hasher.update((text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn cache_path(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("knn-{}.emb", &key[..16]))
}

/// The cached matrix, or `None` when the file is missing or does not hold
/// `rows` x `dim` values (a stale or foreign file is rebuilt, not an error).
fn read_cache(path: &Path, rows: usize, dim: usize) -> Result<Option<Vec<f32>>> {
    let Ok(bytes) = std::fs::read(path) else {
        return Ok(None);
    };
    let header = CACHE_MAGIC.len() + 12;
    if bytes.len() != header + rows * dim * 4 || &bytes[..8] != CACHE_MAGIC {
        return Ok(None);
    }
    let word = |at: usize| {
        let mut b = [0u8; 4];
        b.copy_from_slice(&bytes[at..at + 4]);
        u32::from_le_bytes(b) as usize
    };
    if word(8) != CACHE_VERSION as usize || word(12) != rows || word(16) != dim {
        return Ok(None);
    }
    Ok(Some(
        bytes[header..]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    ))
}

/// Writes the matrix next to its final name, then renames it into place so
/// a concurrent reader never sees half a file.
fn write_cache(path: &Path, rows: usize, dim: usize, index: &[f32]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(Error::io_at(dir))?;
    }
    let mut bytes = Vec::with_capacity(CACHE_MAGIC.len() + 12 + index.len() * 4);
    bytes.extend_from_slice(CACHE_MAGIC);
    for n in [CACHE_VERSION as usize, rows, dim] {
        bytes.extend_from_slice(&(n as u32).to_le_bytes());
    }
    for v in index {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut file = std::fs::File::create(&tmp).map_err(Error::io_at(&tmp))?;
    file.write_all(&bytes).map_err(Error::io_at(&tmp))?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(Error::io_at(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_round_trips_and_rejects_other_shapes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub").join("knn-test.emb");
        let values: Vec<f32> = (0..12).map(|i| i as f32 * 0.5 - 1.0).collect();
        write_cache(&path, 3, 4, &values).expect("write");
        assert_eq!(read_cache(&path, 3, 4).expect("read"), Some(values));
        assert_eq!(read_cache(&path, 4, 3).expect("read"), None);
        assert_eq!(read_cache(&path, 2, 4).expect("read"), None);
        assert_eq!(
            read_cache(&dir.path().join("missing.emb"), 3, 4).expect("read"),
            None
        );
    }
}
