/* SPDX-License-Identifier: MIT */
/* unittest.h — curl's habit: a function a unit test must reach is declared UNITTEST, which is
 * static in the helper and visible in the unit-test build (-DPAI_UNITTESTS), where its test
 * declares it from the file's own internal header. No test includes a .c file. */
#ifndef PAI_UNITTEST_H
#define PAI_UNITTEST_H

#ifdef PAI_UNITTESTS
#define UNITTEST
#else
#define UNITTEST static
#endif

#endif
