/*
 * kms_store.c: the functions of kms_store.h. The record helpers (init,
 * release) are here; every store operation is a front that dispatches
 * through the backend table (store_int.h): one per entry of kms_ops.def.
 */
#include "store/kms_store.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

void lv_kms_key_init(struct lv_kms_key *k)
{
    memset(k, 0, sizeof(*k));
    k->description = NULL;
    k->policy = NULL;
}

void lv_kms_key_release(struct lv_kms_key *k)
{
    free(k->description);
    free(k->policy);
    lv_kms_key_init(k);
}

void lv_kms_cks_init(struct lv_kms_cks *c)
{
    memset(c, 0, sizeof(*c));
    c->trust_anchor = NULL;
}

void lv_kms_cks_release(struct lv_kms_cks *c)
{
    free(c->trust_anchor);
    lv_kms_cks_init(c);
}

void lv_kms_grant_init(struct lv_kms_grant *g)
{
    memset(g, 0, sizeof(*g));
    g->name = NULL;
    g->grantee = NULL;
    g->retiring = NULL;
    g->issuing_account = NULL;
    g->operations = NULL;
    g->constraints = NULL;
}

void lv_kms_grant_release(struct lv_kms_grant *g)
{
    free(g->name);
    free(g->grantee);
    free(g->retiring);
    free(g->issuing_account);
    free(g->operations);
    free(g->constraints);
    lv_kms_grant_init(g);
}

int lv_store_kms_generation(struct lv_store *s, uint64_t *gen)
{
    return s->be->kms_generation(s->impl, gen);
}

#define LV_STORE_OP(name, params, args)                                      \
    int lv_store_kms_##name(struct lv_store *s, LV_STORE_UNPAREN params)     \
    {                                                                        \
        return s->be->kms->name(s->impl, LV_STORE_UNPAREN args);             \
    }
#include "store/kms_ops.def"
#undef LV_STORE_OP
