//! A reader for GGUF files (llama.cpp's model format): header, metadata,
//! tensor infos, and tensors dequantised to f32.
//!
//! Layout (version 2 and 3, little-endian): magic `GGUF`, `u32` version,
//! `u64` tensor count, `u64` metadata count, the metadata key/values, the
//! tensor infos (name, dims innermost first, type, offset), then the tensor
//! data starting at the next multiple of `general.alignment` (default 32).

mod dequant;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use dequant::{GgmlType, dequantize};

use crate::decoder::{DecoderError, Result};

/// A metadata value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum GgufValue {
    /// Any unsigned integer type.
    UInt(u64),
    /// Any signed integer type.
    Int(i64),
    /// `f32` or `f64`.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A UTF-8 string.
    String(String),
    /// An array of values.
    Array(Vec<GgufValue>),
}

impl GgufValue {
    /// The value as an unsigned integer, if it is a non-negative integer.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Self::UInt(v) => Some(v),
            Self::Int(v) => u64::try_from(v).ok(),
            _ => None,
        }
    }

    /// The value as a float, if it is numeric.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Self::Float(v) => Some(v),
            Self::UInt(v) => Some(v as f64),
            Self::Int(v) => Some(v as f64),
            _ => None,
        }
    }

    /// The value as a string slice.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an array.
    pub fn as_array(&self) -> Option<&[GgufValue]> {
        match self {
            Self::Array(a) => Some(a),
            _ => None,
        }
    }
}

/// Where one tensor lives in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct GgufTensorInfo {
    /// GGUF name (`token_embd.weight`, `blk.0.attn_q.weight`, …).
    pub name: String,
    /// Dimensions, outermost first (the reverse of GGUF's `ne` order), so a
    /// `[rows, cols]` weight has row-major data.
    pub shape: Vec<usize>,
    /// Element type id as stored in the file.
    pub type_id: u32,
    /// Byte offset from the start of the data section.
    pub offset: u64,
}

impl GgufTensorInfo {
    /// Number of values.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the tensor has no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A parsed GGUF file held in memory.
#[derive(Debug)]
pub struct GgufFile {
    path: PathBuf,
    /// Format version.
    pub version: u32,
    /// Metadata key/values.
    pub metadata: BTreeMap<String, GgufValue>,
    /// Tensor infos, in file order.
    pub tensors: Vec<GgufTensorInfo>,
    bytes: Vec<u8>,
    data_start: usize,
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    path: &'a Path,
}

impl<'a> Cursor<'a> {
    fn fail<T>(&self, message: impl Into<String>) -> Result<T> {
        Err(DecoderError::Gguf {
            path: self.path.to_path_buf(),
            message: format!("{} (at byte {})", message.into(), self.pos),
        })
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        match self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
        {
            Some(end) => {
                let s = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => self.fail("unexpected end of file"),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn len(&mut self) -> Result<usize> {
        let n = self.u64()?;
        // Every element takes at least one byte: bounds absurd counts.
        match usize::try_from(n) {
            Ok(n) if n <= self.bytes.len() - self.pos => Ok(n),
            _ => self.fail(format!("length {n} exceeds the file")),
        }
    }

    fn string(&mut self) -> Result<String> {
        let n = self.len()?;
        let bytes = self.take(n)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => self.fail("string is not UTF-8"),
        }
    }

    fn value(&mut self, ty: u32, depth: usize) -> Result<GgufValue> {
        Ok(match ty {
            0 => GgufValue::UInt(u64::from(self.array::<1>()?[0])),
            1 => GgufValue::Int(i64::from(self.array::<1>()?[0] as i8)),
            2 => GgufValue::UInt(u64::from(u16::from_le_bytes(self.array()?))),
            3 => GgufValue::Int(i64::from(i16::from_le_bytes(self.array()?))),
            4 => GgufValue::UInt(u64::from(self.u32()?)),
            5 => GgufValue::Int(i64::from(i32::from_le_bytes(self.array()?))),
            6 => GgufValue::Float(f64::from(f32::from_le_bytes(self.array()?))),
            7 => GgufValue::Bool(self.array::<1>()?[0] != 0),
            8 => GgufValue::String(self.string()?),
            9 if depth == 0 => {
                let item_ty = self.u32()?;
                let n = self.len()?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.value(item_ty, depth + 1)?);
                }
                GgufValue::Array(items)
            }
            10 => GgufValue::UInt(self.u64()?),
            11 => GgufValue::Int(i64::from_le_bytes(self.array()?)),
            12 => GgufValue::Float(f64::from_le_bytes(self.array()?)),
            _ => return self.fail(format!("unsupported metadata type {ty}")),
        })
    }
}

impl GgufFile {
    /// Reads and parses a GGUF file.
    pub fn open(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| DecoderError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(bytes, path)
    }

