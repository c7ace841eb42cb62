//! Reading the fix a command learns from: two files, a diff or a commit.

use anyhow::Context as _;
use rsolv_learn::SecurityFix;

use crate::FixArgs;

/// The fixes named by the arguments (one per changed file).
pub(crate) fn fixes_from(args: &FixArgs) -> anyhow::Result<Vec<SecurityFix>> {
    let mut fixes = if let (Some(before), Some(after)) = (&args.before, &args.after) {
        vec![SecurityFix::from_files(before, after, args.lang)?]
    } else if let Some(diff) = &args.diff {
        let text = std::fs::read_to_string(diff)
            .with_context(|| format!("cannot read {}", diff.display()))?;
        SecurityFix::from_unified_diff(&text)
    } else if let (Some(repo), Some(commit)) = (&args.repo, &args.commit) {
        SecurityFix::from_git_commit(repo, commit)?
    } else {
        anyhow::bail!(
            "name the fix: --before F --after F, --diff FILE, or --repo PATH --commit SHA"
        );
    };
    if fixes.is_empty() {
        anyhow::bail!("the fix changes no file in a language rsolv parses");
    }
    for fix in &mut fixes {
        if let Some(lang) = args.lang {
            fix.language = lang;
        }
        fix.vuln_class = args.vuln_type;
        fix.issue = args.issue.clone();
    }
    Ok(fixes)
}
