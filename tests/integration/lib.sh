# Sourced by the shell integration tests: starts the real `logvault serve`
# on a free loopback port with a scratch data dir, stops it on exit, and
# fails the test if the server's stderr holds a sanitizer report.
#
#   lv_start [serve options]   start a server; sets LV_PORT, LV_ENDPOINT,
#                              LV_DATA, LV_LOG (its stderr)
#   lv_store_args              sets the array LV_STORE_ARGS: what lv_start
#                              adds to serve for the store under test, for a
#                              test that runs "$LOGVAULT_BIN" serve itself
#   lv_on_pg / lv_need_pg      true on PostgreSQL / exit 77 when not
#   lv_psql SQL [URI]          psql (LV_PG_BIN) on URI (default: the admin
#                              URI); unaligned, tuples only
#   lv_stop                    SIGTERM and wait (checks the exit status)
#   aws ...                    /usr/bin/aws against the server, no retries
#   expect_eq NAME WANT GOT    compare; fail with both shown
#   expect_aws_error CODE MSG -- aws args...
#                              the command must fail with that error code
#                              and a message containing MSG
#
# The store: run.sh runs the suite on each backend (LV_STORE_KIND sqlite or
# postgresql). On PostgreSQL (LV_PG_ADMIN_URI, LV_PG_BIN, LV_PG_DATA from the
# harness's throwaway cluster) lv_start without a --store of its own adds
# --store URI of a database made for this test's $LV_DATA (kept across
# restarts on the same LV_DATA) and --root-key-file of a root key of its own
# (unless given); the databases are dropped when the test exits.
set -u
LV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LV_SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/lv-test.XXXXXX")
LV_PID=
LV_FAILS=0
export HOME=$LV_SCRATCH/home
mkdir -p "$HOME"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=${AWS_REGION:-eu-west-2}
export AWS_DEFAULT_REGION=$AWS_REGION
export AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard AWS_PAGER=
export AWS_CONFIG_FILE=$LV_SCRATCH/aws-config
export AWS_SHARED_CREDENTIALS_FILE=$LV_SCRATCH/aws-credentials
: >"$AWS_CONFIG_FILE"
: >"$AWS_SHARED_CREDENTIALS_FILE"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if [[ ! -x /usr/bin/aws ]]; then
    echo "the AWS CLI (/usr/bin/aws from Debian's awscli) is not installed"
    exit 77
fi

fail() {
    echo "FAIL: $*" >&2
    LV_FAILS=$((LV_FAILS + 1))
}

sanitizer_check() {
    local log=$1
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|BUG: ' "$log"; then
        echo "sanitizer or BUG report in server log $log:" >&2
        grep -A30 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|BUG: ' "$log" >&2
        LV_FAILS=$((LV_FAILS + 1))
    fi
}

LV_STORE_KIND=${LV_STORE_KIND:-sqlite}
LV_STORE_ARGS=()
declare -A LV_PG_STORES=()   # data dir -> "URI KEYFILE"
LV_PG_DBS=()                 # databases made by this test

lv_on_pg() {
    [[ $LV_STORE_KIND == postgresql && -n ${LV_PG_ADMIN_URI:-} ]]
}

lv_need_pg() {
    if ! lv_on_pg; then
        echo "skipped: needs PostgreSQL (LV_PG_ADMIN_URI)"
        exit 77
    fi
}

lv_psql() {
    "$LV_PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 \
        -d "${2:-$LV_PG_ADMIN_URI}" -c "$1"
}

