//! `rsolv suppress`: the organization's suppressions — findings of one
//! vulnerability class under matching paths are dropped from `rsolv
//! classify` and `rsolv scan` output.

use clap::Subcommand;
use rsolv_core::VulnClass;
use rsolv_store::{NewSuppression, RuleStore, Suppression};
use serde_json::json;

use crate::context::Context;
use crate::{GlobalArgs, Io, Status, output};

/// `rsolv suppress ...`
#[derive(Debug, Subcommand)]
pub enum SuppressCommand {
    /// Suppress findings of a label under matching paths.
    Add {
        /// The vulnerability class (e.g. `information_disclosure`).
        #[arg(long)]
        label: VulnClass,
        /// Which paths: a glob such as `tests/**` or `**/*_test.go`.
        #[arg(long, default_value = "**")]
        path: String,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
    },
    /// List the organization's suppressions.
    List,
    /// Remove a suppression by id.
    Remove {
        /// The suppression's id (see `suppress list`).
        id: i64,
    },
}

pub(crate) async fn run(
    global: &GlobalArgs,
    command: SuppressCommand,
    io: &mut Io<'_>,
) -> anyhow::Result<Status> {
    match command {
        SuppressCommand::Add {
            label,
            path,
            reason,
        } => {
            let ctx = Context::open(global, true)?;
            let new = NewSuppression {
                label,
                path_glob: path,
                reason,
            };
            let stored = ctx.store.add_suppression(&ctx.org, new, &ctx.actor).await?;
            if ctx.json {
                output::json(io.out, &stored)?;
            } else {
                writeln!(
                    io.out,
                    "suppression {} added: {} in {}",
                    stored.id, stored.label, stored.path_glob
                )?;
            }
        }
        SuppressCommand::List => {
            let ctx = Context::open(global, false)?;
            let all = ctx.store.suppressions(&ctx.org).await?;
            if ctx.json {
                output::json(io.out, &all)?;
            } else if all.is_empty() {
                writeln!(io.out, "no suppressions in organization `{}`", ctx.org)?;
            } else {
                let mut table = output::table(["ID", "LABEL", "PATH", "BY", "REASON"]);
                for s in &all {
                    table.add_row([
                        s.id.to_string(),
                        s.label.to_string(),
                        s.path_glob.clone(),
                        s.created_by.clone(),
                        s.reason.clone().unwrap_or_default(),
                    ]);
                }
                output::print_table(io.out, &table)?;
            }
        }
        SuppressCommand::Remove { id } => {
            let ctx = Context::open(global, false)?;
            if !ctx.store.remove_suppression(&ctx.org, id).await? {
                anyhow::bail!("no suppression {id} in organization `{}`", ctx.org);
            }
            if ctx.json {
                output::json(io.out, &json!({ "removed": id }))?;
            } else {
                writeln!(io.out, "suppression {id} removed")?;
            }
        }
    }
    Ok(Status::Success)
}

/// The organization's suppressions, or none when there is no database yet
/// (classifying and scanning must not create one).
pub(crate) async fn load(global: &GlobalArgs) -> anyhow::Result<Vec<Suppression>> {
    if !global.db.exists() {
        return Ok(Vec::new());
    }
    let ctx = Context::open(global, false)?;
    Ok(ctx.store.suppressions(&ctx.org).await?)
}

/// The first suppression matching a finding of `label` in `path`.
pub(crate) fn matching<'a>(
    suppressions: &'a [Suppression],
    label: VulnClass,
    path: &str,
) -> Option<&'a Suppression> {
    suppressions.iter().find(|s| s.matches(label, path))
}

/// Drop the scan matches a suppression covers and return how many. A
/// match's label is its rule's `metadata` class (`vulnerability_class`,
/// `cwe`, …) or else what the bundled classifier says about its rule id,
/// message and path.
pub(crate) fn filter_scan(
    suppressions: &[Suppression],
    report: &mut rsolv_rules::ScanReport,
    rules: &[&rsolv_rules::CompiledRule],
) -> anyhow::Result<usize> {
    if suppressions.is_empty() {
        return Ok(0);
    }
    let classes: std::collections::HashMap<&str, Option<VulnClass>> = rules
        .iter()
        .map(|r| (r.id.as_str(), r.metadata.vuln_class()))
        .collect();
    let model = rsolv_classify::NgramModel::bundled()?;
    let before = report.matches.len();
    report.matches.retain(|m| {
        let path = m.path.to_string_lossy();
        let label = classes
            .get(m.rule_id.as_str())
            .copied()
            .flatten()
            .unwrap_or_else(|| {
                use rsolv_classify::LabelScorer as _;
                let text = rsolv_classify::FindingText::new(&m.rule_id, &m.message, path.as_ref());
                model.predict(&text, 1).label
            });
        matching(suppressions, label, &path).is_none()
    });
    Ok(before - report.matches.len())
}
