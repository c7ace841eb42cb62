//! The command-line definition.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use rsolv_core::{Language, OrgId, VulnClass};

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
    /// Learn a rule from a security fix, store it, and find (and fix) every
    /// other instance of the mistake.
    Learn(LearnArgs),
    /// Synthesize a rule from a fix and print it; nothing is stored.
    Synthesize(SynthesizeArgs),
    /// Judge a recorded finding as a true or false positive.
    Feedback(FeedbackArgs),
    /// Refine noisy rules, disable unrepairable ones, retire duplicates.
    Optimize(OptimizeArgs),
    /// The organization's security profile: coverage, precision, learning.
    Profile(ProfileArgs),
    /// Run the whole learning loop on a bundled example application.
    Demo(DemoArgs),
}

/// Where a fix comes from.
#[derive(Debug, Args)]
pub struct FixArgs {
    /// The vulnerable version of the file.
    #[arg(long, requires = "after", conflicts_with_all = ["diff", "repo"])]
    pub before: Option<PathBuf>,
    /// The fixed version of the file.
    #[arg(long, requires = "before")]
    pub after: Option<PathBuf>,
    /// A unified diff of the fix (`git diff` output).
    #[arg(long, conflicts_with = "repo")]
    pub diff: Option<PathBuf>,
    /// A git repository holding the fix as a commit (with --commit).
    #[arg(long, requires = "commit")]
    pub repo: Option<PathBuf>,
    /// The commit that fixed the issue.
    #[arg(long, requires = "repo")]
    pub commit: Option<String>,
    /// The language (default: from the file extension).
    #[arg(long)]
    pub lang: Option<Language>,
    /// The vulnerability class (a taxonomy label such as `sqli`).
    #[arg(long = "type")]
    pub vuln_type: Option<VulnClass>,
    /// The issue the fix closed (number, key or URL).
    #[arg(long)]
    pub issue: Option<String>,
}

/// `rsolv learn`
#[derive(Debug, Args)]
pub struct LearnArgs {
    /// The fix.
    #[command(flatten)]
    pub fix: FixArgs,
    /// Scan these files or directories with the new rule.
    #[arg(long)]
    pub scan: Vec<PathBuf>,
    /// Apply the fix to every other instance (default: show diffs).
    #[arg(long, requires = "scan")]
    pub apply: bool,
    /// Generate candidates with this command instead of the synthesizer: it
    /// gets the fix as JSON on stdin and prints rule YAML.
    #[arg(long)]
    pub generator_cmd: Option<String>,
    /// Seconds the generator command may run.
    #[arg(long, default_value_t = 60)]
    pub generator_timeout: u64,
}

/// `rsolv synthesize`
#[derive(Debug, Args)]
pub struct SynthesizeArgs {
    /// The fix.
    #[command(flatten)]
    pub fix: FixArgs,
    /// Count candidates on these files or directories (explosion check).
    #[arg(long)]
    pub scan: Vec<PathBuf>,
    /// Write the rule to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// `rsolv feedback`
#[derive(Debug, Args)]
pub struct FeedbackArgs {
    /// The finding's id (from `rsolv learn --json` or the store).
    pub finding: i64,
    /// A real vulnerability.
    #[arg(long, conflicts_with_all = ["fp", "ignore"], required_unless_present_any = ["fp", "ignore"])]
    pub tp: bool,
    /// Not a vulnerability.
    #[arg(long, conflicts_with = "ignore")]
    pub fp: bool,
    /// Real but accepted.
    #[arg(long)]
    pub ignore: bool,
    /// Why.
    #[arg(long)]
    pub reason: Option<String>,
}

/// `rsolv optimize`
#[derive(Debug, Args)]
pub struct OptimizeArgs {
    /// Refine rules whose false-positive rate exceeds this.
    #[arg(long, default_value_t = 0.05)]
    pub max_fp_rate: f64,
    /// Rules with this many findings and no true positive are unconfirmed.
    #[arg(long, default_value_t = 20)]
    pub min_matches: u64,
    /// Disable unconfirmed rules too.
    #[arg(long)]
    pub disable_unconfirmed: bool,
    /// Show what would change; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `rsolv profile`
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// Also write the profile as an HTML page with a learning-curve chart.
    #[arg(long)]
    pub html: Option<PathBuf>,
}

/// `rsolv demo`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Write the example application here (default: a temporary directory
    /// that is removed afterwards).
    #[arg(long)]
    pub dir: Option<PathBuf>,
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
    /// Taint rules follow tainted arguments into functions defined in the
    /// same file (as Opengrep's intrafile mode; Semgrep's free engine stops
    /// at the call).
    #[arg(long)]
    pub taint_intrafile: bool,
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
    /// Write each rule with its stored test cases as a Semgrep test
    /// (`ID.yaml` + `ID.<ext>` with `ruleid:`/`ok:` annotations).
    ExportTests {
        /// The directory to write into (created if needed).
        dir: PathBuf,
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
