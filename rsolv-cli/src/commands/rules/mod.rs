//! `rsolv rules ...`: the organization's rule database.

mod add;
mod audit;
mod export;
mod export_tests;
mod history;
mod list;
mod rollback;
mod search;
mod show;
mod toggle;
mod validate;

use crate::context::Context;
use crate::{GlobalArgs, Io, RulesCommand, Status};

pub(crate) async fn run(
    global: &GlobalArgs,
    command: RulesCommand,
    io: &mut Io<'_>,
) -> anyhow::Result<Status> {
    use rsolv_learn::AddMode;
    // Only `add` and `import` may create the database; `validate` never
    // opens it.
    let open = |create| Context::open(global, create);
    match command {
        RulesCommand::ExportTests { dir } => export_tests::run(&open(false)?, &dir, io).await,
        RulesCommand::Validate { files } => validate::run(&files, global.json, io),
        RulesCommand::Add { files, reason } => {
            add::run(&open(true)?, &files, AddMode::CreateOnly, &reason, io).await
        }
        RulesCommand::Import { files, reason } => {
            add::run(&open(true)?, &files, AddMode::Upsert, &reason, io).await
        }
        RulesCommand::List {
            enabled,
            disabled,
            vuln_type,
            language,
        } => {
            let enabled = match (enabled, disabled) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            };
            list::run(
                &open(false)?,
                rsolv_store::RuleFilter {
                    enabled,
                    vulnerability_type: vuln_type,
                    language,
                },
                io,
            )
            .await
        }
        RulesCommand::Show { id } => show::run(&open(false)?, &id, io).await,
        RulesCommand::Enable { id, reason } => {
            toggle::run(&open(false)?, &id, true, &reason, io).await
        }
        RulesCommand::Disable { id, reason } => {
            toggle::run(&open(false)?, &id, false, &reason, io).await
        }
        RulesCommand::History { id } => history::run(&open(false)?, &id, io).await,
        RulesCommand::Rollback { id, to, reason } => {
            rollback::run(&open(false)?, &id, to, &reason, io).await
        }
        RulesCommand::Search { text, limit } => {
            search::run(&open(false)?, &text.join(" "), limit, io).await
        }
        RulesCommand::Export {
            format,
            output,
            include_disabled,
        } => {
            export::run(
                &open(false)?,
                format,
                output.as_deref(),
                include_disabled,
                io,
            )
            .await
        }
        RulesCommand::Audit { id } => audit::run(&open(false)?, id.as_deref(), io).await,
    }
}

/// The error for a rule id that the organization does not have.
fn not_found(ctx: &Context, id: &str) -> anyhow::Error {
    anyhow::anyhow!("no rule `{id}` in organization `{}`", ctx.org)
}
