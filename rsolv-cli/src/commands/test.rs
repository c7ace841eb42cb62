//! `rsolv test`: judge rule/test pairs like `semgrep --test`.

use std::io::Write;

use rsolv_rules::{TestCase, TestReport};

use crate::{GlobalArgs, Io, Status, TestArgs, output};

pub(crate) fn run(global: &GlobalArgs, args: &TestArgs, io: &mut Io<'_>) -> anyhow::Result<Status> {
    let report = rsolv_rules::run_rule_tests(&args.paths)?;
    if global.json {
        output::json(io.out, &report)?;
    } else {
        print_text(io.out, &report)?;
    }
    for rule_file in &report.missing_tests {
        writeln!(io.err, "warning: {}: no test target", rule_file.display())?;
    }
    // Like `semgrep --test`: exit 1 when a test failed.
    Ok(if report.all_passed() {
        Status::Success
    } else {
        Status::Findings
    })
}

fn print_text(out: &mut dyn Write, report: &TestReport) -> anyhow::Result<()> {
    for case in report.failures() {
        print_failure(out, case)?;
    }
    for case in report.skips() {
        let reason = case
            .skip_reason
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        writeln!(out, "- {} skipped: {reason}", case.rule_file.display())?;
    }
    if report.cases.is_empty() {
        writeln!(out, "no rule tests found")?;
    }
    writeln!(out, "{}", report.summary)?;
    Ok(())
}

fn print_failure(out: &mut dyn Write, case: &TestCase) -> anyhow::Result<()> {
    writeln!(out, "✖ {}", case.rule_file.display())?;
    for error in &case.errors {
        writeln!(out, "    error: {error}")?;
    }
    for check in case.checks.iter().filter(|c| !c.passed) {
        write!(out, "    {} in {}:", check.rule_id, check.target.display())?;
        if !check.missed_lines.is_empty() {
            write!(out, " missed lines {:?}", check.missed_lines)?;
        }
        if !check.unexpected_lines.is_empty() {
            write!(out, " unexpected lines {:?}", check.unexpected_lines)?;
        }
        writeln!(out)?;
    }
    for fix in case.fix_checks.iter().filter(|c| !c.passed) {
        writeln!(
            out,
            "    fix: autofixed {} differs from {}",
            fix.target.display(),
            fix.fixed_file.display()
        )?;
        for line in fix.diff.as_deref().unwrap_or_default().lines() {
            writeln!(out, "      {line}")?;
        }
    }
    writeln!(out)?;
    Ok(())
}
