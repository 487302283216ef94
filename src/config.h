/*
 * config: the settings of `logvault serve`, from one table of options that
 * feeds the command-line flags, the config file (--config FILE, lines of
 * `name = value`), the LOGVAULT_* environment and `serve --help`.
 * Precedence: flag > environment > config file > default.
 */
#ifndef LV_CONFIG_H
#define LV_CONFIG_H

struct lv_err;

struct lv_config {
    char *listen;           /* ADDR:PORT, default 127.0.0.1:4566 */
    char *data_dir;         /* default ./logvault-data */
    char *store;            /* "sqlite" (default) */
    char *credentials;      /* INI file, or NULL for test/test */
    char *root_key_file;    /* NULL: DATA_DIR/root.key, created if absent */
    char *pkcs11_module;    /* NULL: no custom key store can connect */
    char *config_file;
    char *log_level;        /* debug|info|warn|error */
    long threads;           /* HTTP worker threads */
    long max_body;          /* request body ceiling in bytes */
    long timeout_s;         /* idle connection timeout */
    char *trusted_proxy;    /* proxies whose X-Forwarded-For is believed
                             * (http/peer.h), NULL: none */
    long header_timeout_s;  /* time for a new connection's request head */
    long max_connections;   /* open connections at most */
    long max_connections_per_ip;  /* from one client address at most */
    char *tls_cert;         /* PEM certificate chain: serve HTTPS; NULL:
                             * plain HTTP. Set with tls_key or not at all */
    char *tls_key;          /* PEM private key of tls_cert */
    long audit_trail;       /* 1: keep the audit trail (audit/audit.h) */
    long audit_data_events; /* 1: record data events (audit/audit.h) */
    long lookup_events_rate;  /* LookupEvents calls a second per account
                               * and region (cloudtrail/throttle.h), 0: no
                               * limit */
};

/* Fills *cfg from defaults, the config file, the environment and argv
 * (argv[0] is "serve"). Returns 0; 1 when --help was asked and printed;
 * -1 with a message in *err on a bad option (also when only one of
 * --tls-cert and --tls-key is given). */
int lv_config_parse(struct lv_config *cfg, int argc, char **argv,
                    struct lv_err *err);
void lv_config_release(struct lv_config *cfg);
/* Prints `serve --help` to `out` (a FILE *). */
void lv_config_usage(void *out);

#endif
