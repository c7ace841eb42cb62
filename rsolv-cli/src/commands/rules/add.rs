//! `rsolv rules add` and `rsolv rules import`.

use std::path::PathBuf;

use rsolv_learn::AddMode;

use crate::context::Context;
use crate::{Io, Status, output};

pub(super) async fn run(
    ctx: &Context,
    files: &[PathBuf],
    mode: AddMode,
    reason: &str,
    io: &mut Io<'_>,
) -> anyhow::Result<Status> {
    let report = match ctx
        .catalog()
        .add_files(files, mode, &ctx.change(reason))
        .await
    {
        Ok(report) => report,
        Err(rsolv_learn::Error::InvalidRules {
            path,
            count,
            diagnostics,
        }) => {
            for diagnostic in &diagnostics {
                writeln!(io.err, "{diagnostic}")?;
            }
            writeln!(
                io.err,
                "error: {}: {count} invalid rule(s); nothing was stored",
                path.display()
            )?;
            return Ok(Status::InvalidConfig);
        }
        Err(err) => return Err(err.into()),
    };
    for warning in &report.warnings {
        writeln!(io.err, "{warning}")?;
    }
    if ctx.json {
        output::json(io.out, &report)?;
        return Ok(Status::Success);
    }
    for (verb, ids) in [
        ("created", &report.created),
        ("updated", &report.updated),
        ("unchanged", &report.unchanged),
    ] {
        for id in ids {
            writeln!(io.out, "{verb:>9}  {id}")?;
        }
    }
    writeln!(
        io.out,
        "{} created, {} updated, {} unchanged in organization `{}`",
        report.created.len(),
        report.updated.len(),
        report.unchanged.len(),
        ctx.org
    )?;
    Ok(Status::Success)
}
