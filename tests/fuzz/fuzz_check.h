/* FUZZ_CHECK(cond): a property of the code under test; when it fails the
 * input is a finding, so say which property before aborting (libFuzzer
 * and the replay both report the abort as a crash). */
#ifndef LN_FUZZ_CHECK_H
#define LN_FUZZ_CHECK_H
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

#endif
