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
# no checks; only where the scenario grants something).
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

printf '| scenario | none | actix-cors | floor | scoped-cors | added: actix-cors | added: floor | added: ours | ours / actix-cors | ours / floor |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for scenario in "$@"; do
    none=$(instructions "$scenario" none)
    actix=$(instructions "$scenario" actix_cors)
    floor=$(instructions "$scenario" floor)
    ours=$(instructions "$scenario" scoped_cors)
    awk -v s="$scenario" -v n="$none" -v a="$actix" -v f="$floor" -v o="$ours" 'BEGIN {
        vs_actix = (a > n) ? sprintf("%.2f", (o - n) / (a - n)) : "n/a";
        if (f == "-") { fl = "n/a"; fa = "n/a"; vs_floor = "n/a" }
        else { fl = f; fa = f - n; vs_floor = (f > n) ? sprintf("%.2f", (o - n) / (f - n)) : "n/a" }
        printf "| %s | %d | %d | %s | %d | %d | %s | %d | %s | %s |\n",
            s, n, a, fl, o, a - n, fa, o - n, vs_actix, vs_floor }'
done
