/*
 * app: the server-wide state every request shares — configuration,
 * credentials, the store and the route table. Built once by `serve`
 * (src/serve.c) before the HTTP front starts, torn down after it stops.
 * Nothing here is mutated while requests run, except where a field says so.
 */
#ifndef LV_APP_H
#define LV_APP_H

#include <stdint.h>

#include "config.h"

struct lv_audit;
struct lv_creds;
struct lv_keyring;
struct lv_kms;
struct lv_logs;
struct lv_store;
struct lv_route;

struct lv_app {
    struct lv_config cfg;
    struct lv_creds *creds;
    struct lv_store *store;
    struct lv_route *route;
    struct lv_keyring *keyring; /* the root key and its derivations */
    struct lv_kms *kms;         /* the KMS service (kms/kms.h) */
    struct lv_logs *logs;       /* the Logs service (logs/logs.h) */
    struct lv_audit *audit;     /* the audit recorder (audit/audit.h) */
    /* When the store began keeping the audit trail, epoch ms
     * (GetKeyLastUsage's TrackingStartDate): read once at start, 0 while
     * this server keeps none. */
    int64_t audit_tracking_ms;
    int64_t started_ms;
};

#endif
