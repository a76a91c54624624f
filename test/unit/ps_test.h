/*
 * ps_test.h
 *	  A small TAP harness for the core's unit tests.
 *
 * A *test point* is one case (a fixture vector, a property): begin it
 * with ps_test_begin, make CHECKs, close it with ps_test_end, which
 * prints "ok N - name" or "not ok N - name" after the failed checks'
 * file and line.  ps_test_done prints the plan and returns the exit
 * status, so a test's main ends with `return ps_test_done();` and prove
 * runs the binaries.
 *
 * Fixtures are JSON files from ../shared/fixtures (or $PS_FIXTURES).
 * They hold integers wider than 64 bits, which jansson cannot parse, so
 * they are loaded with the core's ps_json_load_exact (every number
 * becomes a tagged string); ps_test_num reads one back and
 * ps_test_json_equal compares such trees, numbers by value (integers
 * exactly, floats as doubles).
 */
#ifndef PS_TEST_H
#define PS_TEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern void ps_test_begin(const char *fmt,...) __attribute__((format(printf, 1, 2)));
extern void ps_test_fail(const char *file, int line, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
extern bool ps_test_end(void);
extern int	ps_test_done(void);

#define CHECK(cond) \
	do { if (!(cond)) ps_test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); } while (0)
#define CHECK_INT(a, b) \
	do { long long a_ = (long long) (a), b_ = (long long) (b); \
		if (a_ != b_) ps_test_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", \
								   #a, a_, #b, b_); } while (0)
#define CHECK_STR(a, b) \
	do { const char *a_ = (a), *b_ = (b); \
		if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) \
			ps_test_fail(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", #a, \
						 a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)
#define CHECK_MEM(a, b, n) \
	do { if (memcmp((a), (b), (n)) != 0) \
			ps_test_fail(__FILE__, __LINE__, "%s differs from %s", #a, #b); } while (0)

/* path of a fixture file; bails out of the whole run when absent */
extern const char *ps_test_fixture_path(const char *file);

/*
 * ps_test_read_file returns the malloc'd, nul-terminated contents of
 * `path` and their length in *len; bails out of the run when unreadable.
 */
extern char *ps_test_read_file(const char *path, size_t *len);

/* a fixture file parsed with numbers kept exact (see above) */
extern json_t *ps_test_fixture(const char *file);

/* any JSON text parsed the same way; NULL when it is not JSON */
extern json_t *ps_test_parse(const char *text, size_t len);

/* the text of a tagged number, or NULL when `v` is not one */
extern const char *ps_test_num(const json_t *v);

/* a tagged integer as int64 (0 when absent) */
extern long long ps_test_int(const json_t *obj, const char *key);

/* a string member, or NULL */
extern const char *ps_test_str(const json_t *obj, const char *key);

/*
 * ps_test_json_equal compares two trees from the loader; on difference
 * it writes the JSON path of the first one to `where` (size `where_sz`).
 */
extern bool ps_test_json_equal(const json_t *a, const json_t *b,
							   char *where, size_t where_sz);

/* hex and base64 text to bytes; return the byte count or -1 */
extern long ps_test_hex(const char *hex, uint8_t *out, size_t cap);
extern long ps_test_base64(const char *b64, uint8_t *out, size_t cap);

#endif							/* PS_TEST_H */
