//! The SQLite backend of [`RuleStore`].

mod audit;
mod findings;
mod migrations;
mod row;
mod rules;
mod schema;
mod search;
mod suppressions;
mod test_cases;
mod worker;

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use async_trait::async_trait;
use rsolv_core::OrgId;
use tokio::sync::oneshot;

use self::schema::Target;
use self::worker::WorkerHandle;
use crate::{
    AuditEntry, ChangeInfo, Error, Feedback, NewFinding, NewRule, NewTestCase, PutOutcome, Result,
    RuleFilter, RuleMetrics, RuleStore, RuleVersion, SearchHit, StoredFinding, StoredRule,
    TestCase,
};
use crate::{NewSuppression, Suppression};

/// A [`RuleStore`] in a SQLite database.
///
/// The connection lives on a dedicated thread; the async methods queue work
/// for it and await the answer, so no SQLite call ever blocks the async
/// runtime. Writes take SQLite's write lock up front (`BEGIN IMMEDIATE`),
/// and file databases use WAL with a busy timeout, so several stores, even
/// in several processes, can share one file. Clones share the thread; the
/// thread ends when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    worker: WorkerHandle,
    schema_version: u32,
}

impl SqliteStore {
    /// The schema version this build creates and migrates to.
    pub const SCHEMA_VERSION: u32 = migrations::LATEST_VERSION;

    /// Opens (creating it and its parent directories if needed) and
    /// migrates the database at `path`.
    ///
    /// This waits for the worker thread to open the file; async code that
    /// must not block can use [`SqliteStore::connect`].
    ///
    /// # Errors
    ///
    /// [`Error::SchemaTooNew`] if a newer rsolv wrote the file,
    /// [`Error::Migration`] if a migration step fails, [`Error::Io`] if the
    /// directory cannot be created, [`Error::Database`] otherwise.
    pub fn open(path: &Path) -> Result<Self> {
        Self::start_blocking(file_target(path)?)
    }

    /// Opens a private in-memory database, gone when the store is dropped.
    pub fn open_in_memory() -> Result<Self> {
        Self::start_blocking(Target::Memory)
    }

    /// Like [`SqliteStore::open`], but awaits the worker instead of
    /// blocking the calling thread.
    pub async fn connect(path: &Path) -> Result<Self> {
        let target = file_target(path)?;
        let (ready, answer) = oneshot::channel();
        let worker = WorkerHandle::spawn(target, move |result| {
            let _ = ready.send(result);
        })?;
        let schema_version = answer.await.map_err(|_| Error::WorkerGone)??;
        Ok(Self {
            worker,
            schema_version,
        })
    }

    /// The database's schema version (`PRAGMA user_version`) after opening.
    pub fn schema_version(&self) -> u32 {
        self.schema_version
    }

    /// Starts the worker and waits until it has opened the database.
    fn start_blocking(target: Target) -> Result<Self> {
        let (ready, answer) = mpsc::sync_channel(1);
        let worker = WorkerHandle::spawn(target, move |result| {
            let _ = ready.send(result);
        })?;
        let schema_version = answer.recv().map_err(|_| Error::WorkerGone)??;
        Ok(Self {
            worker,
            schema_version,
        })
    }
}

/// A file target, with its parent directory created.
fn file_target(path: &Path) -> Result<Target> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
    }
    Ok(Target::File(PathBuf::from(path)))
}

#[async_trait]
impl RuleStore for SqliteStore {
    async fn put_rule(
        &self,
        org: &OrgId,
        rule: NewRule,
        change: &ChangeInfo,
    ) -> Result<(StoredRule, PutOutcome)> {
        let (org, change) = (org.clone(), change.clone());
        self.worker
            .call("put_rule", move |conn| {
                rules::put_rule(conn, &org, rule, &change)
            })
            .await
    }

    async fn put_rules(
        &self,
        org: &OrgId,
        rules: Vec<NewRule>,
        change: &ChangeInfo,
    ) -> Result<Vec<(StoredRule, PutOutcome)>> {
        let (org, change) = (org.clone(), change.clone());
        self.worker
            .call("put_rules", move |conn| {
                rules::put_rules(conn, &org, rules, &change)
            })
            .await
    }

    async fn get_rule(&self, org: &OrgId, rule_id: &str) -> Result<Option<StoredRule>> {
        let (org, rule_id) = (org.clone(), rule_id.to_owned());
        self.worker
            .call("get_rule", move |conn| {
                Ok(rules::find(conn, &org, &rule_id)?.map(|(_, rule)| rule))
            })
            .await
    }

    async fn list_rules(&self, org: &OrgId, filter: &RuleFilter) -> Result<Vec<StoredRule>> {
        let (org, filter) = (org.clone(), filter.clone());
        self.worker
            .call("list_rules", move |conn| rules::list(conn, &org, &filter))
            .await
    }

