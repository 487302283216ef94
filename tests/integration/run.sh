#!/usr/bin/env bash
# Runs every tests/integration/NNNN-*.sh and NNNN-*.py (or those named in
# $LV_TESTS, a glob) on each store backend of $LV_STORE_KINDS ("sqlite",
# "postgresql" or both, space-separated; default sqlite), all in one pool,
# LV_JOBS at a time (default: twice the cores per backend — the tests
# mostly wait on their own server and client). Each test starts its own
# server on a free port with its own scratch data dir (and, on PostgreSQL,
# its own database), so they do not share state. Exit 0 passed, 77
# skipped, anything else failed.
#
# Every test process gets LV_STORE_KIND (sqlite or postgresql). On
# PostgreSQL it also gets LV_PG_ADMIN_URI (the superuser URI of a throwaway
# cluster), LV_PG_DATA (its data directory) and LV_PG_BIN (initdb, pg_ctl,
# pg_basebackup, psql); on sqlite no LV_PG_*. The cluster is the caller's
# when LV_PG_ADMIN_URI, LV_PG_DATA and LV_PG_BIN are set (tests/pg/
# with-cluster), else one this script starts (tests/pg/cluster) and stops
# when it ends, whichever way.
# Needs LOGVAULT_BIN (the server binary under test).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${LOGVAULT_BIN:?LOGVAULT_BIN must name the logvault binary}"
export LOGVAULT_BIN
pattern=${LV_TESTS:-[0-9][0-9][0-9][0-9]-*}
kinds=${LV_STORE_KINDS:-sqlite}
nkinds=0
for kind in $kinds; do
    case $kind in
        sqlite|postgresql) nkinds=$((nkinds + 1)) ;;
        *) echo "run.sh: LV_STORE_KINDS: unknown backend $kind" >&2; exit 2 ;;
    esac
done
jobs=${LV_JOBS:-$(( $(nproc 2>/dev/null || echo 1) * 2 * nkinds ))}
logdir=$(mktemp -d "${TMPDIR:-/tmp}/lv-it-logs.XXXXXX")

# The PostgreSQL cluster, when a backend needs one and the caller gave none.
pg_own=
pg_admin=${LV_PG_ADMIN_URI:-} pg_data=${LV_PG_DATA:-} pg_bin=${LV_PG_BIN:-}
cleanup() {
    if [[ -n $pg_own ]]; then
        "$here/../pg/cluster" stop "$pg_own"
        pg_own=
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [[ " $kinds " == *" postgresql "* && -z $pg_admin ]]; then
    pg_own=$(mktemp -d /tmp/lv-pg.XXXXXX)
    if ! pg_admin=$("$here/../pg/cluster" start "$pg_own"); then
        echo "run.sh: could not start a PostgreSQL cluster" >&2
        exit 1
    fi
    pg_data=$pg_own/data
    pg_bin=$(cat "$pg_own/bin")
elif [[ " $kinds " == *" postgresql "* && ( -z $pg_data || -z $pg_bin ) ]]; then
    echo "run.sh: LV_PG_ADMIN_URI is set but LV_PG_DATA or LV_PG_BIN is not" >&2
    exit 2
fi

# One test on one backend: its output goes to $logdir/KIND/NAME.log, its
# exit status and time to $logdir/KIND/NAME.rc.
run_one() {
    local kind=$1 t=$2 name=${2##*/} cmd start rc ms env tag
    case "$t" in
        *.sh) cmd=(bash "$t") ;;
        *.py) cmd=(/usr/bin/python3 "$t") ;;
        *) return 0 ;;
    esac
    if [[ $kind == postgresql ]]; then
        env=(LV_STORE_KIND=postgresql LV_PG_ADMIN_URI="$pg_admin"
             LV_PG_DATA="$pg_data" LV_PG_BIN="$pg_bin")
    else
        env=(-u LV_PG_ADMIN_URI -u LV_PG_DATA -u LV_PG_BIN
             LV_STORE_KIND=sqlite)
    fi
    tag=
    ((nkinds > 1)) && tag="[$kind] "
    start=$(date +%s%N)
    env "${env[@]}" "${cmd[@]}" >"$logdir/$kind/$name.log" 2>&1 </dev/null
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    echo "$rc $ms" >"$logdir/$kind/$name.rc"
    case $rc in
        0) echo "ok      $tag$name ($((ms / 1000)).$(( (ms % 1000) / 100 ))s)" ;;
        77) echo "skipped $tag$name: $(tail -n 1 "$logdir/$kind/$name.log")" ;;
        *) echo "FAILED  $tag$name (exit $rc)" ;;
    esac
}

# The shell tests drive the AWS CLI (one /usr/bin/aws process costs
# 0.6-1.2 s) and are the slowest: they start first, so that the pool does
# not end waiting on them alone; then the multi-node tests (59xx: three
# servers each, the longest of the Python tests on PostgreSQL, skipped at
# once on sqlite); the rest follow in name order. With two backends the
# two runs of a test are interleaved.
tests=()
for t in "$here"/$pattern; do
    case "$t" in
        *.sh) tests+=("$t") ;;
    esac
done
for t in "$here"/$pattern; do
    case "${t##*/}" in
        59[0-9][0-9]-*.py) tests+=("$t") ;;
    esac
done
for t in "$here"/$pattern; do
    case "${t##*/}" in
        59[0-9][0-9]-*.py) ;;
        *.py) tests+=("$t") ;;
    esac
done
# Tests that flood the server and count what it holds (5504: 1,100
# sockets, the per-address cap) measure the server, not the machine: on a
# machine loaded by the rest of the pool the server falls behind the flood
# and the count says so. They run alone, one at a time, after the pool.
is_solo() {
    case "${1##*/}" in
        5504-*) return 0 ;;
    esac
    return 1
}
runs=() solo=()
for t in "${tests[@]}"; do
    for kind in $kinds; do
        if is_solo "$t"; then
            solo+=("$kind $t")
        else
            runs+=("$kind $t")
        fi
    done
done
for kind in $kinds; do
    mkdir -p "$logdir/$kind"
done
running=0
for r in "${runs[@]}"; do
    if (( running >= jobs )); then
        wait -n
        running=$((running - 1))
    fi
    run_one ${r%% *} "${r#* }" &
    running=$((running + 1))
done
wait
for r in "${solo[@]}"; do
    run_one ${r%% *} "${r#* }"
done

status=0
for kind in $kinds; do
    pass=0 skip=0
    failed=()
    for t in "${tests[@]}"; do
        name=${t##*/}
        read -r rc _ <"$logdir/$kind/$name.rc" 2>/dev/null || rc=1
        case $rc in
            0) pass=$((pass + 1)) ;;
            77) skip=$((skip + 1)) ;;
            *) failed+=("$name")
               echo "---- $name on $kind (exit $rc)"
               sed 's/^/    | /' "$logdir/$kind/$name.log" | tail -n 60
               # Last, so that an output cut to its end still names them.
               if grep -q '^FAIL' "$logdir/$kind/$name.log"; then
                   echo "---- $name on $kind: its failed checks"
                   grep '^FAIL' "$logdir/$kind/$name.log" | cut -c1-400 |
                       head -n 20 | sed 's/^/    | /'
               fi ;;
        esac
    done
    echo "integration ($kind): $pass passed, $skip skipped, ${#failed[@]} failed"
    if (( ${#failed[@]} )); then
        echo "integration ($kind): FAILED: ${failed[*]} (logs in $logdir/$kind)"
        status=1
    fi
done
if ((status == 0)); then
    rm -rf "$logdir"
fi
exit $status
