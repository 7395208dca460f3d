#!/usr/bin/env bash
# Runs a fuzz campaign: every target (or the ones named) for a fixed number of executions, one
# after the other in one process each, and appends one line per target to work/campaign.tsv:
#   target  executions  wall_s  exec_per_s  corpus_files  crashes  date  machine  command
# Run from fuzz/:  ./campaign.sh [-n EXECUTIONS] [target ...]
# Needs cargo-fuzz and a nightly toolchain (or RUSTC_BOOTSTRAP=1 on stable).
set -euo pipefail
cd "$(dirname "$0")"

runs=10000000
if [ "${1:-}" = "-n" ]; then
    runs=$2
    shift 2
fi
all=(decrypt decrypt_built token_plaintext keyset_parse keyset_tokens envelope_open
     envelope_request operator_documents identity identity_tokens identity_map_v3 id_token)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

toolchain=${FUZZ_TOOLCHAIN:-+nightly}
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
mkdir -p work
log=work/campaign.tsv
[ -f "$log" ] || printf 'target\texecutions\twall_s\texec_per_s\tcorpus_files\tcrashes\tdate\tmachine\tcommand\n' > "$log"

for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "seeds/$t" "artifacts/$t"
    # RSA arithmetic under compare tracing runs ten times slower; id_token is built without it,
    # in its own target directory.
    extra=()
    [ "$t" = id_token ] && extra=(--no-trace-compares --target-dir target-notc)
    cmd="cargo $toolchain fuzz run -a -s none ${extra[*]} $t corpus/$t seeds/$t -- -runs=$runs -print_final_stats=1"
    echo "== $t: $cmd"
    before=$(ls "artifacts/$t" | wc -l)
    start=$(date +%s)
    status=0
    # shellcheck disable=SC2086
    nice -n 10 $cmd > "work/$t.log" 2>&1 || status=$?
    wall=$(( $(date +%s) - start ))
    execs=$(grep -m1 'stat::number_of_executed_units' "work/$t.log" | awk '{print $2}')
    rate=$(grep -m1 'stat::average_exec_per_sec' "work/$t.log" | awk '{print $2}')
    crashes=$(( $(ls "artifacts/$t" | wc -l) - before ))
    files=$(ls "corpus/$t" | wc -l)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "${execs:-?}" "$wall" "${rate:-?}" \
        "$files" "$crashes" "$(date -u +%Y-%m-%dT%H:%MZ)" "$machine" "$cmd" >> "$log"
    echo "   executions ${execs:-?}, ${wall}s, ${rate:-?}/s, corpus $files, crashes $crashes (exit $status)"
done
