//! One module per command; `dispatch` routes a parsed command line.

mod approach;
pub(crate) mod classify;
pub(crate) mod dataset;
mod demo;
pub(crate) mod eval;
mod feedback;
mod fix_input;
mod init;
mod learn;
mod optimize;
mod profile;
mod rules;
mod scan;
pub(crate) mod suppress;
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
        Command::Dataset(command) => dataset::run(&cli.global, command, io),
        Command::Classify(args) => classify::run(&cli.global, &args, io).await,
        Command::Eval(args) => eval::run(&cli.global, &args, io),
        Command::Suppress(command) => suppress::run(&cli.global, command, io).await,
    }
}
