/* SPDX-License-Identifier: MIT */
/* fleetdoc.h — the fleet store's value as JSON (struct fleet_doc, fleetplan.h):
 *   {"format":"pam-aws-iam/1","state":"active|claimed|revoked","user":N,"user_id":ID,
 *    "current":{"id":K,"secret":S,"created":T}, "previous":{"id":K,"until":T},
 *    "claim":{"host":HOSTID,"name":HOST,"until":T}, "revoked_at":T,
 *    "written":{"host":HOSTID,"name":HOST,"at":T}}
 * Read strictly: any unknown member, wrong type or value failing its pattern refuses the
 * whole document; a key's secret is 40 characters of [A-Za-z0-9+/] and nothing else (a
 * value holding a line break must never reach a credentials file). */
#ifndef PAI_FLEETDOC_H
#define PAI_FLEETDOC_H

#include <stddef.h>
#include "buf.h"
#include "err.h"
#include "fleetplan.h"

#define FLEETDOC_MAX_BYTES 8192 /* well under Secrets Manager's 65536 */

/* Parses len bytes into d (zeroed first, wiped on failure). PAI_ERR_REPLY for anything that
 * is not exactly a document of this format, naming nothing of its content. */
pai_err fleetdoc_parse(const char *json, size_t len, struct fleet_doc *d);
/* Appends d as JSON to out (the caller wipes out: it holds the secret). */
pai_err fleetdoc_serialize(const struct fleet_doc *d, struct buf *out);
/* True for an AWS secret access key as AWS makes them: 40 of [A-Za-z0-9+/]. */
bool fleetdoc_valid_secret(const char *s);

#endif
