//! `rsolv rules enable ID` and `rsolv rules disable ID`.

use rsolv_store::RuleStore;

use crate::context::Context;
use crate::{Io, Status, output};

pub(super) async fn run(
    ctx: &Context,
    id: &str,
    enabled: bool,
    reason: &str,
    io: &mut Io<'_>,
) -> anyhow::Result<Status> {
    if ctx.store.get_rule(&ctx.org, id).await?.is_none() {
        return Err(super::not_found(ctx, id));
    }
    let rule = ctx
        .store
        .set_enabled(&ctx.org, id, enabled, &ctx.change(reason))
        .await?;
    if ctx.json {
        output::json(io.out, &rule)?;
    } else {
        let state = if rule.enabled { "enabled" } else { "disabled" };
        writeln!(
            io.out,
            "{state} {} (version {})",
            rule.rule_id, rule.version
        )?;
    }
    Ok(Status::Success)
}
