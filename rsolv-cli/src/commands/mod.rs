//! One module per command; `dispatch` routes a parsed command line.

mod init;
mod rules;
mod scan;
mod test;

use crate::{Cli, Command, Io, Status};

pub(crate) async fn dispatch(cli: Cli, io: &mut Io<'_>) -> anyhow::Result<Status> {
    match cli.command {
        Command::Init => init::run(&cli.global, io).await,
        Command::Rules(command) => rules::run(&cli.global, command, io).await,
        Command::Scan(args) => scan::run(&cli.global, &args, io).await,
        Command::Test(args) => test::run(&cli.global, &args, io),
    }
}
