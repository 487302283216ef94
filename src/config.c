#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/err.h"
#include "util/mem.h"

/* OPT_BOOL: a flag (`--name` alone turns it on) whose value, in the file
 * or the environment or as --name=V, is true/false, 1/0 or yes/no. It is
 * stored in a long. */
enum opt_type { OPT_STR, OPT_LONG, OPT_BOOL };

struct opt {
    const char *name;       /* flag --name, file key name, env LOGVAULT_NAME */
    enum opt_type type;
    const char *def;
    size_t off;
    long min, max;
    const char *help;
};

static const struct opt opts[] = {
    { "listen", OPT_STR, "127.0.0.1:4566", offsetof(struct lv_config, listen),
      0, 0, "address and port to listen on (loopback unless told)" },
    { "data-dir", OPT_STR, "./logvault-data",
      offsetof(struct lv_config, data_dir), 0, 0,
      "directory of the store, the root key and the lock file" },
    { "store", OPT_STR, "sqlite", offsetof(struct lv_config, store), 0, 0,
      "storage backend: sqlite (embedded, in the data dir), or a "
      "PostgreSQL URI or conninfo string (with --root-key-file)" },
    { "credentials", OPT_STR, NULL, offsetof(struct lv_config, credentials),
      0, 0, "INI file of access keys (default: test/test, 123456789012)" },
    { "root-key-file", OPT_STR, NULL,
      offsetof(struct lv_config, root_key_file), 0, 0,
      "32-byte root key sealing KMS material (default DATA_DIR/root.key)" },
    { "pkcs11-module", OPT_STR, NULL,
      offsetof(struct lv_config, pkcs11_module), 0, 0,
      "PKCS#11 module holding custom key stores' keys (default none)" },
    { "config", OPT_STR, NULL, offsetof(struct lv_config, config_file), 0, 0,
      "file of `name = value` lines with any of these options" },
    { "log-level", OPT_STR, "info", offsetof(struct lv_config, log_level), 0,
      0, "debug, info, warn or error" },
    /* Default: one per online cpu, at least 2 (default_threads()). */
    { "threads", OPT_LONG, NULL, offsetof(struct lv_config, threads), 1, 256,
      "HTTP worker threads [online cpus, at least 2]" },
    /* The largest valid PutLogEvents body is 1,048,576 bytes of messages
     * plus 26 per event for 10,000 events; JSON escaping can make a message
     * up to six times longer (\u00XX) and the envelope adds member names
     * and timestamps, so 8 MiB holds every valid request with room.
     * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html */
    { "max-body", OPT_LONG, "8388608", offsetof(struct lv_config, max_body),
      65536, 1L << 30, "largest request body accepted, in bytes" },
    { "timeout", OPT_LONG, "30", offsetof(struct lv_config, timeout_s), 1,
      3600, "seconds before an idle or stalled connection is closed" },
    /* Off by default: X-Forwarded-For is the client's to write, so only a
     * proxy the operator names may set the address aws:SourceIp holds. */
    { "trusted-proxy", OPT_STR, NULL,
      offsetof(struct lv_config, trusted_proxy), 0, 0,
      "addresses/CIDRs of proxies whose X-Forwarded-For gives the client "
      "address (default: none, the TCP peer is the client)" },
    /* A client has this long from connecting to sending its first request
     * head; a connection kept alive between requests has --timeout. Real
     * clients send the head at once; a few seconds also cover a slow
     * network, and a peer that holds sockets open without a request ties
     * them up no longer. */
    { "header-timeout", OPT_LONG, "10",
      offsetof(struct lv_config, header_timeout_s), 1, 3600,
      "seconds a new connection has to send its request head"
      " (at most --timeout)" },
    /* Open connections at most. Before the cap is reached, connections
     * that have not sent a request yet, then idle kept-alive ones, are
     * closed to make room; only when every connection is busy with a
     * request is a new one refused. Also bounded by the file-descriptor
     * limit (the soft limit is raised to the hard one at start). */
    { "max-connections", OPT_LONG, "4096",
      offsetof(struct lv_config, max_connections), 16, 1000000,
      "open client connections at most" },
    /* Per client address, with the same shedding: one address (one host,
     * or a NAT) holding many idle sockets loses its oldest idle ones
     * instead of starving other clients, yet 256 leave room for a CI
     * host's pools of kept-alive connections. */
    { "max-connections-per-ip", OPT_LONG, "256",
      offsetof(struct lv_config, max_connections_per_ip), 1, 1000000,
      "open connections from one client address at most" },
    /* Both or neither (checked after parsing): HTTPS with this pair on the
     * one port, TLS 1.2 and 1.3 only (http/server.c). The key file must
     * not be readable by others (nor by the group unless root owns it, as
     * PostgreSQL requires of its ssl_key_file). */
    { "tls-cert", OPT_STR, NULL, offsetof(struct lv_config, tls_cert), 0, 0,
      "PEM certificate (chain) to serve HTTPS with (needs --tls-key)" },
    { "tls-key", OPT_STR, NULL, offsetof(struct lv_config, tls_key), 0, 0,
      "PEM private key of --tls-cert, not readable by others" },
    /* Off by default for now, unlike CloudTrail's event history, which
     * is on in every AWS account: recording costs CPU on every KMS call
     * (round 17: Encrypt +3.5%, within issue 13's 5%; Decrypt and
     * GenerateDataKey +4.4% to +4.8% in paired runs, from fewer runs:
     * README, "Why it is off by default"); turning it on by default
     * changes every other bench figure and the servers of many tests,
     * and is the next step.
     * Until then the trail is the operator's choice: --audit-trail turns
     * it on. Off keeps no record at all: LookupEvents finds nothing,
     * GetKeyLastUsage is refused, the explainer cannot say why a past
     * request was refused. */
    { "audit-trail", OPT_BOOL, "false",
      offsetof(struct lv_config, audit_trail), 0, 1,
      "keep the audit trail (CloudTrail LookupEvents, GetKeyLastUsage)" },
    /* Off as on AWS, where a trail records data events (PutLogEvents,
     * GetLogEvents, FilterLogEvents …) only when configured to: they are
     * the bulk of the traffic (audit/audit.h). */
    { "audit-data-events", OPT_BOOL, "false",
      offsetof(struct lv_config, audit_data_events), 0, 1,
      "record data events (PutLogEvents, GetLogEvents …) in the audit "
      "trail too" },
    /* CloudTrail's quota: "The rate of lookup requests is limited to two
     * per second, per account, per Region" (the LookupEvents reference),
     * answered ThrottlingException past it. Counted per node
     * (cloudtrail/throttle.h). 0 lifts the limit (tests that page through
     * the trail quickly). */
    { "lookup-events-rate", OPT_LONG, "2",
      offsetof(struct lv_config, lookup_events_rate), 0, 1000000,
      "LookupEvents calls a second per account and region (as CloudTrail:"
      " 2; 0: no limit)" },
};

