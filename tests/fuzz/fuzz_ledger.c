/* fuzz_ledger.c — libFuzzer target for the key-ledger reader (ledger_from_tags): the input
 * is split into tag key/value pairs at NUL bytes; every entry the ledger accepts must carry
 * a valid key ID and host, and re-encode to the same tag. fuzz-max-len: 16384 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct iam_tag tags[IAM_MAX_TAGS];
static struct ledger led;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0, i = 0, field = 0, len = 0;

	memset(tags, 0, sizeof(tags));
	for (i = 0; i < size && n < IAM_MAX_TAGS; i++) {
		char *dst = field ? tags[n].value : tags[n].key;
		size_t cap = field ? sizeof(tags[n].value) : sizeof(tags[n].key);

		if (data[i] == 0) {
			len = 0;
			if (field)
				n++;
			field = !field;
			continue;
		}
		if (len + 1 < cap)
			dst[len++] = (char)data[i];
	}
	if (field && n < IAM_MAX_TAGS)
		n++;
	ledger_from_tags(tags, n, &led);
	(void)ledger_is_managed(tags, n);
	for (i = 0; i < led.n; i++) {
		struct iam_tag t;

		if (!valid_access_key_id(led.e[i].key_id) || !ledger_valid_host(led.e[i].host))
			abort();
		if (ledger_make_tag(led.e[i].key_id, led.e[i].host, led.e[i].created, &t) != PAI_OK)
			abort();
		if (strcmp(t.key, led.e[i].tag_key) != 0)
			abort();
	}
	return 0;
}
