//! Dequantisation of the GGML block formats this reader supports.
//!
//! Block layouts follow the GGUF specification (ggml's `block_q*` structs):
//! every block stores its scale(s) as little-endian f16 followed by packed
//! quants, and covers 32 values (256 for the k-quants).

use half::f16;

/// The tensor element types of GGUF that can be dequantised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GgmlType {
    /// 32-bit float.
    F32,
    /// 16-bit float.
    F16,
    /// bfloat16.
    Bf16,
    /// 32 values: f16 scale `d`, 16 bytes of 4-bit quants, `x = d * (q - 8)`.
    Q4_0,
    /// 32 values: f16 `d`, f16 min `m`, 16 bytes of 4-bit quants, `x = d * q + m`.
    Q4_1,
    /// 32 values: f16 `d`, 32 signed bytes, `x = d * q`.
    Q8_0,
    /// 256 values: 6-bit quants (4 low bits + 2 high bits), 16 signed 8-bit
    /// sub-block scales and an f16 super-scale.
    Q6K,
}

impl GgmlType {
    /// Maps a GGUF type id; `None` for types this reader cannot dequantise.
    pub fn from_id(id: u32) -> Option<Self> {
        Some(match id {
            0 => Self::F32,
            1 => Self::F16,
            2 => Self::Q4_0,
            3 => Self::Q4_1,
            8 => Self::Q8_0,
            14 => Self::Q6K,
            30 => Self::Bf16,
            _ => return None,
        })
    }

    /// `(values per block, bytes per block)`.
    pub fn block_layout(self) -> (usize, usize) {
        match self {
            Self::F32 => (1, 4),
            Self::F16 | Self::Bf16 => (1, 2),
            Self::Q4_0 => (32, 2 + 16),
            Self::Q4_1 => (32, 2 + 2 + 16),
            Self::Q8_0 => (32, 2 + 32),
            Self::Q6K => (256, 128 + 64 + 16 + 2),
        }
    }

    /// Bytes needed for `n` values, or `None` if `n` is not a whole number of blocks.
    pub fn byte_len(self, n: usize) -> Option<usize> {
        let (values, bytes) = self.block_layout();
        n.is_multiple_of(values).then_some(n / values * bytes)
    }
}

fn f16_at(bytes: &[u8], at: usize) -> f32 {
    f16::from_le_bytes([bytes[at], bytes[at + 1]]).to_f32()
}

/// Dequantises `data` (exactly [`GgmlType::byte_len`] bytes) into f32 values.
pub fn dequantize(ty: GgmlType, data: &[u8]) -> Vec<f32> {
    let (per_block, block_bytes) = ty.block_layout();
    let mut out = Vec::with_capacity(data.len() / block_bytes * per_block);
    for block in data.chunks_exact(block_bytes) {
        match ty {
            GgmlType::F32 => out.push(f32::from_le_bytes([block[0], block[1], block[2], block[3]])),
            GgmlType::F16 => out.push(f16_at(block, 0)),
            GgmlType::Bf16 => out.push(half::bf16::from_le_bytes([block[0], block[1]]).to_f32()),
            GgmlType::Q4_0 => {
                let d = f16_at(block, 0);
                let qs = &block[2..18];
                out.extend(qs.iter().map(|q| d * ((q & 0x0f) as f32 - 8.0)));
                out.extend(qs.iter().map(|q| d * ((q >> 4) as f32 - 8.0)));
            }
            GgmlType::Q4_1 => {
                let (d, m) = (f16_at(block, 0), f16_at(block, 2));
                let qs = &block[4..20];
                out.extend(qs.iter().map(|q| d * (q & 0x0f) as f32 + m));
                out.extend(qs.iter().map(|q| d * (q >> 4) as f32 + m));
            }
            GgmlType::Q8_0 => {
                let d = f16_at(block, 0);
                out.extend(block[2..34].iter().map(|&q| d * (q as i8) as f32));
            }
            GgmlType::Q6K => dequantize_q6k(block, &mut out),
        }
    }
    out
}

