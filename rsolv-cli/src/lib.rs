//! The library half of the `rsolv` command-line tool.
//!
//! [`Cli`] is the clap definition and [`run`] executes it, writing results
//! and diagnostics to any two [`std::io::Write`]rs, so tests drive the whole
//! tool in-process:
//!
//! ```
//! use clap::Parser;
//! use rsolv_cli::{Cli, Status};
//!
//! let dir = tempfile::tempdir()?;
//! let db = dir.path().join("rsolv.db");
//! let cli = Cli::try_parse_from(["rsolv", "--db", db.to_str().unwrap(), "--json", "init"])?;
//! let (mut out, mut err) = (Vec::new(), Vec::new());
//! assert_eq!(rsolv_cli::run(cli, &mut out, &mut err)?, Status::Success);
//! let json: serde_json::Value = serde_json::from_slice(&out)?;
//! assert_eq!(json["org"], "default");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cli;
mod commands;
mod context;
mod output;

use std::io::Write;

pub use cli::{
    Cli, Command, DemoArgs, FeedbackArgs, FixArgs, GlobalArgs, LearnArgs, OptimizeArgs,
    ProfileArgs, RulesCommand, ScanArgs, SynthesizeArgs, TestArgs,
};
pub use commands::classify::{Approach, ClassifyArgs, NeuralArgs};
pub use commands::dataset::DatasetCommand;
pub use commands::eval::EvalArgs;
pub use commands::suppress::SuppressCommand;

/// How a successful run ended; mapped to the process exit code.
///
/// The codes follow Semgrep's: 0 success, 1 findings with `--error`, 2 a
/// fatal error, 7 an invalid rule configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything went as asked (exit 0).
    Success,
    /// Findings were reported and `--error` was given (exit 1).
    Findings,
    /// A fatal error (exit 2).
    Fatal,
    /// A rule file failed validation (exit 7).
    InvalidConfig,
}

impl Status {
    /// The process exit code.
    pub const fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Findings => 1,
            Status::Fatal => 2,
            Status::InvalidConfig => 7,
        }
    }
}

impl From<Status> for std::process::ExitCode {
    fn from(status: Status) -> Self {
        std::process::ExitCode::from(status.code())
    }
}

/// Where a command writes: results to `out` (stdout), diagnostics and
/// warnings to `err` (stderr).
pub(crate) struct Io<'a> {
    pub(crate) out: &'a mut dyn Write,
    pub(crate) err: &'a mut dyn Write,
}

/// Run a parsed command line, writing results to `out` and diagnostics to
/// `err`.
///
/// Fatal errors are returned, not printed: the binary prints them as one
/// line on stderr and exits with [`Status::Fatal`].
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<Status> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(commands::dispatch(cli, &mut Io { out, err }))
}
