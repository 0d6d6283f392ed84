/* ledger.h — what the tool records on the IAM users it manages, as tags:
 *   pam-aws-iam:managed = true                 ownership: set at CreateUser (or adoption)
 *   pam-aws-iam:key:<KEYID> = <host> <created>   one per key the tool created: the short host
 *                                                name holding it and its ISO 8601 UTC time
 *   pam-aws-iam:pending:<host> = <time>          set just before this host calls CreateAccessKey,
 *                                                so a key whose reply was lost (never tagged,
 *                                                never on disk) can later be told as this
 *                                                host's and deleted
 * IAM is the one state hosts share; the ledger lets each host tell its keys from others'. */
#ifndef PAI_LEDGER_H
#define PAI_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "err.h"
#include "iam.h"

#define LEDGER_OWNER_KEY      "pam-aws-iam:managed"
#define LEDGER_OWNER_VALUE    "true"
#define LEDGER_KEY_PREFIX     "pam-aws-iam:key:"
#define LEDGER_HOST_MAX       64
#define LEDGER_PENDING_PREFIX "pam-aws-iam:pending:"
/* A key created within this many seconds of a pending mark (either side: host and AWS
 * clocks differ) is the mark's; pending marks older than a day are pruned. */
#define LEDGER_PENDING_SLACK   120
#define LEDGER_PENDING_MAX_AGE 86400

struct ledger_entry {
	char tag_key[129];
	char key_id[129];
	char host[LEDGER_HOST_MAX];
	time_t created;
};

struct ledger {
	struct ledger_entry e[IAM_MAX_TAGS];
	size_t n;
};

/* True when the tags carry the ownership tag with its value. */
bool ledger_is_managed(const struct iam_tag *tags, size_t n);
/* The ledger entries among tags; malformed entries (bad key ID, host or time) are skipped,
 * never trusted. */
void ledger_from_tags(const struct iam_tag *tags, size_t n, struct ledger *out);
/* The entry for key_id, or NULL. */
const struct ledger_entry *ledger_find(const struct ledger *l, const char *key_id);
/* The ledger tag for a new key; PAI_ERR_INVALID for a key ID or host that does not fit
 * IAM's tag patterns. */
pai_err ledger_make_tag(const char *key_id, const char *host, time_t created, struct iam_tag *out);
/* The pending-creation mark of host at time t. */
pai_err ledger_make_pending_tag(const char *host, time_t t, struct iam_tag *out);
/* Time of host's pending mark among tags; false when there is none (or it is malformed). */
bool ledger_pending_time(const struct iam_tag *tags, size_t n, const char *host, time_t *out);
/* True when tag is a pending mark older than LEDGER_PENDING_MAX_AGE at now (or malformed). */
bool ledger_pending_expired(const struct iam_tag *tag, time_t now);
/* The ownership tag. */
void ledger_owner_tag(struct iam_tag *out);
/* True for a host name the ledger accepts: [A-Za-z0-9_-]{1,63}. */
bool ledger_valid_host(const char *host);
/* This machine's short host name (uname nodename up to the first dot), validated. */
pai_err ledger_short_hostname(char out[LEDGER_HOST_MAX]);
/* "YYYY-MM-DDTHH:MM:SSZ" <-> time_t (UTC); parse accepts IAM's optional fraction. */
void ledger_format_time(time_t t, char out[32]);
pai_err ledger_parse_time(const char *s, time_t *out);

#endif
