/*
 * aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases — friendly
 * names ("alias/…") for KMS keys, one name per account and region.
 * Resolving an alias to its key for other operations is lv_kms_resolve's
 * (cache.c); deleting a deleted key's aliases is the sweeper's.
 * https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html
 *
 * The AWS managed aliases (alias/aws/…): CreateAlias, UpdateAlias and
 * DeleteAlias refuse that prefix (NotAuthorizedException); ListAliases
 * shows AWS's predefined ones (managed.c's list) as AWS does before their
 * key exists, without TargetKeyId. DescribeKey on one makes its AWS
 * managed key (managed.c) and stores the alias; from then on the stored
 * alias is listed in its place, with TargetKeyId and dates. Until then
 * such an alias used as a KeyId by any other operation answers
 * NotFoundException "Alias <arn> is not found." (cache.c).
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "kms/keys_int.h"
#include "kms/kms.h"
#include "kms/kms_int.h"
#include "kms/managed.h"
#include "store/kms_store.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"

/*
 * The service's rules for an alias name, beyond the model's pattern
 * (^[a-zA-Z0-9:/_-]+$, max 256, checked by the front), in the order AWS
 * applies them to CreateAlias and UpdateAlias (API_CreateAlias: AliasName
 * "must begin with alias/ followed by a name ... can contain only
 * alphanumeric characters, forward slashes (/), underscores (_), and
 * dashes (-). The alias name cannot begin with alias/aws/"; wording from
 * AWS's answers, as moto's tests verified against AWS record them):
 *  1. no "alias/" prefix: ValidationException 'Alias must start with the
 *     prefix "alias/". ...';
 *  2. the reserved prefix alias/aws/: NotAuthorizedException with no
 *     message ({"__type":"NotAuthorizedException"}), a type outside the
 *     KMS model: AWS answers errors its models do not list;
 *  3. a character the model allows but the service does not (':'):
 *     ValidationException "<name> contains invalid characters for an
 *     alias".
 * DeleteAlias gets the same rules: where AWS is not documented (':'
 * there) the stricter answer, since no such alias can exist.
 */
static int check_alias_name(const char *name, struct lv_err *err)
{
    const char *p;

    if (strncmp(name, "alias/", 6) != 0) {
        return lv_err_set(err, LV_E_VALIDATION,
                          "Alias must start with the prefix \"alias/\". "
                          "Please see https://docs.aws.amazon.com/kms/"
                          "latest/developerguide/kms-alias.html");
    }
    if (strncmp(name, "alias/aws/", 10) == 0) {
        return lv_err_set(err, LV_E_NOT_AUTHORIZED, NULL);
    }
    for (p = name + 6; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '/' || *p == '_' ||
              *p == '-')) {
            return lv_err_set(err, LV_E_VALIDATION,
                              "%s contains invalid characters for an alias",
                              name);
        }
    }
    if (name[6] == '\0') {
        /* Undocumented: "alias/ followed by a name" — nothing follows;
         * refused rather than created. */
        return lv_err_set(err, LV_E_VALIDATION,
                          "Alias name must not be empty after the prefix "
                          "\"alias/\"");
    }
    return 0;
}

static int check_target_not_alias(const char *target, struct lv_err *err)
{
    if (strncmp(target, "alias/", 6) == 0 ||
        (strncmp(target, "arn:", 4) == 0 && strstr(target, ":alias/"))) {
        return lv_err_set(err, LV_E_VALIDATION,
                          "Aliases must refer to keys. Not aliases");
    }
    return 0;
}

static void alias_arn(const struct lv_req *rq, const char *name,
                      char out[512])
{
    snprintf(out, 512, "arn:aws:kms:%s:%s:%s", rq->region, rq->who.account,
             name);
}

static int get_alias(struct lv_req *rq, const char *name,
                     struct lv_kms_alias *a, struct lv_err *err)
{
    char arn[512];
    int found = lv_store_kms_alias_get(rq->store, rq->who.account,
                                       rq->region, name, a, err);

