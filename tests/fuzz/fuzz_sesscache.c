/* SPDX-License-Identifier: MIT */
/* fuzz_sesscache.c — libFuzzer target for the cached session's parser (sesscache_parse, with
 * record.h's reader): any bytes, login "alice"; a parsed cache holds only validated values,
 * serializes, parses back the same, and prints as JSON. fuzz-max-len: 9000 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "sesscache.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int null_fd = -1;
	struct sess_cache c, again;
	struct buf b;

	if (sesscache_parse((const char *)data, size, "alice", &c) != PAI_OK)
		return 0;
	if (strcmp(c.login, "alice") != 0 || !valid_access_key_id(c.key_id) ||
	    !valid_unique_id(c.user_id) || c.failed_at < 0 ||
	    (c.has_session && (strncmp(c.access_key_id, "ASIA", 4) != 0 || c.expires < 0 ||
	                       strpbrk(c.token, "\"\\ \n") || strpbrk(c.secret, " \n"))))
		abort();
	buf_init(&b, RECORD_MAX_BYTES);
	if (sesscache_serialize(&c, &b) != PAI_OK ||
	    sesscache_parse(b.data, b.len, "alice", &again) != PAI_OK ||
	    memcmp(&c, &again, sizeof(c)) != 0)
		abort();
	buf_free(&b);
	if (null_fd < 0)
		null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (sesscache_print_json(&c, null_fd) != (c.has_session ? PAI_OK : PAI_ERR_INVALID))
		abort();
	sess_cache_wipe(&c);
	sess_cache_wipe(&again);
	return 0;
}
