/* SPDX-License-Identifier: MIT */
/* fuzz_ledger.c — libFuzzer target for the key-ledger reader (ledger_read): the input is
 * split into tag key/value pairs at NUL bytes; every entry the ledger accepts must carry a
 * valid key ID and host, and re-encode to the same tag; every valid mark likewise; the
 * ownership check must not read past the value. fuzz-max-len: 16384 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostid.h"
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
	ledger_read(tags, n, &led);
	(void)ledger_owner_of(&led, "rt-alice");
	for (i = 0; i < led.n; i++) {
		struct iam_tag t;
		const struct ledger_entry *e = &led.e[i];
		struct hostid h;

		if (!valid_access_key_id(e->key_id) || !hostid_valid_name(e->host_name) ||
		    (e->host_id[0] && !hostid_valid_id(e->host_id)))
			abort();
		if (!e->host_id[0])
			continue; /* legacy entries are read, never written */
		memcpy(h.id, e->host_id, sizeof(h.id));
		memcpy(h.name, e->host_name, sizeof(h.name));
		if (ledger_make_tag(e->key_id, &h, e->created, e->orphan, &t) != PAI_OK)
			abort();
		if (strcmp(t.key, e->tag_key) != 0)
			abort();
	}
	for (i = 0; i < led.n_marks; i++) {
		struct iam_tag t;
		const struct ledger_mark *m = &led.m[i];
		struct hostid h = {{0}, "x"};

		if (!m->valid || !hostid_valid_id(m->host))
			continue;
		memcpy(h.id, m->host, sizeof(h.id));
		if (ledger_make_mark(&h, m->at, m->closed_by[0] ? m->closed_by : NULL, &t) !=
		        PAI_OK ||
		    strcmp(t.key, m->tag_key) != 0)
			abort();
	}
	return 0;
}
