//! Benchmark of the rule synthesizer on the semgrep-rules test files.
//!
//! For each rule with a test file, one `ruleid:` example is taken as the
//! vulnerable code and the `ok:` example closest to it as its fix; a rule is
//! synthesized from that pair alone and run over the whole test file.
//! Reported: how many pairs gave a rule that passed validation, the recall
//! on the other `ruleid:` lines, and the precision over all flagged lines,
//! next to an exact-text baseline (flag lines identical to the example).
//! The pairs are also split in two halves by a hash of their file and rule
//! id (`A` and `B`), so that a heuristic tuned on one half can be checked on
//! the other.
//!
//! ```text
//! git --git-dir=/work/.mirror/semgrep+semgrep-rules/repo --work-tree=/tmp/semgrep-rules checkout HEAD -- .
//! cargo run --release -p rsolv-learn --example semgrep_rules_benchmark -- /tmp/semgrep-rules [--json out.jsonl]
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use std::sync::Arc;

use rsolv_core::{Language, OrgId};
use rsolv_learn::{OptimizeOptions, RuleCatalog, RuleSynthesizer, SecurityFix, new_rule_from};
use rsolv_rules::{AnnotationKind, CompiledRule, Engine, parse_annotations};

#[derive(Default, Clone, Copy)]
struct Tally {
    pairs: usize,
    accepted: usize,
    other_positives: usize,
    recalled: usize,
    flagged: usize,
    flagged_true: usize,
    base_recalled: usize,
    base_flagged: usize,
    base_flagged_true: usize,
    opt_flagged: usize,
    opt_false: usize,
    opt_true: usize,
    opt_refined: usize,
    opt_disabled: usize,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.pairs += o.pairs;
        self.accepted += o.accepted;
        self.other_positives += o.other_positives;
        self.recalled += o.recalled;
        self.flagged += o.flagged;
        self.flagged_true += o.flagged_true;
        self.base_recalled += o.base_recalled;
        self.base_flagged += o.base_flagged;
        self.base_flagged_true += o.base_flagged_true;
        self.opt_flagged += o.opt_flagged;
        self.opt_false += o.opt_false;
        self.opt_true += o.opt_true;
        self.opt_refined += o.opt_refined;
        self.opt_disabled += o.opt_disabled;
    }
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "n/a".into()
    } else {
        format!("{:.1}%", 100.0 * a as f64 / b as f64)
    }
}

