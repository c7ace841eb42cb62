//! `rsolv rules search TEXT`.

use rsolv_store::RuleStore;

use crate::context::Context;
use crate::{Io, Status, output};

pub(super) async fn run(
    ctx: &Context,
    text: &str,
    limit: usize,
    io: &mut Io<'_>,
) -> anyhow::Result<Status> {
    let hits = ctx.store.search(&ctx.org, text, limit).await?;
    if ctx.json {
        output::json(io.out, &hits)?;
        return Ok(Status::Success);
    }
    if hits.is_empty() {
        writeln!(io.out, "no rule matches `{text}`")?;
        return Ok(Status::Success);
    }
    let mut table = output::table(["ID", "TYPE", "MATCH"]);
    for hit in &hits {
        table.add_row([
            hit.rule.rule_id.clone(),
            hit.rule
                .vulnerability_type
                .map(|t| t.to_string())
                .unwrap_or_else(|| "-".to_owned()),
            output::truncate(&hit.snippet, 80),
        ]);
    }
    output::print_table(io.out, &table)?;
    Ok(Status::Success)
}
