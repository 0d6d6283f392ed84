/* SPDX-License-Identifier: MIT */
/* hostaddr.c — where plain http may go (hostaddr.h). */
#include "hostaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

bool hostaddr_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	size_t n;

	if (!host)
		return false;
	n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		char tmp[64];

		if (n - 2 >= sizeof(tmp))
			return false;
		memcpy(tmp, host + 1, n - 2);
		tmp[n - 2] = '\0';
		return inet_pton(AF_INET6, tmp, &a6) == 1 &&
		       memcmp(&a6, &in6addr_loopback, sizeof(a6)) == 0;
	}
	return inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

bool hostaddr_is_imds(const char *host)
{
	return host &&
	       (strcmp(host, "169.254.169.254") == 0 || strcmp(host, "[fd00:ec2::254]") == 0);
}
