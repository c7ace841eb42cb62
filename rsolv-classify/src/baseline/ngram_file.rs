//! The n-gram model's file format (`ngram.bin`), little-endian:
//!
//! ```text
//! magic "RSNGRAM\0", u32 format version (2; 1 had no temperature)
//! u8 buckets_log2, u8 char_min, u8 char_max, u8 word_bigrams
//! f32 softmax temperature (version 2)
//! u32 label count, then per label: u16 length + UTF-8 id
//! f32 bias per label
//! u32 row count, then per row: u32 bucket, f32 scale, i8 weight per label
//! ```
//!
//! The labels are stored by name, so a file trained on another taxonomy
//! is refused instead of silently mislabelling.

use std::path::Path;

use rsolv_core::VulnClass;

use super::features::FeatureConfig;
use super::ngram::NgramModel;
use crate::{Error, Result};

const MAGIC: &[u8; 8] = b"RSNGRAM\0";
const BUNDLED: &[u8] = include_bytes!("../../models/ngram/ngram.bin");
const BUNDLED_PATH: &str = "rsolv-classify/models/ngram/ngram.bin";
const VERSION: u32 = 2;

/// The file name of the model inside a model directory.
pub const NGRAM_FILE: &str = "ngram.bin";

impl NgramModel {
    /// The model as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let classes = VulnClass::ALL.len();
        let mut out = Vec::with_capacity(64 + self.rows.len() * (8 + classes));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        let f = self.features;
        out.extend_from_slice(&[f.buckets_log2, f.char_min, f.char_max, f.word_bigrams as u8]);
        out.extend_from_slice(&self.temperature.to_le_bytes());
        out.extend_from_slice(&(classes as u32).to_le_bytes());
        for class in VulnClass::ALL {
            let id = class.as_str().as_bytes();
            out.extend_from_slice(&(id.len() as u16).to_le_bytes());
            out.extend_from_slice(id);
        }
        for b in &self.bias {
            out.extend_from_slice(&b.to_le_bytes());
        }
        out.extend_from_slice(&(self.rows.len() as u32).to_le_bytes());
        for (bucket, scale, weights) in &self.rows {
            out.extend_from_slice(&bucket.to_le_bytes());
            out.extend_from_slice(&scale.to_le_bytes());
            out.extend(weights.iter().map(|w| *w as u8));
        }
        out
    }

    /// Parse a model; `path` names it in errors.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<NgramModel> {
        let bad = |message: &str| Error::BadModel {
            path: path.to_owned(),
            message: message.to_owned(),
        };
        let mut r = Reader { bytes, at: 0 };
        if r.take(8).ok_or_else(|| bad("truncated"))? != MAGIC {
            return Err(bad("not an rsolv n-gram model"));
        }
        let version = r.u32().ok_or_else(|| bad("truncated"))?;
        if !(1..=VERSION).contains(&version) {
            return Err(bad("unsupported format version"));
        }
        let head = r.take(4).ok_or_else(|| bad("truncated"))?;
        let temperature = if version >= 2 {
            r.f32().ok_or_else(|| bad("truncated"))?
        } else {
            1.0
        };
        if !(temperature.is_finite() && temperature > 0.0) {
            return Err(bad("invalid temperature"));
        }
        let features = FeatureConfig {
            buckets_log2: head[0],
            char_min: head[1],
            char_max: head[2],
            word_bigrams: head[3] != 0,
        };
        if !(8..=24).contains(&features.buckets_log2) || features.char_min > features.char_max {
            return Err(bad("invalid feature configuration"));
        }
        let classes = r.u32().ok_or_else(|| bad("truncated"))? as usize;
        if classes != VulnClass::ALL.len() {
            return Err(bad("trained on a different label set"));
        }
        for class in VulnClass::ALL {
            let len = r.u16().ok_or_else(|| bad("truncated"))? as usize;
            if r.take(len).ok_or_else(|| bad("truncated"))? != class.as_str().as_bytes() {
                return Err(bad("trained on a different label set"));
            }
        }
        let mut bias = Vec::with_capacity(classes);
        for _ in 0..classes {
            bias.push(r.f32().ok_or_else(|| bad("truncated"))?);
        }
        let count = r.u32().ok_or_else(|| bad("truncated"))? as usize;
        let mut rows = Vec::with_capacity(count.min(1 << 24));
        let mut last = None;
        for _ in 0..count {
            let bucket = r.u32().ok_or_else(|| bad("truncated"))?;
            if bucket as usize >= features.buckets() || last.is_some_and(|l| l >= bucket) {
                return Err(bad("bucket out of range or out of order"));
            }
            last = Some(bucket);
            let scale = r.f32().ok_or_else(|| bad("truncated"))?;
            let weights = r.take(classes).ok_or_else(|| bad("truncated"))?;
            rows.push((bucket, scale, weights.iter().map(|w| *w as i8).collect()));
        }
        if r.at != bytes.len() {
            return Err(bad("trailing bytes"));
        }
        let mut model = NgramModel::from_parts(features, bias, rows);
        model.temperature = temperature;
        Ok(model)
    }

    /// The default model shipped inside the crate: trained on
    /// `data/train.jsonl` as `models/ngram/README.md` records.
    pub fn bundled() -> Result<NgramModel> {
        NgramModel::from_bytes(BUNDLED, Path::new(BUNDLED_PATH))
    }

    /// Write `DIR/ngram.bin`, creating `dir`.
    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let path = dir.join(NGRAM_FILE);
        std::fs::write(&path, self.to_bytes()).map_err(|e| Error::io(&path, e))
    }

    /// Read `DIR/ngram.bin`.
    pub fn load(dir: &Path) -> Result<NgramModel> {
        let path = dir.join(NGRAM_FILE);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        NgramModel::from_bytes(&bytes, &path)
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let slice = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(slice)
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn f32(&mut self) -> Option<f32> {
        Some(f32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::NgramTrainConfig;
    use crate::{GeneratorConfig, generate};

    #[test]
    fn save_load_round_trip_and_corruption() {
        let samples = generate(&GeneratorConfig {
            per_label: 3,
            seed: 5,
        })
        .expect("generates");
        let config = NgramTrainConfig {
            features: FeatureConfig {
                buckets_log2: 12,
                ..FeatureConfig::default()
            },
            epochs: 1,
            ..NgramTrainConfig::default()
        };
        let mut model = NgramModel::train(&samples, &config).expect("trains");
        model.temperature = 0.25;
        let bytes = model.to_bytes();
        let path = Path::new("m.bin");
        assert_eq!(NgramModel::from_bytes(&bytes, path).ok(), Some(model));
        assert!(NgramModel::from_bytes(&bytes[..bytes.len() - 1], path).is_err());
        let mut wrong = bytes.clone();
        wrong[0] = b'X';
        assert!(NgramModel::from_bytes(&wrong, path).is_err());
    }
}
