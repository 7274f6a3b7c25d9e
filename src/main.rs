use clap::Parser;

use cryolabel::cli::{self, Cli, Command};

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Command::Label(a)) => cli::label::run(a),
        Some(Command::Info(a)) => cli::info::run(a),
        Some(Command::Simulate(a)) => cli::simulate::run(a),
        Some(Command::Resample(a)) => cli::resample::run(a),
        Some(Command::Prepare(a)) => cli::prepare::run(a),
        None => {
            eprintln!("the viewer is not built yet; try `cryolabel --help`");
            Ok(())
        }
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(2);
    }
}
