//! `rsolv classify`: label security findings with the 54-label taxonomy.
//!
//! Three inputs: one finding from flags, a JSONL file of findings, or a
//! Semgrep/rsolv JSON scan report. The model is the bundled n-gram model
//! unless `--model DIR` or `--approach keyword|knn` says otherwise.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{ArgGroup, Args};
use rsolv_classify::{BoxedScorer, FindingText, Prediction};
use serde_json::{Value, json};

use super::approach::model_scorer;
pub use super::approach::{Approach, NeuralArgs};
use super::suppress;
use crate::{GlobalArgs, Io, Status, output};

/// `rsolv classify`
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["title", "input", "from_scan"])))]
pub struct ClassifyArgs {
    /// The finding's title.
    #[arg(long)]
    pub title: Option<String>,
    /// The finding's description (with --title).
    #[arg(long, default_value = "", requires = "title")]
    pub description: String,
    /// The file the finding is about (with --title).
    #[arg(long = "file", default_value = "", requires = "title")]
    pub file: String,
    /// A JSONL file of findings (`title`, `description`, `filename`); each
    /// output line is the input object plus `label`, `confidence`, `top3`.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// A Semgrep or `rsolv scan --json` report; every result gets a label.
    #[arg(long)]
    pub from_scan: Option<PathBuf>,
    /// Write the JSONL / JSON output here instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// A model directory: `ngram.bin` (from `rsolv dataset train-ngram`) or
    /// a fine-tuned encoder export; default: the bundled n-gram model.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// A built-in approach instead of a model directory (`encoder` takes
    /// its directory from --model).
    #[arg(long, value_enum)]
    pub approach: Option<Approach>,
    /// Options of the `knn` approach.
    #[command(flatten)]
    pub neural: NeuralArgs,
    /// Ignore the organization's suppressions.
    #[arg(long)]
    pub no_suppress: bool,
}

/// The scorer `--model` / `--approach` name (default: bundled n-gram).
pub(crate) fn scorer(
    model: Option<&Path>,
    approach: Option<Approach>,
    neural: &NeuralArgs,
) -> anyhow::Result<BoxedScorer> {
    match (model, approach) {
        (Some(dir), None | Some(Approach::Encoder)) => model_scorer(dir),
        (Some(_), Some(other)) => anyhow::bail!(
            "--model gives a model directory; it cannot be combined with --approach {}",
            clap::ValueEnum::to_possible_value(&other)
                .map(|v| v.get_name().to_owned())
                .unwrap_or_default()
        ),
        (None, approach) => neural.scorer(approach.unwrap_or(Approach::Ngram)),
    }
}

/// `{label, confidence, top3: [{label, confidence}]}`.
pub(crate) fn prediction_json(p: &Prediction) -> serde_json::Map<String, Value> {
    let top3: Vec<Value> = p
        .top_k
        .iter()
        .take(3)
        .map(|(label, c)| json!({ "label": label, "confidence": round(*c) }))
        .collect();
    let mut map = serde_json::Map::new();
    map.insert("label".into(), json!(p.label));
    map.insert("confidence".into(), json!(round(p.confidence)));
    map.insert("top3".into(), Value::Array(top3));
    map
}

fn round(x: f32) -> f64 {
    (f64::from(x) * 10_000.0).round() / 10_000.0
}

