//! `rsolv rules show ID`.

use serde_json::json;

use rsolv_store::RuleStore;

use crate::context::Context;
use crate::{Io, Status, output};

pub(super) async fn run(ctx: &Context, id: &str, io: &mut Io<'_>) -> anyhow::Result<Status> {
    let rule = ctx
        .store
        .get_rule(&ctx.org, id)
        .await?
        .ok_or_else(|| super::not_found(ctx, id))?;
    let metrics = ctx.store.metrics(&ctx.org, id).await?;
    let test_cases = ctx.store.test_cases(&ctx.org, id).await?;
    if ctx.json {
        output::json(
            io.out,
            &json!({ "rule": rule, "metrics": metrics, "test_cases": test_cases }),
        )?;
        return Ok(Status::Success);
    }
    let state = if rule.enabled { "enabled" } else { "disabled" };
    writeln!(
        io.out,
        "{}  (version {}, {state})",
        rule.rule_id, rule.version
    )?;
    writeln!(io.out, "  organization: {}", rule.org_id)?;
    writeln!(io.out, "  severity:     {}", rule.severity)?;
    writeln!(io.out, "  languages:    {}", rule.languages.join(", "))?;
    if let Some(class) = rule.vulnerability_type {
        writeln!(io.out, "  type:         {class} ({})", class.family())?;
    }
    if let Some(issue) = &rule.created_from_issue {
        writeln!(io.out, "  from issue:   {issue}")?;
    }
    if let Some(confidence) = rule.confidence {
        writeln!(io.out, "  confidence:   {confidence:.2}")?;
    }
    writeln!(io.out, "  created:      {}", rule.created_at)?;
    writeln!(io.out, "  updated:      {}", rule.updated_at)?;
    if let Some(m) = metrics {
        writeln!(
            io.out,
            "  findings:     {} matched, {} true positive, {} false positive",
            m.matches, m.true_positives, m.false_positives
        )?;
    }
    writeln!(io.out, "  test cases:   {}", test_cases.len())?;
    writeln!(io.out, "  message:      {}", rule.message)?;
    writeln!(io.out, "\n{}", rule.yaml.trim_end())?;
    Ok(Status::Success)
}
