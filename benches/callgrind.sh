#!/usr/bin/env bash
# Instructions per request under callgrind: a noise-free companion to the timed benches.
#
#   bash benches/callgrind.sh                          # the default scenarios
#   bash benches/callgrind.sh preflight/allowed ...    # these scenarios (IDs as in the benches)
#
# Runs `benches/allocations.rs` in its `--callgrind` mode: requests are built first, then
# only `measured_calls` (call + drop of the response) is counted, so the numbers are the
# service's own instructions. Prints instructions per request for each implementation and
# the overhead over no middleware.
set -euo pipefail
cd "$(dirname "$0")/.."

count=${CALLGRIND_REQUESTS:-1000}
if [ $# -eq 0 ]; then
    set -- allowed_get/1_origin allowed_get/100000_origins wildcard_get/100_patterns \
        preflight/allowed preflight/disallowed disallowed_get/1_origin no_origin_get/1_origin \
        permissive_get/any_origin hostile_preflight/acrh_1024_commas
fi

bin=$(cargo bench --bench allocations --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*allocations[^"]*\)".*/\1/p' | tail -1)
[ -x "$bin" ] || { echo "could not build benches/allocations.rs" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

instructions() { # scenario impl -> instructions per request
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" \
        --toggle-collect='allocations::measured_calls' \
        "$bin" --callgrind "$1" "$2" "$count" >/dev/null 2>&1
    awk -v n="$count" '/^(summary|totals):/ { printf "%d\n", $2 / n; exit }' "$out/cg"
}

printf '| scenario | none | actix-cors | scoped-cors | overhead actix-cors | overhead ours | ratio |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for scenario in "$@"; do
    none=$(instructions "$scenario" none)
    actix=$(instructions "$scenario" actix_cors)
    ours=$(instructions "$scenario" scoped_cors)
    awk -v s="$scenario" -v n="$none" -v a="$actix" -v o="$ours" 'BEGIN {
        ratio = (a > n) ? sprintf("%.2f", (o - n) / (a - n)) : "n/a";
        printf "| %s | %d | %d | %d | %d | %d | %s |\n", s, n, a, o, a - n, o - n, ratio }'
done
