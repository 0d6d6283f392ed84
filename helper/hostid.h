/* SPDX-License-Identifier: MIT */
/* hostid.h — this machine's identity in the key ledger (ledger.h): a 128-bit ID derived from
 * /etc/machine-id for this application, as systemd's sd_id128_get_machine_app_specific()
 * derives one (HMAC-SHA256 keyed with the machine ID over HOSTID_APP_ID, first 16 bytes,
 * marked as a version 4 UUID), so `systemd-id128 -a HOSTID_APP_ID machine-id` prints it.
 * Unique per machine where short host names are not (bastion.prod and bastion.stage, EC2's
 * ip-10-0-1-23 in every VPC), and it does not disclose the machine ID itself. The readable
 * short host name is kept beside it for people. */
#ifndef PAI_HOSTID_H
#define PAI_HOSTID_H

#include <stdbool.h>
#include "err.h"

#define HOSTID_APP_ID   "5763c968d42d4d3da1ff18d462c15879"
#define HOSTID_LEN      32 /* lowercase hex digits */
#define HOSTID_NAME_MAX 64 /* short host name, NUL included */

struct hostid {
	char id[HOSTID_LEN + 1];
	char name[HOSTID_NAME_MAX];
};

/* The app-specific ID for a machine ID of 32 hex digits (any case); PAI_ERR_INVALID
 * otherwise. */
pai_err hostid_derive(const char *machine_id, char out[HOSTID_LEN + 1]);
/* This machine's ID from /etc/machine-id, else /var/lib/dbus/machine-id (32 lowercase hex
 * digits); PAI_ERR_NOT_FOUND when neither holds one (a minimal chroot or container: the
 * caller falls back on one kept in the state dir, state.h). */
pai_err hostid_read_machine_id(char out[HOSTID_LEN + 1]);
/* Fills h from a machine ID and a short host name; name NULL = this machine's (uname, up to
 * the first dot). PAI_ERR_INVALID for a bad ID or name. */
pai_err hostid_make(struct hostid *h, const char *machine_id, const char *name);
/* A stand-in machine ID for a name (tests' --host without --machine-id): the first 16
 * bytes of SHA-256(name), as hex. */
void hostid_name_machine_id(const char *name, char out[HOSTID_LEN + 1]);
/* True for HOSTID_LEN lowercase hex digits. */
bool hostid_valid_id(const char *s);
/* True for a short host name: [A-Za-z0-9_-]{1,63}. */
bool hostid_valid_name(const char *s);

#endif
