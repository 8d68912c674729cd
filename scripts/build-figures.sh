#!/usr/bin/env bash
# Clean debug build figures: for each build, its wall time in a fresh target
# directory, the crates it compiled (`Compiling` lines) and the crates in its
# normal+build dependency graph (`cargo tree`). One line per build:
#
#   build <what>: wall_s=S crates=N tree=M load=L
#
# where load is the one-minute load average when the build started (the
# figures mean little on a busy machine). Usage:
#
#   scripts/build-figures.sh [WORKSPACE_DIR]
#
# WORKSPACE_DIR (default: this script's workspace) may be another checkout,
# e.g. an older commit unpacked with `git archive`, to compare figures from
# one session. Set BUILD_FIGURES_TARGET to choose the scratch target
# directory (default: a new temporary one, removed at the end), and
# BUILD_FIGURES_PAUSE for the seconds of rest before each build (10).
set -euo pipefail

root=${1:-"$(dirname "$0")/.."}
cd "$root"
export CARGO_TERM_COLOR=never

target=${BUILD_FIGURES_TARGET:-$(mktemp -d)}
log=$(mktemp)
trap 'rm -rf "$target" "$log"' EXIT

# The facade's features as the crate graph stands: with rustls-ring where
# the checkout has it (every one since the TLS backend became a feature).
all_ring=(--no-default-features --features edis,ionos,ecl,rustls-ring)
ionos_ring=(--no-default-features --features ionos,rustls-ring)

measure() {
    local what=$1
    shift
    # Start each build from an empty target directory, with the previous
    # one's files written out and the machine settled a little.
    rm -rf "$target"
    sync
    sleep "${BUILD_FIGURES_PAUSE:-10}"
    local load start end
    load=$(cut -d' ' -f1 /proc/loadavg)
    start=$(date +%s.%N)
    if ! CARGO_TARGET_DIR="$target" cargo build --locked "$@" >"$log" 2>&1; then
        cat "$log" >&2
        echo "build $what: failed" >&2
        return 1
    fi
    end=$(date +%s.%N)
    local compiled tree
    compiled=$(grep -c '^ *Compiling ' "$log" || true)
    tree=$(cargo tree --locked -e normal,build --prefix none "$@" |
        sed 's/ (\*)//; s/ (proc-macro)//' | sort -u | grep -c .)
    awk -v what="$what" -v s="$start" -v e="$end" -v c="$compiled" -v t="$tree" -v l="$load" \
        'BEGIN { printf "build %s: wall_s=%.1f crates=%d tree=%d load=%s\n", what, e - s, c, t, l }'
}

echo "# $(git rev-parse --short HEAD 2>/dev/null || echo "$root"), $(nproc) cores, $(cargo --version)"
measure "revdns (default features)" -p revdns
measure "revdns (all providers, rustls-ring)" -p revdns "${all_ring[@]}"
measure "revdns-ionos (default features)" -p revdns-ionos
measure "revdns (ionos, rustls-ring)" -p revdns "${ionos_ring[@]}"
