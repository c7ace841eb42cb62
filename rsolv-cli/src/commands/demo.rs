//! `rsolv demo`: the whole learning loop on a bundled example application,
//! in a temporary database.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use rsolv_core::{Language, OrgId, VulnClass};
use rsolv_learn::{LearnOptions, LearningSystem, RuleCatalog, SecurityFix, SecurityProfile};
use rsolv_rules::{Engine, ScanOptions};
use rsolv_store::{Feedback, RuleStore, SqliteStore};
use serde_json::json;

use crate::{DemoArgs, GlobalArgs, Io, Status, output};

/// The example application (`examples/learning-demo`), as shipped.
const APP: &[(&str, &str)] = &[
    (
        "app/config.py",
        include_str!("../../../examples/learning-demo/app/config.py"),
    ),
    (
        "app/plugins.py",
        include_str!("../../../examples/learning-demo/app/plugins.py"),
    ),
    (
        "app/cache.py",
        include_str!("../../../examples/learning-demo/app/cache.py"),
    ),
    (
        "app/safe.py",
        include_str!("../../../examples/learning-demo/app/safe.py"),
    ),
];
/// `app/config.py` before the developer's fix.
const CONFIG_BEFORE: &str = include_str!("../../../examples/learning-demo/fix/config_before.py");

pub(crate) async fn run(
    global: &GlobalArgs,
    args: &DemoArgs,
    io: &mut Io<'_>,
) -> anyhow::Result<Status> {
    let temp;
    let root: PathBuf = match &args.dir {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_owned()
        }
    };
    for (name, text) in APP {
        let path = root.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let json_mode = global.json;
    let store: Arc<dyn RuleStore> = Arc::new(SqliteStore::open_in_memory()?);
    let org = OrgId::new("demo")?;
    let catalog = RuleCatalog::new(store.clone(), org.clone());
    let system = LearningSystem::new(catalog.clone(), "rsolv-demo");
    let app = root.join("app");
    if !json_mode {
        writeln!(
            io.out,
            "== 1. a developer fixed app/config.py (issue DEMO-1):"
        )?;
        write!(
            io.out,
            "{}",
            rsolv_rules::unified_diff(Path::new("app/config.py"), CONFIG_BEFORE, APP[0].1)
        )?;
        writeln!(
            io.out,
            "\n== 2. rsolv learns from the fix and scans {}",
            app.display()
        )?;
    }
    let fix = SecurityFix::new(CONFIG_BEFORE, APP[0].1, Language::Python)
        .with_class(Some(VulnClass::InsecureDeserialization))
        .with_path("app/config.py")
        .with_issue(Some("DEMO-1".into()));
    let options = LearnOptions {
        scan: vec![app.clone()],
        apply: true,
        scan_options: ScanOptions::default(),
    };
    let result = system.process_fix(fix, &options).await?;
    if !json_mode {
        super::learn::print(&result, true, io)?;
    }
    // The developer confirms the findings: feedback feeds the metrics.
    for finding in &result.additional_findings {
        if let Some(id) = finding.finding_id {
            store
                .set_feedback(&org, id, Feedback::TruePositive, "rsolv-demo", None)
                .await?;
        }
    }
    // Scan again: the mistake is gone everywhere.
    let rules = catalog.compiled_rules().await?;
    let remaining = Engine::new(rules)
        .scan_paths(&[app], &ScanOptions::default())
        .matches
        .len();
    let profile = SecurityProfile::compute(&catalog, &rsolv_learn::now_rfc3339()).await?;
    if json_mode {
        output::json(
            io.out,
            &json!({ "learning": result, "remaining_findings": remaining, "profile": profile }),
        )?;
    } else {
        writeln!(
            io.out,
            "\n== 3. after the fixes, a new scan finds {remaining} instance(s)"
        )?;
        writeln!(io.out, "\n== 4. the organization's profile")?;
        super::profile::print(&profile, io)?;
    }
    Ok(if result.rule.is_some() && remaining == 0 {
        Status::Success
    } else {
        Status::Fatal
    })
}
