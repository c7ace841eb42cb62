//! Named f32 weights (Hugging Face naming) and their installation into a
//! [`Decoder`]; readers for safetensors files and GGUF files.

use std::collections::HashMap;
use std::path::Path;

use burn::module::Param;
use burn::tensor::{Device, Tensor, TensorData};

use super::config::DecoderConfig;
use super::error::{DecoderError, Result};
use super::model::Decoder;
use crate::gguf::GgufFile;

/// Tensors by Hugging Face name (`model.layers.0.self_attn.q_proj.weight`),
/// as `(shape, row-major f32 values)`. Linear weights are `[out, in]`, as
/// PyTorch stores them.
#[derive(Debug, Default)]
pub struct WeightMap {
    tensors: HashMap<String, (Vec<usize>, Vec<f32>)>,
}

impl WeightMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a tensor.
    pub fn insert(&mut self, name: impl Into<String>, shape: Vec<usize>, values: Vec<f32>) {
        self.tensors.insert(name.into(), (shape, values));
    }

    /// Whether a tensor is present.
    pub fn contains(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }

    /// A tensor's shape and values.
    pub fn get(&self, name: &str) -> Option<(&[usize], &[f32])> {
        self.tensors
            .get(name)
            .map(|(shape, values)| (shape.as_slice(), values.as_slice()))
    }

    /// The tensor names, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.tensors.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Number of tensors.
    pub fn len(&self) -> usize {
        self.tensors.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.tensors.is_empty()
    }

    fn take(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        let (got, values) = self
            .tensors
            .remove(name)
            .ok_or_else(|| DecoderError::Weight {
                name: name.to_owned(),
                message: "missing".into(),
            })?;
        if got != shape {
            return Err(DecoderError::Weight {
                name: name.to_owned(),
                message: format!("shape {got:?}, expected {shape:?}"),
            });
        }
        Ok(values)
    }

    /// The weights of `model` under their Hugging Face names (linear weights
    /// back in PyTorch's `[out, in]` layout): the inverse of
    /// [`Self::install`]. A tied model has no `lm_head.weight`.
    pub fn from_decoder(model: &Decoder) -> Result<Self> {
        fn values<const D: usize>(p: &Param<Tensor<D>>) -> Result<(Vec<usize>, Vec<f32>)> {
            let t = p.val();
            let dims = t.dims().to_vec();
            let v = t
                .into_data()
                .try_into_vec_as::<f32>()
                .map_err(|e| DecoderError::Tensor(format!("{e:?}")))?;
            Ok((dims, v))
        }
        fn linear(p: &Param<Tensor<2>>) -> Result<(Vec<usize>, Vec<f32>)> {
            let (dims, v) = values(p)?;
            let (d_in, d_out) = (dims[0], dims[1]);
            let mut t = vec![0f32; v.len()];
            for (i, row) in v.chunks_exact(d_out).enumerate() {
                for (o, x) in row.iter().enumerate() {
                    t[o * d_in + i] = *x;
                }
            }
            Ok((vec![d_out, d_in], t))
        }
        let mut map = Self::new();
        let mut put = |name: String, (shape, v): (Vec<usize>, Vec<f32>)| map.insert(name, shape, v);
        put(
            "model.embed_tokens.weight".into(),
            values(&model.embed_tokens.weight)?,
        );
        put("model.norm.weight".into(), values(&model.norm.gamma)?);
        if let Some(head) = &model.lm_head {
            put("lm_head.weight".into(), linear(&head.weight)?);
        }
        for (n, layer) in model.layers.iter().enumerate() {
            let p = format!("model.layers.{n}");
            put(
                format!("{p}.input_layernorm.weight"),
                values(&layer.input_layernorm.gamma)?,
            );
            put(
                format!("{p}.post_attention_layernorm.weight"),
                values(&layer.post_attention_layernorm.gamma)?,
            );
            let a = &layer.self_attn;
            for (name, w) in [
                ("q_proj", &a.q_proj),
                ("k_proj", &a.k_proj),
                ("v_proj", &a.v_proj),
                ("o_proj", &a.o_proj),
            ] {
                put(format!("{p}.self_attn.{name}.weight"), linear(&w.weight)?);
            }
            let m = &layer.mlp;
            for (name, w) in [
                ("gate_proj", &m.gate_proj),
                ("up_proj", &m.up_proj),
                ("down_proj", &m.down_proj),
            ] {
                put(format!("{p}.mlp.{name}.weight"), linear(&w.weight)?);
            }
        }
        Ok(map)
    }

    /// Writes every tensor to a `.safetensors` file, in f16 when `half`
    /// (else f32), names sorted, with `metadata` in the header.
    pub fn write_safetensors(
        &self,
        path: &Path,
        half: bool,
        metadata: &[(&str, &str)],
    ) -> Result<()> {
        let width = if half { 2 } else { 4 };
        let mut header = serde_json::Map::new();
        if !metadata.is_empty() {
            let meta: serde_json::Map<String, serde_json::Value> = metadata
                .iter()
                .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
                .collect();
            header.insert("__metadata__".into(), meta.into());
        }
        let mut data = Vec::new();
        for name in self.names() {
            let (shape, values) = &self.tensors[name];
            let start = data.len();
            for &x in values {
                if half {
                    data.extend_from_slice(&half::f16::from_f32(x).to_le_bytes());
                } else {
                    data.extend_from_slice(&x.to_le_bytes());
                }
            }
            debug_assert_eq!(data.len() - start, values.len() * width);
            header.insert(
                name.to_owned(),
                serde_json::json!({
                    "dtype": if half { "F16" } else { "F32" },
                    "shape": shape,
                    "data_offsets": [start, data.len()],
                }),
            );
        }
        let mut json = serde_json::Value::Object(header).to_string().into_bytes();
        // The data starts 8-byte aligned, as the format recommends.
        while !(8 + json.len()).is_multiple_of(8) {
            json.push(b' ');
        }
        let mut bytes = Vec::with_capacity(8 + json.len() + data.len());
        bytes.extend_from_slice(&(json.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&json);
        bytes.extend_from_slice(&data);
        std::fs::write(path, bytes).map_err(|source| DecoderError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The `__metadata__` strings of a `.safetensors` file's header.
    pub fn read_safetensors_metadata(path: &Path) -> Result<HashMap<String, String>> {
        use std::io::Read;
        let fail = |message: String| DecoderError::Safetensors {
            path: path.to_path_buf(),
            message,
        };
        let io = |source| DecoderError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let mut len = [0u8; 8];
        file.read_exact(&mut len).map_err(io)?;
        let len = u64::from_le_bytes(len);
        if len > 100_000_000 {
            return Err(fail(format!("header of {len} bytes")));
        }
        let mut header = vec![0u8; len as usize];
        file.read_exact(&mut header).map_err(io)?;
        let header: serde_json::Value =
            serde_json::from_slice(&header).map_err(|e| fail(e.to_string()))?;
        Ok(header
            .get("__metadata__")
            .and_then(|m| m.as_object())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Reads every tensor of one `.safetensors` file (F32, F16, BF16).
    pub fn read_safetensors(&mut self, path: &Path) -> Result<()> {
        let fail = |message: String| DecoderError::Safetensors {
            path: path.to_path_buf(),
            message,
        };
        let bytes = std::fs::read(path).map_err(|source| DecoderError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let header_len = bytes
            .get(..8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as usize)
            .ok_or_else(|| fail("shorter than its header".into()))?;
        let header_end = 8usize
            .checked_add(header_len)
            .filter(|&e| e <= bytes.len())
            .ok_or_else(|| fail("header runs past the end".into()))?;
        let header: HashMap<String, serde_json::Value> =
            serde_json::from_slice(&bytes[8..header_end]).map_err(|e| fail(e.to_string()))?;
        let data = &bytes[header_end..];
        for (name, entry) in header {
            if name == "__metadata__" {
                continue;
            }
            let dtype = entry["dtype"].as_str().unwrap_or_default();
            let shape: Vec<usize> = entry["shape"]
                .as_array()
                .map(|dims| {
                    dims.iter()
                        .filter_map(|d| d.as_u64())
                        .map(|d| d as usize)
                        .collect()
                })
                .unwrap_or_default();
            let offsets = entry["data_offsets"].as_array();
            let (start, end) = match offsets.map(|o| (o[0].as_u64(), o[1].as_u64())) {
                Some((Some(s), Some(e))) if s <= e && (e as usize) <= data.len() => {
                    (s as usize, e as usize)
                }
                _ => return Err(fail(format!("{name}: bad data_offsets"))),
            };
            let raw = &data[start..end];
            let values: Vec<f32> = match dtype {
                "F32" => raw
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
                "F16" => raw
                    .chunks_exact(2)
                    .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
                    .collect(),
                "BF16" => raw
                    .chunks_exact(2)
                    .map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32())
                    .collect(),
                other => return Err(fail(format!("{name}: unsupported dtype {other}"))),
            };
            if values.len() != shape.iter().product::<usize>() {
                return Err(fail(format!("{name}: size does not match shape {shape:?}")));
            }
            self.insert(name, shape, values);
        }
        Ok(())
    }

    /// Reads the weights of a Hugging Face model directory: the shards named
    /// by `model.safetensors.index.json`, else `model.safetensors`, else
    /// every `*.safetensors` file.
    pub fn read_hf_dir(dir: &Path) -> Result<Self> {
        let mut map = Self::new();
        let index = dir.join("model.safetensors.index.json");
        let mut files: Vec<_> = if index.exists() {
            let text = std::fs::read_to_string(&index).map_err(|source| DecoderError::Io {
                path: index.clone(),
                source,
            })?;
            let json: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| DecoderError::Safetensors {
                    path: index.clone(),
                    message: e.to_string(),
                })?;
            let mut shards: Vec<String> = json["weight_map"]
                .as_object()
                .map(|m| {
                    m.values()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            shards.sort();
            shards.dedup();
            shards.into_iter().map(|s| dir.join(s)).collect()
        } else if dir.join("model.safetensors").is_file() {
            // Beside it may lie other safetensors files that are not the
            // model's weights (an export's adapter and prompt cache).
            vec![dir.join("model.safetensors")]
        } else {
            std::fs::read_dir(dir)
                .map_err(|source| DecoderError::Io {
                    path: dir.to_path_buf(),
                    source,
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "safetensors"))
                .collect()
        };
        files.sort();
        if files.is_empty() {
            return Err(DecoderError::Safetensors {
                path: dir.to_path_buf(),
                message: "no .safetensors files".into(),
            });
        }
        for file in files {
            map.read_safetensors(&file)?;
        }
        Ok(map)
    }

    /// Reads a llama-architecture GGUF file's tensors, dequantised, renamed
    /// to Hugging Face names, with llama.cpp's Q/K row permutation undone.
    pub fn read_gguf(file: &GgufFile, config: &DecoderConfig) -> Result<Self> {
        let mut map = Self::new();
        for info in &file.tensors {
            let Some(name) = hf_name(&info.name) else {
                continue;
            };
            let mut values = file.tensor_f32(info)?;
            let rows = info.shape.first().copied().unwrap_or(0);
            let cols = info.len() / rows.max(1);
            if name.ends_with("q_proj.weight") {
                values = unpermute_rope_rows(&values, rows, cols, config.num_attention_heads);
            } else if name.ends_with("k_proj.weight") {
                values = unpermute_rope_rows(&values, rows, cols, config.kv_heads());
            }
            map.insert(name, info.shape.clone(), values);
        }
        Ok(map)
    }

    /// Installs the weights into `model` (built from `config`). Every weight
    /// the model needs must be present with the right shape.
    pub fn install(mut self, model: &mut Decoder, config: &DecoderConfig) -> Result<()> {
        let device = model.device();
        let (h, hd, i) = (
            config.hidden_size,
            config.head_dim(),
            config.intermediate_size,
        );
        let (nh, nkv, v) = (
            config.num_attention_heads,
            config.kv_heads(),
            config.vocab_size,
        );
        model.embed_tokens.weight = self.param2("model.embed_tokens.weight", [v, h], &device)?;
        model.norm.gamma = self.param1("model.norm.weight", h, &device)?;
        if let Some(head) = model.lm_head.as_mut() {
            head.weight = self.linear("lm_head.weight", h, v, &device)?;
        }
        for (n, layer) in model.layers.iter_mut().enumerate() {
            let p = format!("model.layers.{n}");
            layer.input_layernorm.gamma =
                self.param1(&format!("{p}.input_layernorm.weight"), h, &device)?;
            layer.post_attention_layernorm.gamma =
                self.param1(&format!("{p}.post_attention_layernorm.weight"), h, &device)?;
            let a = &mut layer.self_attn;
            a.q_proj.weight =
                self.linear(&format!("{p}.self_attn.q_proj.weight"), h, nh * hd, &device)?;
            a.k_proj.weight = self.linear(
                &format!("{p}.self_attn.k_proj.weight"),
                h,
                nkv * hd,
                &device,
            )?;
            a.v_proj.weight = self.linear(
                &format!("{p}.self_attn.v_proj.weight"),
                h,
                nkv * hd,
                &device,
            )?;
            a.o_proj.weight =
                self.linear(&format!("{p}.self_attn.o_proj.weight"), nh * hd, h, &device)?;
            let m = &mut layer.mlp;
            m.gate_proj.weight =
                self.linear(&format!("{p}.mlp.gate_proj.weight"), h, i, &device)?;
            m.up_proj.weight = self.linear(&format!("{p}.mlp.up_proj.weight"), h, i, &device)?;
            m.down_proj.weight =
                self.linear(&format!("{p}.mlp.down_proj.weight"), i, h, &device)?;
        }
        Ok(())
    }

    fn param1(&mut self, name: &str, n: usize, device: &Device) -> Result<Param<Tensor<1>>> {
        let values = self.take(name, &[n])?;
        Ok(Param::from_tensor(Tensor::from_data(
            TensorData::new(values, [n]),
            device,
        )))
    }

    fn param2(
        &mut self,
        name: &str,
        shape: [usize; 2],
        device: &Device,
    ) -> Result<Param<Tensor<2>>> {
        let values = self.take(name, &shape)?;
        Ok(Param::from_tensor(Tensor::from_data(
            TensorData::new(values, shape),
            device,
        )))
    }

    /// A PyTorch `[out, in]` weight transposed into burn's `[in, out]` layout.
    fn linear(
        &mut self,
        name: &str,
        d_in: usize,
        d_out: usize,
        device: &Device,
    ) -> Result<Param<Tensor<2>>> {
        let values = self.take(name, &[d_out, d_in])?;
        let mut t = vec![0f32; values.len()];
        for (o, row) in values.chunks_exact(d_in).enumerate() {
            for (i, x) in row.iter().enumerate() {
                t[i * d_out + o] = *x;
            }
        }
        Ok(Param::from_tensor(Tensor::from_data(
            TensorData::new(t, [d_in, d_out]),
            device,
        )))
    }
}

/// Maps a GGUF llama tensor name to its Hugging Face name.
pub fn hf_name(gguf: &str) -> Option<String> {
    match gguf {
        "token_embd.weight" => return Some("model.embed_tokens.weight".into()),
        "output_norm.weight" => return Some("model.norm.weight".into()),
        "output.weight" => return Some("lm_head.weight".into()),
        _ => {}
    }
    let rest = gguf.strip_prefix("blk.")?;
    let (layer, part) = rest.split_once('.')?;
    let layer: usize = layer.parse().ok()?;
    let hf = match part {
        "attn_norm.weight" => "input_layernorm.weight",
        "ffn_norm.weight" => "post_attention_layernorm.weight",
        "attn_q.weight" => "self_attn.q_proj.weight",
        "attn_k.weight" => "self_attn.k_proj.weight",
        "attn_v.weight" => "self_attn.v_proj.weight",
        "attn_output.weight" => "self_attn.o_proj.weight",
        "ffn_gate.weight" => "mlp.gate_proj.weight",
        "ffn_up.weight" => "mlp.up_proj.weight",
        "ffn_down.weight" => "mlp.down_proj.weight",
        _ => return None,
    };
    Some(format!("model.layers.{layer}.{hf}"))
}

/// llama.cpp's converter reorders the rows of each head of `q_proj` and
/// `k_proj` from rotate-half order (`[first halves…, second halves…]`) to
/// interleaved pairs (row `2i + j` of a head holds rotate-half row
/// `i + j * head_dim / 2`), because ggml rotates adjacent pairs. This
/// restores the rotate-half order the model here uses.
pub fn unpermute_rope_rows(values: &[f32], rows: usize, cols: usize, heads: usize) -> Vec<f32> {
    let hd = rows / heads.max(1);
    let half = hd / 2;
    let mut out = vec![0f32; values.len()];
    for h in 0..heads {
        for i in 0..half {
            for j in 0..2 {
                let src = h * hd + 2 * i + j;
                let dst = h * hd + i + j * half;
                out[dst * cols..(dst + 1) * cols]
                    .copy_from_slice(&values[src * cols..(src + 1) * cols]);
            }
        }
    }
    out
}

/// The inverse of [`unpermute_rope_rows`]: what llama.cpp's converter does.
pub fn permute_rope_rows(values: &[f32], rows: usize, cols: usize, heads: usize) -> Vec<f32> {
    let hd = rows / heads.max(1);
    let half = hd / 2;
    let mut out = vec![0f32; values.len()];
    for h in 0..heads {
        for i in 0..half {
            for j in 0..2 {
                let dst = h * hd + 2 * i + j;
                let src = h * hd + i + j * half;
                out[dst * cols..(dst + 1) * cols]
                    .copy_from_slice(&values[src * cols..(src + 1) * cols]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gguf_names_map_to_hf() {
        assert_eq!(
            hf_name("blk.3.attn_q.weight").unwrap(),
            "model.layers.3.self_attn.q_proj.weight"
        );
        assert_eq!(hf_name("output.weight").unwrap(), "lm_head.weight");
        assert_eq!(hf_name("rope_freqs.weight"), None);
    }

    #[test]
    fn rope_permutation_round_trips() {
        // 2 heads of width 4, 1 column: rows 0..8.
        let rows: Vec<f32> = (0..8).map(|r| r as f32).collect();
        let permuted = permute_rope_rows(&rows, 8, 1, 2);
        // Head 0 rotate-half rows [0,1 | 2,3] interleave to [0,2,1,3].
        assert_eq!(permuted, vec![0.0, 2.0, 1.0, 3.0, 4.0, 6.0, 5.0, 7.0]);
        assert_eq!(unpermute_rope_rows(&permuted, 8, 1, 2), rows);
    }
}
