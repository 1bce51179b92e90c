#!/usr/bin/env bash
# Instructions per request under callgrind: a noise-free companion to the timed benches.
#
#   bash benches/callgrind.sh                          # every scenario of the benches
#   bash benches/callgrind.sh preflight/allowed ...    # these scenarios (IDs as in the benches)
#
# Runs `benches/allocations.rs` in its `--callgrind` mode: each request is built (not
# counted), then called and its response dropped inside `measured_call` (counted), one at a
# time, so the numbers are the service's own instructions in a steady heap. Prints instructions per request for each implementation, the
# instructions each adds over no middleware, and this crate's added instructions as a ratio
# of actix-cors' and of the floor's (the scenario's grant headers, `'static`, appended with
# no checks; only where the scenario grants something). The bound (benches/support/bound.rs,
# also only where there is a floor) is the floor plus the least a layer that checks the
# request must do: its ratios show whether a target is within reach of any such layer.
#
# CALLGRIND_REQUESTS (default 1000) sets the requests counted per run; CALLGRIND_KEEP=DIR
# keeps each run's callgrind output (with --dump-instr=yes) in DIR for callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")/.."

count=${CALLGRIND_REQUESTS:-1000}

bin=$(cargo bench --bench allocations --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*allocations[^"]*\)".*/\1/p' | tail -1)
[ -x "$bin" ] || { echo "could not build benches/allocations.rs" >&2; exit 1; }
if [ $# -eq 0 ]; then
    mapfile -t scenarios < <("$bin" --list-scenarios)
    set -- "${scenarios[@]}"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
keep=${CALLGRIND_KEEP:-}
[ -z "$keep" ] || mkdir -p "$keep"

instructions() { # scenario impl -> instructions per request, or "-" without a floor
    local file="$out/cg" status=0
    [ -z "$keep" ] || file="$keep/$(echo "$1" | tr / _).$2.out"
    valgrind --tool=callgrind --callgrind-out-file="$file" --dump-instr=yes \
        --toggle-collect='allocations::measured_call' \
        "$bin" --callgrind "$1" "$2" "$count" >/dev/null 2>&1 || status=$?
    if [ "$status" -eq 2 ]; then echo -; return; fi
    [ "$status" -eq 0 ] || { echo "callgrind run failed: $1 $2" >&2; exit 1; }
    awk -v n="$count" '/^(summary|totals):/ { printf "%d\n", $2 / n; exit }' "$file"
}

printf '| scenario | none | actix-cors | floor | bound | scoped-cors | added: actix-cors | added: floor | added: bound | added: ours | ours / actix-cors | ours / floor | bound / actix-cors | bound / floor |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for scenario in "$@"; do
    none=$(instructions "$scenario" none)
    actix=$(instructions "$scenario" actix_cors)
    floor=$(instructions "$scenario" floor)
    bound=$(instructions "$scenario" bound)
    ours=$(instructions "$scenario" scoped_cors)
    awk -v s="$scenario" -v n="$none" -v a="$actix" -v f="$floor" -v b="$bound" -v o="$ours" '
    function added(x) { return (x == "-") ? "n/a" : x - n }
    function ratio(x, of) { return (x == "-" || of == "-" || of <= n) ? "n/a" : sprintf("%.2f", (x - n) / (of - n)) }
    BEGIN {
        printf "| %s | %d | %d | %s | %s | %d | %d | %s | %s | %d | %s | %s | %s | %s |\n",
            s, n, a, (f == "-") ? "n/a" : f, (b == "-") ? "n/a" : b, o, a - n, added(f), added(b),
            o - n, ratio(o, a), ratio(o, f), ratio(b, a), ratio(b, f) }'
done
