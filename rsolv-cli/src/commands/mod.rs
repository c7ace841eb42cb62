//! One module per command; `dispatch` routes a parsed command line.

mod demo;
mod feedback;
mod fix_input;
mod init;
mod learn;
mod optimize;
mod profile;
mod rules;
mod scan;
mod synthesize;
mod test;

use crate::{Cli, Command, Io, Status};

pub(crate) async fn dispatch(cli: Cli, io: &mut Io<'_>) -> anyhow::Result<Status> {
    match cli.command {
        Command::Init => init::run(&cli.global, io).await,
        Command::Rules(command) => rules::run(&cli.global, command, io).await,
        Command::Scan(args) => scan::run(&cli.global, &args, io).await,
        Command::Test(args) => test::run(&cli.global, &args, io),
        Command::Learn(args) => learn::run(&cli.global, &args, io).await,
        Command::Synthesize(args) => synthesize::run(&cli.global, &args, io),
        Command::Feedback(args) => feedback::run(&cli.global, &args, io).await,
        Command::Optimize(args) => optimize::run(&cli.global, &args, io).await,
        Command::Profile(args) => profile::run(&cli.global, &args, io).await,
        Command::Demo(args) => demo::run(&cli.global, &args, io).await,
    }
}
