#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "app.h"
#include "audit/audit.h"
#include "auth/creds.h"
#include "cloudtrail/cloudtrail.h"
#include "crypto/crypto.h"
#include "crypto/keyring.h"
#include "http/http.h"
#include "http/route.h"
#include "kms/kms.h"
#include "logs/logs.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

#define ROOT_KEY_CHECK "root_key_check"

/* The audit trail's task wakes every minute; each chain's head is signed
 * hourly, as CloudTrail delivers a digest file every hour. */
#define AUDIT_TASK_MS 60000
#define AUDIT_DIGEST_MS (60LL * 60 * 1000)

/* Takes DATA_DIR/LOCK so that a second serve on the same data dir is
 * refused instead of sharing the root key and the store behind our back.
 * The lock dies with the process, so a crash never leaves it stale. */
static int lock_data_dir(const char *dir, int *fd_out, struct lv_err *err)
{
    char path[4096];
    char pid[32];
    int fd;

    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                          "cannot create data dir %s: %s", dir,
                          strerror(errno));
    }
    snprintf(path, sizeof(path), "%s/LOCK", dir);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "cannot open %s: %s",
                          path, strerror(errno));
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        ssize_t n = read(fd, pid, sizeof(pid) - 1);

        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        close(fd);
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                          "data dir %s is in use by another logvault serve"
                          "%s%s%s; refusing to start", dir,
                          pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "");
    }
    if (ftruncate(fd, 0) == 0) {
        int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
        if (write(fd, pid, (size_t)n) != n) {
            lv_log(LV_LOG_WARN, "serve: cannot write pid to %s", path);
        }
    }
    *fd_out = fd;
    return 0;
}

/*
 * A data dir is either fresh — no database and no root key — or whole: a
 * database and the root key that seals its KMS key material (in the data
 * dir, or given with --root-key-file). Anything in between is a damaged
 * or half-restored data dir: starting would either present it as a fresh
 * install (the data is lost from view, and a new root key or database
 * would be written over the evidence) or write a root key that can never
 * open the keys already sealed. So it is refused with a message saying
 * what is missing, before anything is written — the data dir is left
 * byte for byte as it was. Only stat(2) is used here.
 */
static int check_data_dir(const struct lv_app *app,
                          const struct lv_store_config *scfg,
                          struct lv_err *err)
{
    const char *dir = app->cfg.data_dir;
    enum lv_store_presence db;
    struct stat st;
    char *key_path = lv_xasprintf("%s/%s", dir, LV_ROOTKEY_FILE);
    int has_key;
    int ret = -1;

    if (lstat(key_path, &st) == 0) {
        has_key = 1;
    } else if (errno == ENOENT || errno == ENOTDIR) {
        has_key = 0;
    } else {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "cannot examine %s: %s",
                   key_path, strerror(errno));
        goto out;
    }
    if (lv_store_probe(scfg, &db, err) < 0) {
        goto out;
    }
    switch (db) {
    case LV_STORE_ABSENT:
        if (has_key) {
            lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                       "data dir %s has a root key (%s) but no database: "
                       "its data is missing, so it is not a fresh data "
                       "dir; refusing to start and changing nothing "
                       "(restore the database, or remove %s to start "
                       "afresh)", dir, LV_ROOTKEY_FILE, key_path);
            goto out;
        }
        break;
    case LV_STORE_EMPTY:
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "the database in data dir %s is empty (0 bytes) or "
                   "missing beside its write-ahead log: its data is "
                   "missing, so it is not a fresh data dir; refusing to "
                   "start and changing nothing (restore the database, or "
                   "empty the data dir to start afresh)", dir);
        goto out;
    case LV_STORE_PRESENT:
        if (!has_key && !app->cfg.root_key_file) {
            lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                       "data dir %s has a database but no root key (%s): "
                       "the key that seals its KMS key material is "
                       "missing; refusing to start and changing nothing "
                       "(put the root key back, or give it with "
                       "--root-key-file)", dir, key_path);
            goto out;
        }
        break;
    }
    ret = 0;
out:
    free(key_path);
    return ret;
}

/* Loads the root key (from the data dir or --root-key-file) into
 * app->keyring, before the store is opened. */
static int load_root_key(struct lv_app *app, struct lv_err *err)
{
    uint8_t root[32];

    if (lv_rootkey_load(app->cfg.data_dir, app->cfg.root_key_file, root,
                        err) < 0) {
        return -1;
    }
    app->keyring = lv_keyring_new(root);
    lv_secret_wipe(root, sizeof(root));
    return 0;
}