static const struct opt *find_opt(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        if (strlen(opts[i].name) == len &&
            strncmp(opts[i].name, name, len) == 0) {
            return &opts[i];
        }
    }
    return NULL;
}

static int set_opt(struct lv_config *cfg, const struct opt *o,
                   const char *value, const char *from, struct lv_err *err)
{
    char *end;
    long v;

    if (o->type == OPT_STR) {
        char **slot = (char **)((char *)cfg + o->off);
        free(*slot);
        *slot = value ? lv_xstrdup(value) : NULL;
        return 0;
    }
    if (o->type == OPT_BOOL) {
        static const char *const yes[] = { "true", "1", "yes", NULL };
        static const char *const no[] = { "false", "0", "no", NULL };

        for (int i = 0; yes[i]; i++) {
            if (strcasecmp(value, yes[i]) == 0) {
                *(long *)((char *)cfg + o->off) = 1;
                return 0;
            }
            if (strcasecmp(value, no[i]) == 0) {
                *(long *)((char *)cfg + o->off) = 0;
                return 0;
            }
        }
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "%s: %s must be true or false, not '%s'", from,
                          o->name, value);
    }
    errno = 0;
    v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < o->min || v > o->max) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "%s: %s must be a number from %ld to %ld, not '%s'",
                          from, o->name, o->min, o->max, value);
    }
    *(long *)((char *)cfg + o->off) = v;
    return 0;
}

static char *trim(char *s)
{
    char *e;

    while (isspace((unsigned char)*s)) {
        s++;
    }
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) {
        *--e = '\0';
    }
    return s;
}

static int load_file(struct lv_config *cfg, const char *path,
                     struct lv_err *err)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    char where[600];
    int lineno = 0;
    int ret = -1;

    if (!f) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "cannot read config file %s: %s", path,
                          strerror(errno));
    }
    while (fgets(line, sizeof(line), f)) {
        char *s = trim(line);
        char *eq;
        const struct opt *o;

        lineno++;
        if (!*s || *s == '#' || *s == ';') {
            continue;
        }
        snprintf(where, sizeof(where), "%s:%d", path, lineno);
        eq = strchr(s, '=');
        if (!eq) {
            lv_err_set(err, LV_E_INVALID_PARAMETER,
                       "%s: expected `name = value`", where);
            goto out;
        }
        *eq = '\0';
        s = trim(s);
        o = find_opt(s, strlen(s));
        if (!o || strcmp(o->name, "config") == 0) {
            lv_err_set(err, LV_E_INVALID_PARAMETER, "%s: unknown option '%s'",
                       where, s);
            goto out;
        }
        if (set_opt(cfg, o, trim(eq + 1), where, err) < 0) {
            goto out;
        }
    }
    ret = 0;
