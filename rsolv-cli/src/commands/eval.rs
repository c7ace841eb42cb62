//! `rsolv eval`: compare classification approaches on a labeled set.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use rsolv_classify::{
    ComparisonReport, EvalOptions, confusion_svg, evaluate, markdown, read_jsonl,
};

use super::approach::{Approach, NeuralArgs, model_scorer};
use crate::{GlobalArgs, Io, Status, output};

/// `rsolv eval`
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The labeled JSONL test set.
    #[arg(long, required = true)]
    pub data: Vec<PathBuf>,
    /// Built-in approaches to evaluate (`ngram` is the bundled model;
    /// `encoder` means the --model directories).
    #[arg(long, value_enum)]
    pub approach: Vec<Approach>,
    /// Model directories to evaluate (n-gram models or fine-tuned encoder
    /// exports).
    #[arg(long)]
    pub model: Vec<PathBuf>,
    /// Options of the `knn` approach.
    #[command(flatten)]
    pub neural: NeuralArgs,
    /// Also write report.md, report.json and one `confusion-NAME.svg`
    /// heatmap per approach into this directory.
    #[arg(long)]
    pub report_dir: Option<PathBuf>,
    /// Skip the second run that checks determinism.
    #[arg(long)]
    pub no_determinism: bool,
}

pub(crate) fn run(global: &GlobalArgs, args: &EvalArgs, io: &mut Io<'_>) -> anyhow::Result<Status> {
    let mut samples = Vec::new();
    for path in &args.data {
        samples.extend(read_jsonl(path)?);
    }
    if args.approach.contains(&Approach::Encoder) && args.model.is_empty() {
        anyhow::bail!("--approach encoder needs the fine-tuned model directory: --model DIR");
    }
    let mut scorers = Vec::new();
    for &approach in args.approach.iter().filter(|&&a| a != Approach::Encoder) {
        scorers.push(args.neural.scorer(approach)?);
    }
    for dir in &args.model {
        scorers.push(model_scorer(dir)?);
    }
    if scorers.is_empty() {
        scorers.push(args.neural.scorer(Approach::Keyword)?);
        scorers.push(args.neural.scorer(Approach::Ngram)?);
    }
    let options = EvalOptions {
        check_determinism: !args.no_determinism,
        ..EvalOptions::default()
    };
    let mut approaches = Vec::new();
    for s in &scorers {
        let mut report = evaluate(s.as_ref(), &samples, &options);
        // Two model directories may hold the same kind of model.
        if approaches
            .iter()
            .any(|a: &rsolv_classify::ApproachReport| a.name == report.name)
        {
            report.name = format!("{}#{}", report.name, approaches.len() + 1);
        }
        approaches.push(report);
    }
    let report = ComparisonReport {
        dataset: args
            .data
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        samples: samples.len(),
        approaches,
    };
    let md = markdown(&report);
    if let Some(dir) = &args.report_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
        };
        write("report.md", &md)?;
        write("report.json", &serde_json::to_string_pretty(&report)?)?;
        for a in &report.approaches {
            let name = a.name.replace(['/', '#', ' '], "-");
            write(&format!("confusion-{name}.svg"), &confusion_svg(a))?;
        }
    }
    if global.json {
        output::json(io.out, &report)?;
    } else {
        io.out.write_all(md.as_bytes())?;
    }
    Ok(Status::Success)
}
