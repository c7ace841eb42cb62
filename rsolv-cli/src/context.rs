//! What every command needs: the open store, the organization, the actor.

use std::sync::Arc;

use anyhow::Context as _;
use rsolv_core::OrgId;
use rsolv_learn::RuleCatalog;
use rsolv_store::{ChangeInfo, RuleStore, SqliteStore};

use crate::GlobalArgs;

/// The open database and who is acting on it.
pub(crate) struct Context {
    pub(crate) store: Arc<SqliteStore>,
    pub(crate) org: OrgId,
    pub(crate) actor: String,
    pub(crate) json: bool,
}

impl Context {
    /// Open the database named by `--db`, migrating it if needed.
    ///
    /// Commands that only read pass `create = false`, so that a mistyped
    /// path is an error instead of a new empty database.
    pub(crate) fn open(global: &GlobalArgs, create: bool) -> anyhow::Result<Self> {
        if !create && !global.db.exists() {
            anyhow::bail!(
                "no rule database at {} (run `rsolv init`, or pass --db / set RSOLV_DB)",
                global.db.display()
            );
        }
        let store = SqliteStore::open(&global.db)
            .with_context(|| format!("cannot open rule database {}", global.db.display()))?;
        let actor = global
            .actor
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "rsolv-cli".to_owned());
        Ok(Self {
            store: Arc::new(store),
            org: global.org.clone(),
            actor,
            json: global.json,
        })
    }

    pub(crate) fn catalog(&self) -> RuleCatalog {
        let store: Arc<dyn RuleStore> = self.store.clone();
        RuleCatalog::new(store, self.org.clone())
    }

    pub(crate) fn change(&self, reason: &str) -> ChangeInfo {
        ChangeInfo {
            actor: self.actor.clone(),
            reason: reason.to_owned(),
        }
    }
}
