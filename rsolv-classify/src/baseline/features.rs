//! Hashed sparse features of a finding: word uni- and bigrams of the
//! title and description, character n-grams of each word (fastText-style,
//! with `<` `>` boundaries), and the file name's path parts and extension.

use crate::FindingText;

/// Which features to extract and how many hash buckets they fall into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureConfig {
    /// log2 of the number of buckets (18: 262,144 buckets).
    pub buckets_log2: u8,
    /// The shortest character n-gram (0 turns character n-grams off).
    pub char_min: u8,
    /// The longest character n-gram.
    pub char_max: u8,
    /// Whether to add word bigrams.
    pub word_bigrams: bool,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            buckets_log2: 18,
            char_min: 3,
            char_max: 5,
            word_bigrams: true,
        }
    }
}

/// Feature namespaces: the same word in the title and in the file name are
/// different features.
const NS_WORD: u8 = 1;
const NS_TITLE_WORD: u8 = 2;
const NS_BIGRAM: u8 = 3;
const NS_CHAR: u8 = 4;
const NS_PATH: u8 = 5;
const NS_EXT: u8 = 6;

impl FeatureConfig {
    /// The number of buckets.
    pub fn buckets(&self) -> usize {
        1 << self.buckets_log2
    }

    /// The finding's features as sorted `(bucket, value)` pairs, values
    /// `1 + ln(count)`, L2-normalised.
    pub fn extract(&self, finding: &FindingText) -> Vec<(u32, f32)> {
        let mut hashes: Vec<u32> = Vec::with_capacity(512);
        let title = words(&finding.title);
        let description = words(&finding.description);
        for word in &title {
            hashes.push(self.hash(NS_TITLE_WORD, word.as_bytes()));
        }
        for list in [&title, &description] {
            for word in list.iter() {
                hashes.push(self.hash(NS_WORD, word.as_bytes()));
                self.char_ngrams(word, &mut hashes);
            }
            if self.word_bigrams {
                for pair in list.windows(2) {
                    let joined = format!("{} {}", pair[0], pair[1]);
                    hashes.push(self.hash(NS_BIGRAM, joined.as_bytes()));
                }
            }
        }
        let path = finding.filename.to_lowercase();
        for part in path
            .split(['/', '\\', '.', '_', '-'])
            .filter(|p| !p.is_empty())
        {
            hashes.push(self.hash(NS_PATH, part.as_bytes()));
        }
        if let Some((_, ext)) = path.rsplit_once('.') {
            hashes.push(self.hash(NS_EXT, ext.as_bytes()));
        } else if let Some(base) = path.rsplit('/').next().filter(|b| !b.is_empty()) {
            hashes.push(self.hash(NS_EXT, base.as_bytes()));
        }
        hashes.sort_unstable();
        let mut features: Vec<(u32, f32)> = Vec::with_capacity(hashes.len());
        for h in hashes {
            match features.last_mut() {
                Some((last, count)) if *last == h => *count += 1.0,
                _ => features.push((h, 1.0)),
            }
        }
        let mut norm = 0.0;
        for (_, v) in features.iter_mut() {
            *v = 1.0 + v.ln();
            norm += *v * *v;
        }
        let norm = norm.sqrt().max(1e-6);
        for (_, v) in features.iter_mut() {
            *v /= norm;
        }
        features
    }

    fn char_ngrams(&self, word: &str, out: &mut Vec<u32>) {
        if self.char_min == 0 {
            return;
        }
        let chars: Vec<char> = std::iter::once('<')
            .chain(word.chars())
            .chain(std::iter::once('>'))
            .collect();
        let mut buf = String::new();
        for n in self.char_min as usize..=self.char_max as usize {
            if n >= chars.len() {
                break;
            }
            for window in chars.windows(n) {
                buf.clear();
                buf.extend(window);
                out.push(self.hash(NS_CHAR, buf.as_bytes()));
            }
        }
    }

    /// FNV-1a (64-bit) of the namespace and the bytes, folded into a bucket.
    fn hash(&self, namespace: u8, bytes: &[u8]) -> u32 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in std::iter::once(&namespace).chain(bytes) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        ((h ^ (h >> 32)) & ((1u64 << self.buckets_log2) - 1)) as u32
    }
}

/// Lower-cased words: runs of alphanumerics, `_` and `$`.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_normalised_and_in_range() {
        let config = FeatureConfig::default();
        let f = config.extract(&FindingText::new(
            "SQL injection",
            "cursor.execute(f\"select {x}\")",
            "app/db.py",
        ));
        assert!(f.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(f.iter().all(|(b, _)| (*b as usize) < config.buckets()));
        let norm: f32 = f.iter().map(|(_, v)| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-4);
    }

    #[test]
    fn empty_finding_has_no_features() {
        assert!(
            FeatureConfig::default()
                .extract(&FindingText::default())
                .is_empty()
        );
    }
}