    /// Parses GGUF bytes; `path` names the source in errors.
    pub fn from_bytes(bytes: Vec<u8>, path: &Path) -> Result<Self> {
        let mut c = Cursor {
            bytes: &bytes,
            pos: 0,
            path,
        };
        if c.take(4)? != b"GGUF" {
            return c.fail("not a GGUF file (bad magic)");
        }
        let version = c.u32()?;
        if !(2..=3).contains(&version) {
            return c.fail(format!("unsupported version {version}"));
        }
        let n_tensors = c.len()?;
        let n_kv = c.len()?;
        let mut metadata = BTreeMap::new();
        for _ in 0..n_kv {
            let key = c.string()?;
            let ty = c.u32()?;
            let value = c.value(ty, 0)?;
            metadata.insert(key, value);
        }
        let mut tensors = Vec::with_capacity(n_tensors);
        for _ in 0..n_tensors {
            let name = c.string()?;
            let n_dims = c.u32()? as usize;
            if n_dims > 4 {
                return c.fail(format!("tensor {name} has {n_dims} dimensions"));
            }
            let mut shape = Vec::with_capacity(n_dims);
            for _ in 0..n_dims {
                shape.push(c.len()?);
            }
            shape.reverse();
            let type_id = c.u32()?;
            let offset = c.u64()?;
            tensors.push(GgufTensorInfo {
                name,
                shape,
                type_id,
                offset,
            });
        }
        let alignment = metadata
            .get("general.alignment")
            .and_then(GgufValue::as_u64)
            .unwrap_or(32)
            .max(1) as usize;
        let data_start = c.pos.div_ceil(alignment) * alignment;
        Ok(Self {
            path: path.to_path_buf(),
            version,
            metadata,
            tensors,
            bytes,
            data_start,
        })
    }

    /// The file this was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, message: String) -> DecoderError {
        DecoderError::Gguf {
            path: self.path.clone(),
            message,
        }
    }

    /// A metadata value by key.
    pub fn get(&self, key: &str) -> Option<&GgufValue> {
        self.metadata.get(key)
    }

    /// A required unsigned integer metadata value.
    pub fn require_u64(&self, key: &str) -> Result<u64> {
        self.get(key)
            .and_then(GgufValue::as_u64)
            .ok_or_else(|| self.error(format!("missing integer metadata {key}")))
    }

    /// A required string metadata value.
    pub fn require_str(&self, key: &str) -> Result<&str> {
        self.get(key)
            .and_then(GgufValue::as_str)
            .ok_or_else(|| self.error(format!("missing string metadata {key}")))
    }

    /// Finds a tensor info by GGUF name.
    pub fn tensor_info(&self, name: &str) -> Option<&GgufTensorInfo> {
        self.tensors.iter().find(|t| t.name == name)
    }

    /// Dequantises a tensor to f32 values (row-major over [`GgufTensorInfo::shape`]).
    pub fn tensor_f32(&self, info: &GgufTensorInfo) -> Result<Vec<f32>> {
        let ty = GgmlType::from_id(info.type_id).ok_or_else(|| {
            self.error(format!(
                "tensor {} has unsupported type {}",
                info.name, info.type_id
            ))
        })?;
        let n_bytes = ty.byte_len(info.len()).ok_or_else(|| {
            self.error(format!(
                "tensor {} is not a whole number of blocks",
                info.name
            ))
        })?;
        let start = usize::try_from(info.offset)
            .ok()
            .and_then(|o| o.checked_add(self.data_start));
        let range = start.and_then(|s| Some(s..s.checked_add(n_bytes)?));
        match range {
            Some(r) if r.end <= self.bytes.len() => Ok(dequantize(ty, &self.bytes[r])),
            _ => Err(self.error(format!("tensor {} lies outside the file", info.name))),
        }
    }
}

