//! One module per subcommand; each returns the exit code, or an [`Error`] (exit 2).

mod check;
mod checklist;
mod diff;
mod manual;
mod map;
mod profiles;
mod schema;
mod validate;

use std::io::Write;

use crate::diagnostic::Error;
use crate::hiargs::{HiArgs, Run};

pub use schema::generate as generate_schemas;

/// Runs a resolved command line.
pub fn run(args: HiArgs) -> Result<u8, Error> {
    let color = args.color;
    match args.command {
        Run::Diff(args) => diff::diff(&args, color),
        Run::Apply(args) => diff::apply(&args, color),
        Run::Check(args) => check::check(&args, color),
        Run::Validate(args) => validate::validate(&args, color),
        Run::Schema(args) => schema::schema(&args),
        Run::Map(args) => map::map(&args),
        Run::Checklist(args) => checklist::checklist(&args),
        Run::Profiles(args) => profiles::profiles(&args),
        Run::Config(settings) => print(&settings.render()).map(|()| 0),
        Run::Completions(shell) => manual::completions(shell),
        Run::Man => manual::man(),
    }
}

/// Writes to stdout; a closed pipe (`cutover diff | head`) is not an error.
pub fn print(text: &str) -> Result<(), Error> {
    print_with(|out| out.write_all(text.as_bytes()))
}

/// Writes to stdout as `write` produces the output, for output too large to build first.
pub fn print_with(
    write: impl FnOnce(&mut std::io::StdoutLock) -> std::io::Result<()>,
) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::plain(format!(
            "cannot write to standard output: {e}"
        ))),
        _ => Ok(()),
    }
}

/// [`print_with`] through a buffer, for output written in many small pieces as it is
/// serialized (a report or a review as JSON): standard output, line-buffered, would pass
/// it on a line at a time.
pub fn print_buffered(
    write: impl FnOnce(&mut std::io::BufWriter<&mut std::io::StdoutLock>) -> std::io::Result<()>,
) -> Result<(), Error> {
    print_with(|out| {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
        write(&mut out)?;
        out.flush()
    })
}

/// Hands a large value back to the operating system at exit instead of freeing it node by
/// node: the process is about to end, and on a 30 MB export the frees alone cost more than
/// writing the patch.
fn release<T>(value: T) {
    std::mem::forget(value);
}

/// Both results, or every diagnostic of both.
fn both<A, B>(a: Result<A, Error>, b: Result<B, Error>) -> Result<(A, B), Error> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (a, b) => {
            let mut diagnostics = Vec::new();
            if let Err(e) = a {
                diagnostics.extend(e.diagnostics);
            }
            if let Err(e) = b {
                diagnostics.extend(e.diagnostics);
            }
            Err(Error::many(diagnostics))
        }
    }
}