/* Compares the root key with the store's record of it: 1 when the store
 * has one and it matches, 0 when it has none yet, -1 with *err when it is
 * another key's (or the store fails). */
static int compare_root_key(const struct lv_app *app, struct lv_store *s,
                            struct lv_err *err)
{
    struct lv_buf stored = LV_BUF_INIT(1024);
    int found = lv_store_meta_get(s, ROOT_KEY_CHECK, &stored, err);

    if (found == 1 &&
        lv_keyring_verify_check(app->keyring, (const uint8_t *)stored.data,
                                stored.len, err) < 0) {
        found = -1;
    }
    lv_buf_release(&stored);
    return found;
}

/* lv_store_config.before_migrate for a store that already has content: a
 * node started with another root key is refused before it applies a
 * schema step, so that it writes nothing at all. */
static int root_key_before_migrate(struct lv_store *s, void *arg,
                                   struct lv_err *err)
{
    return compare_root_key(arg, s, err) < 0 ? -1 : 0;
}

/* The root key must be the one the store was created with: its check
 * value is recorded in the store on first start and compared after. */
static int check_root_key(struct lv_app *app, struct lv_err *err)
{
    uint8_t cv[32];
    int found = compare_root_key(app, app->store, err);

    if (found != 0) {
        return found < 0 ? -1 : 0;
    }
    /* Several nodes starting together on a fresh database: one records
     * its root key; the others compare with what it wrote. */
    lv_keyring_check_value(app->keyring, cv);
    found = lv_store_meta_add(app->store, ROOT_KEY_CHECK, cv, sizeof(cv),
                              err);
    if (found < 0) {
        return -1;
    }
    if (found == 0 && compare_root_key(app, app->store, err) != 1) {
        return -1;
    }
    return 0;
}

static int set_log_level(const char *s)
{
    static const char *const names[] = { "debug", "info", "warn", "error" };

    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            lv_log_level = i;
            return 0;
        }
    }
    return -1;
}

