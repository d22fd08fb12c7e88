//! Test hooks at every step of the commit protocol, compiled into debug builds only.
//!
//! The promise "all or nothing, whatever stops the run" can only be tested if a test can
//! stop a run at each step. `CUTOVER_FAILPOINT` names steps, comma-separated, each with
//! what happens there:
//! - `STEP` or `STEP=error`: the step fails as an I/O error would (the run cleans up);
//! - `STEP=crash`: the process exits at once, cleaning nothing, as if SIGKILLed;
//! - `STEP=wait:DIR`: the process creates `DIR/reached` and waits until `DIR/go` exists
//!   (so a test can act, say write to an input, at exactly that moment).
//!
//! A step is a name, with `:N` for the N-th file (from 1): `locked`, `journal`, `stage:N`,
//! `created:N` (its temporary exists, still empty), `backup:N`, `sync`, `unchanged:N`,
//! `rename:N`, `renamed`, `unjournal`, `done`; and in recovery `recover-rename:N`,
//! `recover-remove:N`, `recovered`.
//! `CUTOVER_STEP_PAUSE_US=N` sleeps N microseconds at every step, so that a signal sent at
//! a random moment lands between any two steps.

use std::path::Path;
use std::time::Duration;

/// Runs the hooks for `step` (the `index`-th file, from 0, when given).
pub fn step(name: &str, index: Option<usize>) -> std::io::Result<()> {
    if !cfg!(debug_assertions) {
        return Ok(());
    }
    if let Some(pause) = std::env::var("CUTOVER_STEP_PAUSE_US")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        std::thread::sleep(Duration::from_micros(pause));
    }
    let Ok(spec) = std::env::var("CUTOVER_FAILPOINT") else {
        return Ok(());
    };
    let here = match index {
        Some(i) => format!("{name}:{}", i + 1),
        None => name.to_owned(),
    };
    for point in spec.split(',') {
        let (at, action) = point.split_once('=').unwrap_or((point, "error"));
        if at != here {
            continue;
        }
        match action {
            "crash" => std::process::exit(137),
            _ if action.starts_with("wait:") => wait(Path::new(&action["wait:".len()..])),
            _ => {
                return Err(std::io::Error::other(format!("injected failure at {here}")));
            }
        }
    }
    Ok(())
}

/// Signals arrival and waits (at most a minute, so a broken test cannot hang) for `go`.
fn wait(dir: &Path) {
    let _ = std::fs::write(dir.join("reached"), "");
    for _ in 0..30_000 {
        if dir.join("go").exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}
