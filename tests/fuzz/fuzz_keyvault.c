/* SPDX-License-Identifier: MIT */
/* fuzz_keyvault.c — libFuzzer target for the held key's parser (keyvault_parse, with record.h's
 * reader): any bytes, login "alice"; a parsed key holds only validated values, serializes and
 * parses back the same. fuzz-max-len: 9000 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keyvault.h"
#include "record.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct held_key k, again;
	struct buf b;

	if (keyvault_parse((const char *)data, size, "alice", &k) != PAI_OK)
		return 0;
	if (strcmp(k.login, "alice") != 0 || !valid_access_key_id(k.key_id) ||
	    !valid_unique_id(k.user_id) || !valid_secret_key(k.secret) || k.created < 0)
		abort();
	buf_init(&b, RECORD_MAX_BYTES);
	if (keyvault_serialize(&k, &b) != PAI_OK ||
	    keyvault_parse(b.data, b.len, "alice", &again) != PAI_OK ||
	    memcmp(&k, &again, sizeof(k)) != 0)
		abort();
	buf_free(&b);
	held_key_wipe(&k);
	held_key_wipe(&again);
	return 0;
}
