//! The thread that owns the SQLite connection.
//!
//! SQLite calls block, so they never run on the async runtime: each store
//! has one dedicated thread holding its connection, fed jobs through a
//! channel. A job carries its own reply channel; the async caller awaits
//! the reply.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::thread;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::schema::{self, Target};
use crate::{Error, Result};

/// Work for the connection thread. It sends its own result back.
type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// The sending side of a worker; the thread stops when every handle is
/// dropped and the queued jobs are done.
#[derive(Debug, Clone)]
pub(crate) struct WorkerHandle {
    jobs: mpsc::Sender<Job>,
    name: std::sync::Arc<str>,
}

impl WorkerHandle {
    /// Starts a thread that opens and migrates `target`, reports the schema
    /// version (or the failure) through `ready`, then serves jobs.
    pub(crate) fn spawn(
        target: Target,
        ready: impl FnOnce(Result<u32>) + Send + 'static,
    ) -> Result<Self> {
        let name: std::sync::Arc<str> = target.display().into();
        let (jobs, queue) = mpsc::channel::<Job>();
        let spawned = thread::Builder::new()
            .name("rsolv-store-sqlite".to_owned())
            .spawn(move || match schema::open(&target) {
                Ok((mut conn, version)) => {
                    ready(Ok(version));
                    serve(&mut conn, &queue);
                }
                Err(err) => ready(Err(err)),
            });
        match spawned {
            Ok(_detached) => Ok(Self { jobs, name }),
            Err(_) => Err(Error::WorkerGone),
        }
    }

    /// Runs `f` on the connection thread and awaits its result.
    ///
    /// A job that has been queued runs to completion even if the returned
    /// future is dropped, so a write is either fully done or not started.
    pub(crate) async fn call<T, F>(&self, operation: &'static str, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let name = self.name.clone();
        let job: Job = Box::new(move |conn| {
            let result = f(conn).map_err(|err| err.in_operation(operation, &name));
            // The caller may have gone away; the work is done regardless.
            let _ = reply.send(result);
        });
        self.jobs.send(job).map_err(|_| Error::WorkerGone)?;
        answer.await.map_err(|_| Error::WorkerGone)?
    }
}

/// Runs jobs until every sender is gone. A panicking job drops its reply
/// channel (its caller sees [`Error::WorkerGone`]) and any transaction it
/// held rolls back; the thread keeps serving.
fn serve(conn: &mut Connection, queue: &mpsc::Receiver<Job>) {
    while let Ok(job) = queue.recv() {
        let _ = catch_unwind(AssertUnwindSafe(|| job(conn)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory_worker() -> Result<WorkerHandle> {
        let (ready, answer) = mpsc::sync_channel(1);
        let worker = WorkerHandle::spawn(Target::Memory, move |r| {
            let _ = ready.send(r);
        })?;
        answer.recv().map_err(|_| Error::WorkerGone)??;
        Ok(worker)
    }

    #[tokio::test]
    async fn jobs_run_on_the_worker_thread_not_the_runtime() -> Result<()> {
        let worker = memory_worker()?;
        let caller = thread::current().id();
        let (name, id) = worker
            .call("probe", |_| {
                let me = thread::current();
                Ok((me.name().map(str::to_owned), me.id()))
            })
            .await?;
        assert_eq!(name.as_deref(), Some("rsolv-store-sqlite"));
        assert_ne!(id, caller);
        Ok(())
    }

    #[tokio::test]
    async fn a_panicking_job_does_not_stop_the_worker() -> Result<()> {
        let worker = memory_worker()?;
        let failed: Result<()> = worker
            .call("boom", |conn| {
                let tx = conn.transaction()?;
                tx.execute_batch("CREATE TABLE half_done (x)")?;
                panic!("job panics mid-transaction");
            })
            .await;
        assert!(matches!(failed, Err(Error::WorkerGone)), "{failed:?}");
        let tables: i64 = worker
            .call("count", |conn| {
                Ok(conn.query_row(
                    "SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .await?;
        assert_eq!(tables, 0, "the panicked transaction rolled back");
        Ok(())
    }

    #[tokio::test]
    async fn errors_name_the_operation_and_database() -> Result<()> {
        let worker = memory_worker()?;
        let err = worker
            .call("broken", |conn| {
                conn.execute_batch("SELECT * FROM no_such_table")?;
                Ok(())
            })
            .await
            .err();
        assert!(
            matches!(&err, Some(Error::Database { operation: "broken", path, .. }) if path == ":memory:"),
            "{err:?}"
        );
        Ok(())
    }
}
