/*
 * cli/audit.c: `logvault audit verify` (audit.h). It opens the store as
 * serve does (the same --data-dir default, --store, --root-key-file) but
 * never creates one: an absent store or a missing root key is an error,
 * and the root key must be the store's (its check value in the meta
 * table). Opening applies any schema step the store lacks, as serve would.
 *
 * Output: one line per finding, then a summary line; the exit status says
 * whether anything was found.
 */
#include "cli/audit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit/chain.h"
#include "crypto/crypto.h"
#include "crypto/keyring.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

#define ROOT_KEY_CHECK "root_key_check"     /* as serve.c records it */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: logvault audit verify [--since T] [--data-dir D | "
            "--store URI]\n"
            "                             [--root-key-file F]\n\n"
            "Reads the store directly and checks the audit trail: each\n"
            "account and region's hash chain of records and its signed\n"
            "digests. Prints every record changed, removed or inserted and\n"
            "every broken digest; exits 0 when all verified, 1 when\n"
            "something was found, 2 on an error.\n\n"
            "  --since T          only records and digests from T on (epoch\n"
            "                     seconds, or 2026-12-05T10:00:00Z)\n"
            "  --data-dir D       the data dir (default ./logvault-data)\n"
            "  --store URI        a PostgreSQL URI or conninfo string\n"
            "  --root-key-file F  the root key (default D/root.key)\n");
}

/* T as epoch ms: digits are epoch seconds, else RFC 3339 UTC (with Z,
 * optional fraction) or a date. -1 when it is neither. */
static int64_t parse_time(const char *t)
{
    struct tm tm;
    const char *end;
    char *e;
    long long secs;

    errno = 0;
    secs = strtoll(t, &e, 10);
    if (*t && !*e && errno == 0 && secs >= 0 && secs < 1LL << 40) {
        return (int64_t)secs * 1000;
    }
    memset(&tm, 0, sizeof(tm));
    end = strptime(t, "%Y-%m-%dT%H:%M:%S", &tm);
    if (end) {
        if (*end == '.') {
            end++;
            while (*end >= '0' && *end <= '9') {
                end++;
            }
        }
        if (strcmp(end, "Z") != 0) {
            return -1;
        }
    } else {
        memset(&tm, 0, sizeof(tm));
        end = strptime(t, "%Y-%m-%d", &tm);
        if (!end || *end) {
            return -1;
        }
    }
    secs = (long long)timegm(&tm);
    return secs < 0 ? -1 : (int64_t)secs * 1000;
}

static const char *const problem_names[] = {
    [LV_AUDIT_CHANGED] = "CHANGED",
    [LV_AUDIT_REMOVED] = "REMOVED",
    [LV_AUDIT_INSERTED] = "INSERTED",
    [LV_AUDIT_DIGEST_BROKEN] = "DIGEST",
};

static int print_finding(void *arg, const struct lv_audit_finding *f)
{
    (void)arg;
    printf("%-8s %s %s ", problem_names[f->problem], f->account, f->region);
    switch (f->problem) {
    case LV_AUDIT_REMOVED:
        if (f->seq_first == f->seq_last) {
            printf("seq %lld", (long long)f->seq_first);
        } else {
            printf("seq %lld-%lld", (long long)f->seq_first,
                   (long long)f->seq_last);
        }
        break;
    case LV_AUDIT_DIGEST_BROKEN:
        printf("digest %lld (head seq %lld)", (long long)f->digest_id,
               (long long)f->seq_first);
        break;
    default:
        printf("seq %lld (row id %lld)", (long long)f->seq_first,
               (long long)f->record_id);
        break;
    }
    printf(": %s\n", f->why);
    return 0;
}

/* The root key: --root-key-file, or the data dir's (never created). */
static struct lv_keyring *load_key(const char *data_dir, const char *file,
                                   struct lv_err *err)
{
    uint8_t root[32];
    struct lv_keyring *kr;
    struct stat st;

    if (!file) {
        char *path = lv_xasprintf("%s/%s", data_dir, LV_ROOTKEY_FILE);
        int there = stat(path, &st) == 0;

        if (!there) {
            lv_err_set(err, LV_E_INTERNAL_FAILURE,
                       "no root key at %s (give it with --root-key-file)",
                       path);
        }
        free(path);
        if (!there) {
            return NULL;
        }
    }
    if (lv_rootkey_load(data_dir, file, root, err) < 0) {
        return NULL;
    }
    kr = lv_keyring_new(root);
    lv_secret_wipe(root, sizeof(root));
    return kr;
}