    if (found < 0) {
        return -1;
    }
    if (!found) {
        alias_arn(rq, name, arn);
        return lv_err_set(err, LV_E_NOT_FOUND, "Alias %s is not found.",
                          arn);
    }
    return 0;
}

/* How often UpdateAlias and DeleteAlias decide again after the alias
 * changed under them. */
#define ALIAS_UPDATE_TRIES 16

/* Key "type" as UpdateAlias compares it: symmetric, asymmetric or HMAC. */
static const char *key_type(const struct lv_kms_key *k)
{
    if (strcmp(k->key_spec, "SYMMETRIC_DEFAULT") == 0) {
        return "symmetric";
    }
    if (strncmp(k->key_spec, "HMAC_", 5) == 0) {
        return "HMAC";
    }
    return "asymmetric";
}

/* CreateAlias's change of its key (arg: the alias): the key must still be
 * Enabled or Disabled as it is in the transaction, and is held
 * (lv_store_kms_key_hold) so that its deletion cannot land before the
 * alias does and leave it pointing at a deleted key. */
static int change_create_alias(struct lv_req *rq, struct lv_kms_key *cur,
                               void *arg, struct lv_err *err)
{
    const struct lv_kms_alias *a = arg;
    char arn[512];
    int rc;

    if (lv_kms_check_manageable(cur, err) < 0) {
        return -1;
    }
    rc = lv_store_kms_key_hold(rq->store, cur->id, cur->row_version, err);
    if (rc != 1) {
        return rc;
    }
    rc = lv_store_kms_alias_insert(rq->store, a, err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 1) {
        alias_arn(rq, a->name, arn);
        return lv_err_set(err, LV_E_ALREADY_EXISTS,
                          "An alias with the name %s already exists", arn);
    }
    return 1;
}

int lv_kms_op_create_alias(struct lv_req *rq, const json_t *in,
                           struct lv_jw *w, struct lv_err *err)
{
    const char *name = lv_json_str(in, "AliasName");
    const char *target = lv_json_str(in, "TargetKeyId");
    struct lv_kms_key k;
    struct lv_kms_key cur;
    struct lv_kms_alias a;
    int ret = -1;

    (void)w;
    lv_kms_key_init(&k);
    lv_kms_key_init(&cur);
    if (!name || !target) {
        LV_BUG("CreateAlias input passed validation without members");
    }
    if (check_alias_name(name, err) < 0 ||
        check_target_not_alias(target, err) < 0 ||
        lv_kms_resolve(rq, target, 0, &k, err) < 0 ||
        lv_kms_authorize(rq, &k, "CreateAlias", NULL, 0, NULL, 0,
                         err) < 0 ||
        lv_kms_check_manageable(&k, err) < 0) {
        goto out;
    }
    memset(&a, 0, sizeof(a));
    snprintf(a.account, sizeof(a.account), "%s", rq->who.account);
    snprintf(a.region, sizeof(a.region), "%s", rq->region);
    snprintf(a.name, sizeof(a.name), "%s", name);
    snprintf(a.key_id, sizeof(a.key_id), "%s", k.id);
    a.creation_date = lv_kms_now(rq);
    a.last_updated = a.creation_date;
    if (lv_kms_key_change(rq, &k, change_create_alias, &a, &cur, err) < 0) {
        goto out;
    }
    lv_log(LV_LOG_INFO, "kms: alias created name=%s key=%s req=%s", name,
           k.id, rq->id);
    ret = 0;
out:
    lv_kms_key_release(&cur);
    lv_kms_key_release(&k);
    return ret;
}

/* UpdateAlias's change of the new key: the alias moves only if it still
 * points at `from` (the key the caller was authorized on and compared
 * with) and the new key is still Enabled or Disabled as it is in the
 * transaction; the new key is held as in change_create_alias. */
struct alias_move {
    const struct lv_kms_alias *a;
    const char *from;
    int moved;                  /* the alias was no longer at `from` */
};

