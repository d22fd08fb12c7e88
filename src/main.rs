//! The `cutover` binary: parse the command line, resolve it, run, map the outcome to an
//! exit code.

use std::process::ExitCode;

use clap::Parser;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cutover::cli::Cli::parse();
    let color = cutover::cli::stderr_color(cli.color);
    match cutover::hiargs::HiArgs::from_low(cli).and_then(cutover::commands::run) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            for diagnostic in &error.diagnostics {
                eprint!("{}", diagnostic.render(color));
            }
            ExitCode::from(2)
        }
    }
}
