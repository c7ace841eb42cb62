//! `rsolv rules list`.

use rsolv_store::RuleFilter;

use rsolv_store::RuleStore;

use crate::context::Context;
use crate::{Io, Status, output};

pub(super) async fn run(
    ctx: &Context,
    filter: RuleFilter,
    io: &mut Io<'_>,
) -> anyhow::Result<Status> {
    let rules = ctx.store.list_rules(&ctx.org, &filter).await?;
    if ctx.json {
        output::json(io.out, &rules)?;
        return Ok(Status::Success);
    }
    if rules.is_empty() {
        writeln!(io.out, "no rules in organization `{}`", ctx.org)?;
        return Ok(Status::Success);
    }
    let mut table = output::table([
        "ID",
        "VER",
        "STATE",
        "SEVERITY",
        "LANGUAGES",
        "TYPE",
        "MESSAGE",
    ]);
    for rule in &rules {
        table.add_row([
            rule.rule_id.clone(),
            rule.version.to_string(),
            if rule.enabled { "enabled" } else { "disabled" }.to_owned(),
            rule.severity.to_string(),
            rule.languages.join(","),
            rule.vulnerability_type
                .map(|t| t.to_string())
                .unwrap_or_else(|| "-".to_owned()),
            output::truncate(&rule.message, 60),
        ]);
    }
    output::print_table(io.out, &table)?;
    Ok(Status::Success)
}
