/* SPDX-License-Identifier: MIT */
/* hostaddr.h — the host of a URL, as the helper judges it: where plain http may go. The
 * config check and the transport both ask here, so they never disagree. */
#ifndef PAI_HOSTADDR_H
#define PAI_HOSTADDR_H

#include <stdbool.h>

/* True for an IPv4 literal in 127.0.0.0/8 or the IPv6 literal [::1] (brackets included):
 * plain http goes there only (tests). */
bool hostaddr_is_loopback(const char *host);
/* True for EC2's instance metadata service, 169.254.169.254 or [fd00:ec2::254], which is
 * plain http by design. */
bool hostaddr_is_imds(const char *host);

#endif
