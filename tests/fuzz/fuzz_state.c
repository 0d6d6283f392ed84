/* SPDX-License-Identifier: MIT */
/* fuzz_state.c — libFuzzer target for the helper's state-file parser (state_parse): any
 * bytes, login "alice"; a parsed state must hold only validated values. fuzz-max-len: 9000 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct user_state st;

	if (state_parse((const char *)data, size, "alice", &st) == PAI_OK) {
		if (strcmp(st.login, "alice") != 0 || !valid_access_key_id(st.key_id) ||
		    st.key_created < 0 || st.verified_at < 0 ||
		    (st.url[0] && strncmp(st.url, "https://", 8) != 0))
			abort();
	}
	return 0;
}
