//! `rsolv synthesize`: a rule from a fix, printed; nothing is stored.

use anyhow::Context as _;
use rsolv_learn::{RuleSynthesizer, SynthesisOptions};

use super::fix_input::fixes_from;
use crate::{GlobalArgs, Io, Status, SynthesizeArgs, output};

pub(crate) fn run(
    global: &GlobalArgs,
    args: &SynthesizeArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<Status> {
    let fixes = fixes_from(&args.fix)?;
    let synthesizer = RuleSynthesizer::new(SynthesisOptions {
        org: Some(global.org.clone()),
        codebase: args.scan.clone(),
        rule_id: None,
    });
    let mut results = Vec::new();
    let mut failures = Vec::new();
    for fix in &fixes {
        match synthesizer.synthesize(fix) {
            Ok(s) => results.push(s),
            Err(e) => failures.push(format!(
                "{}: {e}",
                fix.path
                    .as_deref()
                    .map_or_else(|| "fix".into(), |p| p.display().to_string())
            )),
        }
    }
    for failure in &failures {
        writeln!(io.err, "warning: {failure}")?;
    }
    if results.is_empty() {
        anyhow::bail!("no rule could be synthesized");
    }
    if global.json {
        output::json(io.out, &results)?;
    } else {
        let yaml = results
            .iter()
            .map(|s| s.yaml.as_str())
            .collect::<Vec<_>>()
            .join("---\n");
        match &args.output {
            Some(path) => {
                rsolv_rules::write_atomically(path, &yaml)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                for s in &results {
                    writeln!(io.err, "{}: {} ({})", path.display(), s.rule.id, s.level)?;
                }
            }
            None => write!(io.out, "{yaml}")?,
        }
    }
    Ok(Status::Success)
}
