/* SPDX-License-Identifier: MIT */
/* fuzz_config.c — config_load_string on arbitrary text: no crash, and on success every
 * string field is terminated and config_print works; on failure the message is one line
 * starting with the file name. abort() otherwise.
 * fuzz-max-len: 65536 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct pai_config cfg;
	char *text, err[512];
	FILE *f;
	pai_err e;

	text = malloc(n + 1);
	if (!text)
		return 0;
	memcpy(text, d, n);
	text[n] = '\0';
	err[0] = '\0';
	e = config_load_string(text, "fuzz.conf", &cfg, err, sizeof(err));
	if (e == PAI_OK) {
		f = fopen("/dev/null", "w");
		if (f) {
			config_print(&cfg, f);
			fclose(f);
		}
		if (cfg.n_exclude > PAI_CONF_MAX_LINUX || cfg.n_tags > PAI_CONF_MAX_TAGS ||
		    cfg.n_policies > PAI_CONF_MAX_POLICIES || cfg.deadline == 0)
			abort();
	} else if (e != PAI_ERR_CONFIG || strncmp(err, "fuzz.conf", 9) || strchr(err, '\n')) {
		abort();
	}
	free(text);
	return 0;
}
