//! Several approaches on one data set, as Markdown (and JSON via serde).

use std::fmt::Write;

use rsolv_core::VulnClass;
use serde::Serialize;

use super::ApproachReport;

/// Approaches evaluated side by side on the same samples.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonReport {
    /// The data set's name (its path).
    pub dataset: String,
    /// How many samples it has.
    pub samples: usize,
    /// One report per approach, in the order given.
    pub approaches: Vec<ApproachReport>,
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// The comparison as a Markdown document: a summary table, calibration and
/// abstention, per-label F1 side by side, and each approach's most
/// confused pairs.
pub fn markdown(report: &ComparisonReport) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Classifier evaluation: {}\n", report.dataset);
    let _ = writeln!(md, "{} samples, 54 labels.\n", report.samples);
    let _ = writeln!(
        md,
        "| approach | accuracy | top-3 | macro-F1 | family acc. | ECE | mean conf. | p50 ms | p95 ms | findings/s | deterministic |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|---|---|");
    for a in &report.approaches {
        let det = match a.determinism_agreement {
            Some(x) if x >= 1.0 => "yes (100%)".to_owned(),
            Some(x) => format!("NO ({})", pct(x)),
            None => "not checked".to_owned(),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.3} | {} | {:.3} | {:.2} | {:.3} | {:.3} | {:.0} | {} |",
            a.name,
            pct(a.accuracy),
            pct(a.top3_accuracy),
            a.macro_f1,
            pct(a.family_accuracy),
            a.ece,
            a.mean_confidence,
            a.latency_p50_ms,
            a.latency_p95_ms,
            a.throughput_per_s,
            det
        );
    }
    let _ = writeln!(md, "\n## Abstaining below a confidence threshold\n");
    let _ = writeln!(
        md,
        "| approach | threshold | coverage | accuracy when answering |"
    );
    let _ = writeln!(md, "|---|---|---|---|");
    for a in &report.approaches {
        for p in &a.abstention {
            let _ = writeln!(
                md,
                "| {} | {:.2} | {} | {} |",
                a.name,
                p.threshold,
                pct(p.coverage),
                pct(p.accuracy)
            );
        }
    }
    let _ = writeln!(md, "\n## Accuracy by sample source\n");
    let _ = writeln!(md, "| approach | source | samples | accuracy |");
    let _ = writeln!(md, "|---|---|---|---|");
    for a in &report.approaches {
        for (source, n, accuracy) in &a.per_source {
            let _ = writeln!(md, "| {} | {source} | {n} | {} |", a.name, pct(*accuracy));
        }
    }
    let _ = writeln!(md, "\n## Most confused pairs (truth → predicted)\n");
    for a in &report.approaches {
        let _ = writeln!(md, "### {}\n", a.name);
        if a.most_confused.is_empty() {
            let _ = writeln!(md, "No confusions.\n");
            continue;
        }
        for pair in &a.most_confused {
            let _ = writeln!(md, "- {} → {}: {}", pair.truth, pair.predicted, pair.count);
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(md, "## Per-label F1 (precision / recall)\n");
    let mut header = "| label | support |".to_owned();
    let mut rule = "|---|---|".to_owned();
    for a in &report.approaches {
        let _ = write!(header, " {} |", a.name);
        rule.push_str("---|");
    }
    let _ = writeln!(md, "{header}\n{rule}");
    for (i, label) in VulnClass::ALL.iter().enumerate() {
        let support = report
            .approaches
            .first()
            .map_or(0, |a| a.per_label[i].support);
        let _ = write!(md, "| {label} | {support} |");
        for a in &report.approaches {
            let m = &a.per_label[i];
            let _ = write!(md, " {:.2} ({:.2} / {:.2}) |", m.f1, m.precision, m.recall);
        }
        let _ = writeln!(md);
    }
    md
}