static int change_alias_target(struct lv_req *rq, struct lv_kms_key *cur,
                               void *arg, struct lv_err *err)
{
    struct alias_move *mv = arg;
    int rc;

    mv->moved = 0;
    if (lv_kms_check_manageable(cur, err) < 0) {
        return -1;
    }
    rc = lv_store_kms_alias_update(rq->store, mv->a, mv->from, err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        /* Nothing written: the caller decides again on the alias. */
        mv->moved = 1;
        return 1;
    }
    return lv_store_kms_key_hold(rq->store, cur->id, cur->row_version, err);
}

/* One try of UpdateAlias: 1 done, 0 when the alias moved (or went, or
 * its new key was deleted) between its read and the update — decide again
 * on what is there now —, -1 with *err. */
static int update_alias(struct lv_req *rq, const char *name,
                        const char *target, struct lv_err *err)
{
    struct lv_kms_key cur;
    struct lv_kms_key k;
    struct lv_kms_key now;
    struct lv_kms_alias a;
    struct alias_move mv;
    int ret = -1;

    lv_kms_key_init(&cur);
    lv_kms_key_init(&k);
    lv_kms_key_init(&now);
    if (check_alias_name(name, err) < 0 ||
        check_target_not_alias(target, err) < 0 ||
        get_alias(rq, name, &a, err) < 0 ||
        lv_kms_resolve(rq, a.key_id, 0, &cur, err) < 0 ||
        lv_kms_authorize(rq, &cur, "UpdateAlias", NULL, 0, NULL, 0,
                         err) < 0 ||
        lv_kms_resolve(rq, target, 0, &k, err) < 0 ||
        lv_kms_authorize(rq, &k, "UpdateAlias", NULL, 0, NULL, 0, err) < 0 ||
        lv_kms_check_manageable(&k, err) < 0) {
        goto out;
    }
    /* API_UpdateAlias: "The current and new KMS key must be the same type
     * (both symmetric or both asymmetric or both HMAC), and they must have
     * the same key usage." */
    if (strcmp(key_type(&cur), key_type(&k)) != 0 ||
        strcmp(cur.key_usage, k.key_usage) != 0) {
        lv_err_set(err, LV_E_VALIDATION,
                   "Alias %s points to a %s key with KeyUsage %s; it cannot"
                   " be updated to %s, a %s key with KeyUsage %s. The "
                   "current and new KMS key must be the same type and have"
                   " the same key usage.", name, key_type(&cur),
                   cur.key_usage, k.arn, key_type(&k), k.key_usage);
        goto out;
    }
    snprintf(a.key_id, sizeof(a.key_id), "%s", k.id);
    a.last_updated = lv_kms_now(rq);
    /* Guarded by the key the alias pointed at when it was read: the checks
     * above were made against that key. */
    mv.a = &a;
    mv.from = cur.id;
    mv.moved = 0;
    if (lv_kms_key_change(rq, &k, change_alias_target, &mv, &now,
                          err) < 0) {
        goto out;
    }
    ret = mv.moved ? 0 : 1;
    if (ret == 1) {
        lv_log(LV_LOG_INFO, "kms: alias updated name=%s key=%s req=%s",
               name, k.id, rq->id);
    }
out:
    lv_kms_key_release(&now);
    lv_kms_key_release(&cur);
    lv_kms_key_release(&k);
    return ret;
}

int lv_kms_op_update_alias(struct lv_req *rq, const json_t *in,
                           struct lv_jw *w, struct lv_err *err)
{
    const char *name = lv_json_str(in, "AliasName");
    const char *target = lv_json_str(in, "TargetKeyId");
    int rc;

    (void)w;
    if (!name || !target) {
        LV_BUG("UpdateAlias input passed validation without members");
    }
    for (int i = 0; i < ALIAS_UPDATE_TRIES; i++) {
        rc = update_alias(rq, name, target, err);
        if (rc != 0) {
            return rc < 0 ? -1 : 0;
        }
    }
    return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "The alias %s is being "
                      "changed by other requests; please try again", name);
}

