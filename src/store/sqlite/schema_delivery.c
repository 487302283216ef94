/*
 * schema_delivery.c: the delivery component's schema steps — the delivery
 * destinations of logs_store.h (see struct lv_migration in store_int.h).
 * Versions start at 1 and have no gap; a released step is never edited.
 *
 * delivery_destinations: one row per destination, keyed by (account,
 * region, name), which is also DescribeDeliveryDestinations' order.
 * policy is "" when the destination has none.
 */
#include "store/sqlite/sqlite_int.h"

const struct lv_migration lv_sqlite_migrations_delivery[] = {
    { "delivery", 1,
      "CREATE TABLE delivery_destinations ("
      " account TEXT NOT NULL,"
      " region TEXT NOT NULL,"
      " name TEXT NOT NULL,"
      " type TEXT NOT NULL,"
      " resource_arn TEXT NOT NULL,"
      " output_format TEXT NOT NULL,"
      " tags TEXT NOT NULL,"
      " policy TEXT NOT NULL,"
      " PRIMARY KEY (account, region, name));" },
    LV_MIGRATION_END,
};
