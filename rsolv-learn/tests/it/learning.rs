use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use rsolv_core::{Language, OrgId, VulnClass};
use rsolv_learn::{
    Error, GeneratedRule, GenerationRequest, LearnOptions, LearningSystem, OptimizeOptions,
    RuleCatalog, RuleGenerator, SecurityFix, SecurityProfile, SynthesizerGenerator,
};
use rsolv_rules::{Engine, ScanOptions};
use rsolv_store::{Feedback, RuleFilter, RuleStore, SqliteStore, TestCaseKind};

const BEFORE: &str = "import yaml\n\ndef load(path):\n    with open(path) as stream:\n        return yaml.load(stream, Loader=yaml.Loader)\n";
const AFTER: &str = "import yaml\n\ndef load(path):\n    with open(path) as stream:\n        return yaml.safe_load(stream)\n";

fn fix() -> SecurityFix {
    SecurityFix::new(BEFORE, AFTER, Language::Python)
        .with_class(Some(VulnClass::InsecureDeserialization))
        .with_path("svc/config.py")
        .with_issue(Some("42".into()))
}

fn codebase(dir: &Path) {
    let files = [
        ("svc/config.py", AFTER.to_owned()),
        ("svc/plugins.py", "import yaml\n\ndef manifest(text):\n    return yaml.load(text, Loader=yaml.Loader)\n\ndef many(fs):\n    return [yaml.load(f, Loader=yaml.Loader) for f in fs]\n".to_owned()),
        ("svc/cache.py", "import yaml\n\nclass C:\n    def get(self, raw):\n        return yaml.load(raw, Loader=yaml.Loader)\n".to_owned()),
        ("svc/safe.py", "import yaml\n\ndef ok(t):\n    return yaml.safe_load(t)\n".to_owned()),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("test step")).expect("test step");
        std::fs::write(path, text).expect("test step");
    }
}

fn catalog(store: &Arc<dyn RuleStore>, org: &str) -> RuleCatalog {
    RuleCatalog::new(store.clone(), OrgId::new(org).expect("test step"))
}

#[tokio::test]
async fn learning_finds_and_fixes_the_other_instances() {
    let dir = tempfile::tempdir().expect("test step");
    codebase(dir.path());
    let store: Arc<dyn RuleStore> = Arc::new(SqliteStore::open_in_memory().expect("test step"));
    let acme = catalog(&store, "acme");
    let system = LearningSystem::new(acme.clone(), "tester");
    let options = LearnOptions {
        scan: vec![dir.path().join("svc")],
        apply: true,
        scan_options: ScanOptions::default(),
    };
    let result = system
        .process_fix(fix(), &options)
        .await
        .expect("test step");
    let rule = result.rule.as_ref().expect("a rule is learned");
    assert_eq!(result.additional_findings.len(), 3, "{result:#?}");
    assert_eq!(result.fixes_applied, 3);
    assert_eq!(result.fixes.len(), 2);
    assert!(result.fixes.iter().all(|f| f.applied));
    assert_eq!(result.coverage.rules_before, 0);
    assert_eq!(result.coverage.rules_after, 1);
    assert_eq!(result.coverage.flagged_lines_after, 3);
    let plugins = std::fs::read_to_string(dir.path().join("svc/plugins.py")).expect("test step");
    assert!(
        plugins.contains("yaml.safe_load(text)") && plugins.contains("yaml.safe_load(f)"),
        "{plugins}"
    );

    // Stored with metadata, test cases, audit entry and metrics.
    let stored = store
        .get_rule(acme.org(), &rule.id)
        .await
        .expect("test step")
        .expect("test step");
    assert_eq!(
        stored.vulnerability_type,
        Some(VulnClass::InsecureDeserialization)
    );
    assert_eq!(stored.created_from_issue.as_deref(), Some("42"));
    assert!(
        stored.yaml.contains("organization_id: acme"),
        "{}",
        stored.yaml
    );
    let cases = store
        .test_cases(acme.org(), &rule.id)
        .await
        .expect("test step");
    assert_eq!(
        cases.iter().map(|c| c.kind).collect::<Vec<_>>(),
        [TestCaseKind::Positive, TestCaseKind::Negative]
    );
    let audit = store
        .audit_log(acme.org(), Some(&rule.id))
        .await
        .expect("test step");
    assert!(audit[0].reason.contains("svc/config.py"), "{audit:?}");
    let metrics = store
        .metrics(acme.org(), &rule.id)
        .await
        .expect("test step")
        .expect("test step");
    assert_eq!(metrics.matches, 3);

    // Nothing is left to find.
    let engine = Engine::new(acme.compiled_rules().await.expect("test step"));
    let again = engine.scan_paths(&[dir.path().join("svc")], &ScanOptions::default());
    assert!(again.matches.is_empty(), "{:?}", again.matches);

    // Learning the same fix again (on the now fixed codebase) keeps the
    // rule id and adds no duplicate examples.
    let twice = system
        .process_fix(fix(), &options)
        .await
        .expect("test step");
    assert_eq!(twice.rule.map(|r| r.id), Some(rule.id.clone()));
    assert!(twice.additional_findings.is_empty());
    let thrice = system
        .process_fix(fix(), &options)
        .await
        .expect("test step");
    assert_eq!(
        thrice.rule.map(|r| r.outcome),
        Some(rsolv_store::PutOutcome::Unchanged)
    );
    assert_eq!(
        store
            .test_cases(acme.org(), &rule.id)
            .await
            .expect("test step")
            .len(),
        2
    );

    // The exported Semgrep test passes in the embedded test runner.
    let tests = tempfile::tempdir().expect("test step");
    let test = rsolv_learn::semgrep_test(&stored.yaml, &stored.rule_id, Language::Python, &cases);
    std::fs::write(tests.path().join("r.yaml"), &test.yaml).expect("test step");
    std::fs::write(tests.path().join("r.py"), &test.code).expect("test step");
    let report = rsolv_rules::run_rule_tests(&[tests.path().to_owned()]).expect("test step");
    assert!(report.all_passed(), "{report:#?}\n{}", test.code);
}

