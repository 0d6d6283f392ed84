/* SPDX-License-Identifier: MIT */
/* sha256.h — SHA-256 and HMAC-SHA256 (FIPS 180-4, RFC 2104) for the helper's core, which
 * links no crypto library: the host identity (hostid.h) is derived with it. The network
 * half signs requests with OpenSSL (sigv4.h). */
#ifndef PAI_SHA256_H
#define PAI_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN   32
#define SHA256_BLOCK 64

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	unsigned char block[SHA256_BLOCK];
	size_t used; /* bytes in block */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* Writes the digest and wipes c. */
void sha256_final(struct sha256 *c, unsigned char out[SHA256_LEN]);
/* One call: out = SHA-256(data). */
void sha256(const void *data, size_t len, unsigned char out[SHA256_LEN]);
/* out = HMAC-SHA256(key, data); every intermediate is wiped. */
void hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                 unsigned char out[SHA256_LEN]);

#endif
