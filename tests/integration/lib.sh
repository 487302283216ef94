# Sourced by the shell integration tests: starts the real `logvault serve`
# on a free loopback port with a scratch data dir, stops it on exit, and
# fails the test if the server's stderr holds a sanitizer report.
#
#   lv_start [serve options]   start a server; sets LV_PORT, LV_ENDPOINT,
#                              LV_DATA, LV_LOG (its stderr)
#   lv_stop                    SIGTERM and wait (checks the exit status)
#   aws ...                    /usr/bin/aws against the server, no retries
#   expect_eq NAME WANT GOT    compare; fail with both shown
#   expect_aws_error CODE MSG -- aws args...
#                              the command must fail with that error code
#                              and a message containing MSG
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

# lv_start [serve options]: the data dir is $LV_DATA (kept across restarts
# within one test unless LV_DATA is changed).
lv_start() {
    LV_DATA=${LV_DATA:-$LV_SCRATCH/data}
    LV_LOG=$LV_SCRATCH/server.$((${LV_STARTS:-0} + 1)).log
    LV_STARTS=$((${LV_STARTS:-0} + 1))
    "$LOGVAULT_BIN" serve --listen 127.0.0.1:0 --data-dir "$LV_DATA" \
        --threads 4 "$@" 2>"$LV_LOG" &
    LV_PID=$!
    local i
    for ((i = 0; i < 500; i++)); do
        LV_PORT=$(sed -n 's/.*serve: listening on .* port=\([0-9]*\).*/\1/p' "$LV_LOG" | head -n 1)
        [[ -n $LV_PORT ]] && break
        if ! kill -0 "$LV_PID" 2>/dev/null; then
            echo "logvault serve exited before listening:" >&2
            cat "$LV_LOG" >&2
            LV_PID=
            return 1
        fi
        sleep 0.02
    done
    if [[ -z $LV_PORT ]]; then
        echo "logvault serve did not start listening:" >&2
        cat "$LV_LOG" >&2
        return 1
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
    rm -rf "$LV_SCRATCH"
    if ((LV_FAILS)); then
        echo "$LV_FAILS check(s) failed" >&2
        exit 1
    fi
    exit 0
}
trap 'rc=$?; if ((rc != 0 && rc != 77)); then lv_stop; rm -rf "$LV_SCRATCH"; exit $rc; fi; lv_finish' EXIT

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
