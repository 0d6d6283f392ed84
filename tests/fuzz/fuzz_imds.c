/* SPDX-License-Identifier: MIT */
/* fuzz_imds.c — libFuzzer target for the IMDS replies: the credentials JSON (json-c) and the
 * role-name listing. Whatever they accept must pass the patterns the rest of the helper
 * relies on. fuzz-max-len: 20000 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "awscreds.h"
#include "imds.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_creds c;
	char role[65];

	if (imds_parse_credentials((const char *)data, size, &c) == PAI_OK) {
		if (!c.access_key_id || !valid_access_key_id(c.access_key_id) ||
		    !c.secret_access_key || !valid_secret_key(c.secret_access_key) ||
		    !c.session_token || !c.expiration || !valid_iso8601(c.expiration))
			abort();
		aws_creds_wipe(&c);
	} else if (c.access_key_id || c.secret_access_key || c.session_token || c.expiration) {
		abort(); /* a refused reply leaves nothing behind */
	}
	if (imds_parse_role((const char *)data, size, role) == PAI_OK && !valid_user_name(role))
		abort();
	return 0;
}