pub(crate) async fn run(
    global: &GlobalArgs,
    args: &ClassifyArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<Status> {
    let scorer = scorer(args.model.as_deref(), args.approach, &args.neural)?;
    let suppressions = if args.no_suppress {
        Vec::new()
    } else {
        suppress::load(global).await?
    };
    let suppressed_by =
        |p: &Prediction, path: &str| suppress::matching(&suppressions, p.label, path);
    if let Some(title) = &args.title {
        let finding = FindingText::new(title, &args.description, &args.file);
        let prediction = scorer.predict(&finding, 3);
        let suppression = suppressed_by(&prediction, &args.file);
        if global.json {
            let mut object = prediction_json(&prediction);
            if let Some(s) = suppression {
                object.insert("suppressed_by".into(), json!(s.id));
            }
            output::json(io.out, &object)?;
        } else {
            writeln!(
                io.out,
                "{} ({:.2})",
                prediction.label, prediction.confidence
            )?;
            for (label, c) in prediction.top_k.iter().skip(1) {
                writeln!(io.out, "  then {label} ({c:.2})")?;
            }
            if let Some(s) = suppression {
                writeln!(io.out, "  suppressed by #{} ({})", s.id, s.path_glob)?;
            }
        }
        return Ok(Status::Success);
    }
    if let Some(input) = &args.input {
        let text = std::fs::read_to_string(input)
            .with_context(|| format!("cannot read {}", input.display()))?;
        let mut out = String::new();
        let (mut count, mut dropped) = (0, 0);
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let mut object: serde_json::Map<String, Value> = serde_json::from_str(line)
                .with_context(|| format!("{}:{}: not a JSON object", input.display(), n + 1))?;
            let field = |k: &str| {
                object
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            let finding = FindingText::new(field("title"), field("description"), field("filename"));
            let prediction = scorer.predict(&finding, 3);
            if suppressed_by(&prediction, &finding.filename).is_some() {
                dropped += 1;
                continue;
            }
            object.extend(prediction_json(&prediction));
            out.push_str(&serde_json::to_string(&object)?);
            out.push('\n');
            count += 1;
        }
        write_output(args.output.as_deref(), io, &out)?;
        writeln!(
            io.err,
            "classified {count} finding(s), {dropped} suppressed"
        )?;
        return Ok(Status::Success);
    }
    if let Some(scan) = &args.from_scan {
        let text = std::fs::read_to_string(scan)
            .with_context(|| format!("cannot read {}", scan.display()))?;
        let mut report: Value = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a JSON scan report", scan.display()))?;
        let results = report
            .get_mut("results")
            .and_then(Value::as_array_mut)
            .with_context(|| format!("{}: no `results` array", scan.display()))?;
        let mut lines = Vec::new();
        let before = results.len();
        results.retain(|result| {
            let finding = scan_finding(result);
            suppressed_by(&scorer.predict(&finding, 3), &finding.filename).is_none()
        });
        let dropped = before - results.len();
        for result in results.iter_mut() {
            let finding = scan_finding(result);
            let prediction = scorer.predict(&finding, 3);
            let line = result
                .pointer("/start/line")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            lines.push(format!(
                "{}:{line}  {}  {} ({:.2})",
                finding.filename, finding.title, prediction.label, prediction.confidence
            ));
            if let Some(extra) = result.get_mut("extra").and_then(Value::as_object_mut) {
                extra.insert(
                    "rsolv_classification".into(),
                    Value::Object(prediction_json(&prediction)),
                );
            }
        }
        if global.json || args.output.is_some() {
            let mut out = serde_json::to_string_pretty(&report)?;
            out.push('\n');
            write_output(args.output.as_deref(), io, &out)?;
        } else {
            for line in &lines {
                writeln!(io.out, "{line}")?;
            }
        }
        writeln!(
            io.err,
            "classified {} scan result(s), {dropped} suppressed",
            lines.len()
        )?;
    }
    Ok(Status::Success)
}

/// A scan result as classifier input: the rule id as title, the message
/// as description.
pub(crate) fn scan_finding(result: &Value) -> FindingText {
    let s = |pointer: &str| {
        result
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    FindingText::new(s("/check_id"), s("/extra/message"), s("/path"))
}

fn write_output(path: Option<&Path>, io: &mut Io<'_>, text: &str) -> anyhow::Result<()> {
    match path {
        Some(path) => rsolv_rules::write_atomically(path, text)
            .with_context(|| format!("cannot write {}", path.display())),
        None => Ok(io.out.write_all(text.as_bytes())?),
    }
}