    async fn set_enabled(
        &self,
        org: &OrgId,
        rule_id: &str,
        enabled: bool,
        change: &ChangeInfo,
    ) -> Result<StoredRule> {
        let (org, rule_id, change) = (org.clone(), rule_id.to_owned(), change.clone());
        self.worker
            .call("set_enabled", move |conn| {
                rules::set_enabled(conn, &org, &rule_id, enabled, &change)
            })
            .await
    }

    async fn delete_rule(&self, org: &OrgId, rule_id: &str, change: &ChangeInfo) -> Result<bool> {
        let (org, rule_id, change) = (org.clone(), rule_id.to_owned(), change.clone());
        self.worker
            .call("delete_rule", move |conn| {
                rules::delete(conn, &org, &rule_id, &change)
            })
            .await
    }

    async fn history(&self, org: &OrgId, rule_id: &str) -> Result<Vec<RuleVersion>> {
        let (org, rule_id) = (org.clone(), rule_id.to_owned());
        self.worker
            .call("history", move |conn| rules::history(conn, &org, &rule_id))
            .await
    }

    async fn rollback(
        &self,
        org: &OrgId,
        rule_id: &str,
        to_version: u32,
        change: &ChangeInfo,
    ) -> Result<StoredRule> {
        let (org, rule_id, change) = (org.clone(), rule_id.to_owned(), change.clone());
        self.worker
            .call("rollback", move |conn| {
                rules::rollback(conn, &org, &rule_id, to_version, &change)
            })
            .await
    }

    async fn search(&self, org: &OrgId, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let (org, query) = (org.clone(), query.to_owned());
        self.worker
            .call("search", move |conn| {
                search::search(conn, &org, &query, limit)
            })
            .await
    }

    async fn add_test_cases(
        &self,
        org: &OrgId,
        rule_id: &str,
        cases: Vec<NewTestCase>,
    ) -> Result<Vec<TestCase>> {
        let (org, rule_id) = (org.clone(), rule_id.to_owned());
        self.worker
            .call("add_test_cases", move |conn| {
                test_cases::add(conn, &org, &rule_id, cases)
            })
            .await
    }

    async fn test_cases(&self, org: &OrgId, rule_id: &str) -> Result<Vec<TestCase>> {
        let (org, rule_id) = (org.clone(), rule_id.to_owned());
        self.worker
            .call("test_cases", move |conn| {
                test_cases::list(conn, &org, &rule_id)
            })
            .await
    }

    async fn record_findings(
        &self,
        org: &OrgId,
        findings: Vec<NewFinding>,
    ) -> Result<Vec<StoredFinding>> {
        let org = org.clone();
        self.worker
            .call("record_findings", move |conn| {
                findings::record(conn, &org, findings)
            })
            .await
    }

    async fn set_feedback(
        &self,
        org: &OrgId,
        finding_id: i64,
        feedback: Feedback,
        actor: &str,
        note: Option<String>,
    ) -> Result<StoredFinding> {
        let (org, actor) = (org.clone(), actor.to_owned());
        self.worker
            .call("set_feedback", move |conn| {
                findings::set_feedback(conn, &org, finding_id, feedback, &actor, note)
            })
            .await
    }

    async fn findings(&self, org: &OrgId, rule_id: Option<&str>) -> Result<Vec<StoredFinding>> {
        let (org, rule_id) = (org.clone(), rule_id.map(str::to_owned));
        self.worker
            .call("findings", move |conn| {
                findings::list(conn, &org, rule_id.as_deref())
            })
            .await
    }

    async fn metrics(&self, org: &OrgId, rule_id: &str) -> Result<Option<RuleMetrics>> {
        let (org, rule_id) = (org.clone(), rule_id.to_owned());
        self.worker
            .call("metrics", move |conn| {
                findings::metrics(conn, &org, &rule_id)
            })
            .await
    }

    async fn audit_log(&self, org: &OrgId, rule_id: Option<&str>) -> Result<Vec<AuditEntry>> {
        let (org, rule_id) = (org.clone(), rule_id.map(str::to_owned));
        self.worker
            .call("audit_log", move |conn| {
                audit::list(conn, &org, rule_id.as_deref())
            })
            .await
    }

    async fn add_suppression(
        &self,
        org: &OrgId,
        suppression: NewSuppression,
        actor: &str,
    ) -> Result<Suppression> {
        let (org, actor) = (org.clone(), actor.to_owned());
        self.worker
            .call("add_suppression", move |conn| {
                suppressions::add(conn, &org, suppression, &actor)
            })
            .await
    }

    async fn suppressions(&self, org: &OrgId) -> Result<Vec<Suppression>> {
        let org = org.clone();
        self.worker
            .call("suppressions", move |conn| suppressions::list(conn, &org))
            .await
    }

    async fn remove_suppression(&self, org: &OrgId, id: i64) -> Result<bool> {
        let org = org.clone();
        self.worker
            .call("remove_suppression", move |conn| {
                suppressions::remove(conn, &org, id)
            })
            .await
    }
}
