/*
 * schema_delivery.c: the delivery component's schema steps on PostgreSQL
 * — the delivery destinations of logs_store.h (see struct lv_migration in
 * store_int.h). Versions start at 1 and have no gap; a released step is
 * never edited.
 *
 * delivery_destinations: one row per destination, keyed by (account,
 * region, name) in byte order (COLLATE "C", as SQLite compares), which is
 * also DescribeDeliveryDestinations' order. policy is "" when none.
 */
#include "store/postgres/pg_int.h"

const struct lv_migration lv_pg_migrations_delivery[] = {
    { "delivery", 1,
      "CREATE TABLE delivery_destinations ("
      " account TEXT COLLATE \"C\" NOT NULL,"
      " region TEXT COLLATE \"C\" NOT NULL,"
      " name TEXT COLLATE \"C\" NOT NULL,"
      " type TEXT NOT NULL,"
      " resource_arn TEXT NOT NULL,"
      " output_format TEXT NOT NULL,"
      " tags TEXT NOT NULL,"
      " policy TEXT NOT NULL,"
      " PRIMARY KEY (account, region, name));" },
    LV_MIGRATION_END,
};
