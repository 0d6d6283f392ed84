/* SPDX-License-Identifier: MIT */
/* fuzz_url.c — the transport's URL check (http_check_url) and the IMDS address rule on any
 * bytes: no crash, and whatever it accepts is https or http to a loopback literal, with a
 * Host and path the signer can use as they are. fuzz-max-len: 2048 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostaddr.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_url u;
	char *s = malloc(size + 1);
	char host[HTTP_MAX_HOST];
	size_t n;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (http_check_url(s, &u) == PAI_OK) {
		if (!u.https) {
			/* The Host header without its port must be a loopback literal. */
			n = strlen(u.host);
			memcpy(host, u.host, n + 1);
			if (host[0] == '[') {
				char *end = strchr(host, ']');

				if (!end)
					abort();
				end[1] = '\0';
			} else if (strchr(host, ':')) {
				*strchr(host, ':') = '\0';
			}
			if (!hostaddr_is_loopback(host))
				abort();
		}
		if (u.path[0] != '/' || strpbrk(u.host, "\r\n @/?#") || strpbrk(u.path, "\r\n ?#"))
			abort();
		if (strncmp(u.url, u.https ? "https://" : "http://", u.https ? 8 : 7) != 0)
			abort();
	}
	free(s);
	return 0;
}