/// A generator that proposes what it was given.
#[derive(Debug)]
struct Canned(Vec<&'static str>);

#[async_trait]
impl RuleGenerator for Canned {
    fn name(&self) -> &str {
        "canned"
    }
    async fn generate(&self, _: &GenerationRequest<'_>) -> rsolv_learn::Result<Vec<GeneratedRule>> {
        Ok(self
            .0
            .iter()
            .map(|y| GeneratedRule {
                generator: "canned".into(),
                yaml: (*y).to_owned(),
                synthesis: None,
            })
            .collect())
    }
}

#[tokio::test]
async fn invalid_candidates_are_reported_never_stored() {
    let store: Arc<dyn RuleStore> = Arc::new(SqliteStore::open_in_memory().expect("test step"));
    let acme = catalog(&store, "acme");
    let bad = vec![
        "rules: [this is: not: yaml",
        "rules:\n- id: too-broad\n  message: m\n  severity: ERROR\n  languages: [python]\n  pattern: yaml.$F(...)\n",
        "rules:\n- id: misses\n  message: m\n  severity: ERROR\n  languages: [python]\n  pattern: pickle.loads(...)\n",
        "rules:\n- id: wrong-lang\n  message: m\n  severity: ERROR\n  languages: [java]\n  pattern: yaml.load(...)\n",
        "rules:\n- id: foreign\n  message: m\n  severity: ERROR\n  languages: [python]\n  pattern: yaml.load(...)\n  metadata:\n    organization_id: globex\n",
    ];
    let system = LearningSystem::new(acme.clone(), "tester")
        .with_generators(vec![Box::new(Canned(bad.clone()))]);
    let result = system
        .process_fix(fix(), &LearnOptions::default())
        .await
        .expect("test step");
    assert!(result.rule.is_none());
    assert_eq!(result.rejected.len(), bad.len(), "{:#?}", result.rejected);
    assert!(
        result.rejected[1].reason.contains("matches the fixed code"),
        "{:?}",
        result.rejected[1]
    );
    assert!(
        result.rejected[2]
            .reason
            .contains("does not match the vulnerable"),
        "{:?}",
        result.rejected[2]
    );
    assert!(
        store
            .list_rules(acme.org(), &RuleFilter::default())
            .await
            .expect("test step")
            .is_empty()
    );
    assert!(
        store
            .audit_log(acme.org(), None)
            .await
            .expect("test step")
            .is_empty()
    );

    // A good candidate after bad ones is stored; the synthesizer is a
    // fallback generator like any other.
    let system = LearningSystem::new(acme.clone(), "tester")
        .with_generators(vec![Box::new(Canned(bad)), Box::new(SynthesizerGenerator)]);
    let result = system
        .process_fix(fix(), &LearnOptions::default())
        .await
        .expect("test step");
    assert_eq!(result.rule.expect("test step").generator, "synthesizer");
}

#[tokio::test]
async fn a_candidate_that_breaks_stored_test_cases_is_rejected() {
    let store: Arc<dyn RuleStore> = Arc::new(SqliteStore::open_in_memory().expect("test step"));
    let acme = catalog(&store, "acme");
    let system = LearningSystem::new(acme.clone(), "tester");
    system
        .process_fix(fix(), &LearnOptions::default())
        .await
        .expect("test step");
    // This candidate separates the fix, but flags `yaml.safe_load`, which
    // the stored rule's safe example says is fine.
    let collides = "rules:\n- id: any-yaml\n  message: m\n  severity: ERROR\n  languages: [python]\n  patterns:\n    - pattern: yaml.$F($X, ...)\n    - pattern-not-inside: |\n        with open(path) as stream:\n            return yaml.safe_load(stream)\n";
    let system = LearningSystem::new(acme.clone(), "tester")
        .with_generators(vec![Box::new(Canned(vec![collides]))]);
    let result = system
        .process_fix(fix(), &LearnOptions::default())
        .await
        .expect("test step");
    assert!(result.rule.is_none(), "{result:#?}");
    let report = result.rejected[0].validation.as_ref().expect("test step");
    assert_eq!(report.collisions.len(), 1, "{report:#?}");
}

#[tokio::test]
async fn organizations_stay_isolated_through_the_loop() {
    let dir = tempfile::tempdir().expect("test step");
    codebase(dir.path());
    let store: Arc<dyn RuleStore> = Arc::new(SqliteStore::open_in_memory().expect("test step"));
    let (acme, globex) = (catalog(&store, "acme"), catalog(&store, "globex"));
    let options = LearnOptions {
        scan: vec![dir.path().join("svc")],
        apply: false,
        scan_options: ScanOptions::default(),
    };
    let learned = LearningSystem::new(acme.clone(), "a")
        .process_fix(fix(), &options)
        .await
        .expect("test step");
    let id = learned.rule.expect("test step").id;
    assert!(
        store
            .get_rule(globex.org(), &id)
            .await
            .expect("test step")
            .is_none()
    );
    assert!(
        store
            .findings(globex.org(), None)
            .await
            .expect("test step")
            .is_empty()
    );
    assert!(globex.compiled_rules().await.expect("test step").is_empty());
    // Acme's findings cannot be judged from globex.
    let finding = learned.additional_findings[0]
        .finding_id
        .expect("test step");
    assert!(
        store
            .set_feedback(globex.org(), finding, Feedback::FalsePositive, "g", None)
            .await
            .is_err()
    );
    // Globex learning the same fix gets its own rule, its own findings, and
    // its coverage starts from zero.
    let theirs = LearningSystem::new(globex.clone(), "g")
        .process_fix(fix(), &options)
        .await
        .expect("test step");
    assert_eq!(theirs.coverage.rules_before, 0);
    assert!(
        theirs
            .rule
            .expect("test step")
            .yaml
            .contains("organization_id: globex")
    );
    assert_eq!(
        store
            .findings(globex.org(), None)
            .await
            .expect("test step")
            .len(),
        3
    );
    assert_eq!(
        store
            .findings(acme.org(), None)
            .await
            .expect("test step")
            .len(),
        3
    );
}

#[tokio::test]
async fn optimize_refines_false_positives_and_profile_reports() {
    let dir = tempfile::tempdir().expect("test step");
    codebase(dir.path());
    let store: Arc<dyn RuleStore> = Arc::new(SqliteStore::open_in_memory().expect("test step"));
    let acme = catalog(&store, "acme");
    let options = LearnOptions {
        scan: vec![dir.path().join("svc")],
        apply: false,
        scan_options: ScanOptions::default(),
    };
    let result = LearningSystem::new(acme.clone(), "a")
        .process_fix(fix(), &options)
        .await
        .expect("test step");
    let id = result.rule.expect("test step").id;
    let findings = &result.additional_findings;
    // The cache is trusted input: a false positive; the others are real.
    for f in findings {
        let verdict = if f.path.ends_with("cache.py") {
            Feedback::FalsePositive
        } else {
            Feedback::TruePositive
        };
        store
            .set_feedback(
                acme.org(),
                f.finding_id.expect("test step"),
                verdict,
                "a",
                None,
            )
            .await
            .expect("test step");
    }
    let report = rsolv_learn::optimize(&acme, "a", &OptimizeOptions::default())
        .await
        .expect("test step");
    assert_eq!(report.refined.len(), 1, "{report:#?}");
    let refined = &report.refined[0];
    assert_eq!((refined.from_version, refined.to_version), (1, 2));
    assert!(
        refined.precision_before.expect("test step") < refined.precision_after.expect("test step")
    );
    let history = store.history(acme.org(), &id).await.expect("test step");
    assert!(
        history[1].reason.contains("precision 67% -> 100%"),
        "{history:?}"
    );
    let engine = Engine::new(acme.compiled_rules().await.expect("test step"));
    let matches = engine
        .scan_paths(&[dir.path().join("svc")], &ScanOptions::default())
        .matches;
    assert_eq!(matches.len(), 2, "{matches:?}");

    let profile = SecurityProfile::compute(&acme, &rsolv_learn::now_rfc3339())
        .await
        .expect("test step");
    assert_eq!((profile.total_rules, profile.learned_rules), (1, 1));
    assert_eq!(
        profile.top_vulnerability_types,
        [(VulnClass::InsecureDeserialization, 1)]
    );
    assert!(profile.learning_velocity > 0.0);
    assert!(profile.to_html().contains("<svg"));
}

#[tokio::test]
async fn duplicates_are_retired_not_deleted() {
    let store: Arc<dyn RuleStore> = Arc::new(SqliteStore::open_in_memory().expect("test step"));
    let acme = catalog(&store, "acme");
    let dir = tempfile::tempdir().expect("test step");
    let a = dir.path().join("a.yaml");
    std::fs::write(&a, "rules:\n- id: a\n  message: m\n  severity: ERROR\n  languages: [python]\n  pattern: eval($X)\n- id: b\n  message: m2\n  severity: ERROR\n  languages: [python]\n  pattern: eval($Y)\n").expect("test step");
    acme.add_files(
        &[a],
        rsolv_learn::AddMode::CreateOnly,
        &rsolv_store::ChangeInfo::new("t", "r"),
    )
    .await
    .expect("test step");
    let report = rsolv_learn::optimize(&acme, "t", &OptimizeOptions::default())
        .await
        .expect("test step");
    assert_eq!(report.duplicates.len(), 1, "{report:#?}");
    let b = store
        .get_rule(acme.org(), &report.duplicates[0].rule_id)
        .await
        .expect("test step")
        .expect("test step");
    assert!(!b.enabled);
}

#[test]
fn unsupported_language_is_an_error() {
    let fix = SecurityFix::new("a", "b", Language::Generic);
    assert!(matches!(
        rsolv_learn::RuleSynthesizer::default().synthesize(&fix),
        Err(Error::UnsupportedLanguage { .. })
    ));
}

#[tokio::test]
async fn a_fix_through_a_sanitized_copy_is_replayed_with_its_import() {
    let dir = tempfile::tempdir().expect("test step");
    let files = [
        (
            "tools/run.py",
            "import os, shlex\n\ndef run(cmd):\n    safe = shlex.quote(cmd)\n    os.system(safe)\n",
        ),
        (
            "tools/build.py",
            "\"\"\"Build helpers.\"\"\"\nimport os\n\ndef build(target):\n    os.system(target)\n",
        ),
        (
            "tools/clean.py",
            "import os\nimport shlex\n\ndef clean(d):\n    q = shlex.quote(d)\n    print(q)\n    os.system(q)\n\ndef purge(d):\n    os.system(d)\n",
        ),
    ];
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("test step")).expect("test step");
        std::fs::write(path, text).expect("test step");
    }
    let fix = SecurityFix::new(
        "import os\n\ndef run(cmd):\n    os.system(cmd)\n",
        files[0].1,
        Language::Python,
    )
    .with_class(Some(VulnClass::CommandInjection))
    .with_path("tools/run.py");
    let store: Arc<dyn RuleStore> = Arc::new(SqliteStore::open_in_memory().expect("test step"));
    let system = LearningSystem::new(catalog(&store, "acme"), "tester");
    let options = LearnOptions {
        scan: vec![dir.path().join("tools")],
        apply: true,
        scan_options: ScanOptions::default(),
    };
    let result = system.process_fix(fix, &options).await.expect("test step");
    let rule = result.rule.as_ref().expect("a rule is learned");
    assert!(rule.yaml.contains("pattern-not-inside"), "{}", rule.yaml);
    // The fixed file and the sanitized copy in clean.py are not findings.
    let mut found: Vec<(String, usize)> = result
        .additional_findings
        .iter()
        .map(|f| {
            let name = f.path.file_name().expect("test step");
            (name.to_string_lossy().into_owned(), f.line)
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [("build.py".to_owned(), 5), ("clean.py".to_owned(), 10)],
        "{}",
        rule.yaml
    );
    assert_eq!(result.fixes_applied, 2);
    let build = std::fs::read_to_string(dir.path().join("tools/build.py")).expect("test step");
    assert_eq!(
        build,
        "\"\"\"Build helpers.\"\"\"\nimport os\nimport shlex\n\ndef build(target):\n    os.system(shlex.quote(target))\n"
    );
    // clean.py imports shlex already: only the call changes.
    let clean = std::fs::read_to_string(dir.path().join("tools/clean.py")).expect("test step");
    assert_eq!(clean.matches("import shlex").count(), 1, "{clean}");
    assert!(clean.contains("os.system(shlex.quote(d))"), "{clean}");
}
