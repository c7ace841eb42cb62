//! `rsolv rules export-tests DIR`: each rule with its stored test cases as
//! a Semgrep test (`ID.yaml` + `ID.<ext>`).

use std::path::Path;

use anyhow::Context as _;
use rsolv_core::Language;
use rsolv_store::{RuleFilter, RuleStore};

use crate::context::Context;
use crate::{Io, Status, output};

pub(super) async fn run(ctx: &Context, dir: &Path, io: &mut Io<'_>) -> anyhow::Result<Status> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::new();
    for rule in ctx
        .store
        .list_rules(&ctx.org, &RuleFilter::default())
        .await?
    {
        let cases = ctx.store.test_cases(&ctx.org, &rule.rule_id).await?;
        let Some(lang) = rule
            .languages
            .iter()
            .find_map(|l| l.parse::<Language>().ok())
        else {
            continue;
        };
        if cases.is_empty() {
            continue;
        }
        let test = rsolv_learn::semgrep_test(&rule.yaml, &rule.rule_id, lang, &cases);
        let yaml = dir.join(format!("{}.yaml", rule.rule_id));
        let code = dir.join(format!("{}.{}", rule.rule_id, test.extension));
        rsolv_rules::write_atomically(&yaml, &test.yaml)?;
        rsolv_rules::write_atomically(&code, &test.code)?;
        written.push(serde_json::json!({ "rule_id": rule.rule_id, "rule": yaml, "target": code, "cases": cases.len() }));
    }
    if ctx.json {
        output::json(io.out, &written)?;
    } else {
        writeln!(
            io.out,
            "wrote {} Semgrep test(s) to {}",
            written.len(),
            dir.display()
        )?;
    }
    Ok(Status::Success)
}
