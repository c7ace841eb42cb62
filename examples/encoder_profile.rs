//! Where the encoder's time goes: tokenization, embeddings and each kind of
//! operation inside a transformer layer, timed separately on burn's `flex`
//! CPU backend, with the FLOP rate of every matmul.
//!
//! ```sh
//! cargo run --release --example encoder_profile -- --base <minilm-dir> [--batch 1 --seq 72]
//! ```

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use rsolv::classify::burn::tensor::activation::{gelu, softmax};
use rsolv::classify::burn::tensor::module::attention;
use rsolv::classify::burn::tensor::ops::AttentionModuleOptions;
use rsolv::classify::burn::tensor::{Device, Distribution, Int, Tensor};
use rsolv::classify::{EncoderInput, FindingText, default_device, load_pretrained};

#[derive(Debug, Parser)]
struct Args {
    /// Hugging Face MiniLM directory.
    #[arg(long)]
    base: PathBuf,
    /// Sequences per forward pass.
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Tokens per sequence.
    #[arg(long, default_value_t = 72)]
    seq: usize,
    /// Repetitions of each measurement (the median is printed).
    #[arg(long, default_value_t = 30)]
    reps: usize,
}

/// Median milliseconds of `reps` runs of `f` (after one warm-up run).
fn median_ms(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn row(name: &str, ms: f64, flops: f64) {
    if flops > 0.0 {
        println!("{name:<34} {ms:>8.3} ms  {:>6.1} GFLOP/s", flops / ms / 1e6);
    } else {
        println!("{name:<34} {ms:>8.3} ms");
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let device: Device = default_device();
    let pretrained = load_pretrained(&args.base, 512, &device)?;
    let encoder = &pretrained.encoder;
    let (b, s) = (args.batch, args.seq);
    let h = encoder.hidden_size;
    let layer = &encoder.layers[0];
    let inter = layer.ffn_in.weight.dims()[1];
    let heads = layer.num_heads;
    let hd = h / heads;
    let reps = args.reps;
    let sync = |t: Tensor<3>| drop(t.into_data());
    println!(
        "batch {b}, seq {s}, hidden {h}, intermediate {inter}, heads {heads}, layers {}, rayon threads {}",
        encoder.layers.len(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let finding = FindingText::new(
        "SQL injection in the user lookup",
        "User-controlled input from the request is concatenated into a SQL query string and executed without parameters, allowing an attacker to read or modify the database.",
        "app/models/user.py",
    );
    let text = finding.model_text();
    let ms = median_ms(reps, || {
        let _ = pretrained.text.token_ids(&text);
    });
    row("tokenize one finding", ms, 0.0);

    let ids = Tensor::<2, Int>::ones([b, s], &device);
    let types = Tensor::<2, Int>::zeros([b, s], &device);
    let mask = Tensor::<2>::ones([b, s], &device);
    let input = EncoderInput {
        input_ids: ids.clone(),
        token_type_ids: types.clone(),
        attention_mask: mask,
    };
    let ms = median_ms(reps, || {
        sync(encoder.embeddings.forward(ids.clone(), types.clone()))
    });
    row("embeddings", ms, 0.0);

    let x = Tensor::<3>::random([b, s, h], Distribution::Default, &device);
    let xi = Tensor::<3>::random([b, s, inter], Distribution::Default, &device);
    let tokens = (b * s) as f64;
    let hh = 2.0 * tokens * (h * h) as f64;
    let hi = 2.0 * tokens * (h * inter) as f64;
    let mut layer_total = 0.0;
    let mut add = |name: &str, ms: f64, flops: f64| {
        layer_total += ms;
        row(name, ms, flops);
    };
    let ms = median_ms(reps, || sync(layer.query.forward(x.clone())));
    add("  q/k/v/out linear x4", 4.0 * ms, 4.0 * hh);
    let x2 = x.clone().reshape([b * s, h]);
    let ms = median_ms(reps, || drop(layer.query.forward(x2.clone()).into_data()));
    row("  (q/k/v/out x4 on [b*s, h] rows)", 4.0 * ms, 4.0 * hh);
    let ms = median_ms(reps, || sync(layer.ffn_in.forward(x.clone())));
    add("  ffn_in linear", ms, hi);
    let ms = median_ms(reps, || drop(layer.ffn_in.forward(x2.clone()).into_data()));
    row("  (ffn_in on [b*s, h] rows)", ms, hi);
    let ms = median_ms(reps, || sync(gelu(xi.clone())));
    // burn's own gelu; the layer runs the crate's in-place one outside
    // autodiff (see "one layer, measured").
    row("  gelu, burn (per-element erff)", ms, 0.0);
    let ms = median_ms(reps, || sync(layer.ffn_out.forward(xi.clone())));
    add("  ffn_out linear", ms, hi);
    let ms = median_ms(reps, || sync(layer.attn_norm.forward(x.clone())));
    add("  layer norm x2", 2.0 * ms, 0.0);
    let split = |t: Tensor<3>| t.reshape([b, s, heads, hd]).swap_dims(1, 2);
    let q = split(x.clone());
    let bias = Tensor::<4>::zeros([b, 1, 1, s], &device);
    let attn_flops = 4.0 * (b * heads * s * s * hd) as f64;
    let ms = median_ms(reps, || {
        let scores = q
            .clone()
            .matmul(q.clone().swap_dims(2, 3))
            .div_scalar((hd as f32).sqrt())
            + bias.clone();
        let context = softmax(scores, 3)
            .matmul(q.clone())
            .swap_dims(1, 2)
            .reshape([b, s, h]);
        sync(context)
    });
    add("  attention, explicit ops (used)", ms, attn_flops);
    let ms = median_ms(reps, || {
        let context = attention(
            q.clone(),
            q.clone(),
            q.clone(),
            None,
            None,
            AttentionModuleOptions::default(),
        )
        .swap_dims(1, 2)
        .reshape([b, s, h]);
        sync(context)
    });
    row("  attention, burn fused op", ms, attn_flops);
    let ms = median_ms(reps, || sync(x.clone() + x.clone()));
    add("  residual add x2", 2.0 * ms, 0.0);
    println!(
        "{:<34} {:>8.3} ms  (sum of parts without gelu; x{} layers = {:.2} ms)",
        "one layer",
        layer_total,
        encoder.layers.len(),
        layer_total * encoder.layers.len() as f64
    );
    let ms = median_ms(reps, || sync(layer.forward(x.clone(), None)));
    row("one layer, measured", ms, 4.0 * hh + 2.0 * hi + attn_flops);
    let total_flops = encoder.layers.len() as f64 * (4.0 * hh + 2.0 * hi + attn_flops);
    let ms = median_ms(reps.min(10), || drop(encoder.embed(&input).into_data()));
    row("whole encoder + mean pool", ms, total_flops);
    Ok(())
}
