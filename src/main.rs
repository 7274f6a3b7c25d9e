use clap::Parser;

use cryolabel::cli::{self, Cli, Command};

fn main() {
    // Die quietly on a closed pipe (`cryolabel info x | head`) instead of panicking in println!.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // Without a logger `log::error!` reaches nobody: warnings and errors go to stderr by
    // default, RUST_LOG=info (or debug, or `wgpu=warn,cryolabel=debug`) asks for more.
    cryolabel::engine::grid::tune_allocator();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = Cli::parse();
    cli::set_durability(cli.durability());
    let result = match &cli.command {
        Some(Command::Label(a)) => cli::label::run(a),
        Some(Command::Info(a)) => cli::info::run(a),
        Some(Command::Simulate(a)) => cli::simulate::run(a),
        Some(Command::Resample(a)) => cli::resample::run(a),
        Some(Command::Prepare(a)) => cli::prepare::run(a),
        Some(Command::Fsc(a)) => cli::fsc::run(a),
        Some(Command::Report(a)) => cli::report::run(a),
        Some(Command::Batch(a)) => cli::batch::run(a),
        Some(Command::Merge(a)) => cli::merge::run(a),
        Some(Command::Cubes(a)) => cli::cubes::run(a),
        Some(Command::Split(a)) => cli::split::run(a),
        Some(Command::Fetch(a)) => cli::fetch::run(a),
        Some(Command::Quality(a)) => cli::quality::run(a),
        #[cfg(feature = "gui")]
        Some(Command::View(a)) => cli::view::run(a),
        #[cfg(feature = "gui")]
        None => cli::view::run(&cli::view::ViewArgs::default()),
        // Built with `--no-default-features`: the CLI alone, no egui/wgpu.
        #[cfg(not(feature = "gui"))]
        None => {
            eprintln!("this build has no viewer (built without the `gui` feature); try `cryolabel --help`");
            Ok(())
        }
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(2);
    }
}
