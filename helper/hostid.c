/* SPDX-License-Identifier: MIT */
/* hostid.c — this machine's identity in the key ledger (hostid.h). */
#include "hostid.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "buf.h"
#include "hex.h"
#include "sha256.h"

static bool unhex16(const char *s, unsigned char out[16])
{
	size_t i;

	if (strlen(s) != HOSTID_LEN)
		return false;
	for (i = 0; i < 16; i++) {
		int hi = hex_digit((unsigned char)s[2 * i]),
		    lo = hex_digit((unsigned char)s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

bool hostid_valid_id(const char *s)
{
	return strlen(s) == HOSTID_LEN && strspn(s, "0123456789abcdef") == HOSTID_LEN;
}

bool hostid_valid_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n < HOSTID_NAME_MAX &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

pai_err hostid_derive(const char *machine_id, char out[HOSTID_LEN + 1])
{
	unsigned char mid[16], app[16], mac[SHA256_LEN];

	if (!unhex16(machine_id, mid) || !unhex16(HOSTID_APP_ID, app))
		return PAI_ERR_INVALID;
	hmac_sha256(mid, sizeof(mid), app, sizeof(app), mac);
	mac[6] = (unsigned char)((mac[6] & 0x0f) | 0x40); /* a v4 UUID, as systemd marks it */
	mac[8] = (unsigned char)((mac[8] & 0x3f) | 0x80);
	hex_encode(mac, 16, out);
	secret_wipe(mid, sizeof(mid));
	secret_wipe(mac, sizeof(mac));
	return PAI_OK;
}

void hostid_name_machine_id(const char *name, char out[HOSTID_LEN + 1])
{
	unsigned char d[SHA256_LEN];

	sha256(name, strlen(name), d);
	hex_encode(d, 16, out);
}

/* The machine ID in path: 32 lowercase hex digits and a newline, nothing else. */
static pai_err read_id_file(const char *path, char out[HOSTID_LEN + 1])
{
	char b[HOSTID_LEN + 2];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return PAI_ERR_NOT_FOUND;
	do
		n = read(fd, b, sizeof(b));
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < HOSTID_LEN || (n == HOSTID_LEN + 1 && b[HOSTID_LEN] != '\n') || n > HOSTID_LEN + 1)
		return PAI_ERR_NOT_FOUND; /* empty, "uninitialized", or not a machine ID */
	b[HOSTID_LEN] = '\0';
	if (!hostid_valid_id(b))
		return PAI_ERR_NOT_FOUND;
	memcpy(out, b, HOSTID_LEN + 1);
	return PAI_OK;
}

pai_err hostid_read_machine_id(char out[HOSTID_LEN + 1])
{
	if (read_id_file("/etc/machine-id", out) == PAI_OK)
		return PAI_OK;
	return read_id_file("/var/lib/dbus/machine-id", out);
}

static pai_err short_hostname(char out[HOSTID_NAME_MAX])
{
	struct utsname u;
	size_t n;

	if (uname(&u) != 0)
		return PAI_ERR_INVALID;
	n = strcspn(u.nodename, ".");
	if (n == 0 || n >= HOSTID_NAME_MAX)
		return PAI_ERR_INVALID;
	memcpy(out, u.nodename, n);
	out[n] = '\0';
	return hostid_valid_name(out) ? PAI_OK : PAI_ERR_INVALID;
}

pai_err hostid_make(struct hostid *h, const char *machine_id, const char *name)
{
	memset(h, 0, sizeof(*h));
	if (name) {
		if (!hostid_valid_name(name))
			return PAI_ERR_INVALID;
		snprintf(h->name, sizeof(h->name), "%s", name);
	} else if (short_hostname(h->name)) {
		return PAI_ERR_INVALID;
	}
	return hostid_derive(machine_id, h->id);
}
