//! The rsolv learning orchestrator.
//!
//! Today this crate holds an organization's [`RuleCatalog`]: Semgrep rule
//! files are validated with `rsolv-rules`, stored (versioned and audited) in
//! any `rsolv-store` backend, and exported back as one Semgrep rule file.
//! Learning rules from fixes builds on it.
//!
//! ```
//! use std::sync::Arc;
//! use rsolv_core::OrgId;
//! use rsolv_learn::{AddMode, RuleCatalog};
//! use rsolv_store::{ChangeInfo, SqliteStore};
//!
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let dir = tempfile::tempdir()?;
//! let file = dir.path().join("rules.yaml");
//! std::fs::write(&file, "rules:\n  - id: no-eval\n    message: eval of $X\n    languages: [python]\n    severity: ERROR\n    pattern: eval($X)\n")?;
//!
//! let store = Arc::new(SqliteStore::open_in_memory()?);
//! let catalog = RuleCatalog::new(store, OrgId::new("acme")?);
//! let change = ChangeInfo { actor: "docs".into(), reason: "example".into() };
//! let report = catalog.add_files(&[file], AddMode::CreateOnly, &change).await?;
//! assert_eq!(report.created, ["no-eval"]);
//! assert!(catalog.export_yaml(false).await?.contains("id: no-eval"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod catalog;
mod error;

pub use catalog::{
    AddMode, ImportReport, RuleCatalog, collect_rule_files, new_rule_from, parse_stored,
};
pub use error::{Error, Result};
