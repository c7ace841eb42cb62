//! `rsolv init`: create or migrate the rule database.

use serde_json::json;

use crate::context::Context;
use crate::{GlobalArgs, Io, Status, output};

pub(crate) async fn run(global: &GlobalArgs, io: &mut Io<'_>) -> anyhow::Result<Status> {
    let ctx = Context::open(global, true)?;
    let version = ctx.store.schema_version();
    if ctx.json {
        output::json(
            io.out,
            &json!({ "db": global.db, "org": ctx.org, "schema_version": version }),
        )?;
    } else {
        writeln!(
            io.out,
            "rule database ready: {} (schema v{version}, organization `{}`)",
            global.db.display(),
            ctx.org
        )?;
    }
    Ok(Status::Success)
}
