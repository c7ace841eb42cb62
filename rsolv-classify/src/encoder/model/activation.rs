//! The exact (erf-based) GELU of BERT, with a faster inference path.
//!
//! burn's CPU backend evaluates `erf` one element at a time through a
//! software `erff`; in MiniLM's feed-forward block that was ~13% of a
//! batch-1 forward pass (examples/encoder_profile.rs). Outside training the
//! activation here runs in place on the tensor's buffer with a branch-free
//! erf the compiler vectorizes, split over the CPU cores. Under autodiff
//! burn's differentiable `gelu` is used unchanged.

use burn::tensor::activation;
use burn::tensor::{DType, Tensor};

/// Elements per parallel work item: large enough to amortize scheduling.
const CHUNK: usize = 16 * 1024;

/// `x * Φ(x) = 0.5 x (1 + erf(x / √2))`, element-wise.
pub(crate) fn gelu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    if x.is_autodiff() || x.dtype() != DType::F32 {
        return activation::gelu(x);
    }
    let device = x.device();
    let mut data = x.into_data();
    let Ok(values) = data.as_mut_slice::<f32>() else {
        // Unreachable for an F32 tensor; keep burn's path rather than panic.
        return activation::gelu(Tensor::from_data(data, &device));
    };
    if values.len() >= 2 * CHUNK {
        use rayon::prelude::*;
        values.par_chunks_mut(CHUNK).for_each(gelu_in_place);
    } else {
        gelu_in_place(values);
    }
    Tensor::from_data(data, &device)
}

fn gelu_in_place(values: &mut [f32]) {
    for v in values {
        *v = 0.5 * *v * (1.0 + erf(*v * std::f32::consts::FRAC_1_SQRT_2));
    }
}

/// erf with an absolute error below 1.5e-7 (Abramowitz & Stegun 7.1.26),
/// written without branches or library calls so loops over it vectorize.
fn erf(x: f32) -> f32 {
    const P: f32 = 0.327_591_1;
    const A: [f32; 5] = [
        0.254_829_6,
        -0.284_496_74,
        1.421_413_7,
        -1.453_152,
        1.061_405_4,
    ];
    let z = x.abs();
    let t = 1.0 / (1.0 + P * z);
    let poly = t * (A[0] + t * (A[1] + t * (A[2] + t * (A[3] + t * A[4]))));
    let y = 1.0 - poly * exp_neg(z * z);
    y.copysign(x)
}

/// `e^-u` for `u >= 0`, relative error ~2e-7: `2^(-u log2 e)` split into an
/// integer power (built in the exponent bits) and a degree-6 polynomial of
/// `2^f` on `f` in [-0.5, 0.5].
fn exp_neg(u: f32) -> f32 {
    // Below e^-87 the result is far under erf's error bound; clamping keeps
    // the exponent bits a normal float.
    let t = (-u * std::f32::consts::LOG2_E).max(-126.0);
    // Round to nearest by adding and removing 1.5 * 2^23 (plain adds, which
    // vectorize where `round` would be a library call).
    const ROUND: f32 = 12_582_912.0;
    let n = (t + ROUND) - ROUND;
    let f = t - n;
    const LN2: f32 = std::f32::consts::LN_2;
    // Taylor coefficients of e^(f ln 2): (ln 2)^k / k!.
    const C: [f32; 7] = [
        1.0,
        LN2,
        LN2 * LN2 / 2.0,
        LN2 * LN2 * LN2 / 6.0,
        LN2 * LN2 * LN2 * LN2 / 24.0,
        LN2 * LN2 * LN2 * LN2 * LN2 / 120.0,
        LN2 * LN2 * LN2 * LN2 * LN2 * LN2 / 720.0,
    ];
    let p = C[0] + f * (C[1] + f * (C[2] + f * (C[3] + f * (C[4] + f * (C[5] + f * C[6])))));
    let scale = f32::from_bits(((n as i32 + 127) as u32) << 23);
    p * scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    #[test]
    fn erf_matches_the_reference() {
        for i in -800..=800 {
            let x = i as f32 / 100.0;
            let exact = libm_erf(f64::from(x));
            assert!(
                (f64::from(erf(x)) - exact).abs() < 3e-7,
                "erf({x}) = {} vs {exact}",
                erf(x)
            );
        }
    }

    #[test]
    fn exp_neg_is_accurate() {
        // The f32 product u * log2(e) carries a relative error that grows
        // with u; within erf, e^-u is scaled by a factor below 0.02 for
        // u > 9, so the absolute error there stays far under 1e-7.
        for i in 0..=1000 {
            let u = i as f32 / 10.0;
            let exact = (-f64::from(u)).exp();
            let got = f64::from(exp_neg(u));
            assert!(
                (got - exact).abs() <= (1e-6 + 1.5e-7 * f64::from(u)) * exact + 1e-37,
                "exp(-{u}) = {got} vs {exact}"
            );
        }
    }

    #[test]
    fn fast_gelu_matches_burn_gelu() {
        let device = Device::flex();
        // Long enough for the parallel path.
        let n = 3 * CHUNK + 5;
        let values: Vec<f32> = (0..n).map(|i| (i as f32 / n as f32 - 0.5) * 20.0).collect();
        let x = Tensor::<1>::from_data(TensorData::new(values, [n]), &device);
        let fast = gelu(x.clone())
            .into_data()
            .try_to_vec::<f32>()
            .expect("f32");
        let reference = activation::gelu(x)
            .into_data()
            .try_to_vec::<f32>()
            .expect("f32");
        for (a, b) in fast.iter().zip(&reference) {
            assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
        }
    }

    /// erf in f64 from its Maclaurin series (|x| <= 3) or continued
    /// fraction (|x| > 3), good to ~1e-12 here: an independent reference.
    fn libm_erf(x: f64) -> f64 {
        let z = x.abs();
        let value = if z <= 3.0 {
            let mut term = z;
            let mut sum = z;
            let mut k = 0.0;
            while term.abs() > 1e-17 {
                k += 1.0;
                term *= -z * z / k;
                sum += term / (2.0 * k + 1.0);
            }
            sum * 2.0 / std::f64::consts::PI.sqrt()
        } else {
            // erfc(z) = e^{-z^2}/sqrt(pi) * 1/(z + 1/2/(z + 1/(z + 3/2/(z + ...))))
            let mut frac = z;
            for k in (1..60).rev() {
                frac = z + f64::from(k) / 2.0 / frac;
            }
            1.0 - (-z * z).exp() / std::f64::consts::PI.sqrt() / frac
        };
        value.copysign(x)
    }
}
