/* SPDX-License-Identifier: MIT */
/* provision_run.h — one run of aws-iam-provision, shared by its two halves:
 *   the executable (provision.c): target, config, scope, fast path, lock — libc and inih only;
 *   pai-network.so (net/provision_net.c): admin credentials, IAM, key file, state — loaded by
 *   netlib.h only when the run must call AWS, and handed this struct by pointer; what only it
 *   needs is in its own struct netrun (net/netrun.h).
 * Both halves are built from this header in one build: provision_net_run refuses a struct
 * of another size or version (a library left from another build). */
#ifndef PAI_PROVISION_RUN_H
#define PAI_PROVISION_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "config.h"
#include "hostid.h"
#include "privs.h"
#include "profile.h"
#include "provision.h"
#include "state.h"

#define PROG             "aws-iam-provision"
#define DAY              86400
#define PROCESS_LINE_MAX 4097 /* credential_process's value, NUL included (credfile.h) */

struct credproc; /* credproc.h */

struct run {
	const struct prov_opts *o;
	struct pai_config cfg;
	struct privs pv;
	char login[257];
	char home[1024];
	struct hostid host; /* this machine in the ledger (hostid.h) */
	char iam_name[65];
	struct profile_home hf;
	int sdir;
	int lock;
	long long start_ms;
	time_t now;
	struct user_state st;
	bool have_state;
	/* the key this host delivers to the person: deliver = file, the managed profile's
	 * aws_access_key_id; deliver = process, the key the helper holds (keyvault.h) */
	char profile_key[129];
	bool profile_not_a_key; /* the managed profile's key ID is not one: never echoed */
	/* deliver = process: what the home says */
	char process_line[PROCESS_LINE_MAX]; /* what credential_process must say here */
	bool home_process_ok;                /* ~/.aws/config's profile says it */
	char home_key[129];  /* a static key in ~/.aws/credentials' profile ("" none) */
	bool home_not_a_key; /* ...a value there that is no key ID */
	bool home_key_ours;  /* ...the key this host wrote there (deliver = file before) */
	struct credproc *cp; /* --credential-process: its key and cache */
};

/* Prints one line for the person on stdout (escaped, prov_escape), unless --quiet. */
void prov_say(const struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "aws-iam-provision: MSG" on stderr and logs it; returns status. What came from a
 * person or a server is escaped on both (prov_escape). */
int prov_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Logs one audit line (AUTHPRIV notice) about the run's person and key_id ("-" if none). */
void prov_audit(const struct run *r, const char *action, const char *key_id);
/* The same line with the fleet store's version (store_version=ID) the key came from or went
 * into. */
void prov_audit_version(const struct run *r, const char *action, const char *key_id,
                        const char *version);

/* Copies s into out (outlen > 0), every byte outside printable ASCII as \xNN: what a
 * person or a server wrote may reach syslog and the terminal, never raw. */
void prov_escape(const char *s, char *out, size_t outlen);

/* The PAI_EXIT_* status for a pai_err. */
int prov_exit_for(pai_err e);

/* The run's deadline on the clock_now_ms clock. */
long long prov_deadline_ms(const struct run *r);

/* ---- the executable's half only (provision.c), for credproc.c ---- */
/* Loads pai-network.so and runs provision_net_run. */
int prov_call_network(struct run *r);
/* Takes one of the person's requests that call AWS (root: always granted); false when over
 * [keys] request_burst, with *wait_s the seconds until the next one. */
bool prov_take_request(struct run *r, long long *wait_s);

/* True when the state file is this host's record of this person's IAM user and profile (by
 * host ID, or by short name in a record from before 0.2: prov_state_is_legacy). */
bool prov_state_is_ours(const struct run *r);
bool prov_state_is_legacy(const struct run *r);

/* pai-network.so's one exported symbol (netlib.h loads it): the part of the run that
 * calls AWS, after the lock. r->c is freed before it returns. run_size and version are
 * sizeof(struct run) and PAI_VERSION of the caller; on a mismatch it refuses
 * (PAI_EXIT_INTERNAL). Returns a PAI_EXIT_* status. */
#define PROVISION_NET_ENTRY "provision_net_run"
int provision_net_run(struct run *r, size_t run_size, const char *version);
typedef int (*provision_net_fn)(struct run *r, size_t run_size, const char *version);

#endif
