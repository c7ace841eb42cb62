//! `rsolv rules history ID`.

use rsolv_store::RuleStore;

use crate::context::Context;
use crate::{Io, Status, output};

pub(super) async fn run(ctx: &Context, id: &str, io: &mut Io<'_>) -> anyhow::Result<Status> {
    let versions = ctx.store.history(&ctx.org, id).await?;
    if versions.is_empty() {
        return Err(super::not_found(ctx, id));
    }
    // Enabling, disabling and feedback do not make versions; the audit log
    // has them.
    let events: Vec<_> = ctx
        .store
        .audit_log(&ctx.org, Some(id))
        .await?
        .into_iter()
        .filter(|e| !matches!(e.action.as_str(), "created" | "updated" | "rolled_back"))
        .collect();
    if ctx.json {
        output::json(
            io.out,
            &serde_json::json!({ "versions": versions, "events": events }),
        )?;
        return Ok(Status::Success);
    }
    let mut table = output::table(["VERSION", "CHANGE", "WHEN", "WHO", "WHY"]);
    for version in &versions {
        table.add_row([
            version.version.to_string(),
            version.change.to_string(),
            version.at.clone(),
            version.actor.clone(),
            output::truncate(&version.reason, 60),
        ]);
    }
    output::print_table(io.out, &table)?;
    if !events.is_empty() {
        let mut table = output::table(["EVENT", "WHEN", "WHO", "WHY"]);
        for event in &events {
            table.add_row([
                event.action.clone(),
                event.at.clone(),
                event.actor.clone(),
                output::truncate(&event.reason, 60),
            ]);
        }
        io.out.write_all(b"\n")?;
        output::print_table(io.out, &table)?;
    }
    Ok(Status::Success)
}
