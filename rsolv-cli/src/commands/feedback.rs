//! `rsolv feedback FINDING --tp|--fp|--ignore`.

use rsolv_store::{Feedback, RuleStore};

use crate::context::Context;
use crate::{FeedbackArgs, GlobalArgs, Io, Status, output};

pub(crate) async fn run(
    global: &GlobalArgs,
    args: &FeedbackArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<Status> {
    let ctx = Context::open(global, false)?;
    let verdict = if args.tp {
        Feedback::TruePositive
    } else if args.fp {
        Feedback::FalsePositive
    } else {
        Feedback::Ignored
    };
    let finding = ctx
        .store
        .set_feedback(
            &ctx.org,
            args.finding,
            verdict,
            &ctx.actor,
            args.reason.clone(),
        )
        .await?;
    let metrics = ctx.store.metrics(&ctx.org, &finding.rule_id).await?;
    if ctx.json {
        output::json(
            io.out,
            &serde_json::json!({ "finding": finding, "metrics": metrics }),
        )?;
    } else {
        writeln!(
            io.out,
            "finding {} ({}:{}) of {} marked {verdict}",
            finding.id, finding.path, finding.start_line, finding.rule_id
        )?;
        if let Some(m) = metrics {
            let precision = m
                .precision
                .map_or("n/a".into(), |p| format!("{:.0}%", 100.0 * p));
            writeln!(
                io.out,
                "rule precision: {precision} ({} true, {} false positive)",
                m.true_positives, m.false_positives
            )?;
        }
    }
    Ok(Status::Success)
}
