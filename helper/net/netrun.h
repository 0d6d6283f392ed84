/* SPDX-License-Identifier: MIT */
/* netrun.h — the network half's share of one run (private to helper/net/): what it reads from
 * IAM, what it learns about the account, and the warning status. The core's struct run
 * (provision_run.h) is handed over by pointer and holds none of it.
 *   provision_net.c  the entry point; login, revoke and status flows; the AWS client; the URL
 *   iam_user.c       the IAM user: ownership, creation, groups and policies, console password
 *   key_actions.c    the person's keys: the plan (keyplan.h) asked for and carried out
 *   converge.c       an existing user's groups, policies and tags brought to the config
 *   delivery.c       where the key goes ([keys] deliver): the home, or the helper's keeping
 *   credproc_net.c   --credential-process's renewal of the person's session */
#ifndef PAI_NETRUN_H
#define PAI_NETRUN_H

#include <stdbool.h>
#include <time.h>
#include "awsclient.h"
#include "iam.h"
#include "fleetplan.h"
#include "keyplan.h"
#include "ledger.h"
#include "provision_run.h"
#include "secretsmanager.h"
#include "signin.h"

struct converge; /* converge.c's */

struct netrun {
	struct run *r;
	struct aws_client *c;
	struct iam_user u;
	struct iam_key_list keys;
	struct ledger ledger;
	bool owner_upgrade; /* the ownership tag is the legacy "true": rewrite it naming login */
	char alias[64];
	bool alias_known;
	struct aws_result alias_res;
	char partition[16];
	char account[13];
	char url[SIGNIN_URL_MAX];
	bool setup_pending; /* groups/policies not all applied: recorded in state, retried */
	bool key_in_place;  /* the managed profile holds a key IAM has: warnings exit 8 */
	int status;         /* a warning that does not stop the run but sets the exit status */
	/* fleet mode: the store's version and the replaced key, recorded with the key */
	bool mark_set; /* this run already set this host's mark (in CreateUser's tags) */
	char store_version[SM_TOKEN_MAX];
	char prev_key_id[IAM_KEY_ID_MAX];
	time_t prev_until;

	/* convergence (converge.c); NULL when the run has none */
	struct converge *cv;
};

/* ---- provision_net.c ---- */
/* One line for a failed call (AWS's code and message when there are some); its status. */
int net_fail(const char *call, pai_err e, const struct aws_error *ae);
/* The same for the client's last synchronous call. */
int net_call_fail(const struct netrun *nr, const char *call, pai_err e);
/* Learns partition and account from the user's ARN and queues ListAccountAliases unless the
 * alias is cached. */
int net_queue_alias(struct netrun *nr);
/* After a flush: caches the alias; builds the sign-in URL. Then prints it (show_url). */
void net_finish_url(struct netrun *nr);
void net_show_url(const struct netrun *nr);
/* Records this host's key in the state file (a failure is a warning). */
void net_record(struct netrun *nr, const char *key_id, time_t created);
/* The exit status of a login: rc, else its last warning (PAI_EXIT_WARNING once the key is
 * in place). */
int net_login_status(const struct netrun *nr, int rc);
/* "dry-run: would call CALL ARG". */
void net_plan_line(const struct netrun *nr, const char *call, const char *arg);

/* ---- iam_user.c ---- */
/* GetUser, then the ownership checks (exact name, this login's tag, adopt_existing);
 * *missing when there is no such user. */
int iam_user_managed(struct netrun *nr, bool *missing);
/* ListAccessKeys into nr->keys. */
int iam_user_list_keys(struct netrun *nr);
/* An existing user's groups and policies, again, when a login must (setup pending). */
void iam_user_setup_if_needed(struct netrun *nr);
/* A login whose IAM user does not exist: CreateUser, setup, password, first key (fleet
 * mode: the store's). IAM_USER_RACED when another host created the user a moment ago: the
 * caller goes on as for an existing user. */
#define IAM_USER_RACED (-2)
int iam_user_create(struct netrun *nr);

/* ---- key_actions.c ---- */
/* Asks keyplan.h what to do with this person's keys. */
void key_actions_plan(const struct netrun *nr, enum keyplan_action a, struct keyplan *p);
/* An existing user's login or --rotate: verify, create, replace or refuse, as planned. */
int key_actions_login(struct netrun *nr, enum keyplan_action a);
/* --revoke: this host's key deleted and taken out of the profile. */
int key_actions_revoke(struct netrun *nr);
/* A new user's first key, created and written (CreateAccessKey queued with its setup). */
int key_actions_save_first(struct netrun *nr, struct iam_access_key *k);
/* Polls STS with a new key until it works (wait_until_usable, within the deadline). */
void key_actions_wait_usable(struct netrun *nr, const char *id, const char *secret);
/* A profile conflict: one line for the person, nothing touched. */
int key_actions_conflict(struct netrun *nr, const struct keyplan *p);
/* IAM's record of key id, or NULL; its creation time. */
const struct iam_key_meta *key_actions_find(const struct netrun *nr, const char *id);
time_t key_actions_created(const struct netrun *nr, const struct iam_key_meta *k);
/* IAM's keys as the plans read them (keyplan.h, fleetplan.h); returns how many. */
size_t key_actions_plan_keys(const struct netrun *nr, struct keyplan_key keys[KEYPLAN_MAX_KEYS]);

