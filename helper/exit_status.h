/* SPDX-License-Identifier: MIT */
/* exit_status.h — aws-iam-provision's exit statuses: the contract between the helper, the
 * PAM module (which maps them) and the man pages. Shared by both; no other code is. */
#ifndef PAI_EXIT_STATUS_H
#define PAI_EXIT_STATUS_H

#define PAI_EXIT_OK           0 /* done: key in place (or status shown) */
#define PAI_EXIT_INTERNAL     1 /* out of memory, unexpected failure */
#define PAI_EXIT_USAGE        2 /* bad command-line argument */
#define PAI_EXIT_NOT_IN_SCOPE 3 /* this account is not managed here: nothing done, no network */
#define PAI_EXIT_CONFIG       4 /* configuration file missing, unsafe or invalid */
#define PAI_EXIT_AWS          5 /* AWS or network error, deadline passed */
#define PAI_EXIT_FILE         6 /* local file problem: home, ~/.aws, credentials, state */
#define PAI_EXIT_REFUSED      7 /* refused: ownership, privileges, key limit, policy */
/* key in place and working, but a later step failed (a group, a policy, the ledger tag, the
 * replaced key's deletion, the state file): the message says which */
#define PAI_EXIT_WARNING 8
/* asked too often: a person's calls to AWS are rate-limited ([keys] request_burst) */
#define PAI_EXIT_BUSY 9

#endif
