//! `rsolv rules audit [ID]`.

use rsolv_store::RuleStore;

use crate::context::Context;
use crate::{Io, Status, output};

pub(super) async fn run(
    ctx: &Context,
    id: Option<&str>,
    io: &mut Io<'_>,
) -> anyhow::Result<Status> {
    let entries = ctx.store.audit_log(&ctx.org, id).await?;
    if ctx.json {
        output::json(io.out, &entries)?;
        return Ok(Status::Success);
    }
    let mut table = output::table(["WHEN", "WHO", "ACTION", "RULE", "WHY"]);
    for entry in &entries {
        table.add_row([
            entry.at.clone(),
            entry.actor.clone(),
            entry.action.clone(),
            entry.rule_id.clone().unwrap_or_else(|| "-".to_owned()),
            output::truncate(&entry.reason, 60),
        ]);
    }
    output::print_table(io.out, &table)?;
    Ok(Status::Success)
}