static int check_key(struct lv_store *s, const struct lv_keyring *kr,
                     struct lv_err *err)
{
    struct lv_buf stored = LV_BUF_INIT(1024);
    int found = lv_store_meta_get(s, ROOT_KEY_CHECK, &stored, err);
    int rc = found < 0 ? -1 : 0;

    if (found == 1 &&
        lv_keyring_verify_check(kr, (const uint8_t *)stored.data,
                                stored.len, err) < 0) {
        rc = -1;
    }
    lv_buf_release(&stored);
    return rc;
}

static int verify_main(int argc, char **argv)
{
    const char *data_dir = "./logvault-data";
    const char *spec = NULL;
    const char *key_file = NULL;
    int64_t since_ms = 0;
    struct lv_store_config cfg = { 0 };
    struct lv_err err = LV_ERR_INIT;
    struct lv_keyring *kr = NULL;
    struct lv_store *s = NULL;
    struct lv_audit_verify_stats st = { 0 };
    enum lv_store_presence pres;
    int ret = 2;
    int rc;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (!v || (strcmp(a, "--since") != 0 &&
                   strcmp(a, "--data-dir") != 0 &&
                   strcmp(a, "--store") != 0 &&
                   strcmp(a, "--root-key-file") != 0)) {
            fprintf(stderr, "logvault audit verify: %s '%s'\n\n",
                    v ? "unknown option" : "missing value for", a);
            usage(stderr);
            return 2;
        }
        i++;
        if (strcmp(a, "--since") == 0) {
            since_ms = parse_time(v);
            if (since_ms < 0) {
                fprintf(stderr, "logvault audit verify: --since '%s' is "
                        "neither epoch seconds nor a UTC time such as "
                        "2026-12-05T10:00:00Z\n", v);
                return 2;
            }
        } else if (strcmp(a, "--data-dir") == 0) {
            data_dir = v;
        } else if (strcmp(a, "--store") == 0) {
            spec = v;
        } else {
            key_file = v;
        }
    }
    lv_log_level = LV_LOG_WARN;
    cfg.spec = spec;
    cfg.data_dir = data_dir;
    if (spec && !lv_store_kind(spec)) {
        fprintf(stderr, "logvault audit verify: --store names no store "
                "logvault knows\n");
        return 2;
    }
    if (lv_store_probe(&cfg, &pres, &err) < 0) {
        goto out;
    }
    if (pres != LV_STORE_PRESENT) {
        lv_err_set(&err, LV_E_SERVICE_UNAVAILABLE, "no store there (%s)",
                   spec ? "the --store database is empty" : data_dir);
        goto out;
    }
    kr = load_key(data_dir, key_file, &err);
    if (!kr) {
        goto out;
    }
    s = lv_store_open(&cfg, &err);
    if (!s || check_key(s, kr, &err) < 0) {
        goto out;
    }
    rc = lv_audit_verify_all(s, kr, since_ms, print_finding, NULL, &st,
                             &err);
    if (rc < 0) {
        goto out;
    }
    printf("audit verify: %lld chain%s, %lld record%s, %lld digest%s "
           "checked: %s\n", (long long)st.chains, st.chains == 1 ? "" : "s",
           (long long)st.records, st.records == 1 ? "" : "s",
           (long long)st.digests, st.digests == 1 ? "" : "s",
           st.findings ? "PROBLEMS FOUND" : "all verified");
    if (st.findings) {
        printf("audit verify: %lld finding%s\n", (long long)st.findings,
               st.findings == 1 ? "" : "s");
    }
    ret = st.findings ? 1 : 0;
out:
    if (ret == 2) {
        fprintf(stderr, "logvault audit verify: %s\n", lv_err_msg(&err));
    }
    if (s) {
        lv_store_close(s);
    }
    lv_keyring_free(kr);
    lv_err_release(&err);
    return ret;
}

int lv_cli_audit_main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "verify") == 0) {
        return verify_main(argc - 1, argv + 1);
    }
    fprintf(stderr, "logvault audit: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
