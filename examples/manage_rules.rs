//! Store rule files in an organization's database, version one, export all.
//!
//! ```sh
//! cargo run --example manage_rules -- examples/rules
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use rsolv::core::OrgId;
use rsolv::learn::{AddMode, RuleCatalog};
use rsolv::store::{ChangeInfo, RuleFilter, RuleStore, SqliteStore};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let paths = if paths.is_empty() {
        vec![PathBuf::from("examples/rules")]
    } else {
        paths
    };

    let dir = tempfile::tempdir()?;
    let store: Arc<dyn RuleStore> = Arc::new(SqliteStore::open(&dir.path().join("rsolv.db"))?);
    let org = OrgId::new("example-org")?;
    let catalog = RuleCatalog::new(store.clone(), org.clone());

    let change = ChangeInfo {
        actor: "example".into(),
        reason: "initial import".into(),
    };
    let report = catalog.add_files(&paths, AddMode::Upsert, &change).await?;
    println!(
        "created {} rule(s), {} warning(s)",
        report.created.len(),
        report.warnings.len()
    );

    for rule in store.list_rules(&org, &RuleFilter::default()).await? {
        let class = rule
            .vulnerability_type
            .map_or("-".to_owned(), |c| c.to_string());
        println!(
            "{:<40} v{} {:<8} {class}",
            rule.rule_id, rule.version, rule.severity
        );
    }

    if let Some(first) = report.created.first() {
        let reason = ChangeInfo {
            actor: "example".into(),
            reason: "too noisy".into(),
        };
        store.set_enabled(&org, first, false, &reason).await?;
        println!("disabled {first}; history:");
        for version in store.history(&org, first).await? {
            println!(
                "  v{} {} by {}: {}",
                version.version, version.change, version.actor, version.reason
            );
        }
    }

    let yaml = catalog.export_yaml(false).await?;
    println!(
        "export of the enabled rules: {} lines of Semgrep YAML",
        yaml.lines().count()
    );
    Ok(())
}
