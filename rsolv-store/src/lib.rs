//! The rsolv rule database: each organization's learned Semgrep rules with
//! their full version history, test cases, findings and the feedback on
//! them, per-rule precision metrics and an append-only audit log.
//!
//! [`RuleStore`] is the async interface; [`SqliteStore`] implements it on
//! SQLite (WAL, versioned migrations, an FTS5 index for
//! [`RuleStore::search`]) with the connection on its own thread, off the
//! async runtime. Every call names the [`OrgId`](rsolv_core::OrgId) it acts
//! for and never sees another organization's data; every write is one
//! transaction.
//!
//! ```
//! use rsolv_core::{OrgId, Severity};
//! use rsolv_store::{ChangeInfo, NewRule, PutOutcome, RuleStore, SqliteStore};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//! runtime.block_on(async {
//!     let store = SqliteStore::open_in_memory()?;
//!     let org = OrgId::new("acme")?;
//!     let who = ChangeInfo::new("ana", "learned from issue #12");
//!
//!     let rule = NewRule::new(
//!         "py.sqli.format",
//!         "rules:\n- id: py.sqli.format\n  pattern: cursor.execute($Q % ...)\n",
//!         "SQL built with string formatting",
//!         Severity::Error,
//!     );
//!     let (stored, outcome) = store.put_rule(&org, rule.clone(), &who).await?;
//!     assert_eq!((stored.version, outcome), (1, PutOutcome::Created));
//!
//!     // Storing the same content again changes nothing.
//!     let (_, outcome) = store.put_rule(&org, rule, &who).await?;
//!     assert_eq!(outcome, PutOutcome::Unchanged);
//!
//!     let found = store.get_rule(&org, "py.sqli.format").await?;
//!     assert_eq!(found.map(|r| r.version), Some(1));
//!
//!     // Another organization sees nothing.
//!     let other = OrgId::new("globex")?;
//!     assert!(store.get_rule(&other, "py.sqli.format").await?.is_none());
//!
//!     let hits = store.search(&org, "formatting", 10).await?;
//!     assert_eq!(hits.len(), 1);
//!     Ok(())
//! })
//! # }
//! ```
#![deny(missing_docs)]

mod error;
mod model;
mod sqlite;
mod store;

pub use error::{Error, Result};
pub use model::{
    AuditEntry, ChangeInfo, ChangeKind, Feedback, FeedbackRecord, NewFinding, NewRule, NewTestCase,
    PutOutcome, RuleFilter, RuleMetrics, RuleVersion, SearchHit, StoredFinding, StoredRule,
    TestCase, TestCaseKind,
};
pub use model::{NewSuppression, Suppression, glob_matches};
pub use sqlite::SqliteStore;
pub use store::RuleStore;
