//! `rsolv optimize`: refine noisy rules, disable unrepairable ones, retire
//! duplicates.

use rsolv_learn::OptimizeOptions;

use crate::context::Context;
use crate::{GlobalArgs, Io, OptimizeArgs, Status, output};

pub(crate) async fn run(
    global: &GlobalArgs,
    args: &OptimizeArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<Status> {
    let ctx = Context::open(global, false)?;
    let options = OptimizeOptions {
        max_false_positive_rate: args.max_fp_rate,
        min_matches: args.min_matches,
        disable_unconfirmed: args.disable_unconfirmed,
        dry_run: args.dry_run,
    };
    let report = rsolv_learn::optimize(&ctx.catalog(), &ctx.actor, &options).await?;
    if ctx.json {
        output::json(io.out, &report)?;
        return Ok(Status::Success);
    }
    let verb = if args.dry_run { "would be " } else { "" };
    writeln!(io.out, "examined {} enabled rule(s)", report.examined)?;
    for r in &report.refined {
        let pct = |p: Option<f64>| p.map_or("n/a".into(), |p| format!("{:.0}%", 100.0 * p));
        writeln!(
            io.out,
            "{verb}refined {} v{} -> v{}: {} exclusion(s), precision {} -> {}",
            r.rule_id,
            r.from_version,
            r.to_version,
            r.added.len(),
            pct(r.precision_before),
            pct(r.precision_after)
        )?;
    }
    for r in report.disabled.iter().chain(&report.duplicates) {
        writeln!(io.out, "{verb}disabled {}: {}", r.rule_id, r.reason)?;
    }
    for id in &report.unconfirmed {
        writeln!(io.out, "unconfirmed (no true positive yet): {id}")?;
    }
    Ok(Status::Success)
}
