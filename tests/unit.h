/*
 * unit.h — the tiny harness for C unit tests (one file per feature under
 * tests/, mirroring src/). Each test is a function; CHECK records a failure
 * and goes on; the program prints "N passed, N failed" and exits non-zero on
 * any failure.
 *
 *   static void test_something(void) { CHECK(1 + 1 == 2); CHECK_EQ_INT(a, b); }
 *   int main(void) { RUN(test_something); return unit_done(); }
 */
#ifndef XZ_UNIT_H
#define XZ_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed, unit_cur_failed;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			unit_cur_failed = 1;                                           \
		}                                                                      \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                             \
	do {                                                                           \
		long long va_ = (long long)(a), vb_ = (long long)(b);                  \
		if (va_ != vb_) {                                                      \
			fprintf(stderr, "  FAIL %s:%d: %s == %s (%lld != %lld)\n", __FILE__, \
				__LINE__, #a, #b, va_, vb_);                           \
			unit_cur_failed = 1;                                           \
		}                                                                      \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                             \
	do {                                                                           \
		const char *sa_ = (a), *sb_ = (b);                                     \
		if (!sa_ || !sb_ || strcmp(sa_, sb_)) {                                \
			fprintf(stderr, "  FAIL %s:%d: %s == %s (\"%s\" != \"%s\")\n",      \
				__FILE__, __LINE__, #a, #b, sa_ ? sa_ : "(null)",      \
				sb_ ? sb_ : "(null)");                                 \
			unit_cur_failed = 1;                                           \
		}                                                                      \
	} while (0)

#define RUN(fn)                                                                        \
	do {                                                                           \
		unit_cur_failed = 0;                                                   \
		fn();                                                                  \
		if (unit_cur_failed) {                                                 \
			unit_failed++;                                                 \
			fprintf(stderr, "not ok %s\n", #fn);                           \
		} else {                                                               \
			unit_passed++;                                                 \
		}                                                                      \
	} while (0)

static inline int unit_done(void)
{
	printf("%d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
