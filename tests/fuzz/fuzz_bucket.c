/* SPDX-License-Identifier: MIT */
/* fuzz_bucket.c — libFuzzer target for the request allowance's file parser
 * (state_bucket_parse): any bytes; a parsed bucket holds only non-negative numbers and
 * round-trips through its own format. fuzz-max-len: 128 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state_bucket b, again;
	char line[64];
	int n;

	if (state_bucket_parse((const char *)data, size, &b) != PAI_OK)
		return 0;
	if (b.tokens_milli < 0 || b.at < 0)
		abort();
	n = snprintf(line, sizeof(line), "v1 %lld %lld\n", b.tokens_milli, b.at);
	if (n <= 0 || (size_t)n >= sizeof(line) ||
	    state_bucket_parse(line, (size_t)n, &again) != PAI_OK ||
	    again.tokens_milli != b.tokens_milli || again.at != b.at)
		abort();
	return 0;
}
