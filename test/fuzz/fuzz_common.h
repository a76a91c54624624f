/*
 * fuzz_common.h
 *	  Shared by the fuzz targets: the libFuzzer entry point's prototype
 *	  and an abort that says which property broke.
 *
 * Every target builds two ways: with clang -fsanitize=fuzzer (libFuzzer
 * drives it) and with gcc plus replay_main.c, which feeds it the files
 * of a corpus directory so that CI can replay corpora without clang.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond) \
	do { if (!(cond)) { fprintf(stderr, "%s:%d: property failed: %s\n", \
								__FILE__, __LINE__, #cond); abort(); } } while (0)

#endif							/* FUZZ_COMMON_H */
