#!/usr/bin/env bash
# Fuzz cutover: install cargo-fuzz if missing, seed the corpora from testdata/, and run each
# target for a bounded time. Exits non-zero when any target finds a crash (the input is left
# in fuzz/artifacts/<target>/).
#
# Usage: fuzz/run.sh [SECONDS] [TARGET...]
#   SECONDS  time per target (default: $FUZZ_SECONDS, else 60)
#   TARGET   targets to run (default: all of `cargo fuzz list`)
# Exit status: 0 no crash, 1 a target crashed (or failed an assertion), 2 a build failed.
# Environment:
#   FUZZ_SECONDS      time per target, as the first argument
#   FUZZ_JOBS         parallel libFuzzer workers per target (default 1: the machine has 2 cores)
#   FUZZ_SANITIZER    cargo-fuzz --sanitizer (default: address if it builds here, else none)
#   FUZZ_SEED_ONLY=1  only seed the corpora
#   CUTOVER_FUZZ_STRICT=1  rewrite: also fail on a plan refused with "Please report this"
#
# Only the stable toolchain is on the machine: RUSTC_BOOTSTRAP=1 lets it take the -Z flags
# cargo-fuzz passes. Everything builds in fuzz/target, apart from the main package's target/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
cd "$root"

seconds="${1:-${FUZZ_SECONDS:-60}}"
shift || true
jobs="${FUZZ_JOBS:-1}"
# Optimized, with debug assertions and overflow checks on (cargo-fuzz's -O alone turns them off).
build_flags=(-O -a)

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="$here/target"
# The machine's one toolchain; a rustup override or a stray nightly must not pick another.
toolchain=()
if command -v rustup >/dev/null 2>&1 && rustup toolchain list | grep -q '^stable'; then
    toolchain=(+stable)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install --locked cargo-fuzz
fi

# --- seed the corpora ---------------------------------------------------------------------
# fuzz/corpus is git-ignored: it is seeded on every run from testdata/ and from the
# hand-written exports in fuzz/seeds/ (anchors, aliases, flow lists, escapes, addresses in
# text). libFuzzer adds what it finds beside the seeds; those stay between runs on one machine.
seed() {
    local json_dir="$here/corpus/load_json" yaml_dir="$here/corpus/load_yaml"
    local sieve_dir="$here/corpus/load_sieve" rw_dir="$here/corpus/rewrite"
    mkdir -p "$json_dir" "$yaml_dir" "$sieve_dir" "$rw_dir"
    local demo_mapping="$root/testdata/demo/mapping.yaml" n=0
    while IFS= read -r -d '' f; do
        local rel="${f#"$root/"}" base json=0 mapping dir
        base="seed-$(printf '%s' "$rel" | tr '/' '_')"
        # (`json` is the rewrite target's format bits: 1 = JSON, 64 = Sieve, 0 = YAML.)
        case "$f" in
            *.json) json=1; cp "$f" "$json_dir/$base" ;;
            *.sieve | *.siv) json=64; cp "$f" "$sieve_dir/$base" ;;
            *) cp "$f" "$yaml_dir/$base" ;;
        esac
        n=$((n + 1))
        case "$(basename "$f")" in mapping.* | *.mapping.*) continue ;; esac
        # rewrite, first byte: bit 0 = JSON export, bit 1 = mapping from the input, bits 2-3 =
        # which fixed mapping, bit 5 = add mode. Each export with every fixed mapping...
        for fixed in 0 4 8 12 32 36 40 44; do
            { printf "\\x$(printf '%02x' $((fixed | json)))"; cat "$f"; } >"$rw_dir/$base.fixed$fixed"
        done
        # ...and once after the mapping of its test case (the mapping.yaml beside its export/
        # or expected/ folder), else the demo mapping, and the separator.
        dir="$(dirname "$f")"
        case "$(basename "$dir")" in export | expected) dir="$(dirname "$dir")" ;; esac
        mapping="$dir/mapping.yaml"
        [ -f "$mapping" ] || mapping="$demo_mapping"
        if [ -f "$mapping" ]; then
            for mode in 0 32; do
                { printf "\\x$(printf '%02x' $((mode | 2 | json)))"; cat "$mapping"; printf '\n%%%%%%%%\n'; cat "$f"; } \
                    >"$rw_dir/$base.split$mode"
            done
        fi
    done < <(find "$root/testdata" "$here/seeds" -type f \( -name '*.json' -o -name '*.yaml' -o -name '*.yml' -o -name '*.sieve' -o -name '*.siv' \) -print0)
    # A YAML file is also interesting input for the JSON loader, and the other way round.
    cp "$json_dir"/seed-* "$yaml_dir"/ 2>/dev/null || true
    cp "$yaml_dir"/seed-* "$json_dir"/ 2>/dev/null || true
    echo "== seeded the corpora from $n files under testdata/ and fuzz/seeds/"
}
seed
if [ "${FUZZ_SEED_ONLY:-0}" = 1 ]; then
    exit 0
fi

# --- sanitizer ----------------------------------------------------------------------------
# AddressSanitizer needs the toolchain's ASan runtime; without it, fall back to none (Rust's
# own checks still catch every panic, overflow in debug assertions and out-of-bounds index).
mkdir -p "$here/target"
sanitizer="${FUZZ_SANITIZER:-}"
if [ -z "$sanitizer" ]; then
    if cargo "${toolchain[@]}" fuzz build "${build_flags[@]}" --sanitizer address load_json >"$here/target/build.log" 2>&1; then
        sanitizer=address
    else
        echo "== AddressSanitizer does not build here (see fuzz/target/build.log): --sanitizer none"
        sanitizer=none
    fi
fi
echo "== sanitizer: $sanitizer"

# --- build ----------------------------------------------------------------------------------
if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo "${toolchain[@]}" fuzz list)
fi
# Built once, before any run, so that a build error is not taken for a crash.
for target in "${targets[@]}"; do
    if ! cargo "${toolchain[@]}" fuzz build "${build_flags[@]}" --sanitizer "$sanitizer" "$target" \
        >"$here/target/build.log" 2>&1; then
        tail -30 "$here/target/build.log"
        echo "!! $target does not build (fuzz/target/build.log)"
        exit 2
    fi
done

# --- run ------------------------------------------------------------------------------------

failed=()
for target in "${targets[@]}"; do
    dict=()
    if [ -f "$here/dict/$target.dict" ]; then
        dict=(-dict="$here/dict/$target.dict")
    fi
    parallel=()
    if [ "$jobs" -gt 1 ]; then
        parallel=(-jobs="$jobs" -workers="$jobs")
    fi
    echo "== $target: ${seconds}s"
    log="$here/target/$target.log"
    set +e
    cargo "${toolchain[@]}" fuzz run "${build_flags[@]}" --sanitizer "$sanitizer" "$target" \
        "$here/corpus/$target" -- \
        -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
        -print_final_stats=1 "${parallel[@]}" "${dict[@]}" >"$log" 2>&1
    status=$?
    set -e
    # The lines worth reading: start, end, stats, and any crash report.
    grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|new_units_added|peak_rss_mb)|^Done [0-9]+ runs|panicked at|^==[0-9]+==|SUMMARY|Test unit written|^Base64' "$log" || true
    if [ "$status" -ne 0 ]; then
        echo "!! $target failed (exit $status); log: $log; artifacts: fuzz/artifacts/$target/"
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "!! crashes in: ${failed[*]}"
    exit 1
fi
echo "== no crash in: ${targets[*]} (${seconds}s each)"