/// The half (`A` or `B`) a pair falls in: FNV-1a of its file and rule id,
/// stable across runs and machines.
fn half(file: &Path, rule: &str) -> &'static str {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in file
        .to_string_lossy()
        .bytes()
        .chain([0])
        .chain(rule.bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    if h & 1 == 0 { "A" } else { "B" }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The statement that starts on 1-based `line`: the outermost node starting
/// at the line's first non-blank byte that is not a block.
fn statement_at(
    tree: &tree_sitter::Tree,
    text: &str,
    line: usize,
) -> Option<std::ops::Range<usize>> {
    let start_of_line = text
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum::<usize>();
    let line_text = text[start_of_line..].lines().next()?;
    let indent = line_text.len() - line_text.trim_start().len();
    if line_text.trim().is_empty() {
        return None;
    }
    let at = start_of_line + indent;
    let mut node = tree.root_node().descendant_for_byte_range(at, at)?;
    while let Some(parent) = node.parent() {
        if parent.start_byte() != node.start_byte()
            || parent.parent().is_none()
            || is_statement_list(parent.kind())
        {
            break;
        }
        node = parent;
    }
    (node.parent().is_some()).then(|| node.byte_range())
}

/// The RFC's loop on one learned rule: store it with its two examples,
/// record its findings on the test file, judge each (a `ruleid:` line is a
/// true positive, any other line a false one), run `optimize`, and scan
/// again with what is left enabled. Returns the `opt_*` counts: the flagged
/// lines, the false and the true ones among them (a rule that `optimize`
/// disables loses its true positives too), and whether the rule was refined
/// or disabled.
async fn after_optimize(
    synthesis: &rsolv_learn::Synthesis,
    target: &Path,
    lang: Language,
    text: &str,
    engine: &Engine,
    positives: &BTreeSet<usize>,
) -> Result<Tally, Box<dyn std::error::Error>> {
    use rsolv_store::{
        ChangeInfo, Feedback, NewFinding, NewTestCase, RuleStore, SqliteStore, TestCaseKind,
    };
    let store: Arc<dyn RuleStore> = Arc::new(SqliteStore::open_in_memory()?);
    let catalog = RuleCatalog::new(store.clone(), OrgId::new("bench")?);
    let org = catalog.org().clone();
    let change = ChangeInfo::new("bench", "learned");
    let (stored, _) = store
        .put_rule(&org, new_rule_from(&synthesis.rule)?, &change)
        .await?;
    let mut cases = vec![NewTestCase {
        kind: TestCaseKind::Positive,
        language: lang.as_str().to_owned(),
        code: synthesis.site.before_text.clone(),
        description: None,
    }];
    if let Some(after) = &synthesis.site.after_text {
        cases.push(NewTestCase {
            kind: TestCaseKind::Negative,
            language: lang.as_str().to_owned(),
            code: after.clone(),
            description: None,
        });
    }
    store.add_test_cases(&org, &stored.rule_id, cases).await?;
    let matches = engine.scan_source(target, lang, text).matches;
    let findings: Vec<NewFinding> = matches
        .iter()
        .enumerate()
        .map(|(i, m)| NewFinding {
            rule_id: stored.rule_id.clone(),
            ..rsolv_learn::to_new_finding(m, i, None)
        })
        .collect();
    for f in store.record_findings(&org, findings).await? {
        let verdict = if positives.contains(&(f.start_line as usize)) {
            Feedback::TruePositive
        } else {
            Feedback::FalsePositive
        };
        store
            .set_feedback(&org, f.id, verdict, "bench", None)
            .await?;
    }
    let report = rsolv_learn::optimize(&catalog, "bench", &OptimizeOptions::default()).await?;
    let engine = Engine::new(catalog.compiled_rules().await?);
    let flagged: BTreeSet<usize> = engine
        .scan_source(target, lang, text)
        .matches
        .iter()
        .map(|m| m.start.line)
        .collect();
    Ok(Tally {
        opt_flagged: flagged.len(),
        opt_false: flagged.difference(positives).count(),
        opt_true: flagged.intersection(positives).count(),
        opt_refined: report.refined.len(),
        opt_disabled: report.disabled.len(),
        ..Tally::default()
    })
}

/// The lines where `engine`'s findings on `text` start.
fn flagged_lines(engine: &Engine, target: &Path, lang: Language, text: &str) -> BTreeSet<usize> {
    engine
        .scan_source(target, lang, text)
        .matches
        .iter()
        .map(|m| m.start.line)
        .collect()
}

/// Nodes whose children are statements: a statement that starts one is
/// not the list itself.
fn is_statement_list(kind: &str) -> bool {
    kind.ends_with("block")
        || kind.ends_with("body")
        || matches!(
            kind,
            "module" | "program" | "source_file" | "statement_list" | "then" | "else" | "do"
        )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let root = PathBuf::from(args.get(1).map_or("/tmp/semgrep-rules", String::as_str));
    let mut jsonl = match args.iter().position(|a| a == "--json") {
        Some(i) => Some(std::fs::File::create(&args[i + 1])?),
        None => None,
    };
    // BENCH_ONLY=path-part prints every candidate of the matching files.
    let only = std::env::var("BENCH_ONLY").ok();
    let mut files = Vec::new();
    walk(&root, &mut files);
    let yamls: BTreeSet<PathBuf> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .cloned()
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let mut by_lang: BTreeMap<(&'static str, &'static str), Tally> = BTreeMap::new();
    let mut failures: BTreeMap<String, usize> = BTreeMap::new();
    let started = Instant::now();
    for target in &files {
        let Some(lang) = Language::from_path(target) else {
            continue;
        };
        if !yamls.contains(&target.with_extension("yaml"))
            && !yamls.contains(&target.with_extension("yml"))
        {
            continue;
        }
        if target.extension().is_some_and(|e| e == "tsx" || e == "jsx") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(target) else {
            continue;
        };
        let Some(grammar) = rsolv_rules::tree_sitter_language(lang, false) else {
            continue;
        };
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&grammar)?;
        let Some(tree) = parser.parse(&text, None) else {
            continue;
        };
        let annotations = parse_annotations(&text);
        let mut ids: BTreeSet<&str> = BTreeSet::new();
        for a in &annotations {
            ids.insert(a.rule_id.as_str());
        }
        for id in ids {
            let positives: BTreeSet<usize> = annotations
                .iter()
                .filter(|a| a.rule_id == id && a.expects_finding())
                .map(|a| a.line)
                .collect();
            let negatives: Vec<usize> = annotations
                .iter()
                .filter(|a| a.rule_id == id && a.kind == AnnotationKind::Ok)
                .map(|a| a.line)
                .collect();
            let (Some(&example), false) = (positives.iter().next(), negatives.is_empty()) else {
                continue;
            };
            let Some(vuln) = statement_at(&tree, &text, example) else {
                continue;
            };
            let vuln_text = &text[vuln.clone()];
            let best_ok = negatives
                .iter()
                .filter_map(|&l| statement_at(&tree, &text, l))
                .map(|r| {
                    // An identical statement is no fix: the closest one that
                    // differs, when there is one.
                    let differs = text[r.clone()] != *vuln_text;
                    let ratio = similar::TextDiff::from_chars(vuln_text, &text[r.clone()]).ratio();
                    (r, (differs, ratio))
                })
                .max_by(|a, b| {
                    (a.1.0.cmp(&b.1.0))
                        .then(a.1.1.total_cmp(&b.1.1))
                        .then(b.0.start.cmp(&a.0.start))
                });
            let Some((ok, _)) = best_ok else { continue };
            let mut after = String::with_capacity(text.len());
            after.push_str(&text[..vuln.start]);
            after.push_str(&text[ok.clone()]);
            after.push_str(&text[vuln.end..]);
            let rel = target.strip_prefix(&root).unwrap_or(target);
            let tally = by_lang.entry((lang.as_str(), half(rel, id))).or_default();
            tally.pairs += 1;
            let others: BTreeSet<usize> = positives
                .iter()
                .copied()
                .filter(|&l| l != example)
                .collect();
            // Exact-text baseline: lines identical to the example line.
            let example_line = text.lines().nth(example - 1).unwrap_or_default().trim();
            let base: BTreeSet<usize> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| l.trim() == example_line)
                .map(|(i, _)| i + 1)
                .collect();
            tally.other_positives += others.len();
            tally.base_recalled += base.intersection(&others).count();
            tally.base_flagged += base.len();
            tally.base_flagged_true += base.intersection(&positives).count();

            let fix = SecurityFix::new(text.clone(), after, lang)
                .with_path(target.file_name().map(PathBuf::from).unwrap_or_default());
            let synthesis = match RuleSynthesizer::default().synthesize(&fix) {
                Ok(s) => s,
                Err(e) => {
                    let key = e
                        .to_string()
                        .split(" (")
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    *failures.entry(key.clone()).or_insert(0) += 1;
                    if let Some(out) = jsonl.as_mut() {
                        writeln!(
                            out,
                            "{}",
                            serde_json::json!({
                                "file": rel, "half": half(rel, id),
                                "rule": id, "error": e.to_string(),
                                "vulnerable": vuln_text, "fixed": &text[ok.clone()],
                            })
                        )?;
                    }
                    continue;
                }
            };
            tally.accepted += 1;
            if only
                .as_deref()
                .is_some_and(|o| target.to_string_lossy().contains(o))
            {
                eprintln!("== {} {id}", target.display());
                for c in &synthesis.candidates {
                    eprintln!(
                        "  {:<16} {:?} {:?} | not {:?} | {:?}",
                        c.level, c.verdict, c.pattern, c.pattern_not, c.codebase_matches
                    );
                }
            }
            let Ok(compiled) = CompiledRule::compile(&synthesis.rule) else {
                continue;
            };
            let engine = Engine::new(vec![compiled]);
            let flagged = flagged_lines(&engine, target, lang, &text);
            // BENCH_BARE=1 prints the ruleid lines the positive pattern
            // alone finds and the rule's exclusions lose.
            if std::env::var("BENCH_BARE").is_ok() {
                let mut bare = synthesis.rule.clone();
                bare.patterns = Some(vec![rsolv_rules::Operator::Pattern(
                    synthesis.pattern.clone(),
                )]);
                if let Ok(c) = CompiledRule::compile(&bare) {
                    let f2 = flagged_lines(&Engine::new(vec![c]), target, lang, &text);
                    let lost: Vec<usize> = f2
                        .intersection(&others)
                        .filter(|l| !flagged.contains(l))
                        .copied()
                        .collect();
                    if !lost.is_empty() {
                        eprintln!(
                            "BARE {} {id} {:?} lost {:?}",
                            rel.display(),
                            synthesis.pattern,
                            lost
                        );
                    }
                }
            }
            let optimized = runtime.block_on(after_optimize(
                &synthesis, target, lang, &text, &engine, &positives,
            ))?;
            tally.add(&optimized);
            tally.recalled += flagged.intersection(&others).count();
            tally.flagged += flagged.len();
            tally.flagged_true += flagged.intersection(&positives).count();
            if let Some(out) = jsonl.as_mut() {
                let fp: Vec<usize> = flagged.difference(&positives).copied().collect();
                let missed: Vec<usize> = others.difference(&flagged).copied().collect();
                writeln!(
                    out,
                    "{}",
                    serde_json::json!({
                        "file": rel, "half": half(rel, id),
                        "rule": id, "pattern": synthesis.pattern, "level": synthesis.level,
                        "verdicts": synthesis.candidates.iter().map(|c| format!("{}:{:?}", c.level, c.verdict)).collect::<Vec<_>>(),
                        "false_positive_lines": fp, "missed_lines": missed,
                        "others": others.len(), "recalled": flagged.intersection(&others).count(),
                        "vulnerable": vuln_text, "fixed": &text[ok.clone()],
                    })
                )?;
            }
        }
    }
    let mut total = Tally::default();
    let mut langs: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut halves: BTreeMap<&str, Tally> = BTreeMap::new();
    for ((lang, h), t) in &by_lang {
        langs.entry(lang).or_default().add(t);
        halves.entry(h).or_default().add(t);
        total.add(t);
    }
    let row = |name: &str, t: &Tally| {
        println!(
            "{name:<11} {:>6} {:>9} {:>8} {:>9} {:>12} {:>14}",
            t.pairs,
            pct(t.accepted, t.pairs),
            pct(t.recalled, t.other_positives),
            pct(t.flagged_true, t.flagged),
            pct(t.base_recalled, t.other_positives),
            pct(t.base_flagged_true, t.base_flagged),
        );
    };
    println!(
        "{:<11} {:>6} {:>9} {:>8} {:>9} {:>12} {:>14}",
        "language", "pairs", "accepted", "recall", "precision", "exact recall", "exact precision"
    );
    for (lang, t) in &langs {
        row(lang, t);
    }
    row("all", &total);
    for (h, t) in &halves {
        row(&format!("half {h}"), t);
    }
    let t = total;
    println!(
        "false-positive rate after `optimize` (every flagged line judged): {} -> {} ({} of {} flagged lines)",
        pct(t.flagged - t.flagged_true, t.flagged),
        pct(t.opt_false, t.opt_flagged),
        t.opt_false,
        t.opt_flagged,
    );
    println!(
        "true lines still flagged after `optimize`: {} of {} ({})",
        t.opt_true,
        t.flagged_true,
        pct(t.opt_true, t.flagged_true),
    );
    println!(
        "rules `optimize` refined: {}, disabled: {}",
        t.opt_refined, t.opt_disabled,
    );
    println!(
        "other ruleid lines: {}, flagged lines: {}, time: {:.1}s",
        t.other_positives,
        t.flagged,
        started.elapsed().as_secs_f64()
    );
    let identical = failures
        .iter()
        .filter(|(r, _)| r.contains("identical"))
        .map(|(_, n)| *n)
        .sum::<usize>();
    println!(
        "accepted among the {} pairs whose two examples differ: {}",
        t.pairs - identical,
        pct(t.accepted, t.pairs - identical)
    );
    for (reason, n) in failures {
        println!("  not accepted: {n:>4}  {reason}");
    }
    Ok(())
}
