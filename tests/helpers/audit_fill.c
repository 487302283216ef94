/*
 * audit_fill: appends audit records to a store's chain through
 * lv_audit_chain_append() and signs digests through lv_audit_digest_make(),
 * as the recorder and its digest task do, for the tests of
 * `logvault audit verify` (6301-audit-verify.py).
 *
 * usage: audit_fill [--data-dir D] [--store URI] [--root-key-file F]
 *                   --account A --region R --records N --first-ms T
 *                   [--digest-every K] [--batch B]
 * Record i (1 … N) has eventTime T + (i - 1) * 1000 ms; after every K-th
 * record a digest is made whose range ends at that record's time. With
 * --batch B the records are appended B at a time as batches, through
 * lv_audit_chain_append_batch() as the recorder's writer appends them
 * (K then a multiple of B). Prints
 * "appended N" and exits 0, or prints the error and exits 1.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/chain.h"
#include "crypto/crypto.h"
#include "crypto/keyring.h"
#include "store/store.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

static const char *opt(int argc, char **argv, const char *name,
                       const char *dflt)
{
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], name) == 0) {
            return argv[i + 1];
        }
    }
    return dflt;
}

int main(int argc, char **argv)
{
    const char *data_dir = opt(argc, argv, "--data-dir", "./logvault-data");
    const char *key_file = opt(argc, argv, "--root-key-file", NULL);
    const char *account = opt(argc, argv, "--account", "123456789012");
    const char *region = opt(argc, argv, "--region", "eu-west-2");
    int n = (int)strtol(opt(argc, argv, "--records", "0"), NULL, 10);
    int every = (int)strtol(opt(argc, argv, "--digest-every", "0"), NULL,
                           10);
    int batch = (int)strtol(opt(argc, argv, "--batch", "0"), NULL, 10);
    int64_t first = strtoll(opt(argc, argv, "--first-ms", "0"), NULL, 10);
    struct lv_audit_record *recs = NULL;
    struct lv_audit_record **run = NULL;
    int k = 0;
    struct lv_store_config cfg = { 0 };
    struct lv_err err = LV_ERR_INIT;
    struct lv_keyring *kr = NULL;
    struct lv_store *s = NULL;
    uint8_t root[32];
    int ret = 1;

    lv_log_level = LV_LOG_WARN;
    cfg.spec = opt(argc, argv, "--store", NULL);
    cfg.data_dir = data_dir;
    if (lv_rootkey_load(data_dir, key_file, root, &err) < 0) {
        goto out;
    }
    kr = lv_keyring_new(root);
    lv_secret_wipe(root, sizeof(root));
    s = lv_store_open(&cfg, &err);
    if (!s) {
        goto out;
    }
    if (batch > 0) {
        recs = lv_xcalloc((size_t)batch, sizeof(*recs));
        run = lv_xcalloc((size_t)batch, sizeof(*run));
    }
    for (int i = 1; i <= n; i++) {
        struct lv_audit_record r;

        memset(&r, 0, sizeof(r));
        snprintf(r.account, sizeof(r.account), "%s", account);
        snprintf(r.region, sizeof(r.region), "%s", region);
        r.event_time_ms = first + (int64_t)(i - 1) * 1000;
        snprintf(r.event_id, sizeof(r.event_id),
                 "6301aaaa-0000-4000-8000-%012d", i);
        snprintf(r.request_id, sizeof(r.request_id), "req-%d", i);
        snprintf(r.event_source, sizeof(r.event_source),
                 "kms.amazonaws.com");
        snprintf(r.event_name, sizeof(r.event_name), "Encrypt");
        r.key_use = 1;
        snprintf(r.username, sizeof(r.username), "alice");
        snprintf(r.access_key_id, sizeof(r.access_key_id), "AKIATEST");
        r.n_resources = 1;
        snprintf(r.resources[0].type, sizeof(r.resources[0].type),
                 "AWS::KMS::Key");
        snprintf(r.resources[0].name, sizeof(r.resources[0].name),
                 "arn:aws:kms:%s:%s:key/k%d", region, account, i % 3);
        r.event = lv_xasprintf("{\"eventName\":\"Encrypt\",\"n\":%d}", i);
        if (batch > 0) {
            recs[k] = r;
            run[k] = &recs[k];
            k++;
            if (k < batch && i < n) {
                continue;
            }
        }
        if (lv_store_begin(s, &err) < 0) {
            if (!batch) {
                free(r.event);
            }
            goto out;
        }
        if ((batch > 0
                 ? lv_audit_chain_append_batch(s, kr, run, (size_t)k, &err)
                 : lv_audit_chain_append(s, kr, &r, &err)) < 0) {
            lv_store_rollback(s);
            if (!batch) {
                free(r.event);
            }
            goto out;
        }
        if (batch > 0) {
            for (int j = 0; j < k; j++) {
                lv_audit_record_release(&recs[j]);
            }
            k = 0;
        } else {
            free(r.event);
        }
        if (lv_store_commit(s, &err) < 0) {
            goto out;
        }
        if (every > 0 && i % every == 0 &&
            lv_audit_digest_make(s, kr, account, region, r.event_time_ms,
                                 &err) < 0) {
            goto out;
        }
    }
    printf("appended %d\n", n);
    ret = 0;
out:
    if (ret) {
        fprintf(stderr, "audit_fill: %s\n", lv_err_msg(&err));
    }
    for (int j = 0; j < k; j++) {
        lv_audit_record_release(&recs[j]);
    }
    free(recs);
    free(run);
    if (s) {
        lv_store_close(s);
    }
    lv_keyring_free(kr);
    return ret;
}
