#!/usr/bin/env bash
# Start, refuse a second server on the same data dir, stop on SIGTERM and
# SIGINT with status 0, restart on the same data dir, refuse bad options.
# On sqlite the root key is made in the data dir; on PostgreSQL it is the
# operator's file (lib.sh gives one) and the data dir holds only its LOCK.
. "$(dirname "$0")/lib.sh"

lv_start
first_pid=$LV_PID
first_log=$LV_LOG
out=$("$LOGVAULT_BIN" serve --listen 127.0.0.1:0 --data-dir "$LV_DATA" \
      "${LV_STORE_ARGS[@]}" 2>&1)
rc=$?
expect_eq "a second serve on the same data dir fails" 1 $rc
[[ $out == *"is in use by another logvault serve (pid $first_pid)"* ]] \
    || fail "second serve message: $out"
# A second serve on another data dir but the same port is refused: the
# port is not shared (SO_REUSEPORT would split connections between them).
lv_store_args
out=$(timeout 20 "$LOGVAULT_BIN" serve --listen "127.0.0.1:$LV_PORT" \
      --data-dir "$LV_SCRATCH/other-data" "${LV_STORE_ARGS[@]}" 2>&1)
expect_eq "a second serve on the same port fails" 1 $?
[[ $out == *"cannot listen on 127.0.0.1:$LV_PORT: Address already in use"* ]] \
    || fail "second serve on the port: $out"
if lv_on_pg; then
    expect_eq "the data dir holds only its LOCK" "LOCK" "$(ls -A "$LV_DATA")"
    keyfile=${LV_STORE_ARGS[3]}
else
    [[ -f $LV_DATA/root.key ]] || fail "no root key in the data dir"
    mode=$(stat -c %a "$LV_DATA/root.key")
    expect_eq "root key mode" 600 "$mode"
    keyfile=$LV_DATA/root.key
fi
lv_stop

# Restart on the same data dir, then SIGINT.
lv_start
# One signed request served before the signal (boto3: the AWS CLI is
# the subject of the 4xxx tests only).
/usr/bin/python3 -c 'import os, boto3
boto3.client("kms", endpoint_url=os.environ["LV_ENDPOINT"],
             region_name="eu-west-2", aws_access_key_id="test",
             aws_secret_access_key="test").list_keys()' \
    || fail "list-keys before SIGINT failed"
kill -INT "$LV_PID"
wait "$LV_PID"
expect_eq "SIGINT exits 0" 0 $?
sanitizer_check "$LV_LOG"
LV_PID=
grep -q "serve: stopped" "$LV_LOG" || fail "no 'stopped' line after SIGINT"

# Another root key for this data dir (or database) is refused, and nothing
# changes.
head -c 32 /dev/urandom >"$LV_SCRATCH/other.key"
chmod 600 "$LV_SCRATCH/other.key"
before=$(sha256sum "$keyfile")
lv_store_args --root-key-file "$LV_SCRATCH/other.key"
out=$("$LOGVAULT_BIN" serve --listen 127.0.0.1:0 --data-dir "$LV_DATA" \
      --root-key-file "$LV_SCRATCH/other.key" "${LV_STORE_ARGS[@]}" 2>&1)
expect_eq "wrong root key exits 1" 1 $?
[[ $out == *"root key does not match"* ]] || fail "wrong root key: $out"
expect_eq "root key untouched" "$before" "$(sha256sum "$keyfile")"

# Bad options are refused with a clear message.
out=$("$LOGVAULT_BIN" serve --listen nonsense --data-dir "$LV_SCRATCH/d2" 2>&1)
expect_eq "bad --listen exits 1" 1 $?
[[ $out == *"is not ADDR:PORT"* ]] || fail "bad listen: $out"
printf '[AKIA]\naccount_id = 1\n' >"$LV_SCRATCH/bad.ini"
out=$("$LOGVAULT_BIN" serve --listen 127.0.0.1:0 --data-dir "$LV_SCRATCH/d3" \
      --credentials "$LV_SCRATCH/bad.ini" 2>&1)
expect_eq "bad credentials file exits 1" 1 $?
[[ $out == *"bad.ini"* ]] || fail "bad credentials message: $out"
out=$("$LOGVAULT_BIN" serve --store mysql://x --data-dir "$LV_SCRATCH/d4" 2>&1)
expect_eq "unknown store kind exits 2" 2 $?
[[ $out == *"--store must be sqlite"* ]] || fail "unknown store: $out"
out=$("$LOGVAULT_BIN" serve --store postgresql://x --data-dir "$LV_SCRATCH/d4" 2>&1)
expect_eq "postgresql without --root-key-file exits 2" 2 $?
[[ $out == *"needs --root-key-file"* ]] || fail "no root key file: $out"
# A PostgreSQL store that cannot be reached (nothing listens on port 1):
# refused, its password nowhere (URI, conninfo, PGPASSWORD), the data dir
# left with its lock file only.
for spec in "postgresql://lv:Pw-In-Uri-7@127.0.0.1:1/db" \
            "host=127.0.0.1 port=1 user=lv password=Pw-In-Conninfo-7"; do
    out=$(PGPASSWORD=Pw-In-Env-7 LOGVAULT_STORE="$spec" "$LOGVAULT_BIN" \
          serve --data-dir "$LV_SCRATCH/d5" \
          --root-key-file "$LV_SCRATCH/other.key" 2>&1)
    expect_eq "unreachable postgresql exits 1" 1 $?
    [[ $out == *"cannot connect to the PostgreSQL database"* ]] \
        || fail "unreachable postgresql: $out"
    [[ $out == *Pw-In-* ]] && fail "a password in the output: $out"
    expect_eq "data dir of a postgresql store" LOCK "$(ls "$LV_SCRATCH/d5")"
done
