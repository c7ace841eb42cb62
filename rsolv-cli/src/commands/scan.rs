//! `rsolv scan`: run rules over a codebase.

use std::io::Write;

use anyhow::Context as _;
use rsolv_rules::{
    CompiledRule, Engine, RuleFile, RuleMatch, ScanOptions, ScanReport, Scanner, SemgrepCli,
};

use crate::cli::EngineKind;

use crate::context::Context;
use crate::{GlobalArgs, Io, ScanArgs, Status, output};

pub(crate) async fn run(
    global: &GlobalArgs,
    args: &ScanArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<Status> {
    let (raw, rules) = match load_rules(global, args, io).await? {
        Ok(rules) => rules,
        Err(status) => return Ok(status),
    };
    let engine: std::sync::Arc<dyn Scanner> = match args.engine {
        EngineKind::Rsolv => {
            let mut engine = Engine::new(rules);
            engine.set_taint_intrafile(args.taint_intrafile);
            std::sync::Arc::new(engine)
        }
        EngineKind::Semgrep => {
            let cli = SemgrepCli::new(raw);
            if cli.version().is_none() {
                anyhow::bail!(
                    "--engine semgrep: no runnable `semgrep` on PATH (pip install semgrep)"
                );
            }
            std::sync::Arc::new(cli)
        }
    };
    let options = ScanOptions {
        max_file_bytes: args.max_target_bytes,
        respect_ignore_files: !args.no_git_ignore,
        jobs: args.jobs,
    };
    let paths = args.paths.clone();
    let scanner = engine.clone();
    // Scanning is CPU-bound (rayon inside): keep it off the async runtime.
    let progress = ProgressBar::for_terminal();
    let mut report = tokio::task::spawn_blocking(move || {
        let report = scanner.scan_with_progress(&paths, &options, &progress);
        progress.finish();
        report
    })
    .await??;

    let suppressed = super::suppress::filter_scan(
        &super::suppress::load(global).await?,
        &mut report,
        &engine.compiled_rules(),
    )?;
    if args.autofix {
        apply_fixes(&report, &engine.compiled_rules(), args.dryrun, io)?;
    }
    // Findings go straight to stdout; with --output, into a buffer that is
    // then written atomically.
    let mut buffer = Vec::new();
    {
        let out: &mut dyn Write = if args.output.is_some() {
            &mut buffer
        } else {
            &mut *io.out
        };
        let rules = engine.compiled_rules();
        if args.sarif {
            output::json(out, &rsolv_rules::to_sarif(&report, rules.into_iter()))?;
        } else if global.json {
            let mut writer = std::io::BufWriter::new(&mut *out);
            rsolv_rules::write_semgrep_json(&mut writer, &report, rules.into_iter())?;
            writeln!(writer)?;
            writer.flush()?;
        } else {
            print_text(out, &report)?;
        }
    }
    if let Some(path) = &args.output {
        rsolv_rules::write_atomically(path, &String::from_utf8(buffer)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    for error in report.errors.iter().filter(|e| e.level == "error") {
        writeln!(io.err, "error: {}", error.message)?;
    }
    let files_with_findings = {
        let mut paths: Vec<_> = report.matches.iter().map(|m| &m.path).collect();
        paths.dedup();
        paths.len()
    };
    writeln!(
        io.err,
        "Ran {} rule(s) on {} file(s): {} finding(s) in {} file(s){}.",
        engine.compiled_rules().len(),
        report.scanned.len(),
        report.matches.len(),
        files_with_findings,
        if suppressed > 0 {
            format!(", {suppressed} suppressed")
        } else {
            String::new()
        }
    )?;
    Ok(if args.error && !report.matches.is_empty() {
        Status::Findings
    } else {
        Status::Success
    })
}

/// The rules to run: `--config` files, or the organization's enabled rules;
/// as written (for `semgrep`) and compiled (for the embedded engine).
async fn load_rules(
    global: &GlobalArgs,
    args: &ScanArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<Result<(RuleFile, Vec<CompiledRule>), Status>> {
    if args.config.is_empty() {
        let ctx = Context::open(global, false)
            .context("no rules to run: pass --config FILE, or add rules with `rsolv rules add`")?;
        let raw = ctx.catalog().export(false).await?;
        let rules: Vec<CompiledRule> = raw
            .rules
            .iter()
            .filter_map(|r| CompiledRule::compile(r).ok())
            .collect();
        if raw.rules.is_empty() {
            anyhow::bail!(
                "organization `{}` has no enabled rules; add some with `rsolv rules add`",
                ctx.org
            );
        }
        return Ok(Ok((raw, rules)));
    }
    let mut raw = RuleFile::default();
    let mut rules = Vec::new();
    let mut invalid = false;
    for file in rsolv_learn::collect_rule_files(&args.config)? {
        let loaded = rsolv_rules::load_rules(&file)?;
        for diagnostic in &loaded.diagnostics {
            writeln!(io.err, "{diagnostic}")?;
        }
        if loaded.has_errors() {
            invalid = true;
            continue;
        }
        rules.extend(loaded.compile()?);
        raw.rules.extend(loaded.file.rules);
    }
    if invalid {
        writeln!(
            io.err,
            "error: invalid rule configuration; nothing was scanned"
        )?;
        return Ok(Err(Status::InvalidConfig));
    }
    Ok(Ok((raw, rules)))
}

fn print_text(out: &mut dyn Write, report: &ScanReport) -> anyhow::Result<()> {
    for m in &report.matches {
        writeln!(
            out,
            "{}:{}:{}  {}  {}",
            m.path.display(),
            m.start.line,
            m.start.col,
            m.severity,
            m.rule_id
        )?;
        for line in m.message.lines() {
            writeln!(out, "    {line}")?;
        }
        for (i, line) in m.lines.lines().enumerate().take(5) {
            let line: String = line.chars().take(160).collect();
            writeln!(out, "    {:>5} │ {}", m.start.line + i, line.trim_end())?;
        }
        if let Some(fix) = &m.fix {
            writeln!(out, "    fix: {}", output::truncate(fix, 160))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn apply_fixes(
    report: &ScanReport,
    rules: &[&CompiledRule],
    dryrun: bool,
    io: &mut Io<'_>,
) -> anyhow::Result<()> {
    // The imports each rule's fix needs (learned rules keep them in their
    // metadata), added where a file's fixes use them.
    let imports: std::collections::HashMap<&str, Vec<rsolv_learn::AddedImport>> = rules
        .iter()
        .map(|r| (r.id.as_str(), rsolv_learn::fix_imports(&r.metadata)))
        .filter(|(_, i)| !i.is_empty())
        .collect();
    let mut by_file: std::collections::BTreeMap<&std::path::Path, Vec<&RuleMatch>> =
        Default::default();
    for m in report.matches.iter().filter(|m| m.fix.is_some()) {
        by_file.entry(m.path.as_path()).or_default().push(m);
    }
    for (path, matches) in by_file {
        let before = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let needed: Vec<rsolv_learn::AddedImport> = matches
            .iter()
            .filter_map(|m| imports.get(m.rule_id.as_str()))
            .flatten()
            .cloned()
            .collect();
        let used: Vec<&str> = matches.iter().filter_map(|m| m.fix.as_deref()).collect();
        let mut fixed = rsolv_rules::apply_fixes(&before, matches);
        if fixed.applied == 0 {
            continue;
        }
        if let Some(lang) = rsolv_core::Language::from_path(path)
            && !needed.is_empty()
        {
            fixed.text =
                rsolv_learn::add_missing_imports(lang, &fixed.text, &needed, &used.join("\n"));
        }
        if dryrun {
            io.err
                .write_all(rsolv_rules::unified_diff(path, &before, &fixed.text).as_bytes())?;
        } else {
            rsolv_rules::write_atomically(path, &fixed.text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            writeln!(
                io.err,
                "fixed {} finding(s) in {}",
                fixed.applied,
                path.display()
            )?;
        }
        if fixed.skipped_overlapping > 0 {
            writeln!(
                io.err,
                "{}: {} overlapping fix(es) skipped; run again",
                path.display(),
                fixed.skipped_overlapping
            )?;
        }
    }
    Ok(())
}

/// A progress bar on stderr, shown only when stderr is a terminal (so
/// pipes, CI logs and `--json` consumers never see it).
struct ProgressBar(Option<indicatif::ProgressBar>);

impl ProgressBar {
    fn for_terminal() -> Self {
        use std::io::IsTerminal;
        if !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = indicatif::ProgressBar::new(0);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} scanning [{bar:30}] {pos}/{len} files {msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        Self(Some(bar))
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl rsolv_rules::ScanProgress for ProgressBar {
    fn start(&self, files: usize) {
        if let Some(bar) = &self.0 {
            bar.set_length(files as u64);
        }
    }

    fn file_done(&self, _path: &std::path::Path) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }
}