/* One try of DeleteAlias: 1 done, 0 when the alias moved to another key
 * between its read and the delete (decide again: the caller was
 * authorized on the key it pointed at), -1 with *err. */
static int delete_alias(struct lv_req *rq, const char *name,
                        struct lv_err *err)
{
    struct lv_kms_key k;
    struct lv_kms_alias a;
    int ret = -1;

    lv_kms_key_init(&k);
    if (check_alias_name(name, err) < 0 ||
        get_alias(rq, name, &a, err) < 0 ||
        lv_kms_resolve(rq, a.key_id, 0, &k, err) < 0 ||
        lv_kms_authorize(rq, &k, "DeleteAlias", NULL, 0, NULL, 0, err) < 0) {
        goto out;
    }
    ret = lv_store_kms_alias_delete(rq->store, rq->who.account, rq->region,
                                    name, k.id, err);
    if (ret == 1) {
        lv_log(LV_LOG_INFO, "kms: alias deleted name=%s req=%s", name,
               rq->id);
    }
out:
    lv_kms_key_release(&k);
    return ret;
}

int lv_kms_op_delete_alias(struct lv_req *rq, const json_t *in,
                           struct lv_jw *w, struct lv_err *err)
{
    const char *name = lv_json_str(in, "AliasName");
    int rc;

    (void)w;
    if (!name) {
        LV_BUG("DeleteAlias input passed validation without AliasName");
    }
    for (int i = 0; i < ALIAS_UPDATE_TRIES; i++) {
        rc = delete_alias(rq, name, err);
        if (rc != 0) {
            return rc < 0 ? -1 : 0;
        }
    }
    return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "The alias %s is being "
                      "changed by other requests; please try again", name);
}

/*
 * The predefined AWS managed aliases that ListAliases shows in every
 * account and Region before the service has created its AWS managed key
 * (API_ListAliases: "The response might also include aliases that have no
 * TargetKeyId field. These are predefined aliases that AWS has created but
 * has not yet associated with a KMS key."), kept in managed.c
 * (lv_kms_managed_name). AWS documents no list; it is a snapshot of what
 * real `list-aliases` answers showed without a TargetKeyId, and it agrees
 * across the two full answers found (us-east-1, a boto3 list_aliases()
 * answer at https://pastebin.com/mT3P2ZRP; eu-central-1, an answer
 * recorded in the test fixture of a public CloudFormation KMS provider,
 * both 2019; the thread of hashicorp/terraform-provider-aws#2009 shows a
 * subset). Names seen only with a key there (alias/aws/secretsmanager,
 * lambda, acm, backup, fsx, …) are absent from the other Region's answer,
 * so AWS creates them with their key and they are not listed here. AWS
 * adds services over time: the list can lag behind AWS.
 *
 * Shape, as in those answers: AliasName and AliasArn only — no
 * TargetKeyId, CreationDate or LastUpdatedDate. Order: both answers list
 * managed and customer aliases together, sorted by name byte-wise (also
 * the API reference's example: alias/ExampleAlias before alias/aws/…), the
 * order of the store's walk (byte-wise on both backends); the list is
 * sorted (strcmp).
 */
#define N_MANAGED_ALIASES lv_kms_managed_count()

/* One page of ListAliases: the store's aliases (name order) merged with
 * the predefined aliases from next on (with_managed: not when listing
 * one key's). */
struct alias_page {
    const struct lv_req *rq;
    struct lv_jw *w;
    int limit;
    int count;
    int truncated;
    int with_managed;
    size_t next;                /* first managed alias not yet passed */
    char last[257];
};

/* 1 when the page is full — an entry is waiting, so it is truncated —,
 * else 0. */
static int page_full(struct alias_page *p)
{
    if (p->count == p->limit) {
        p->truncated = 1;
        return 1;
    }
    return 0;
}

