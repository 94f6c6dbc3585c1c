/* check.h: the checks api.c, audit.c and audit_continue.c count their
 * failures with (policy.h holds the policy they decide against).
 *
 *     CHECK(cond)      reports a failed check with its line, counts it in
 *                      `failures`, and goes on
 *     streq(a, b)      a and b are non-NULL and equal
 *     contains(a, b)   a and b are non-NULL and a contains b
 *
 * main() ends by returning non-zero when `failures` is. */
#ifndef TESSERA_TEST_CHECK_H
#define TESSERA_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

/* How many checks failed. */
static int failures = 0;

#define CHECK(cond)                                                     \
    do {                                                                \
        if (!(cond)) {                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,      \
                    __LINE__, #cond);                                   \
            failures++;                                                 \
        }                                                               \
    } while (0)

static inline int streq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }
static inline int contains(const char *a, const char *b) { return a && b && strstr(a, b) != NULL; }

#endif /* TESSERA_TEST_CHECK_H */
