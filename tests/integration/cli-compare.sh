# Sourced by the 4xxx tests (after lib.sh): runs one command with
# /usr/bin/aws and with `logvault` against the same server and compares
# exit codes, stderr (aws's program name in usage text read as
# "logvault") and stdout. JSON stdout is compared structurally
# (tests/integration/cli_json_cmp.py): every key aws prints must be there
# with an equal value, in the same order; values that differ per call
# (key ids, ARNs holding them, times, ids) need only the same form; keys
# that only logvault prints come from the newer model it is built from.
#
#   cmp_cli NAME [ENV=VALUE...] -- SERVICE ARGS...
#   cmp_cli_exact NAME -- ...    stdout must be byte-identical
#   LV_CMP_BETWEEN='cmd'         run between the two (e.g. undo a create)
LV_CMP_PY=$(dirname "${BASH_SOURCE[0]}")/cli_json_cmp.py

_cmp_run() {
    local name=$1 mode=$2
    shift 2
    local envs=()
    while [[ $1 != -- ]]; do envs+=("$1"); shift; done
    shift
    local d=$LV_SCRATCH/cmp
    mkdir -p "$d"
    env "${envs[@]}" /usr/bin/aws --endpoint-url "$LV_ENDPOINT" "$@" \
        >"$d/a.out" 2>"$d/a.err" </dev/null
    local arc=$?
    if [[ -n ${LV_CMP_BETWEEN:-} ]]; then
        eval "$LV_CMP_BETWEEN" >/dev/null 2>&1
    fi
    env "${envs[@]}" "$LOGVAULT_BIN" "$@" --endpoint-url "$LV_ENDPOINT" \
        >"$d/l.out" 2>"$d/l.err" </dev/null
    local lrc=$?
    if ((arc != lrc)); then
        fail "$name: exit code aws=$arc logvault=$lrc"
        sed 's/^/  aws: /' "$d/a.err" >&2
        sed 's/^/  lv:  /' "$d/l.err" >&2
        return
    fi
    sed -E 's/\baws( |: |$)/logvault\1/g' "$d/a.err" >"$d/a.err2"
    # keep the hint to run "aws configure" as it is
    sed -i 's/"logvault configure"/"aws configure"/' "$d/a.err2"
    if ! cmp -s "$d/a.err2" "$d/l.err"; then
        # the operation list differs with the model's age: compare the
        # first line of an "Invalid choice" only
        if grep -q 'Invalid choice' "$d/a.err2" && \
            diff <(head -n 9 "$d/a.err2") <(head -n 9 "$d/l.err") >/dev/null; then
            :
        else
            fail "$name: stderr differs"
            diff "$d/a.err2" "$d/l.err" | head -n 20 >&2
            return
        fi
    fi
    if [[ $mode == exact ]]; then
        if ! cmp -s "$d/a.out" "$d/l.out"; then
            fail "$name: stdout differs"
            diff "$d/a.out" "$d/l.out" | head -n 20 >&2
            return
        fi
    elif ! /usr/bin/python3 "$LV_CMP_PY" "$d/a.out" "$d/l.out" >&2; then
        fail "$name: stdout differs"
        return
    fi
    echo "ok: $name (exit $arc)"
}

cmp_cli() { _cmp_run "$1" struct "${@:2}"; }
cmp_cli_exact() { _cmp_run "$1" exact "${@:2}"; }

# Both tools' stdout for the last cmp_cli, for tests that read values.
cmp_aws_out() { cat "$LV_SCRATCH/cmp/a.out"; }
cmp_lv_out() { cat "$LV_SCRATCH/cmp/l.out"; }
