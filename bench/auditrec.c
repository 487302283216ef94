/*
 * auditrec: what the audit trail's recorder costs per record, outside
 * HTTP (issue 13's bench: the server-level figure, `make bench`'s KMS rows
 * with and without --audit-trail, swings with how the scheduler places
 * the server's threads and the load generator; this one does not).
 *
 *   build/bench/auditrec [--records N] [--rate R] [--store SPEC] [--off]
 *
 * Records N KMS Encrypt requests (root principal, boto3's user agent, a
 * KeyId, an encryption context and a Plaintext member, the key resolved:
 * what a busy Encrypt path records) through the front's own hooks,
 * lv_audit_req_begin and lv_audit_req_done, at about R requests a second
 * (5 ms pauses between bursts, so that the writer sees batches as a
 * server at that rate gives it), on a fresh sqlite store in a temporary
 * directory (or SPEC, e.g. a scratch PostgreSQL database). It prints the
 * CPU-µs per record of the request thread (CLOCK_THREAD_CPUTIME_ID over
 * the hooks alone), of the writer (the process's CPU less the request
 * thread's, up to the last record written: lv_audit_free waits for it)
 * and their sum, and (sqlite) the bytes of the data dir's files after the
 * store is closed, per record: what the writer stored, pages included. The
 * request thread's figure covers the whole loop (its
 * request ids, clock reads and pauses too: reading a thread's CPU clock
 * around each record would cost more than the record on a VM, where it is
 * a system call); --off runs the same loop with no recorder (a NULL
 * lv_audit), so the recorder's cost is the difference of the two.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "audit/audit.h"
#include "crypto/crypto.h"
#include "crypto/keyring.h"
#include "model/model.h"
#include "store/store.h"
#include "svc/req.h"
#include "util/err.h"
#include "util/log.h"

static double cpu_s(clockid_t c)
{
    struct timespec ts;

    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The bytes of the regular files in dir. */
static double dir_bytes(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    double total = 0;

    if (!d) {
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        char path[512];
        struct stat st;

        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            total += (double)st.st_size;
        }
    }
    closedir(d);
    return total;
}

static void usage(void)
{
    fprintf(stderr, "usage: auditrec [--records N] [--rate R] "
            "[--store SPEC] [--off]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    long n = 100000;
    long rate = 20000;
    const char *spec = "sqlite";
    int off = 0;
    char dir[] = "/tmp/lv-auditrec-XXXXXX";
    struct lv_store_config cfg = { NULL, NULL, NULL, NULL };
    struct lv_audit_config acfg = { 0, 1000, 3600 * 1000 };
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit *a = NULL;
    struct lv_store *s;
    struct lv_keyring *kr;
    struct lv_req rq;
    uint8_t root[32];
    json_t *in;
    static const char resp[] =
        "{\"CiphertextBlob\":\"AQICAHh4c2VjcmV0\",\"KeyId\":"
        "\"arn:aws:kms:eu-west-2:123456789012:key/"
        "1234abcd-12ab-34cd-56ef-1234567890ab\","
        "\"EncryptionAlgorithm\":\"SYMMETRIC_DEFAULT\"}";
    double t0, p0, t_req, p_all;
    long burst;
    char cmd[64];
    char kind[32];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--records") == 0 && i + 1 < argc) {
            n = atol(argv[++i]);
        } else if (strcmp(argv[i], "--rate") == 0 && i + 1 < argc) {
            rate = atol(argv[++i]);
        } else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc) {
            spec = argv[++i];
        } else if (strcmp(argv[i], "--off") == 0) {
            off = 1;
        } else {
            usage();
        }
    }
    if (n <= 0 || rate <= 0) {
        usage();
    }
    lv_log_level = LV_LOG_WARN;
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    cfg.spec = spec;
    cfg.data_dir = dir;
    s = lv_store_open(&cfg, &err);
    if (!s) {
        fprintf(stderr, "auditrec: %s\n", err.msg);
        return 1;
    }
    memset(root, 0x42, sizeof(root));
    kr = lv_keyring_new(root);
    if (!off) {
        a = lv_audit_new(s, kr, &acfg);
        if (lv_audit_start(a, &err) < 0) {
            fprintf(stderr, "auditrec: %s\n", err.msg);
            return 1;
        }
    }

    in = json_pack("{s:s, s:s, s:{s:s}}",
                   "KeyId", "alias/bench",
                   "Plaintext", "aGVsbG8gd29ybGQ=",
                   "EncryptionContext", "purpose", "bench");
    memset(&rq, 0, sizeof(rq));
    snprintf(rq.region, sizeof(rq.region), "eu-west-2");
    snprintf(rq.key_arn, sizeof(rq.key_arn), "arn:aws:kms:eu-west-2:"
             "123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    snprintf(rq.who.access_key, sizeof(rq.who.access_key), "test");
    snprintf(rq.who.account, sizeof(rq.who.account), "123456789012");
    snprintf(rq.who.arn, sizeof(rq.who.arn), "arn:aws:iam::123456789012:"
             "root");
    snprintf(rq.source_ip, sizeof(rq.source_ip), "127.0.0.1");
    rq.user_agent = "Boto3/1.26.27 Python/3.11.2 Linux/6.1.0 "
                    "Botocore/1.29.27";
    rq.svc = &lv_model_kms;
    rq.op = lv_model_find_op(&lv_model_kms, "Encrypt", 7);
    rq.store = s;
    rq.in = in;
    burst = rate / 200 > 0 ? rate / 200 : 1;    /* 5 ms worth */

    p0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
    t0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
    for (long i = 0; i < n; i++) {
        struct lv_audit_req ar = LV_AUDIT_REQ_INIT;

        lv_uuid4(rq.id);        /* as the server's front: random */
        rq.now_ms = wall_ms();
        rq.now = (time_t)(rq.now_ms / 1000);
        if (lv_audit_req_begin(a, &rq, 0, &ar, &err) < 0 ||
            lv_audit_req_done(a, &rq, &ar, resp, sizeof(resp) - 1,
                              &err) < 0) {
            fprintf(stderr, "auditrec: %s\n", err.msg);
            return 1;
        }
        if ((i + 1) % burst == 0) {
            usleep(5000);
        }
    }
    t_req = cpu_s(CLOCK_THREAD_CPUTIME_ID) - t0;
    lv_audit_free(a);       /* writes what is still queued */
    p_all = cpu_s(CLOCK_PROCESS_CPUTIME_ID) - p0;
    snprintf(kind, sizeof(kind), "%s", lv_store_kind_of(s));
    json_decref(in);
    lv_keyring_free(kr);
    lv_store_close(s);
    printf("auditrec records=%ld rate=%ld store=%s trail=%s "
           "request_us=%.3f writer_us=%.3f total_us=%.3f "
           "dir_bytes_per_record=%.1f\n", n, rate, kind, off ? "off" : "on",
           t_req / n * 1e6, (p_all - t_req) / n * 1e6, p_all / n * 1e6,
           dir_bytes(dir) / (double)n);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "auditrec: could not remove %s\n", dir);
    }
    return 0;
}