# lv_store_args [serve options]: LV_STORE_ARGS for $LV_DATA (see above);
# empty on sqlite, or when the options (or LOGVAULT_STORE) name a store.
lv_store_args() {
    local a have_store= have_key= name test uri key
    LV_STORE_ARGS=()
    lv_on_pg || return 0
    for a in "$@"; do
        case $a in
            --store|--store=*) have_store=1 ;;
            --root-key-file|--root-key-file=*) have_key=1 ;;
        esac
    done
    [[ -n $have_store || -n ${LOGVAULT_STORE:-} ]] && return 0
    LV_DATA=${LV_DATA:-$LV_SCRATCH/data}
    if [[ -z ${LV_PG_STORES[$LV_DATA]:-} ]]; then
        test=$(basename "$0")
        test=${test%.*}
        test=$(echo "${test,,}" | tr -c 'a-z0-9\n' '_' | cut -c1-32)
        name=lv_${test}_$$_$(( ${#LV_PG_DBS[@]} + 1 ))
        lv_psql "CREATE DATABASE \"$name\"" || return 1
        LV_PG_DBS+=("$name")
        case $LV_PG_ADMIN_URI in
            postgres://*|postgresql://*)
                # Replace the path (the database) of the admin URI.
                uri=$(echo "$LV_PG_ADMIN_URI" |
                      sed -E "s#^(postgres(ql)?://[^/?]*)/?[^?]*#\1/$name#") ;;
            *) uri="$LV_PG_ADMIN_URI dbname=$name" ;;
        esac
        key=$LV_SCRATCH/root.${#LV_PG_DBS[@]}.key
        head -c 32 /dev/urandom >"$key"
        chmod 600 "$key"
        LV_PG_STORES[$LV_DATA]="$uri $key"
    fi
    read -r uri key <<<"${LV_PG_STORES[$LV_DATA]}"
    LV_STORE_ARGS=(--store "$uri")
    [[ -n $have_key ]] || LV_STORE_ARGS+=(--root-key-file "$key")
}

lv_pg_cleanup() {
    local name
    for name in "${LV_PG_DBS[@]}"; do
        lv_psql "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" ||
            echo "note: could not drop database $name" >&2
    done
    LV_PG_DBS=()
}

# lv_start [serve options]: the data dir is $LV_DATA (kept across restarts
# within one test unless LV_DATA is changed), and so is its store. A server
# that does not start fails the test (exit 1, its log shown).
lv_start() {
    LV_DATA=${LV_DATA:-$LV_SCRATCH/data}
    LV_LOG=$LV_SCRATCH/server.$((${LV_STARTS:-0} + 1)).log
    LV_STARTS=$((${LV_STARTS:-0} + 1))
    lv_store_args "$@" || exit 1
    "$LOGVAULT_BIN" serve --listen 127.0.0.1:0 --data-dir "$LV_DATA" \
        --threads 4 "$@" "${LV_STORE_ARGS[@]}" 2>"$LV_LOG" &
    LV_PID=$!
    local i
    for ((i = 0; i < 500; i++)); do
        LV_PORT=$(sed -n 's/.*serve: listening on .* port=\([0-9]*\).*/\1/p' "$LV_LOG" | head -n 1)
        [[ -n $LV_PORT ]] && break
        if ! kill -0 "$LV_PID" 2>/dev/null; then
            echo "logvault serve exited before listening:" >&2
            cat "$LV_LOG" >&2
            LV_PID=
            exit 1
        fi
        sleep 0.02
    done
    if [[ -z $LV_PORT ]]; then
        echo "logvault serve did not start listening:" >&2
        cat "$LV_LOG" >&2
        exit 1
    fi
    LV_ENDPOINT=http://127.0.0.1:$LV_PORT
    export LV_PORT LV_ENDPOINT LV_DATA LV_LOG
}

lv_stop() {
    local rc=0
    if [[ -n $LV_PID ]]; then
        kill -TERM "$LV_PID" 2>/dev/null
        wait "$LV_PID" || rc=$?
        LV_PID=
        if ((rc != 0)); then
            fail "logvault serve exited with status $rc after SIGTERM"
            tail -n 20 "$LV_LOG" >&2
        fi
        sanitizer_check "$LV_LOG"
    fi
}

lv_finish() {
    lv_stop
    lv_pg_cleanup
    rm -rf "$LV_SCRATCH"
    if ((LV_FAILS)); then
        echo "$LV_FAILS check(s) failed" >&2
        exit 1
    fi
    exit 0
}

# At exit: a test that ends normally is judged by its checks (lv_finish);
# one that exits non-zero (a failure, or 77: skipped) keeps its status.
lv_on_exit() {
    local rc=$1
    if ((rc != 0)); then
        lv_stop
        lv_pg_cleanup
        rm -rf "$LV_SCRATCH"
        exit "$rc"
    fi
    lv_finish
}
trap 'lv_on_exit $?' EXIT

aws() {
    /usr/bin/aws --endpoint-url "$LV_ENDPOINT" "$@"
}

expect_eq() {
    if [[ "$2" != "$3" ]]; then
        fail "$1: expected [$2], got [$3]"
    else
        echo "ok: $1"
    fi
}

# expect_aws_error CODE MESSAGE-SUBSTRING -- aws arguments...
expect_aws_error() {
    local code=$1 msg=$2 out rc
    shift 3
    out=$(aws "$@" 2>&1)
    rc=$?
    if ((rc == 0)); then
        fail "aws $*: expected $code, but it succeeded: $out"
    elif [[ $out != *"An error occurred ($code)"* || $out != *"$msg"* ]]; then
        fail "aws $*: expected ($code) ...$msg..., got: $out"
    else
        echo "ok: $code from aws $1 $2"
    fi
}
