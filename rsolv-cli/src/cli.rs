//! The command-line definition.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use rsolv_core::{OrgId, VulnClass};

/// rsolv: turn every security fix into lasting protection.
#[derive(Debug, Parser)]
#[command(name = "rsolv", version, about, propagate_version = true)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The organization's rule database (SQLite).
    #[arg(
        long,
        global = true,
        env = "RSOLV_DB",
        default_value = ".rsolv/rsolv.db"
    )]
    pub db: PathBuf,
    /// The organization whose rules and findings to use.
    #[arg(long, global = true, env = "RSOLV_ORG", default_value = "default")]
    pub org: OrgId,
    /// Who is making the change, recorded in the audit log.
    #[arg(long, global = true, env = "RSOLV_ACTOR")]
    pub actor: Option<String>,
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create (or migrate) the rule database.
    Init,
    /// Manage the organization's rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Scan code with the organization's rules (or rule files).
    Scan(ScanArgs),
    /// Run rule tests: rule files next to annotated test files, like
    /// `semgrep --test`.
    Test(TestArgs),
    /// Labeled finding data for the classifier: generate, validate.
    #[command(subcommand)]
    Dataset(crate::commands::dataset::DatasetCommand),
    /// Label security findings with the 54-label vulnerability taxonomy.
    Classify(crate::commands::classify::ClassifyArgs),
    /// Evaluate classification approaches on a labeled JSONL set.
    Eval(crate::commands::eval::EvalArgs),
    /// Manage suppressions: drop findings of a label under matching paths.
    #[command(subcommand)]
    Suppress(crate::commands::suppress::SuppressCommand),
}

/// `rsolv test`
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Rule/test directories or files.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
}

/// `rsolv scan`
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Rule files or directories; without it, the organization's enabled
    /// rules from the database.
    #[arg(long, short = 'c')]
    pub config: Vec<PathBuf>,
    /// Which engine runs the rules: the embedded one, or a locally
    /// installed `semgrep`.
    #[arg(long, value_enum, default_value_t = EngineKind::Rsolv)]
    pub engine: EngineKind,
    /// Print SARIF 2.1.0 instead of text.
    #[arg(long, conflicts_with = "json")]
    pub sarif: bool,
    /// Write the JSON/SARIF/text report to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Exit with code 1 when there are findings.
    #[arg(long)]
    pub error: bool,
    /// Apply the fixes of the rules that have one.
    #[arg(long)]
    pub autofix: bool,
    /// With --autofix: show the changes as a diff, write nothing.
    #[arg(long, requires = "autofix")]
    pub dryrun: bool,
    /// Skip files larger than this many bytes.
    #[arg(long, default_value_t = 1_000_000)]
    pub max_target_bytes: u64,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', default_value_t = 0)]
    pub jobs: usize,
    /// Scan files that .gitignore/.semgrepignore exclude too.
    #[arg(long)]
    pub no_git_ignore: bool,
}

/// `rsolv rules ...`
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Validate Semgrep rule files and store their rules (new ids only).
    Add {
        /// Rule files or directories of them.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Why the rules are added (audit log).
        #[arg(long, default_value = "added from file")]
        reason: String,
    },
    /// Store rules from files, creating new ones and versioning changed ones.
    Import {
        /// Rule files or directories of them (e.g. an earlier `rules export`).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Why the rules are imported (audit log).
        #[arg(long, default_value = "imported from file")]
        reason: String,
    },
    /// List the stored rules.
    List {
        /// Only enabled rules.
        #[arg(long, conflicts_with = "disabled")]
        enabled: bool,
        /// Only disabled rules.
        #[arg(long)]
        disabled: bool,
        /// Only rules of this vulnerability class.
        #[arg(long = "type")]
        vuln_type: Option<VulnClass>,
        /// Only rules for this language.
        #[arg(long)]
        language: Option<String>,
    },
    /// Show one rule with its YAML.
    Show {
        /// The rule id.
        id: String,
    },
    /// Enable a rule.
    Enable {
        /// The rule id.
        id: String,
        /// Why (audit log).
        #[arg(long, default_value = "enabled by user")]
        reason: String,
    },
    /// Disable a rule (it stays stored, is not exported or scanned).
    Disable {
        /// The rule id.
        id: String,
        /// Why (audit log).
        #[arg(long, default_value = "disabled by user")]
        reason: String,
    },
    /// Show every version of a rule.
    History {
        /// The rule id.
        id: String,
    },
    /// Make an earlier version of a rule current again (as a new version).
    Rollback {
        /// The rule id.
        id: String,
        /// The version to restore.
        #[arg(long)]
        to: u32,
        /// Why (audit log).
        #[arg(long, default_value = "rolled back by user")]
        reason: String,
    },
    /// Full-text search over rule ids, messages, patterns and types.
    Search {
        /// Words to look for.
        #[arg(required = true)]
        text: Vec<String>,
        /// At most this many results.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Write the organization's rules as one Semgrep rule file.
    Export {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Semgrep)]
        format: ExportFormat,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Include disabled rules.
        #[arg(long)]
        include_disabled: bool,
    },
    /// Check rule files without storing them (like `semgrep --validate`).
    Validate {
        /// Rule files or directories of them.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Show the audit log of the organization or of one rule.
    Audit {
        /// Only entries about this rule.
        id: Option<String>,
    },
}

/// Scanning engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineKind {
    /// The embedded engine (no Python, no network).
    Rsolv,
    /// A locally installed `semgrep` (full Semgrep semantics).
    Semgrep,
}

/// Formats of `rules export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// A Semgrep rule file (`rules: [...]`) that `semgrep --config` reads.
    Semgrep,
    /// The stored rules with their rsolv fields, as JSON.
    Json,
}
