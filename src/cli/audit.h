/*
 * cli/audit: `logvault audit` — the audit trail read from the store
 * directly (no server): `logvault audit verify [--since T]
 * [--data-dir D | --store URI] [--root-key-file F]` checks every chain and
 * its digests (audit/chain.h) and prints each record changed, removed or
 * inserted and each broken digest.
 */
#ifndef LV_CLI_AUDIT_H
#define LV_CLI_AUDIT_H

/* argv[0] is "audit". Returns the exit status: 0 when everything
 * verified, 1 when something was found, 2 on a usage error or when the
 * store or root key cannot be read. */
int lv_cli_audit_main(int argc, char **argv);

#endif
