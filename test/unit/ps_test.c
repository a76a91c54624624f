/*
 * ps_test.c
 *	  The TAP harness and the exact-number fixture loader.
 */
#include "ps_test.h"

#include "ps_error.h"
#include "ps_json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int	n_points;
static int	n_failed_points;
static int	point_failures;
static char point_name[512];

void
ps_test_begin(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(point_name, sizeof(point_name), fmt, ap);
	va_end(ap);
	point_failures = 0;
}

void
ps_test_fail(const char *file, int line, const char *fmt,...)
{
	va_list		ap;

	if (point_failures++ >= 5)
		return;					/* enough said about one point */
	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

bool
ps_test_end(void)
{
	n_points++;
	if (point_failures)
	{
		n_failed_points++;
		printf("not ok %d - %s\n", n_points, point_name);
	}
	else
		printf("ok %d - %s\n", n_points, point_name);
	fflush(stdout);
	return point_failures == 0;
}

int
ps_test_done(void)
{
	printf("1..%d\n", n_points);
	if (n_failed_points)
		printf("# %d of %d test points failed\n", n_failed_points, n_points);
	return n_failed_points ? 1 : 0;
}

const char *
ps_test_fixture_path(const char *file)
{
	static char path[4096];
	const char *dir = getenv("PS_FIXTURES");
	struct stat st;

	if (dir == NULL || *dir == '\0')
		dir = "../shared/fixtures";
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (stat(path, &st) != 0)
	{
		printf("Bail out! fixture %s not found (set PS_FIXTURES to the fixtures directory)\n",
			   path);
		exit(255);
	}
	return path;
}

json_t *
ps_test_parse(const char *text, size_t len)
{
	json_t	   *v;

	return ps_json_load_exact(text, len, &v, NULL, 0) == PS_OK ? v : NULL;
}

char *
ps_test_read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	char	   *text;
	long		n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0)
	{
		printf("Bail out! cannot read %s\n", path);
		exit(255);
	}
	rewind(f);
	text = malloc((size_t) n + 1);
	if (text == NULL || fread(text, 1, (size_t) n, f) != (size_t) n)
	{
		printf("Bail out! cannot read %s\n", path);
		exit(255);
	}
	fclose(f);
	text[n] = '\0';
	*len = (size_t) n;
	return text;
}

json_t *
ps_test_fixture(const char *file)
{
	const char *path = ps_test_fixture_path(file);
	size_t		n;
	char	   *text = ps_test_read_file(path, &n);
	json_t	   *v = ps_test_parse(text, n);

	free(text);
	if (v == NULL)
	{
		printf("Bail out! fixture %s is not JSON\n", path);
		exit(255);
	}
	return v;
}

const char *
ps_test_num(const json_t *v)
{
	return ps_json_number_text(v);
}

long long
ps_test_int(const json_t *obj, const char *key)
{
	const char *s = ps_test_num(json_object_get(obj, key));

	return s ? strtoll(s, NULL, 10) : 0;
}

const char *
ps_test_str(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) && ps_test_num(v) == NULL ? json_string_value(v) : NULL;
}

static bool
numbers_equal(const char *a, const char *b)
{
	bool		a_int = strpbrk(a, ".eE") == NULL;
	bool		b_int = strpbrk(b, ".eE") == NULL;

	if (a_int && b_int)
	{
		if (strcmp(a, "-0") == 0)
			a = "0";
		if (strcmp(b, "-0") == 0)
			b = "0";
		return strcmp(a, b) == 0;
	}
	return strtod(a, NULL) == strtod(b, NULL);
}

bool
ps_test_json_equal(const json_t *a, const json_t *b, char *where, size_t where_sz)
{
	const char *na = ps_test_num(a);
	const char *nb = ps_test_num(b);

	if (na || nb)
	{
		if (na && nb && numbers_equal(na, nb))
			return true;
		snprintf(where, where_sz, "%s (number)", na ? na : "?");
		return false;
	}
	if (json_typeof(a) != json_typeof(b))
	{
		snprintf(where, where_sz, "(type)");
		return false;
	}
	if (json_is_object(a))
	{
		const char *key;
		json_t	   *va;

		if (json_object_size(a) != json_object_size(b))
		{
			snprintf(where, where_sz, "(object size %zu vs %zu)",
					 json_object_size(a), json_object_size(b));
			return false;
		}
		json_object_foreach((json_t *) a, key, va)
		{
			json_t	   *vb = json_object_get(b, key);
			char		sub[400];

			if (vb == NULL || !ps_test_json_equal(va, vb, sub, sizeof(sub)))
			{
				snprintf(where, where_sz, ".%s%s", key, vb ? sub : " (missing)");
				return false;
			}
		}
		return true;
	}
	if (json_is_array(a))
	{
		size_t		i;

		if (json_array_size(a) != json_array_size(b))
		{
			snprintf(where, where_sz, "(array length %zu vs %zu)",
					 json_array_size(a), json_array_size(b));
			return false;
		}
		for (i = 0; i < json_array_size(a); i++)
		{
			char		sub[400];

			if (!ps_test_json_equal(json_array_get(a, i), json_array_get(b, i),
									sub, sizeof(sub)))
			{
				snprintf(where, where_sz, "[%zu]%s", i, sub);
				return false;
			}
		}
		return true;
	}
	if (json_is_string(a))
	{
		if (json_string_length(a) == json_string_length(b) &&
			memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0)
			return true;
		snprintf(where, where_sz, " \"%s\" vs \"%s\"", json_string_value(a),
				 json_string_value(b));
		return false;
	}
	return json_equal((json_t *) a, (json_t *) b);
}

long
ps_test_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t		n = strlen(hex);
	size_t		i;

	if (n % 2 || n / 2 > cap)
		return -1;
	for (i = 0; i < n / 2; i++)
	{
		unsigned int v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t) v;
	}
	return (long) (n / 2);
}

long
ps_test_base64(const char *b64, uint8_t *out, size_t cap)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t	acc = 0;
	int			bits = 0;
	size_t		o = 0;
	const char *p;

	for (p = b64; *p && *p != '='; p++)
	{
		const char *at = strchr(alphabet, *p);

		if (at == NULL)
			return -1;
		acc = (acc << 6) | (uint32_t) (at - alphabet);
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			if (o >= cap)
				return -1;
			out[o++] = (uint8_t) (acc >> bits);
		}
	}
	return (long) o;
}
