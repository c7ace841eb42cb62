//! `rsolv rules export`.

use std::path::Path;

use anyhow::Context as _;
use rsolv_store::RuleFilter;

use crate::cli::ExportFormat;
use rsolv_store::RuleStore;

use crate::context::Context;
use crate::{Io, Status, output};

pub(super) async fn run(
    ctx: &Context,
    format: ExportFormat,
    path: Option<&Path>,
    include_disabled: bool,
    io: &mut Io<'_>,
) -> anyhow::Result<Status> {
    let text = match format {
        ExportFormat::Semgrep => ctx.catalog().export_yaml(include_disabled).await?,
        ExportFormat::Json => {
            let filter = RuleFilter {
                enabled: if include_disabled { None } else { Some(true) },
                ..Default::default()
            };
            let mut buf = Vec::new();
            output::json(&mut buf, &ctx.store.list_rules(&ctx.org, &filter).await?)?;
            String::from_utf8(buf)?
        }
    };
    match path {
        None => io.out.write_all(text.as_bytes())?,
        Some(path) => {
            rsolv_rules::write_atomically(path, &text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            writeln!(io.err, "wrote {}", path.display())?;
        }
    }
    Ok(Status::Success)
}
