//! `rsolv rules rollback ID --to VERSION`.

use rsolv_store::RuleStore;

use crate::context::Context;
use crate::{Io, Status, output};

pub(super) async fn run(
    ctx: &Context,
    id: &str,
    to: u32,
    reason: &str,
    io: &mut Io<'_>,
) -> anyhow::Result<Status> {
    let rule = match ctx
        .store
        .rollback(&ctx.org, id, to, &ctx.change(reason))
        .await
    {
        Ok(rule) => rule,
        Err(rsolv_store::Error::NotFound { .. }) => {
            anyhow::bail!(
                "rule `{id}` has no version {to} in organization `{}`",
                ctx.org
            )
        }
        Err(err) => return Err(err.into()),
    };
    if ctx.json {
        output::json(io.out, &rule)?;
    } else {
        writeln!(
            io.out,
            "rolled {} back to version {to}; it is now version {}",
            rule.rule_id, rule.version
        )?;
    }
    Ok(Status::Success)
}