out:
    fclose(f);
    return ret;
}

static void env_name(const char *opt, char *out, size_t n)
{
    size_t i = 0;
    size_t j = snprintf(out, n, "LOGVAULT_");

    for (; opt[i] && j + 1 < n; i++, j++) {
        out[j] = opt[i] == '-' ? '_' : (char)toupper((unsigned char)opt[i]);
    }
    out[j] = '\0';
}

void lv_config_usage(void *fp)
{
    FILE *out = fp;

    fprintf(out,
            "usage: logvault serve [options]\n\n"
            "Serve the AWS CloudWatch Logs and AWS KMS APIs over HTTP (HTTPS\n"
            "with --tls-cert and --tls-key) on one port, for every region\n"
            "(the region comes from each request's SigV4 scope). Point any\n"
            "AWS client at it with --endpoint-url.\n\n"
            "options (also LOGVAULT_<NAME> in the environment, or\n"
            "`name = value` lines in --config FILE):\n");
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        char flag[64];

        snprintf(flag, sizeof(flag), "--%s %s", opts[i].name,
                 opts[i].type == OPT_LONG   ? "N"
                 : opts[i].type == OPT_BOOL ? ""
                                            : "VALUE");
        fprintf(out, "  %-26s %s", flag, opts[i].help);
        if (opts[i].def) {
            fprintf(out, " [%s]", opts[i].def);
        }
        fputc('\n', out);
    }
    fprintf(out, "  %-26s %s\n", "-h, --help", "show this help");
}

/* One worker thread per online cpu, at least 2, at most the option's max.
 * Measured with `make bench` on 2 cpus (server pinned to one): 2 threads
 * serve KMS Encrypt/Decrypt/GenerateDataKey with 8 connections ~13% faster
 * than 8 threads (fewer context switches, ~36 vs ~40 cpu-us per request),
 * PutLogEvents in batches of 1,000 alike, in batches of 100 ~9% slower
 * (fewer requests wait together for one group commit), and peak RSS lower.
 */
static long default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    if (n < 2) {
        return 2;
    }
    return n > 256 ? 256 : n;
}

int lv_config_parse(struct lv_config *cfg, int argc, char **argv,
                    struct lv_err *err)
{
    const char *cfile = NULL;
    char name[64];

    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        if (opts[i].def && set_opt(cfg, &opts[i], opts[i].def, "default",
                                   err) < 0) {
            LV_BUG("bad default for %s", opts[i].name);
        }
    }
    cfg->threads = default_threads();
    /* The config file first: flags and environment override it. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            cfile = argv[i + 1];
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            cfile = argv[i] + 9;
        }
    }
    if (!cfile) {
        cfile = getenv("LOGVAULT_CONFIG");
    }
    if (cfile) {
        if (load_file(cfg, cfile, err) < 0) {
            return -1;
        }
        set_opt(cfg, find_opt("config", 6), cfile, "", err);
    }
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        const char *v;

        env_name(opts[i].name, name, sizeof(name));
        v = getenv(name);
        if (v && strcmp(opts[i].name, "config") != 0 &&
            set_opt(cfg, &opts[i], v, name, err) < 0) {
            return -1;
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *eq;
        const char *value;
        const struct opt *o;

        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            return 1;
        }
        if (strncmp(a, "--", 2) != 0) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "unexpected argument '%s'", a);
        }
        a += 2;
        eq = strchr(a, '=');
        o = find_opt(a, eq ? (size_t)(eq - a) : strlen(a));
        if (!o) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "unknown option '%s'", argv[i]);
        }
        if (eq) {
            value = eq + 1;
        } else if (o->type == OPT_BOOL) {
            value = "true";
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "option --%s needs a value", o->name);
        }
        if (set_opt(cfg, o, value, "command line", err) < 0) {
            return -1;
        }
    }
    if (!cfg->tls_cert != !cfg->tls_key) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "--tls-cert and --tls-key go together: %s was "
                          "given without %s",
                          cfg->tls_cert ? "--tls-cert" : "--tls-key",
                          cfg->tls_cert ? "--tls-key" : "--tls-cert");
    }
    return 0;
}

void lv_config_release(struct lv_config *cfg)
{
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        if (opts[i].type == OPT_STR) {
            char **slot = (char **)((char *)cfg + opts[i].off);
            free(*slot);
            *slot = NULL;
        }
    }
}
