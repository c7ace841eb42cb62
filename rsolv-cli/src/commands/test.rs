//! `rsolv test`: judge rule/test pairs like `semgrep --test`.

use crate::{GlobalArgs, Io, Status, TestArgs};

pub(crate) fn run(_global: &GlobalArgs, args: &TestArgs, _io: &mut Io<'_>) -> anyhow::Result<Status> {
    anyhow::bail!("`rsolv test` is not implemented yet ({} path(s) given)", args.paths.len())
}
