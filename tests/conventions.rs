//! What a command-line user expects beyond the engine: patch paths that `git apply` accepts
//! from wherever the patch was made, saved plans that apply from anywhere (and follow their
//! tree), `cutover.toml` found from a subdirectory or named with `--config`, `--quiet`, and
//! completions and a manual page that the shells and groff accept. (The golden flows in
//! `testdata/cases` show the same on the terminal; these check what a golden file cannot:
//! every header line, trees after `git apply`, files the shells load.)

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{Cutover, copy_tree, read_tree, require_tool, scratch, testdata};

/// Runs a program in `dir`, with `input` on stdin; returns stdout, panicking on failure.
fn run(program: &str, args: &[&str], dir: &Path, input: &str) -> String {
    use std::io::Write;
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The paths the patch's `---` and `+++` lines name, checked to be clean: relative, no
/// `..`, no `.`, no empty component.
fn header_paths(patch: &str) -> Vec<String> {
    let paths: Vec<String> = patch
        .lines()
        .filter_map(|l| {
            l.strip_prefix("--- a/")
                .or_else(|| l.strip_prefix("+++ b/"))
        })
        .map(str::to_owned)
        .collect();
    assert!(!paths.is_empty(), "no headers in:\n{patch}");
    for path in &paths {
        assert!(
            path.split('/')
                .all(|c| !c.is_empty() && c != "." && c != ".."),
            "header path {path:?} climbs or has an empty component"
        );
    }
    paths
}

/// The demo exports in a fresh git repository `repo` (with a `team` subdirectory) inside a
/// scratch directory, which is returned.
fn demo_repository(name: &str) -> Option<std::path::PathBuf> {
    if !require_tool("git") {
        return None;
    }
    let base = scratch(name);
    let repo = base.join("repo");
    copy_tree(&testdata("demo"), &repo);
    std::fs::create_dir_all(repo.join("team")).unwrap();
    run("git", &["init", "-q", "-b", "main"], &repo, "");
    Some(base)
}

#[test]
fn patches_from_a_subdirectory_and_from_outside_apply_at_the_repository_root() {
    let Some(base) = demo_repository("git-paths") else {
        return;
    };
    let repo = base.join("repo");
    let from_root = Cutover::new(&["diff", "--mapping", "mapping.yaml", "export"])
        .current_dir(&repo)
        .expect(0);
    assert!(
        !from_root.stderr.contains("note: patch paths"),
        "the root is the working directory: nothing to say\n{}",
        from_root.stderr
    );
    let from_team = Cutover::new(&["diff", "--mapping", "../mapping.yaml", "../export"])
        .current_dir(&repo.join("team"))
        .expect(0);
    let absolute = |p: &str| repo.join(p).to_string_lossy().into_owned();
    let from_outside = Cutover::new(&[
        "diff",
        "--mapping",
        &absolute("mapping.yaml"),
        &absolute("export"),
    ])
    .current_dir(Path::new("/"))
    .expect(0);
    for (how, out) in [("team", &from_team), ("outside", &from_outside)] {
        assert_eq!(out.stdout, from_root.stdout, "{how}");
        assert!(
            out.stderr
                .contains("(the git work tree holding the inputs)"),
            "{how}: {}",
            out.stderr
        );
    }
    assert_eq!(
        header_paths(&from_root.stdout),
        [
            "export/aliases.json",
            "export/aliases.json",
            "export/rules.yaml",
            "export/rules.yaml",
            "export/sharing.yaml",
            "export/sharing.yaml"
        ]
    );
    // `git apply` at the root writes exactly the reviewed result.
    run("git", &["apply", "--check", "-"], &repo, &from_team.stdout);
    run("git", &["apply", "-"], &repo, &from_outside.stdout);
    assert_eq!(
        read_tree(&repo.join("export")),
        read_tree(&testdata("demo/expected"))
    );
    // The review names files as the patch does.
    let review = Cutover::new(&[
        "diff",
        "--format",
        "json",
        "--mapping",
        "../mapping.yaml",
        "../export",
    ])
    .current_dir(&repo.join("team"))
    .expect(0);
    let review: serde_json::Value = serde_json::from_str(&review.stdout).unwrap();
    for change in review["changes"].as_array().unwrap() {
        let path = change["path"].as_str().unwrap();
        assert!(path.starts_with("export/"), "{path}");
    }
}

#[test]
fn inputs_in_no_repository_are_named_from_their_deepest_common_directory() {
    let base = scratch("common-root");
    for side in ["north", "south"] {
        copy_tree(&testdata("demo/export"), &base.join("sites").join(side));
    }
    std::fs::copy(testdata("demo/mapping.yaml"), base.join("mapping.yaml")).unwrap();
    std::fs::create_dir_all(base.join("elsewhere")).unwrap();
    // Inside a git work tree (CI builds in one), the scratch directories would be named
    // from its root: a `.git` file that points nowhere is no work tree, and stops the
    // search, as it stops git.
    std::fs::write(base.join(".git"), "not a git directory\n").unwrap();
    let out = Cutover::new(&[
        "diff",
        "--mapping",
        "../mapping.yaml",
        "../sites/north",
        "../sites/south",
    ])
    .current_dir(&base.join("elsewhere"))
    .expect(0);
    assert!(
        out.stderr.contains(
            "note: patch paths are relative to ../sites (the deepest directory holding every input)"
        ),
        "{}",
        out.stderr
    );
    let paths = header_paths(&out.stdout);
    assert!(paths.contains(&"north/rules.yaml".to_owned()), "{paths:?}");
    assert!(paths.contains(&"south/rules.yaml".to_owned()), "{paths:?}");
    if require_tool("patch") {
        run(
            "patch",
            &["-p1", "--quiet"],
            &base.join("sites"),
            &out.stdout,
        );
        for side in ["north", "south"] {
            assert_eq!(
                read_tree(&base.join("sites").join(side)),
                read_tree(&testdata("demo/expected")),
                "{side}"
            );
        }
    }
}

/// `diff --save-plan` from a subdirectory; the plan inside the tree.
/// From a directory reached through a link (the shell's $PWD is the link), `..` would
/// lead a person's `cd ..` elsewhere: a root above is then named absolutely.
#[test]
fn a_root_above_a_directory_reached_through_a_link_is_named_absolutely() {
    let base = scratch("root-through-link");
    copy_tree(&testdata("demo/export"), &base.join("sites/north"));
    std::fs::create_dir_all(base.join("sites/elsewhere")).unwrap();
    std::fs::copy(testdata("demo/mapping.yaml"), base.join("mapping.yaml")).unwrap();
    std::fs::write(base.join(".git"), "not a git directory\n").unwrap();
    let link = base.join("link");
    std::os::unix::fs::symlink(base.join("sites/elsewhere"), &link).unwrap();
    let args = ["diff", "--mapping", "../../mapping.yaml", "../north"];
    let physical = std::fs::canonicalize(base.join("sites/elsewhere")).unwrap();
    let note = |pwd: &Path| {
        let out = Cutover::new(&args)
            .current_dir(&physical)
            .env("PWD", pwd.to_str().unwrap())
            .expect(0);
        out.stderr
            .lines()
            .find(|l| l.contains("patch paths are relative to"))
            .map(str::to_owned)
            .unwrap_or_default()
    };
    // A $PWD that is the physical directory itself, or that is stale (another
    // directory): named relatively.
    assert!(
        note(&physical).contains("relative to ../north "),
        "{}",
        note(&physical)
    );
    assert!(
        note(&base).contains("relative to ../north "),
        "{}",
        note(&base)
    );
    // Through the link: absolutely.
    let through = note(&link);
    let absolute = std::fs::canonicalize(base.join("sites/north")).unwrap();
    assert!(
        through.contains(&format!("relative to {} ", absolute.display())),
        "{through}"
    );
}

fn saved_plan(name: &str) -> std::path::PathBuf {
    let base = scratch(name);
    let tree = base.join("tree");
    copy_tree(&testdata("demo"), &tree);
    std::fs::create_dir_all(tree.join("plans")).unwrap();
    Cutover::new(&[
        "diff",
        "-q",
        "--relative=..",
        "--mapping",
        "../mapping.yaml",
        "--save-plan",
        "p.json",
        "../export",
    ])
    .current_dir(&tree.join("plans"))
    .expect(0);
    base
}

#[test]
fn a_plan_applies_from_any_directory_and_follows_its_tree() {
    // From another directory.
    let base = saved_plan("plan-anywhere");
    let out = Cutover::new(&["apply", "--plan", "tree/plans/p.json"])
        .current_dir(&base)
        .expect(0);
    assert!(
        out.stderr.contains("12 edits in 3 of 4 files"),
        "{}",
        out.stderr
    );
    assert_eq!(
        read_tree(&base.join("tree/export")),
        read_tree(&testdata("demo/expected"))
    );

    // A copy of the tree, with the plan in it: the copy is changed, the original is not.
    let base = saved_plan("plan-copied");
    copy_tree(&base.join("tree"), &base.join("copy"));
    let out = Cutover::new(&["apply", "--plan", "copy/plans/p.json"])
        .current_dir(&base)
        .expect(0);
    assert!(
        out.stderr.contains("it is now in a copy of that tree"),
        "{}",
        out.stderr
    );
    assert_eq!(
        read_tree(&base.join("copy/export")),
        read_tree(&testdata("demo/expected"))
    );
    assert_eq!(
        read_tree(&base.join("tree/export")),
        read_tree(&testdata("demo/export"))
    );

    // A moved tree: found again from the plan, and said so (not "gone").
    let base = saved_plan("plan-moved");
    std::fs::rename(base.join("tree"), base.join("moved")).unwrap();
    let out = Cutover::new(&["apply", "--plan", "moved/plans/p.json"])
        .current_dir(&base)
        .expect(0);
    assert!(
        out.stderr
            .contains("that tree is not there any more: it moved, with the plan"),
        "{}",
        out.stderr
    );
    assert_eq!(
        read_tree(&base.join("moved/export")),
        read_tree(&testdata("demo/expected"))
    );

    // A moved tree whose plan was taken out of it: nothing to find it by, and said so.
    let base = saved_plan("plan-lost");
    std::fs::rename(base.join("tree/plans/p.json"), base.join("p.json")).unwrap();
    std::fs::rename(base.join("tree"), base.join("moved")).unwrap();
    let out = Cutover::new(&["apply", "--plan", "p.json"])
        .current_dir(&base)
        .expect(2);
    assert!(
        out.stderr
            .contains("which is not there any more (the tree moved or was removed)"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("gone"), "{}", out.stderr);
    assert_eq!(
        read_tree(&base.join("moved/export")),
        read_tree(&testdata("demo/export"))
    );
}

#[test]
fn a_plan_names_nothing_outside_its_root() {
    let edit = |name: &str, change: &dyn Fn(&mut serde_json::Value)| {
        let base = saved_plan(name);
        let path = base.join("tree/plans/p.json");
        let mut plan: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        change(&mut plan);
        std::fs::write(&path, plan.to_string()).unwrap();
        let before = read_tree(&base);
        let out = Cutover::new(&["apply", "--plan", "tree/plans/p.json"])
            .current_dir(&base)
            .expect(2);
        assert_eq!(read_tree(&base), before, "{name}: something was written");
        out.stderr
    };
    let changed_file = |plan: &serde_json::Value| {
        plan["files"]
            .as_array()
            .unwrap()
            .iter()
            .position(|f| f.get("edits").is_some())
            .unwrap()
    };
    // An absolute name.
    let stderr = edit("plan-absolute", &|plan| {
        let i = changed_file(plan);
        let root = plan["root"].as_str().unwrap().to_owned();
        let name = plan["files"][i]["path"].as_str().unwrap().to_owned();
        plan["files"][i]["path"] = format!("{root}/{name}").into();
    });
    assert!(
        stderr.contains("is not a path below the plan's root"),
        "{stderr}"
    );
    // A link inside the root to a file outside it.
    let stderr = edit("plan-link-out", &|plan| {
        let i = changed_file(plan);
        let root = std::path::PathBuf::from(plan["root"].as_str().unwrap());
        let name = plan["files"][i]["path"].as_str().unwrap().to_owned();
        let outside = root.parent().unwrap().join("outside.yaml");
        std::fs::copy(root.join(&name), &outside).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("export/link.yaml")).unwrap();
        plan["files"][i]["path"] = "export/link.yaml".into();
    });
    assert!(
        stderr.contains("the directory the plan's files are named from"),
        "{stderr}"
    );
    // A root that is not absolute.
    let stderr = edit("plan-relative-root", &|plan| {
        plan["root"] = "tree".into();
    });
    assert!(
        stderr.contains("is not absolute; the plan file was altered"),
        "{stderr}"
    );
}

#[test]
fn a_plan_of_an_earlier_version_is_read_from_the_working_directory() {
    let base = saved_plan("plan-legacy");
    let path = base.join("tree/plans/p.json");
    let mut plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let fields = plan.as_object_mut().unwrap();
    fields.remove("root");
    fields.remove("saved_at");
    std::fs::write(&path, plan.to_string()).unwrap();
    Cutover::new(&["apply", "--plan", "plans/p.json"])
        .current_dir(&base.join("tree"))
        .expect(0);
    assert_eq!(
        read_tree(&base.join("tree/export")),
        read_tree(&testdata("demo/expected"))
    );
}

#[test]
fn a_config_named_with_dash_dash_config_is_read_relative_to_itself() {
    let base = scratch("config-elsewhere");
    copy_tree(&testdata("demo"), &base.join("acme"));
    std::fs::write(
        base.join("acme/settings.toml"),
        "mapping = \"mapping.yaml\"\npaths = [\"export\"]\nmode = \"add\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(base.join("ci")).unwrap();
    let configured = Cutover::new(&["--config", "../acme/settings.toml", "diff"])
        .current_dir(&base.join("ci"))
        .expect(0);
    let explicit = Cutover::new(&[
        "diff",
        "--mode",
        "add",
        "--mapping",
        "../acme/mapping.yaml",
        "../acme/export",
    ])
    .current_dir(&base.join("ci"))
    .expect(0);
    assert_eq!(configured.stdout, explicit.stdout);
    assert_eq!(configured.stderr, explicit.stderr);
    assert!(
        configured.stdout.contains("+++ b/"),
        "{}",
        configured.stdout
    );
}

#[test]
fn quiet_prints_nothing_on_stderr_when_there_is_no_problem() {
    let base = scratch("quiet");
    copy_tree(&testdata("demo"), &base);
    for args in [
        &[
            "diff",
            "-q",
            "--relative",
            "--mapping",
            "mapping.yaml",
            "export",
        ][..],
        &["validate", "-q", "export"],
        &["apply", "-q", "--mapping", "mapping.yaml", "export"],
        &["schema", "-q", "--out", "schemas"],
    ] {
        let out = Cutover::new(args).current_dir(&base).expect(0);
        assert_eq!(out.stderr, "", "{args:?}");
    }
    assert_eq!(
        read_tree(&base.join("export")),
        read_tree(&testdata("demo/expected"))
    );
}

#[test]
fn completions_load_in_their_shells_and_complete() {
    let script = |shell: &str| Cutover::new(&["completions", shell]).expect(0).stdout;
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        assert!(script(shell).contains("cutover"), "{shell}");
    }
    let dir = scratch("completions");
    if require_tool("bash") {
        std::fs::write(dir.join("cutover.bash"), script("bash")).unwrap();
        let words = run(
            "bash",
            &[
                "-c",
                "source ./cutover.bash; COMP_WORDS=(cutover check --removed-h); COMP_CWORD=2; \
                 _cutover cutover --removed-h check; echo \"${COMPREPLY[@]}\"",
            ],
            &dir,
            "",
        );
        assert_eq!(words.trim(), "--removed-host");
    }
    if require_tool("zsh") {
        std::fs::write(dir.join("_cutover"), script("zsh")).unwrap();
        run("zsh", &["-n", "_cutover"], &dir, "");
        // Loaded by compinit from a directory on fpath, as installed.
        run(
            "zsh",
            &[
                "-f",
                "-c",
                "fpath=($PWD $fpath); autoload -Uz compinit; compinit -u -D; \
                 [[ ${_comps[cutover]} == _cutover ]]",
            ],
            &dir,
            "",
        );
    }
    if require_tool("fish") {
        std::fs::write(dir.join("cutover.fish"), script("fish")).unwrap();
        let words = run(
            "fish",
            &[
                "--no-config",
                "-c",
                "source cutover.fish; complete -C 'cutover ch'; complete -C 'cutover diff --mo'",
            ],
            &dir,
            "",
        );
        let first: Vec<&str> = words
            .lines()
            .map(|l| l.split('\t').next().unwrap())
            .collect();
        assert_eq!(first, ["check", "checklist", "--mode"], "{words}");
    }
}

#[test]
fn the_manual_page_renders_without_warnings() {
    let page = Cutover::new(&["man"]).expect(0).stdout;
    assert!(page.starts_with(".ie") || page.starts_with(".TH"), "{page}");
    for section in [
        ".SH \"CUTOVER DIFF\"",
        ".SH \"CUTOVER CONFIG\"",
        ".SH \"EXIT STATUS\"",
    ] {
        assert!(page.contains(section), "{section} missing");
    }
    if !require_tool("groff") {
        return;
    }
    let dir = scratch("man");
    std::fs::write(dir.join("cutover.1"), &page).unwrap();
    let out = Command::new("groff")
        .args(["-man", "-Tascii", "-ww", "cutover.1"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "groff warned");
    // Bold and underline are overstruck (`x BS x`): keep the letters.
    let raw = String::from_utf8_lossy(&out.stdout);
    let mut text = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if chars.peek() == Some(&'\u{8}') {
            chars.next();
        } else {
            text.push(c);
        }
    }
    for flag in [
        "--relative",
        "--exclude",
        "--no-config",
        "--quiet",
        "--removed-host",
    ] {
        assert!(text.contains(flag), "{flag} is not on the page");
    }
}

/// The pre-commit hook runs on a commit that changes any file kind cutover reads as an
/// export, the mapping or `cutover.toml`: a commit touching only a Sieve script skipped it.
#[test]
fn the_pre_commit_hook_runs_for_every_file_kind_cutover_reads() {
    let hooks = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    let pattern = hooks
        .lines()
        .find_map(|line| line.trim().strip_prefix("files: "))
        .expect("the hook names the files it runs for");
    let files = regex::Regex::new(pattern).unwrap();
    for name in [
        "exports/rules.json",
        "exports/rules.yaml",
        "exports/rules.yml",
        "filters/server.sieve",
        "filters/server.siv",
        "mapping.yaml",
        "cutover.toml",
    ] {
        assert!(files.is_match(name), "{name} does not run the hook");
    }
}
