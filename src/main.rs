use clap::Parser;

use cryolabel::cli::{self, Cli, Command};

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Command::Label(a)) => cli::label::run(a),
        Some(Command::Info(a)) => cli::info::run(a),
        Some(Command::View(a)) => cli::view::run(a),
        None => cli::view::run(&cli::view::ViewArgs::default()),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(2);
    }
}