int lv_serve_main(int argc, char **argv)
{
    struct lv_app app;
    struct lv_err err = LV_ERR_INIT;
    struct lv_store_config scfg = { 0 };
    struct lv_audit_config acfg = { 0 };
    enum lv_store_presence presence;
    struct lv_http *http = NULL;
    sigset_t sigs;
    struct timeval tv;
    const char *kind;
    char *spec = NULL;
    int shared;
    int lock_fd = -1;
    int port = 0;
    int sig = 0;
    int rc;
    int status = 1;

    memset(&app, 0, sizeof(app));
    rc = lv_config_parse(&app.cfg, argc, argv, &err);
    if (rc == 1) {
        lv_config_usage(stdout);
        lv_config_release(&app.cfg);
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "logvault serve: %s\n(see logvault serve --help)\n",
                err.msg);
        lv_config_release(&app.cfg);
        return 2;
    }
    if (set_log_level(app.cfg.log_level) < 0) {
        fprintf(stderr, "logvault serve: --log-level must be debug, info, "
                        "warn or error\n");
        lv_config_release(&app.cfg);
        return 2;
    }
    kind = lv_store_kind(app.cfg.store);
    if (!kind) {
        /* Not echoed: it may be a connection string with a password. */
        fprintf(stderr, "logvault serve: --store must be sqlite, a "
                        "postgresql:// URI or a PostgreSQL conninfo "
                        "string\n");
        lv_config_release(&app.cfg);
        return 2;
    }
    shared = strcmp(kind, "sqlite") != 0;
    if (shared && !app.cfg.root_key_file) {
        fprintf(stderr, "logvault serve: a PostgreSQL store needs "
                        "--root-key-file (the same root key file on every "
                        "node); its data dir holds only its lock file\n");
        lv_config_release(&app.cfg);
        return 2;
    }
    /* From here only serve's store config holds the spec (it may hold a
     * password); everything else that shows the store (the log, /health)
     * sees its kind alone. */
    spec = app.cfg.store;
    app.cfg.store = lv_xstrdup(kind);
    gettimeofday(&tv, NULL);
    app.started_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;

    /* Workers inherit this mask, so the signals reach only sigwait below. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    scfg.spec = spec;
    scfg.data_dir = app.cfg.data_dir;
    /* Checked before the lock (which writes DATA_DIR/LOCK), so that a
     * refused data dir stays as it was; and again under the lock, in case
     * another serve was setting the data dir up meanwhile. A shared store
     * (PostgreSQL) keeps nothing in the data dir but the lock: its root
     * key is a file of its own and is checked against the database's
     * record of it (check_root_key). */
    if ((!shared && check_data_dir(&app, &scfg, &err) < 0) ||
        lock_data_dir(app.cfg.data_dir, &lock_fd, &err) < 0 ||
        (!shared && check_data_dir(&app, &scfg, &err) < 0)) {
        goto out;
    }
    app.creds = app.cfg.credentials
                    ? lv_creds_load(app.cfg.credentials, &err)
                    : lv_creds_new_default();
    if (!app.creds) {
        goto out;
    }
    /* A store with content already has its root key (check_data_dir; a
     * shared store's is a file of the operator's): it is compared with the
     * store's record before a schema step can change anything. A fresh
     * store is created first and its root key after, as before. */
    if (lv_store_probe(&scfg, &presence, &err) < 0) {
        goto out;
    }
    if (presence == LV_STORE_PRESENT) {
        if (load_root_key(&app, &err) < 0) {
            goto out;
        }
        scfg.before_migrate = root_key_before_migrate;
        scfg.before_migrate_arg = &app;
    }
    app.store = lv_store_open(&scfg, &err);
    if (!app.store) {
        goto out;
    }
    if ((!app.keyring && load_root_key(&app, &err) < 0) ||
        check_root_key(&app, &err) < 0) {
        goto out;
    }
    /* The audit trail's tracking start (GetKeyLastUsage), set once, when
     * it is kept. */
    if (app.cfg.audit_trail &&
        lv_cloudtrail_tracking_start(app.store, app.started_ms,
                                     &app.audit_tracking_ms, &err) < 0) {
        goto out;
    }
    app.kms = lv_kms_new(app.store, app.keyring);
    app.logs = lv_logs_new(app.store, app.keyring, &lv_kms_svc_client);
    app.route = lv_route_new();
    /* The audit trail's writer and its digest and retention task
     * (src/audit/audit.h), before the front: every request is recorded. */
    acfg.data_events = app.cfg.audit_data_events != 0;
    acfg.task_interval_ms = AUDIT_TASK_MS;
    acfg.digest_interval_ms = AUDIT_DIGEST_MS;
    if (app.cfg.audit_trail) {
        app.audit = lv_audit_new(app.store, app.keyring, &acfg);
        if (lv_audit_start(app.audit, &err) < 0) {
            goto out;
        }
    }
    /* PutLogEvents' group committer (src/logs/events_int.h) and the
     * retention task (src/logs/retention.h), every minute. */
    if (lv_logs_start(app.logs, &app, 60000, &err) < 0) {
        goto out;
    }
    http = lv_http_start(&app, &port, &err);
    if (!http) {
        goto out;
    }
    /* Custom key stores' token (src/kms/cks.c). */
    if (lv_kms_set_pkcs11(app.kms, app.cfg.pkcs11_module, &err) < 0) {
        goto out;
    }
    /* Key deletion and automatic rotation when due (src/kms/sweeper.h). */
    if (lv_kms_start(app.kms, &app, 1000, &err) < 0) {
        goto out;
    }
    lv_log(LV_LOG_INFO, "serve: listening on %s port=%d data_dir=%s "
           "store=%s version=%s", app.cfg.listen, port, app.cfg.data_dir,
           app.cfg.store, LV_VERSION);
    while (sigwait(&sigs, &sig) != 0) {
    }
    lv_log(LV_LOG_INFO, "serve: signal %d, finishing requests in flight",
           sig);
    status = 0;
out:
    if (status != 0) {
        fprintf(stderr, "logvault serve: %s\n", err.msg);
    }
    lv_http_stop(http);
    lv_logs_free(app.logs);
    lv_kms_free(app.kms);
    /* After the front (no request runs) and the KMS sweeper (which records
     * its changes), before the store: the records still queued are
     * written. */
    lv_audit_free(app.audit);
    lv_route_free(app.route);
    lv_store_close(app.store);
    lv_creds_free(app.creds);
    lv_keyring_free(app.keyring);
    if (lock_fd >= 0) {
        close(lock_fd);
    }
    if (status == 0) {
        lv_log(LV_LOG_INFO, "serve: stopped");
    }
    if (spec) {
        lv_secret_free(spec, strlen(spec));
    }
    lv_config_release(&app.cfg);
    return status;
}
