/* SPDX-License-Identifier: MIT */
/* fuzz_fleetdoc.c — libFuzzer target for the fleet store's document reader (fleetdoc_parse):
 * any bytes; a document it accepts holds only validated values, and what it writes back it
 * reads back the same. fuzz-max-len: 9000 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetdoc.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_doc d, again;
	struct buf b;

	if (fleetdoc_parse((const char *)data, size, &d) != PAI_OK)
		return 0;
	if (!valid_user_name(d.user) || (d.has_current && !fleetdoc_valid_secret(d.current_secret)))
		abort();
	buf_init(&b, FLEETDOC_MAX_BYTES);
	if (fleetdoc_serialize(&d, &b) != PAI_OK ||
	    fleetdoc_parse(b.data, b.len, &again) != PAI_OK || memcmp(&d, &again, sizeof(d)) != 0)
		abort();
	buf_free(&b);
	fleet_doc_wipe(&d);
	fleet_doc_wipe(&again);
	return 0;
}
