//! `rsolv learn`: the learning loop on one fix (or every file of a commit).

use std::time::Duration;

use rsolv_learn::{
    ExternalCommandGenerator, LearnOptions, LearningResult, LearningSystem, RuleGenerator,
    SynthesizerGenerator,
};
use rsolv_rules::ScanOptions;

use super::fix_input::fixes_from;
use crate::context::Context;
use crate::{GlobalArgs, Io, LearnArgs, Status, output};

pub(crate) async fn run(
    global: &GlobalArgs,
    args: &LearnArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<Status> {
    let fixes = fixes_from(&args.fix)?;
    let ctx = Context::open(global, true)?;
    let generator: Box<dyn RuleGenerator> = match &args.generator_cmd {
        Some(cmd) => Box::new(ExternalCommandGenerator::new(
            cmd.clone(),
            Duration::from_secs(args.generator_timeout),
        )),
        None => Box::new(SynthesizerGenerator),
    };
    let system =
        LearningSystem::new(ctx.catalog(), ctx.actor.clone()).with_generators(vec![generator]);
    let options = LearnOptions {
        scan: args.scan.clone(),
        apply: args.apply,
        scan_options: ScanOptions::default(),
    };
    let mut results = Vec::new();
    for fix in fixes {
        results.push(system.process_fix(fix, &options).await?);
    }
    let learned = results.iter().any(|r| r.rule.is_some());
    if ctx.json {
        if results.len() == 1 {
            output::json(io.out, &results[0])?;
        } else {
            output::json(io.out, &results)?;
        }
    } else {
        for result in &results {
            print(result, args.apply, io)?;
        }
    }
    Ok(if learned {
        Status::Success
    } else {
        Status::Fatal
    })
}

pub(crate) fn print(result: &LearningResult, apply: bool, io: &mut Io<'_>) -> anyhow::Result<()> {
    for rejected in &result.rejected {
        writeln!(
            io.err,
            "rejected candidate from {}: {}",
            rejected.generator, rejected.reason
        )?;
    }
    let Some(rule) = &result.rule else {
        writeln!(io.out, "no rule learned: no candidate passed validation")?;
        return Ok(());
    };
    let outcome = match rule.outcome {
        rsolv_store::PutOutcome::Created => "new",
        rsolv_store::PutOutcome::Updated => "updated",
        rsolv_store::PutOutcome::Unchanged => "already stored",
    };
    writeln!(
        io.out,
        "learned {} (version {}, {outcome}) with the {}",
        rule.id, rule.version, rule.generator
    )?;
    if let Some(chosen) = rule
        .candidates
        .iter()
        .find(|c| c.verdict == rsolv_learn::Verdict::Chosen)
    {
        writeln!(io.out, "  pattern:     {}", chosen.pattern)?;
        if let Some(not) = &chosen.pattern_not {
            writeln!(io.out, "  pattern-not: {not}")?;
        }
        if let Some(inside) = &chosen.pattern_not_inside {
            let lines: Vec<&str> = inside.lines().collect();
            writeln!(io.out, "  not inside:  {}", lines.join("\n               "))?;
        }
        if let Some(fix) = &chosen.fix {
            writeln!(io.out, "  fix:         {fix}")?;
        }
        writeln!(
            io.out,
            "  generality:  {} ({} of {} rungs valid)",
            chosen.level,
            rule.candidates
                .iter()
                .filter(|c| matches!(
                    c.verdict,
                    rsolv_learn::Verdict::Chosen | rsolv_learn::Verdict::Valid
                ))
                .count(),
            rule.candidates.len()
        )?;
    }
    if let Some(v) = &result.validation {
        writeln!(
            io.out,
            "  validated:   matches the vulnerable code, not the fixed code; {} stored test case(s) checked, {} broken",
            v.test_cases_checked,
            v.collisions.len()
        )?;
    }
    if !result.additional_findings.is_empty() {
        writeln!(
            io.out,
            "found {} instance(s) in the codebase:",
            result.additional_findings.len()
        )?;
        for f in &result.additional_findings {
            let id = f
                .finding_id
                .map_or(String::new(), |i| format!("[finding {i}] "));
            writeln!(
                io.out,
                "  {id}{}:{}:{}  {}",
                f.path.display(),
                f.line,
                f.col,
                f.matched.split_whitespace().collect::<Vec<_>>().join(" ")
            )?;
        }
    }
    for file in &result.fixes {
        if file.applied {
            writeln!(
                io.out,
                "fixed {} instance(s) in {}",
                file.instances,
                file.path.display()
            )?;
        } else {
            write!(io.out, "{}", file.diff)?;
        }
    }
    if !apply && !result.fixes.is_empty() {
        writeln!(io.out, "(run with --apply to write these fixes)")?;
    }
    let c = &result.coverage;
    writeln!(
        io.out,
        "coverage: {} -> {} rule(s); {} -> {} flagged line(s) in the scanned code",
        c.rules_before, c.rules_after, c.flagged_lines_before, c.flagged_lines_after
    )?;
    Ok(())
}
