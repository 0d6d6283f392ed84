/* SPDX-License-Identifier: MIT */
/* test_hostid.c — SHA-256 and HMAC-SHA256 against their published vectors (FIPS 180-4
 * examples, RFC 4231), and the machine's identity derived as systemd derives an
 * app-specific machine ID. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "hostid.h"
#include "sha256.h"

static void hex(const unsigned char *d, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void sha256_matches_the_published_vectors(void **st)
{
	unsigned char d[SHA256_LEN];
	char h[2 * SHA256_LEN + 1];
	struct sha256 c;
	char *million = malloc(1000000);
	size_t i;

	(void)st;
	sha256("", 0, d);
	hex(d, sizeof(d), h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256("abc", 3, d);
	hex(d, sizeof(d), h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, d);
	hex(d, sizeof(d), h);
	assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* a million 'a's, fed in uneven pieces across block edges */
	assert_non_null(million);
	memset(million, 'a', 1000000);
	sha256_init(&c);
	for (i = 0; i < 1000000;) {
		size_t n = 1 + (i * 7) % 131;

		if (n > 1000000 - i)
			n = 1000000 - i;
		sha256_update(&c, million + i, n);
		i += n;
	}
	sha256_final(&c, d);
	free(million);
	hex(d, sizeof(d), h);
	assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void hmac_sha256_matches_rfc4231(void **st)
{
	unsigned char key[131], d[SHA256_LEN];
	char h[2 * SHA256_LEN + 1];
	static const char big[] = "Test Using Larger Than Block-Size Key - Hash Key First";

	(void)st;
	memset(key, 0x0b, 20);
	hmac_sha256(key, 20, "Hi There", 8, d);
	hex(d, sizeof(d), h);
	assert_string_equal(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
	hex(d, sizeof(d), h);
	assert_string_equal(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(key, 0xaa, sizeof(key));
	hmac_sha256(key, sizeof(key), big, strlen(big), d); /* key longer than a block */
	hex(d, sizeof(d), h);
	assert_string_equal(h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void the_host_id_is_systemds_app_specific_machine_id(void **st)
{
	char id[HOSTID_LEN + 1];

	(void)st;
	/* systemd-id128 -a 5763c968d42d4d3da1ff18d462c15879 machine-id, on a machine whose
	 * /etc/machine-id is 3d1219c7c4c5404aaa1f6d2a48adfda4 */
	assert_int_equal(hostid_derive("3d1219c7c4c5404aaa1f6d2a48adfda4", id), PAI_OK);
	assert_string_equal(id, "d32a7a9957804b2884d097ee24646c0b");
	assert_int_equal(hostid_derive("3D1219C7C4C5404AAA1F6D2A48ADFDA4", id), PAI_OK);
	assert_string_equal(id, "d32a7a9957804b2884d097ee24646c0b");
	assert_true(hostid_valid_id(id));
	assert_int_equal(hostid_derive("3d1219c7c4c5404aaa1f6d2a48adfda", id), PAI_ERR_INVALID);
	assert_int_equal(hostid_derive("uninitialized", id), PAI_ERR_INVALID);
	assert_int_equal(hostid_derive("3d1219c7c4c5404aaa1f6d2a48adfdaz", id), PAI_ERR_INVALID);
}

static void names_and_stand_in_machines(void **st)
{
	struct hostid a, b;
	struct utsname u;
	char mid[HOSTID_LEN + 1];
	size_t n;

	(void)st;
	hostid_name_machine_id("hosta", mid);
	assert_string_equal(mid, "4b2e9f4517b2c51cafe50f8a9a9de749");
	assert_int_equal(hostid_make(&a, mid, "bastion"), PAI_OK);
	hostid_name_machine_id("hostb", mid);
	assert_int_equal(hostid_make(&b, mid, "bastion"), PAI_OK);
	/* one short name, two machines: two identities */
	assert_string_equal(a.name, b.name);
	assert_string_not_equal(a.id, b.id);
	assert_int_equal(hostid_make(&a, mid, "bastion.prod"), PAI_ERR_INVALID);
	assert_int_equal(hostid_make(&a, mid, ""), PAI_ERR_INVALID);
	assert_false(hostid_valid_name("h\xc3\xa9"));
	assert_true(hostid_valid_name("web_01-a"));
	/* no name: this machine's, up to the first dot */
	assert_int_equal(uname(&u), 0);
	n = strcspn(u.nodename, ".");
	assert_int_equal(hostid_make(&a, mid, NULL), PAI_OK);
	assert_int_equal(strlen(a.name), n);
	assert_memory_equal(a.name, u.nodename, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sha256_matches_the_published_vectors),
	    cmocka_unit_test(hmac_sha256_matches_rfc4231),
	    cmocka_unit_test(the_host_id_is_systemds_app_specific_machine_id),
	    cmocka_unit_test(names_and_stand_in_machines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
