//! Try n-gram training options quickly: generate (or read) the training
//! data, train, and print the scores on both held-out sets (`dev.jsonl`,
//! `test2.jsonl`), optionally with their misclassified findings.
//!
//! ```sh
//! cargo test --release -p rsolv-classify --no-run   # builds the examples too
//! target/release/examples/ngram_lab epochs=12 dropout=0.3 show=dev,test2
//! ```
//!
//! Options (`key=value`): `per_label`, `seed` (generator), `data` (train on
//! a JSONL file instead of generating), `epochs`, `lr`, `l2`, `prune`,
//! `dropout`, `buckets`, `cmin`, `cmax` (training), `calib` (fit the
//! temperature on this JSONL), `save` (write the model directory), `gen`
//! (only write the generated data to this file), `show` (list errors of
//! `dev`, `test2` or both). Compare options on both sets, not on dev alone.

use std::path::Path;
use std::str::FromStr;

use rsolv_classify::{
    EvalOptions, GeneratorConfig, LabelScorer, NgramModel, NgramTrainConfig, Result, evaluate,
    generate, read_jsonl,
};

fn number<T: FromStr>(key: &str, value: &str) -> Result<T> {
    value
        .parse()
        .map_err(|_| rsolv_classify::Error::InvalidArgument(format!("{key}: not a number")))
}

fn main() -> Result<()> {
    let mut generator = GeneratorConfig::default();
    let mut config = NgramTrainConfig::default();
    let (mut show, mut data, mut save, mut gen_out, mut calib) =
        (String::new(), None, None, None, None);
    for arg in std::env::args().skip(1) {
        let (k, v) = arg.split_once('=').unwrap_or((&arg, ""));
        match k {
            "per_label" => generator.per_label = number(k, v)?,
            "seed" => generator.seed = number(k, v)?,
            "epochs" => config.epochs = number(k, v)?,
            "lr" => config.learning_rate = number(k, v)?,
            "l2" => config.l2 = number(k, v)?,
            "prune" => config.prune_below = number(k, v)?,
            "dropout" => config.dropout = number(k, v)?,
            "buckets" => config.features.buckets_log2 = number(k, v)?,
            "cmin" => config.features.char_min = number(k, v)?,
            "cmax" => config.features.char_max = number(k, v)?,
            "show" => show = v.to_owned(),
            "data" => data = Some(v.to_owned()),
            "save" => save = Some(v.to_owned()),
            "gen" => gen_out = Some(v.to_owned()),
            "calib" => calib = Some(v.to_owned()),
            _ => {
                return Err(rsolv_classify::Error::InvalidArgument(format!(
                    "unknown option `{k}`"
                )));
            }
        }
    }
    let samples = match data {
        Some(path) => read_jsonl(Path::new(&path))?,
        None => generate(&generator)?,
    };
    if let Some(path) = gen_out {
        let text = rsolv_classify::to_jsonl_string(&samples);
        return std::fs::write(&path, text)
            .map_err(|e| rsolv_classify::Error::InvalidArgument(format!("{path}: {e}")));
    }
    let start = std::time::Instant::now();
    let mut model = NgramModel::train(&samples, &config)?;
    println!(
        "trained on {} samples in {:.1}s, {} buckets used",
        samples.len(),
        start.elapsed().as_secs_f64(),
        model.used_buckets()
    );
    if let Some(path) = calib {
        let held_out = read_jsonl(Path::new(&path))?;
        println!("temperature {}", model.calibrate(&held_out));
    }
    if let Some(dir) = save {
        model.save(Path::new(&dir))?;
    }
    let options = EvalOptions {
        check_determinism: false,
        ..EvalOptions::default()
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for set in ["dev", "test2"] {
        let held_out = read_jsonl(&dir.join(format!("{set}.jsonl")))?;
        let r = evaluate(&model, &held_out, &options);
        println!(
            "{set:6} accuracy {:.1}%  macro-F1 {:.3}  family {:.1}%  p50 {:.3} ms",
            r.accuracy * 100.0,
            r.macro_f1,
            r.family_accuracy * 100.0,
            r.latency_p50_ms
        );
        if !show.contains(set) {
            continue;
        }
        for s in &held_out {
            let p = model.predict(&s.text(), 1);
            if p.label != s.label {
                let across = if p.label.family() == s.label.family() {
                    ' '
                } else {
                    'F'
                };
                let description: String = s.description.chars().take(100).collect();
                println!(
                    "  {across} {:24} -> {:24} {:.2} | {} | {description}",
                    s.label.as_str(),
                    p.label.as_str(),
                    p.confidence,
                    s.title,
                );
            }
        }
    }
    Ok(())
}