/* ---- fleet_actions.c ([keys] store = secretsmanager, fleetplan.h) ---- */
/* A login or --rotate (now: --rotate --now) for an existing user; the store's key. */
int fleet_actions_login(struct netrun *nr, enum fleet_action a);
/* --revoke and --unrevoke, fleet-wide. */
int fleet_actions_revoke(struct netrun *nr, bool lift);
/* --status: the store's version, the key's age, the grace. */
void fleet_actions_status(struct netrun *nr);
/* ---- delivery.c ([keys] deliver: file, the managed profile of ~/.aws/credentials; process,
 * the helper's keys/<login> and credential_process in ~/.aws/config) ---- */
/* Puts a new key where the person's programs get it (created: IAM's time of the key). File:
 * into the profile (and the helper's held key, cached session and credential_process line
 * dropped); process: credential_process into ~/.aws/config first, then the key into
 * keys/<login> (and the cached session of the key it replaces dropped). A failure (one line in
 * err) leaves the key undelivered: the caller takes it back. */
pai_err delivery_put(struct netrun *nr, const char *id, const char *secret, time_t created,
                     char *err, size_t errlen);
/* After the state is recorded (deliver = process): the static key this host once wrote into
 * ~/.aws/credentials taken out, now that the held key is what the person's programs get. */
void delivery_tidy(struct netrun *nr);
/* A verified key already delivered (deliver = process): credential_process put back when the
 * home lost it, then delivery_tidy. A failure is a warning (nr->status). */
void delivery_ensure(struct netrun *nr);
/* Before a login changes anything (deliver = process): a static key in the managed profile
 * that this host cannot prove it wrote (its state, its ledger entry) would be used by the AWS
 * CLI and SDKs before credential_process: an error, nothing changed. */
int delivery_check_home(struct netrun *nr);
/* Takes key expect_id out of the person's reach: the profile's lines (file); the held key, the
 * cached session and credential_process (process). */
pai_err delivery_remove(struct netrun *nr, const char *expect_id, char *err, size_t errlen);
/* --revoke with deliver = process, once the keys are deleted: IAM refuses every session
 * issued before now (iam_deny_sessions_before) and the cached session is dropped. A status. */
int delivery_revoke_sessions(struct netrun *nr);
/* The secret of the key this host delivers, when its ID is expect_id (out wiped otherwise). */
pai_err delivery_read_secret(struct netrun *nr, const char *expect_id, char *out, size_t outlen,
                             char *err, size_t errlen);
/* One line for the person: key id is in place, how they get it; then more (may be ""). */
void delivery_say(const struct netrun *nr, const char *id, const char *more);
/* --status: how the key reaches the person; with deliver = process, the cached session. */
void delivery_status(const struct netrun *nr);

/* ---- credproc_net.c ---- */
/* --credential-process (credproc.h): renews r->cp->cache with GetSessionToken, signed with the
 * held key (r->cp->key), and writes it to sessions/<login>; on failure sets r->cp->why, and
 * remembers a failure that may pass in the cache file. Prints nothing. A PAI_EXIT_* status. */
int credproc_net_refresh(struct run *r);

/* ---- converge.c ---- */
/* The config's tags for this login and host (templates expanded). */
int converge_expand_tags(const struct run *r, struct iam_tag *tags, size_t *n);
/* The convergence record of a user this host is about to create with its config. */
int converge_created_tags(struct netrun *nr, struct iam_tag out[CONVREC_TAGS]);
/* After GetUser of a managed user (a login, --rotate, --status): what the record says, and
 * whether the user's groups and policies must be read (converge_reads). */
int converge_begin(struct netrun *nr);
bool converge_reads(const struct netrun *nr);
/* ListAccessKeys into nr->keys, with the user's groups, policies and record in the same
 * round trip; then the plan. A failed list read is a warning: no convergence this time. */
int converge_read_with_keys(struct netrun *nr);
/* Carries the plan out (--dry-run: prints it); false when convergence leaves the user's
 * groups and policies to the setup retry (iam_user.c). */
bool converge_run(struct netrun *nr);
/* After the key work: the record read back, merged and written again when another host's
 * went in meanwhile (bounded). Returns the login's status with convergence's warnings. */
int converge_finish(struct netrun *nr, int rc);
/* --status: the generations and what differs between the user and this host's config. */
void converge_status(struct netrun *nr);
void converge_free(struct netrun *nr);

#endif
