//! `rsolv profile`: the organization's security profile.

use anyhow::Context as _;
use rsolv_learn::SecurityProfile;

use crate::context::Context;
use crate::{GlobalArgs, Io, ProfileArgs, Status, output};

pub(crate) async fn run(
    global: &GlobalArgs,
    args: &ProfileArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<Status> {
    let ctx = Context::open(global, false)?;
    let profile = SecurityProfile::compute(&ctx.catalog(), &rsolv_learn::now_rfc3339()).await?;
    if let Some(path) = &args.html {
        rsolv_rules::write_atomically(path, &profile.to_html())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if ctx.json {
        output::json(io.out, &profile)?;
        return Ok(Status::Success);
    }
    print(&profile, io)?;
    if let Some(path) = &args.html {
        writeln!(io.out, "HTML report: {}", path.display())?;
    }
    Ok(Status::Success)
}

pub(crate) fn print(profile: &SecurityProfile, io: &mut Io<'_>) -> anyhow::Result<()> {
    let out = &mut *io.out;
    writeln!(out, "security profile of `{}`", profile.org)?;
    writeln!(
        out,
        "  rules:             {} ({} enabled, {} learned)",
        profile.total_rules, profile.enabled_rules, profile.learned_rules
    )?;
    writeln!(out, "  unique patterns:   {}", profile.unique_patterns)?;
    writeln!(
        out,
        "  coverage score:    {:.1}% of the taxonomy",
        100.0 * profile.coverage_score
    )?;
    let fp = profile
        .false_positive_rate
        .map_or("n/a (no feedback yet)".into(), |r| {
            format!("{:.1}%", 100.0 * r)
        });
    writeln!(
        out,
        "  findings:          {} ({} true, {} false positive)",
        profile.findings, profile.true_positives, profile.false_positives
    )?;
    writeln!(out, "  false-positive rate: {fp}")?;
    writeln!(
        out,
        "  learning velocity: {} rules/month",
        profile.learning_velocity
    )?;
    if !profile.top_vulnerability_types.is_empty() {
        let top: Vec<String> = profile
            .top_vulnerability_types
            .iter()
            .map(|(c, n)| format!("{c} ({n})"))
            .collect();
        writeln!(out, "  top types:         {}", top.join(", "))?;
    }
    for r in &profile.recent_learnings {
        writeln!(out, "  learned {}  {}", r.learned_at, r.rule_id)?;
    }
    Ok(())
}