/// One Q6_K super-block: `ql[128]` (low 4 bits), `qh[64]` (high 2 bits),
/// `scales[16]` (i8, one per 16 values), then the f16 super-scale `d`.
/// Each half of 128 values uses 64 `ql` bytes and 32 `qh` bytes: value
/// `l + 32 * j` (j = 0..4) takes its low nibble from `ql[l + 32 * (j % 2)]`
/// (low nibble for j < 2, high nibble otherwise) and bits `2j..2j+2` of `qh[l]`.
fn dequantize_q6k(block: &[u8], out: &mut Vec<f32>) {
    let (ql_all, rest) = block.split_at(128);
    let (qh_all, rest) = rest.split_at(64);
    let (scales, d) = rest.split_at(16);
    let d = f16::from_le_bytes([d[0], d[1]]).to_f32();
    let mut values = [0f32; 256];
    for half_idx in 0..2 {
        let ql = &ql_all[64 * half_idx..64 * half_idx + 64];
        let qh = &qh_all[32 * half_idx..32 * half_idx + 32];
        let sc = &scales[8 * half_idx..8 * half_idx + 8];
        let y = &mut values[128 * half_idx..128 * half_idx + 128];
        for l in 0..32 {
            let is = l / 16;
            let q1 = ((ql[l] & 0x0f) | ((qh[l] & 0x03) << 4)) as i32 - 32;
            let q2 = ((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 0x03) << 4)) as i32 - 32;
            let q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 0x03) << 4)) as i32 - 32;
            let q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 0x03) << 4)) as i32 - 32;
            y[l] = d * (sc[is] as i8) as f32 * q1 as f32;
            y[l + 32] = d * (sc[is + 2] as i8) as f32 * q2 as f32;
            y[l + 64] = d * (sc[is + 4] as i8) as f32 * q3 as f32;
            y[l + 96] = d * (sc[is + 6] as i8) as f32 * q4 as f32;
        }
    }
    out.extend_from_slice(&values);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(x: f32) -> [u8; 2] {
        f16::from_f32(x).to_le_bytes()
    }

    #[test]
    fn f32_and_f16() {
        let mut b = 1.5f32.to_le_bytes().to_vec();
        b.extend((-2.0f32).to_le_bytes());
        assert_eq!(dequantize(GgmlType::F32, &b), vec![1.5, -2.0]);
        let b: Vec<u8> = [h(0.5), h(-3.0)].concat();
        assert_eq!(dequantize(GgmlType::F16, &b), vec![0.5, -3.0]);
    }

    #[test]
    fn q8_0_block() {
        let mut b = h(0.5).to_vec();
        b.extend((0..32).map(|i| (i as i8 - 16) as u8));
        let v = dequantize(GgmlType::Q8_0, &b);
        assert_eq!(v.len(), 32);
        assert_eq!(v[0], -8.0);
        assert_eq!(v[16], 0.0);
        assert_eq!(v[31], 7.5);
    }

    #[test]
    fn q4_0_block() {
        // Byte j holds value j (low nibble) and value j + 16 (high nibble).
        let mut b = h(2.0).to_vec();
        b.extend((0..16u8).map(|j| j | ((15 - j) << 4)));
        let v = dequantize(GgmlType::Q4_0, &b);
        assert_eq!(v[0], 2.0 * (0.0 - 8.0));
        assert_eq!(v[15], 2.0 * (15.0 - 8.0));
        assert_eq!(v[16], 2.0 * (15.0 - 8.0));
        assert_eq!(v[31], 2.0 * (0.0 - 8.0));
    }

    #[test]
    fn q4_1_block() {
        let mut b = [h(0.25), h(-1.0)].concat();
        b.extend((0..16u8).map(|j| j | (3 << 4)));
        let v = dequantize(GgmlType::Q4_1, &b);
        assert_eq!(v[0], -1.0);
        assert_eq!(v[4], 0.0);
        assert_eq!(v[15], 0.25 * 15.0 - 1.0);
        assert_eq!(v[16..], [0.25 * 3.0 - 1.0; 16]);
    }

    #[test]
    fn q6_k_block() {
        // Quant q (0..64) for value i is chosen as (i * 7) % 64, packed by hand.
        let q = |i: usize| ((i * 7) % 64) as u8;
        let mut ql = [0u8; 128];
        let mut qh = [0u8; 64];
        for half_idx in 0..2 {
            for l in 0..32 {
                let base = 128 * half_idx;
                let (a, b2, c, d) = (
                    q(base + l),
                    q(base + l + 32),
                    q(base + l + 64),
                    q(base + l + 96),
                );
                ql[64 * half_idx + l] = (a & 0x0f) | ((c & 0x0f) << 4);
                ql[64 * half_idx + l + 32] = (b2 & 0x0f) | ((d & 0x0f) << 4);
                qh[32 * half_idx + l] =
                    (a >> 4) | ((b2 >> 4) << 2) | ((c >> 4) << 4) | ((d >> 4) << 6);
            }
        }
        let scales: Vec<u8> = (0..16).map(|s| (s as i8 - 8) as u8).collect();
        let block = [&ql[..], &qh[..], &scales[..], &h(0.5)[..]].concat();
        assert_eq!(block.len(), 210);
        let v = dequantize(GgmlType::Q6K, &block);
        for (i, got) in v.iter().enumerate() {
            // Value i belongs to sub-block i / 16.
            let scale = (i / 16) as f32 - 8.0;
            let want = 0.5 * scale * (q(i) as f32 - 32.0);
            assert_eq!(*got, want, "value {i}");
        }
    }
}