static void page_managed(struct alias_page *p, const char *name)
{
    char arn[512];

    alias_arn(p->rq, name, arn);
    lv_jw_obj_open(p->w);
    lv_jw_kstr(p->w, "AliasName", name);
    lv_jw_kstr(p->w, "AliasArn", arn);
    lv_jw_obj_close(p->w);
    snprintf(p->last, sizeof(p->last), "%s", name);
    p->count++;
}

/* Emits the managed aliases that sort before `upto` (NULL: all that are
 * left); 1 when the page filled up first. A stored alias of the same name
 * (the alias once DescribeKey made its key) takes the managed one's
 * place. */
static int page_managed_before(struct alias_page *p, const char *upto)
{
    int c;

    if (!p->with_managed) {
        return 0;
    }
    for (; p->next < N_MANAGED_ALIASES; p->next++) {
        c = upto ? strcmp(lv_kms_managed_name(p->next), upto) : -1;
        if (c == 0) {
            p->next++;
            break;
        }
        if (c > 0) {
            break;
        }
        if (page_full(p)) {
            return 1;
        }
        page_managed(p, lv_kms_managed_name(p->next));
    }
    return 0;
}

static int page_alias(void *arg, const struct lv_kms_alias *a)
{
    struct alias_page *p = arg;
    char arn[512];
    char key_id[LV_KMS_ID_MAX];

    if (page_managed_before(p, a->name) || page_full(p)) {
        return 1;
    }
    alias_arn(p->rq, a->name, arn);
    lv_jw_obj_open(p->w);
    lv_jw_kstr(p->w, "AliasName", a->name);
    lv_jw_kstr(p->w, "AliasArn", arn);
    lv_kms_public_id(a->key_id, key_id);
    lv_jw_kstr(p->w, "TargetKeyId", key_id);
    lv_jw_key(p->w, "CreationDate");
    lv_jw_double(p->w, a->creation_date);
    lv_jw_key(p->w, "LastUpdatedDate");
    lv_jw_double(p->w, a->last_updated);
    lv_jw_obj_close(p->w);
    snprintf(p->last, sizeof(p->last), "%s", a->name);
    p->count++;
    return 0;
}

/* ListAliases is authorized by IAM policy alone, even with a KeyId (the
 * key policy is not consulted), so every caller may list its own
 * account's aliases. */
int lv_kms_op_list_aliases(struct lv_req *rq, const json_t *in,
                           struct lv_jw *w, struct lv_err *err)
{
    const char *ref = lv_json_str(in, "KeyId");
    struct lv_kms_key k;
    struct alias_page p;
    char after[300];
    int ret = -1;

    lv_kms_key_init(&k);
    if (lv_kms_marker_read(in, "alias", after, sizeof(after), err) < 0) {
        goto out;
    }
    if (ref && lv_kms_resolve(rq, ref, 0, &k, err) < 0) {
        goto out;
    }
    memset(&p, 0, sizeof(p));
    p.rq = rq;
    p.w = w;
    p.limit = lv_kms_limit(in);
    /* A key's aliases are never the predefined ones: they have no key. */
    p.with_managed = ref == NULL;
    while (p.next < N_MANAGED_ALIASES &&
           strcmp(lv_kms_managed_name(p.next), after) <= 0) {
        p.next++;
    }
    lv_jw_key(w, "Aliases");
    lv_jw_arr_open(w);
    /* limit + 1 rows: one more than fits tells a full page that more
     * follow; a walk that ends short of that has shown every stored
     * alias, and the managed ones left follow it. */
    if (lv_store_kms_alias_list(rq->store, rq->who.account, rq->region,
                                ref ? k.id : NULL, after, p.limit + 1,
                                page_alias, &p, err) < 0) {
        goto out;
    }
    if (!p.truncated) {
        page_managed_before(&p, NULL);
    }
    lv_jw_arr_close(w);
    if (p.truncated) {
        lv_kms_marker_write(w, "alias", p.last);
    }
    lv_jw_kbool(w, "Truncated", p.truncated);
    ret = 0;
out:
    lv_kms_key_release(&k);
    return ret;
}
