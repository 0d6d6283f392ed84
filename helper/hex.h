/* SPDX-License-Identifier: MIT */
/* hex.h — hexadecimal digits, read and written one way for the whole helper. */
#ifndef PAI_HEX_H
#define PAI_HEX_H

#include <stddef.h>

/* The value of a hexadecimal digit (either case), or -1. */
int hex_digit(unsigned char c);
/* n bytes as 2n lowercase hexadecimal digits and a NUL into out (2n + 1 bytes). */
void hex_encode(const unsigned char *in, size_t n, char *out);

#endif
