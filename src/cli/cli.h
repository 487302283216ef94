/*
 * cli: the `logvault logs …` / `logvault kms …` client, a native stand-in
 * for `aws logs …` / `aws kms …` (AWS CLI v2): the same commands (from the
 * model tables), options, configuration, output, error messages and exit
 * codes (0 ok, 252 usage or parameter error, 253 configuration or
 * credentials, 254 a service error, 255 anything else, connection failures
 * included), and `logs tail`.
 *
 * Where the AWS CLI names itself in usage text ("usage: aws [options] …",
 * "aws: error: …", "aws help") the client prints "logvault" instead; all
 * other text is the AWS CLI's, word for word (including the hint to run
 * "aws configure", which writes the files logvault reads).
 *
 * It does not: prompt (--cli-auto-prompt), page output, print yaml, run
 * waiters, or resolve credentials beyond the environment and the shared
 * files (see cli/config.h).
 */
#ifndef LV_CLI_CLI_H
#define LV_CLI_CLI_H

/*
 * Runs one client command. argv[0] is the service ("logs" or "kms"),
 * argv[1…] the operation and options as the user typed them. Writes the
 * result to stdout and errors to stderr; returns the process exit code.
 */
int lv_cli_main(int argc, char **argv);

/* How many words a global option takes after itself, as the AWS CLI has
 * them (`aws --endpoint-url URL logs …` as well as after the service): 0
 * for a flag or an option written NAME=VALUE, 1 for an option whose value
 * follows, -1 when arg is not a global option. */
int lv_cli_global_arity(const char *arg);

#endif
