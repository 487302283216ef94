/*
 * dataprot.c: what the read paths use of data protection (dataprot.h) —
 * the set of policies a group ever had, masking an event under the ones
 * in force when it was ingested, masking a page, and logs:Unmask.
 */
#include "logs/dataprot.h"

#include <ctype.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/creds.h"
#include "logs/logs_int.h"
#include "logs/page.h"
#include "store/policies_store.h"
#include "svc/req.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

#define DP_TYPE "DATA_PROTECTION_POLICY"

struct dp_span {
    int64_t from_ms;
    int64_t to_ms;              /* 0: in force */
    struct lv_dp_policy *p;
};

struct lv_dp_set {
    struct dp_span *spans;
    size_t n;
    struct lv_buf scratch;      /* one policy's result while combining */
};

static int add_rec(void *arg, const struct lv_log_policy_rec *r)
{
    struct lv_dp_set *set = arg;
    struct lv_err perr = LV_ERR_INIT;
    struct lv_dp_policy *p;

    p = lv_dp_policy_parse(r->document, strlen(r->document), &perr);
    if (!p) {
        lv_log(LV_LOG_WARN, "dataprot: stored policy %" PRId64
               " no longer parses, skipped", r->id);
        return 0;
    }
    set->spans = lv_xrealloc(set->spans, (set->n + 1) * sizeof(*set->spans));
    set->spans[set->n].from_ms = r->from_ms;
    set->spans[set->n].to_ms = r->to_ms;
    set->spans[set->n].p = p;
    set->n++;
    return 0;
}

static int load(struct lv_store *s, const char *account, const char *region,
                int64_t group_id, int history, struct lv_dp_set **out,
                struct lv_err *err)
{
    struct lv_dp_set *set = lv_xcalloc(1, sizeof(*set));
    char scope[64];

    *out = NULL;
    snprintf(scope, sizeof(scope), "group:%" PRId64, group_id);
    if (lv_store_policies_list(s, account, region, scope, DP_TYPE, history,
                               add_rec, set, err) < 0 ||
        lv_store_policies_list(s, account, region, LV_POLICY_SCOPE_ACCOUNT,
                               DP_TYPE, history, add_rec, set, err) < 0) {
        lv_dp_set_free(set);
        return -1;
    }
    if (set->n == 0) {
        lv_dp_set_free(set);
        return 0;
    }
    lv_buf_init(&set->scratch, SIZE_MAX);
    *out = set;
    return 0;
}

int lv_dp_set_load(struct lv_store *s, const char *account,
                   const char *region, int64_t group_id,
                   struct lv_dp_set **out, struct lv_err *err)
{
    return load(s, account, region, group_id, 1, out, err);
}

int lv_dp_set_load_current(struct lv_store *s, const char *account,
                           const char *region, int64_t group_id,
                           struct lv_dp_set **out, struct lv_err *err)
{
    return load(s, account, region, group_id, 0, out, err);
}

size_t lv_dp_set_count(const struct lv_dp_set *set)
{
    return set->n;
}

struct lv_dp_policy *lv_dp_set_policy(struct lv_dp_set *set, size_t i)
{
    return set->spans[i].p;
}

void lv_dp_set_free(struct lv_dp_set *set)
{
    if (!set) {
        return;
    }
    for (size_t i = 0; i < set->n; i++) {
        lv_dp_policy_free(set->spans[i].p);
    }
    free(set->spans);
    if (set->scratch.cap) {
        lv_secret_wipe(set->scratch.data, set->scratch.cap);
    }
    lv_buf_release(&set->scratch);
    free(set);
}

int lv_logs_mask(struct lv_dp_set *set, int64_t ingestion_ms,
                 const char *msg, size_t len, struct lv_buf *out)
{
    struct lv_buf *tmp;
    int any = 0;

    lv_buf_reset(out);
    if (!set) {
        return 0;
    }
    tmp = &set->scratch;
    for (size_t i = 0; i < set->n; i++) {
        struct dp_span *sp = &set->spans[i];

        if (ingestion_ms < sp->from_ms ||
            (sp->to_ms != 0 && ingestion_ms >= sp->to_ms)) {
            continue;
        }
        /* Policies in force together: each masks what the others left,
         * so the result is their union (asterisks match no identifier). */
        if (lv_dp_policy_mask(sp->p, any ? out->data : msg,
                              any ? out->len : len, tmp, NULL)) {
            lv_buf_reset(out);
            lv_buf_add(out, tmp->data, tmp->len);
            any = 1;
        }
    }
    return any;
}

void lv_dp_mask_page(struct lv_dp_set *set, struct lv_page *page)
{
    struct lv_buf out = LV_BUF_INIT(SIZE_MAX);

    if (!set) {
        return;
    }
    for (size_t i = 0; i < page->n; i++) {
        struct lv_page_item *it = &page->items[i];
        char *copy;

        if (!lv_logs_mask(set, it->ingestion, it->msg, it->len, &out)) {
            continue;
        }
        copy = lv_xmalloc(out.len + 1);
        memcpy(copy, out.data, out.len);
        copy[out.len] = '\0';
        if (!it->held) {
            lv_secret_free(it->msg, it->len);
        }
        page->bytes -= it->len;
        page->bytes += out.len;
        it->msg = copy;
        it->len = out.len;
        it->held = 0;
    }
    lv_secret_wipe(out.data, out.cap);
    lv_buf_release(&out);
}

/* Whether `action` ("logs:Unmask") matches one of the comma-separated
 * patterns in list, with * and ?, case-insensitively (IAM compares action
 * names so). */
static int action_listed(const char *list, const char *action)
{
    char pat[LV_MAX_DENY_ACTIONS];
    char act[64];
    size_t n = 0;

    snprintf(act, sizeof(act), "%s", action);
    for (char *c = act; *c; c++) {
        *c = (char)tolower((unsigned char)*c);
    }
    for (const char *p = list;; p++) {
        if (*p != ',' && *p != '\0') {
            if (n + 1 < sizeof(pat) && *p != ' ' && *p != '\t') {
                pat[n++] = (char)tolower((unsigned char)*p);
            }
            continue;
        }
        pat[n] = '\0';
        if (n > 0 && fnmatch(pat, act, 0) == 0) {
            return 1;
        }
        n = 0;
        if (*p == '\0') {
            return 0;
        }
    }
}

int lv_dp_authorize_unmask(struct lv_req *rq, const char *resource_arn,
                           struct lv_err *err)
{
    /* logvault has no IAM identity policies: an identity may do any Logs
     * action in its own account (DESIGN.md, Security model) unless the
     * credentials file denies it the action (deny_actions, auth/creds.h),
     * the stand-in for an identity policy that does not allow it. AWS's
     * wording for a refused action. */
    if (action_listed(rq->who.deny_actions, "logs:Unmask")) {
        return lv_err_set(err, LV_E_ACCESS_DENIED,
                          "User: %s is not authorized to perform: "
                          "logs:Unmask on resource: %s because no "
                          "identity-based policy allows the logs:Unmask "
                          "action", rq->who.arn, resource_arn);
    }
    return 0;
}

int lv_dp_read_prepare(struct lv_req *rq, const struct lv_log_group *g,
                       int unmask, struct lv_dp_set **out,
                       struct lv_err *err)
{
    *out = NULL;
    if (unmask) {
        char arn[LV_LOGS_ARN_MAX];

        lv_logs_group_arn(g, 1, arn);
        return lv_dp_authorize_unmask(rq, arn, err);
    }
    return lv_dp_set_load(rq->store, g->account, g->region, g->id, out,
                          err);
}