/// Writes a minimal GGUF file (tests and fixtures): metadata strings,
/// integers, floats and string arrays; tensors stored as F32.
#[doc(hidden)]
pub fn write_gguf_f32(
    metadata: &[(&str, GgufValue)],
    tensors: &[(&str, Vec<usize>, Vec<f32>)],
) -> Vec<u8> {
    fn string(out: &mut Vec<u8>, s: &str) {
        out.extend((s.len() as u64).to_le_bytes());
        out.extend(s.as_bytes());
    }
    fn value(out: &mut Vec<u8>, v: &GgufValue, with_type: bool) {
        let (ty, body): (u32, Vec<u8>) = match v {
            GgufValue::UInt(x) => (10, x.to_le_bytes().to_vec()),
            GgufValue::Int(x) => (11, x.to_le_bytes().to_vec()),
            GgufValue::Float(x) => (12, x.to_le_bytes().to_vec()),
            GgufValue::Bool(b) => (7, vec![u8::from(*b)]),
            GgufValue::String(s) => {
                let mut b = Vec::new();
                string(&mut b, s);
                (8, b)
            }
            GgufValue::Array(items) => {
                let mut b = Vec::new();
                let item_ty = match items.first() {
                    Some(GgufValue::String(_)) => 8u32,
                    Some(GgufValue::Int(_)) => 11,
                    Some(GgufValue::Float(_)) => 12,
                    _ => 10,
                };
                b.extend(item_ty.to_le_bytes());
                b.extend((items.len() as u64).to_le_bytes());
                for item in items {
                    value(&mut b, item, false);
                }
                (9, b)
            }
        };
        if with_type {
            out.extend(ty.to_le_bytes());
        }
        out.extend(body);
    }
    let mut out = b"GGUF".to_vec();
    out.extend(3u32.to_le_bytes());
    out.extend((tensors.len() as u64).to_le_bytes());
    out.extend((metadata.len() as u64).to_le_bytes());
    for (k, v) in metadata {
        string(&mut out, k);
        value(&mut out, v, true);
    }
    let mut offset = 0u64;
    for (name, shape, data) in tensors {
        string(&mut out, name);
        out.extend((shape.len() as u32).to_le_bytes());
        for d in shape.iter().rev() {
            out.extend((*d as u64).to_le_bytes());
        }
        out.extend(0u32.to_le_bytes());
        out.extend(offset.to_le_bytes());
        offset += (data.len() * 4).div_ceil(32) as u64 * 32;
    }
    while !out.len().is_multiple_of(32) {
        out.push(0);
    }
    for (_, _, data) in tensors {
        let start = out.len();
        out.extend(data.iter().flat_map(|x| x.to_le_bytes()));
        while !(out.len() - start).is_multiple_of(32) {
            out.push(0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_metadata_and_tensors() {
        let bytes = write_gguf_f32(
            &[
                ("general.architecture", GgufValue::String("llama".into())),
                ("llama.block_count", GgufValue::UInt(2)),
                ("llama.rope.freq_base", GgufValue::Float(10000.0)),
                (
                    "tokenizer.ggml.tokens",
                    GgufValue::Array(vec![
                        GgufValue::String("a".into()),
                        GgufValue::String("b".into()),
                    ]),
                ),
            ],
            &[
                ("x.weight", vec![2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
                ("y.weight", vec![1], vec![-1.0]),
            ],
        );
        let f = GgufFile::from_bytes(bytes, Path::new("t.gguf")).unwrap();
        assert_eq!(f.require_str("general.architecture").unwrap(), "llama");
        assert_eq!(f.require_u64("llama.block_count").unwrap(), 2);
        assert_eq!(
            f.get("tokenizer.ggml.tokens")
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let x = f.tensor_info("x.weight").unwrap();
        assert_eq!(x.shape, vec![2, 3]);
        assert_eq!(f.tensor_f32(x).unwrap(), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let y = f.tensor_info("y.weight").unwrap().clone();
        assert_eq!(f.tensor_f32(&y).unwrap(), vec![-1.0]);
    }

    #[test]
    fn rejects_garbage() {
        assert!(GgufFile::from_bytes(b"GGML....".to_vec(), Path::new("x")).is_err());
        let mut b = write_gguf_f32(&[], &[]);
        b.truncate(10);
        assert!(GgufFile::from_bytes(b, Path::new("x")).is_err());
    }
}
