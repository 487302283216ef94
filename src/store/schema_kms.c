/*
 * schema_kms.c: the kms component's schema steps (see struct lv_migration
 * in store_int.h). Versions start at 1 and have no gap; each step runs in
 * its own transaction with its version bump; a released step is never
 * edited: a change is a new step. Tables are prefixed kms_.
 */
#include "store/store_int.h"

const struct lv_migration lv_store_migrations_kms[] = {
    LV_MIGRATION_END,
};
