/*
 * ps_idl.c
 *	  Compiles Anchor IDL JSON (>= 0.30 and legacy) into decoding plans.
 *
 * Compilation walks the IDL once with jansson: type expressions become
 * nodes (ps_idl_plan.h), `defined` references are instantiated once per
 * distinct list of generic arguments (a *memo* maps "def<args>" to its
 * node, which also makes recursive types terminate), and events,
 * accounts and instructions become *items* with their discriminators.
 * Every error names the JSON path inside the IDL where it was found.
 * After the walk, a cycle check rejects types that contain themselves
 * without a vec, option or enum in between (no finite encoding), and a
 * fixpoint pass computes each node's minimal encoded size, which the
 * decoder uses to reject impossible length prefixes early.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "ps_base58.h"
#include "ps_error.h"
#include "ps_idl.h"
#include "ps_idl_plan.h"

#define NONE			UINT32_MAX
#define MAX_GENERICS	16
#define MAX_NEST		96
#define MAX_ARRAY_LEN	(1u << 26)
#define SIZE_CAP		((uint64_t) 1 << 40)

const uint8_t ps_idl_cpi_event_tag[8] = {0xe4, 0x45, 0xa5, 0x2e, 0x51, 0xcb, 0x9a, 0x1d};

typedef struct env_t
{
	int			cnt;
	const char *names[MAX_GENERICS];
	bool		is_const[MAX_GENERICS];
	uint32_t	node[MAX_GENERICS];
	uint64_t	value[MAX_GENERICS];
} env_t;

typedef struct memo_t
{
	char	   *key;
	uint32_t	node;
} memo_t;

typedef struct cc_t
{
	ps_idl_plan_t *p;
	ps_buf_t	pool;
	json_t	  **defs;			/* typedef objects: types[], then legacy accounts */
	size_t		def_cnt;
	size_t		type_cnt;		/* how many of defs come from types[] */
	bool		legacy;
	memo_t	   *memo;
	size_t		memo_cnt;
	size_t		memo_cap;
	int			depth;
	int			rc;
	char	   *err;
	size_t		err_sz;
} cc_t;

static const char *const prim_names[PS_K_PRIM_CNT] = {
	"bool", "u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64",
	"u128", "i128", "u256", "i256", "f32", "f64", "string", "bytes", "pubkey"
};
static const uint8_t prim_sizes[PS_K_PRIM_CNT] = {
	1, 1, 1, 2, 2, 4, 4, 8, 8, 16, 16, 32, 32, 4, 8, 4, 4, 32
};

static uint32_t compile_type(cc_t *cc, json_t *t, const env_t *env, const char *path);
static uint32_t fail(cc_t *cc, int rc, const char *path, const char *fmt,...)
			__attribute__((format(printf, 4, 5)));

/* record the first error: "path: message" */
static uint32_t
fail(cc_t *cc, int rc, const char *path, const char *fmt,...)
{
	va_list		ap;
	int			n = 0;

	if (cc->rc != PS_OK)
		return NONE;
	cc->rc = rc;
	if (cc->err_sz == 0)
		return NONE;
	if (path && *path)
		n = snprintf(cc->err, cc->err_sz, "%s: ", path);
	if (n < 0 || (size_t) n >= cc->err_sz)
		return NONE;
	va_start(ap, fmt);
	vsnprintf(cc->err + n, cc->err_sz - n, fmt, ap);
	va_end(ap);
	return NONE;
}

static bool
grow(void **arr, uint32_t *cap, uint32_t need, size_t elem_sz)
{
	uint32_t	ncap;
	void	   *p;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap * 2 : 64;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, (size_t) ncap * elem_sz);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

static uint32_t
new_node(cc_t *cc, uint8_t kind, uint32_t a, uint32_t n, uint32_t def)
{
	ps_idl_plan_t *p = cc->p;
	ps_idl_node_t *nd;

	if (p->node_cnt >= PS_IDL_MAX_NODES)
		return fail(cc, PS_ERR_LIMIT, NULL, "the IDL expands to more than %d type nodes",
					PS_IDL_MAX_NODES);
	if (!grow((void **) &p->nodes, &p->node_cap, p->node_cnt + 1, sizeof(ps_idl_node_t)))
		return fail(cc, PS_ERR_NOMEM, NULL, "out of memory");
	nd = &p->nodes[p->node_cnt];
	nd->kind = kind;
	nd->a = a;
	nd->n = n;
	nd->def = def;
	nd->min_sz = 0;
	return p->node_cnt++;
}

/* pool: raw nul-terminated text; returns its offset */
static uint32_t
pool_raw(cc_t *cc, const char *s)
{
	size_t		off = cc->pool.len;

	ps_buf_append(&cc->pool, s, strlen(s) + 1);
	if (cc->pool.err)
		return fail(cc, PS_ERR_NOMEM, NULL, "out of memory");
	return (uint32_t) off;
}

/* pool: JSON string of s, with ':' when `colon`, nul-terminated */
static uint32_t
pool_json(cc_t *cc, const char *s, bool colon, uint32_t *len_out)
{
	size_t		off = cc->pool.len;

	ps_buf_put_json_string(&cc->pool, s, strlen(s));
	if (colon)
		ps_buf_putc(&cc->pool, ':');
	*len_out = (uint32_t) (cc->pool.len - off);
	ps_buf_putc(&cc->pool, '\0');
	if (cc->pool.err)
		return fail(cc, PS_ERR_NOMEM, NULL, "out of memory");
	return (uint32_t) off;
}

static int
prim_lookup(const char *s)
{
	int			i;

	for (i = 0; i < PS_K_PRIM_CNT; i++)
		if (strcmp(s, prim_names[i]) == 0)
			return i;
	if (strcmp(s, "publicKey") == 0)
		return PS_K_PUBKEY;
	return -1;
}

static const char *
obj_str(json_t *o, const char *key)
{
	json_t	   *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* a non-negative integer given as a JSON integer or decimal string */
static bool
parse_count(json_t *v, uint64_t *out)
{
	if (json_is_integer(v))
	{
		json_int_t	i = json_integer_value(v);

		if (i < 0)
			return false;
		*out = (uint64_t) i;
		return true;
	}
	if (json_is_string(v))
	{
		const char *s = json_string_value(v);
		uint64_t	r = 0;

		if (!*s)
			return false;
		for (; *s; s++)
		{
			if (*s < '0' || *s > '9' || r > MAX_ARRAY_LEN)
				return false;
			r = r * 10 + (uint64_t) (*s - '0');
		}
		*out = r;
		return true;
	}
	return false;
}

/*
 * compile_fields compiles a struct's or variant's field list into
 * contiguous fields.  `force_named` is set for instruction args and
 * legacy event fields, which are always named.
 */
static bool
compile_fields(cc_t *cc, json_t *fields, const env_t *env, const char *path,
			   bool force_named, uint32_t *first, uint32_t *cnt, bool *named)
{
	size_t		n,
				i,
				j,
				named_cnt = 0;
	uint32_t   *types;
	char		sub[512];

	*first = cc->p->field_cnt;
	*cnt = 0;
	*named = true;
	if (fields == NULL || json_is_null(fields))
		return true;
	if (!json_is_array(fields))
		return fail(cc, PS_ERR_IDL, path, "fields must be an array"), false;
	n = json_array_size(fields);
	if (n == 0)
		return true;
	for (i = 0; i < n; i++)
	{
		json_t	   *f = json_array_get(fields, i);

		if (json_is_object(f) && obj_str(f, "name") && json_object_get(f, "type"))
			named_cnt++;
	}
	if (force_named && named_cnt != n)
	{
		for (i = 0; i < n; i++)
		{
			json_t	   *f = json_array_get(fields, i);

			if (!(json_is_object(f) && obj_str(f, "name") && json_object_get(f, "type")))
				break;
		}
		snprintf(sub, sizeof(sub), "%.400s[%zu]", path, i);
		return fail(cc, PS_ERR_IDL, sub, "a field needs \"name\" and \"type\""), false;
	}
	if (named_cnt != 0 && named_cnt != n)
		return fail(cc, PS_ERR_IDL, path, "fields mix named and unnamed entries"), false;
	*named = (named_cnt == n);
	types = malloc(n * sizeof(uint32_t));
	if (!types)
		return fail(cc, PS_ERR_NOMEM, NULL, "out of memory"), false;
	for (i = 0; i < n; i++)
	{
		json_t	   *f = json_array_get(fields, i);

		if (*named)
		{
			const char *nm = obj_str(f, "name");

			for (j = 0; j < i; j++)
				if (strcmp(nm, obj_str(json_array_get(fields, j), "name")) == 0)
				{
					snprintf(sub, sizeof(sub), "%.400s[%zu].name", path, i);
					free(types);
					return fail(cc, PS_ERR_IDL, sub, "duplicate field name \"%s\"", nm), false;
				}
			snprintf(sub, sizeof(sub), "%.400s[%zu].type", path, i);
			types[i] = compile_type(cc, json_object_get(f, "type"), env, sub);
		}
		else
		{
			snprintf(sub, sizeof(sub), "%.400s[%zu]", path, i);
			types[i] = compile_type(cc, f, env, sub);
		}
		if (types[i] == NONE)
		{
			free(types);
			return false;
		}
	}
	if (!grow((void **) &cc->p->fields, &cc->p->field_cap, cc->p->field_cnt + (uint32_t) n,
			  sizeof(ps_idl_field_t)))
	{
		free(types);
		return fail(cc, PS_ERR_NOMEM, NULL, "out of memory"), false;
	}
	*first = cc->p->field_cnt;
	for (i = 0; i < n; i++)
	{
		ps_idl_field_t fd;

		fd.type = types[i];
		fd.name = NONE;
		fd.key = NONE;
		fd.key_len = 0;
		if (*named)
		{
			const char *nm = obj_str(json_array_get(fields, i), "name");

			fd.name = pool_raw(cc, nm);
			fd.key = pool_json(cc, nm, true, &fd.key_len);
		}
		cc->p->fields[cc->p->field_cnt++] = fd;
	}
	free(types);
	*cnt = (uint32_t) n;
	return cc->rc == PS_OK;
}

/* fill node `node` from a typedef's "type" object */
static bool
compile_body(cc_t *cc, json_t *def, uint32_t node, const env_t *env, const char *path)
{
	json_t	   *ty = json_object_get(def, "type");
	json_t	   *ser = json_object_get(def, "serialization");
	const char *kind;
	char		sub[512];

	if (ser && !(json_is_string(ser) && strcmp(json_string_value(ser), "borsh") == 0))
	{
		snprintf(sub, sizeof(sub), "%.400s.serialization", path);
		return fail(cc, PS_ERR_UNSUPPORTED, sub,
					"serialization \"%s\" is not supported (only borsh)",
					json_is_string(ser) ? json_string_value(ser) : "?"), false;
	}
	snprintf(sub, sizeof(sub), "%.400s.type", path);
	if (!json_is_object(ty))
		return fail(cc, PS_ERR_IDL, sub, "type must be an object"), false;
	kind = obj_str(ty, "kind");
	if (!kind)
		return fail(cc, PS_ERR_IDL, sub, "type has no \"kind\""), false;
	if (strcmp(kind, "struct") == 0)
	{
		uint32_t	first,
					cnt;
		bool		named;
		char		fpath[512];

		snprintf(fpath, sizeof(fpath), "%.400s.fields", sub);
		if (!compile_fields(cc, json_object_get(ty, "fields"), env, fpath, false,
							&first, &cnt, &named))
			return false;
		cc->p->nodes[node].kind = named ? PS_K_STRUCT : PS_K_TUPLE;
		cc->p->nodes[node].a = first;
		cc->p->nodes[node].n = cnt;
		return true;
	}
	if (strcmp(kind, "enum") == 0)
	{
		json_t	   *vars = json_object_get(ty, "variants");
		size_t		n,
					i,
					j;
		ps_idl_variant_t *tmp;
		uint32_t	first;

		if (!json_is_array(vars))
			return fail(cc, PS_ERR_IDL, sub, "enum has no \"variants\" array"), false;
		n = json_array_size(vars);
		if (n > 256)
			return fail(cc, PS_ERR_IDL, sub, "enum has %zu variants, more than a u8 tag can select", n), false;
		tmp = calloc(n ? n : 1, sizeof(ps_idl_variant_t));
		if (!tmp)
			return fail(cc, PS_ERR_NOMEM, NULL, "out of memory"), false;
		for (i = 0; i < n; i++)
		{
			json_t	   *v = json_array_get(vars, i);
			const char *nm = json_is_object(v) ? obj_str(v, "name") : NULL;
			char		vpath[512];
			bool		named;

			snprintf(vpath, sizeof(vpath), "%.400s.variants[%zu]", sub, i);
			if (!nm)
			{
				free(tmp);
				return fail(cc, PS_ERR_IDL, vpath, "variant has no name"), false;
			}
			for (j = 0; j < i; j++)
				if (strcmp(nm, obj_str(json_array_get(vars, j), "name")) == 0)
				{
					free(tmp);
					return fail(cc, PS_ERR_IDL, vpath, "duplicate variant name \"%s\"", nm), false;
				}
			strncat(vpath, ".fields", sizeof(vpath) - strlen(vpath) - 1);
			if (!compile_fields(cc, json_object_get(v, "fields"), env, vpath, false,
								&tmp[i].first, &tmp[i].n, &named))
			{
				free(tmp);
				return false;
			}
			tmp[i].shape = tmp[i].n == 0 ? PS_V_UNIT : named ? PS_V_STRUCT : PS_V_TUPLE;
			tmp[i].name = pool_raw(cc, nm);
			tmp[i].json = pool_json(cc, nm, false, &tmp[i].json_len);
		}
		if (!grow((void **) &cc->p->variants, &cc->p->variant_cap,
				  cc->p->variant_cnt + (uint32_t) n, sizeof(ps_idl_variant_t)))
		{
			free(tmp);
			return fail(cc, PS_ERR_NOMEM, NULL, "out of memory"), false;
		}
		first = cc->p->variant_cnt;
		memcpy(cc->p->variants + first, tmp, n * sizeof(ps_idl_variant_t));
		cc->p->variant_cnt += (uint32_t) n;
		free(tmp);
		cc->p->nodes[node].kind = PS_K_ENUM;
		cc->p->nodes[node].a = first;
		cc->p->nodes[node].n = (uint32_t) n;
		return cc->rc == PS_OK;
	}
	if (strcmp(kind, "type") == 0)
	{
		uint32_t	target;

		strncat(sub, ".alias", sizeof(sub) - strlen(sub) - 1);
		if (!json_object_get(ty, "alias"))
			return fail(cc, PS_ERR_IDL, sub, "type alias has no \"alias\""), false;
		target = compile_type(cc, json_object_get(ty, "alias"), env, sub);
		if (target == NONE)
			return false;
		cc->p->nodes[node].kind = PS_K_ALIAS;
		cc->p->nodes[node].a = target;
		return true;
	}
	return fail(cc, PS_ERR_UNSUPPORTED, sub, "type kind \"%s\" is not supported", kind), false;
}

static ssize_t
find_def(cc_t *cc, const char *name)
{
	size_t		i;

	for (i = 0; i < cc->def_cnt; i++)
	{
		const char *nm = obj_str(cc->defs[i], "name");

		if (nm && strcmp(nm, name) == 0)
			return (ssize_t) i;
	}
	return -1;
}

static void
def_path(cc_t *cc, size_t i, char *buf, size_t sz)
{
	if (i < cc->type_cnt)
		snprintf(buf, sz, "types[%zu]", i);
	else
		snprintf(buf, sz, "accounts[%zu]", i - cc->type_cnt);
}

/* instantiate defined type `name` with generic arguments `args` */
static uint32_t
resolve_defined(cc_t *cc, const char *name, json_t *args, const env_t *env,
				const char *path)
{
	ssize_t		di = find_def(cc, name);
	json_t	   *def;
	json_t	   *params;
	size_t		np,
				na,
				i;
	env_t		inner;
	char		key[1024];
	size_t		klen;
	uint32_t	node;
	char		dpath[64];

	if (di < 0)
		return fail(cc, PS_ERR_IDL, path, "undefined type \"%s\"", name);
	def = cc->defs[di];
	params = json_object_get(def, "generics");
	np = json_is_array(params) ? json_array_size(params) : 0;
	na = json_is_array(args) ? json_array_size(args) : 0;
	if (args && !json_is_array(args) && !json_is_null(args))
		return fail(cc, PS_ERR_IDL, path, "generics must be an array");
	if (np != na)
		return fail(cc, PS_ERR_IDL, path, "type \"%s\" takes %zu generic arguments, %zu given",
					name, np, na);
	if (np > MAX_GENERICS)
		return fail(cc, PS_ERR_UNSUPPORTED, path, "more than %d generic parameters", MAX_GENERICS);
	memset(&inner, 0, sizeof(inner));
	klen = (size_t) snprintf(key, sizeof(key), "%zd<", di);
	for (i = 0; i < np; i++)
	{
		json_t	   *par = json_array_get(params, i);
		json_t	   *arg = json_array_get(args, i);
		const char *pk = json_is_object(par) ? obj_str(par, "kind") : NULL;
		const char *pn = json_is_object(par) ? obj_str(par, "name") : NULL;
		char		apath[512];

		snprintf(apath, sizeof(apath), "%.400s.generics[%zu]", path, i);
		if (!pk || !pn)
		{
			def_path(cc, (size_t) di, dpath, sizeof(dpath));
			return fail(cc, PS_ERR_IDL, dpath, "generic parameter %zu needs \"kind\" and \"name\"", i);
		}
		inner.names[i] = pn;
		if (strcmp(pk, "type") == 0)
		{
			json_t	   *t = json_is_object(arg) && json_object_get(arg, "kind")
				? json_object_get(arg, "type") : arg;

			if (json_is_object(arg) && obj_str(arg, "kind") && strcmp(obj_str(arg, "kind"), "type") != 0)
				return fail(cc, PS_ERR_IDL, apath, "generic parameter \"%s\" expects a type", pn);
			strncat(apath, ".type", sizeof(apath) - strlen(apath) - 1);
			inner.node[i] = compile_type(cc, t, env, apath);
			if (inner.node[i] == NONE)
				return NONE;
			klen += (size_t) snprintf(key + klen, sizeof(key) - klen, "t%u,", inner.node[i]);
		}
		else if (strcmp(pk, "const") == 0)
		{
			json_t	   *v = json_is_object(arg) ? json_object_get(arg, "value") : arg;
			uint64_t	val;

			if (!parse_count(v, &val) || val > MAX_ARRAY_LEN)
				return fail(cc, PS_ERR_IDL, apath, "generic parameter \"%s\" expects a constant "
							"between 0 and %u", pn, MAX_ARRAY_LEN);
			inner.is_const[i] = true;
			inner.value[i] = val;
			klen += (size_t) snprintf(key + klen, sizeof(key) - klen, "c%llu,",
									  (unsigned long long) val);
		}
		else
		{
			def_path(cc, (size_t) di, dpath, sizeof(dpath));
			return fail(cc, PS_ERR_UNSUPPORTED, dpath, "generic kind \"%s\" is not supported", pk);
		}
		if (klen >= sizeof(key))
			return fail(cc, PS_ERR_LIMIT, path, "generic arguments too long");
	}
	inner.cnt = (int) np;
	for (i = 0; i < cc->memo_cnt; i++)
		if (strcmp(cc->memo[i].key, key) == 0)
			return cc->memo[i].node;

	node = new_node(cc, PS_K_PENDING, 0, 0, (uint32_t) di);
	if (node == NONE)
		return NONE;
	if (cc->memo_cnt == cc->memo_cap)
	{
		size_t		ncap = cc->memo_cap ? cc->memo_cap * 2 : 32;
		memo_t	   *m = realloc(cc->memo, ncap * sizeof(memo_t));

		if (!m)
			return fail(cc, PS_ERR_NOMEM, NULL, "out of memory");
		cc->memo = m;
		cc->memo_cap = ncap;
	}
	cc->memo[cc->memo_cnt].key = strdup(key);
	if (!cc->memo[cc->memo_cnt].key)
		return fail(cc, PS_ERR_NOMEM, NULL, "out of memory");
	cc->memo[cc->memo_cnt++].node = node;

	def_path(cc, (size_t) di, dpath, sizeof(dpath));
	if (!compile_body(cc, def, node, &inner, dpath))
		return NONE;
	return node;
}

static uint32_t
compile_type1(cc_t *cc, json_t *t, const env_t *env, const char *path)
{
	const char *key;
	json_t	   *val;
	char		sub[512];
	int			prim;

	if (json_is_string(t))
	{
		prim = prim_lookup(json_string_value(t));
		if (prim < 0)
			return fail(cc, PS_ERR_IDL, path, "unknown type \"%s\"", json_string_value(t));
		return (uint32_t) prim;
	}
	if (!json_is_object(t) || json_object_size(t) != 1)
		return fail(cc, PS_ERR_IDL, path, "a type is a type name or an object with one key");
	key = json_object_iter_key(json_object_iter(t));
	val = json_object_get(t, key);
	snprintf(sub, sizeof(sub), "%.400s.%s", path, key);

	if (strcmp(key, "vec") == 0 || strcmp(key, "option") == 0 || strcmp(key, "coption") == 0)
	{
		uint32_t	elem = compile_type(cc, val, env, sub);

		if (elem == NONE)
			return NONE;
		return new_node(cc, key[0] == 'v' ? PS_K_VEC : key[0] == 'o' ? PS_K_OPTION : PS_K_COPTION,
						elem, 0, NONE);
	}
	if (strcmp(key, "array") == 0)
	{
		json_t	   *len;
		uint64_t	n = 0;
		uint32_t	elem;
		char		sub2[512];

		if (!json_is_array(val) || json_array_size(val) != 2)
			return fail(cc, PS_ERR_IDL, sub, "array needs [type, length]");
		snprintf(sub2, sizeof(sub2), "%.500s[0]", sub);
		elem = compile_type(cc, json_array_get(val, 0), env, sub2);
		if (elem == NONE)
			return NONE;
		len = json_array_get(val, 1);
		snprintf(sub2, sizeof(sub2), "%.500s[1]", sub);
		if (json_is_object(len) && json_object_size(len) == 1 && obj_str(len, "generic"))
		{
			const char *g = obj_str(len, "generic");
			int			i;

			for (i = 0; i < env->cnt; i++)
				if (strcmp(env->names[i], g) == 0)
					break;
			if (i == env->cnt)
				return fail(cc, PS_ERR_IDL, sub2, "undefined generic \"%s\"", g);
			if (!env->is_const[i])
				return fail(cc, PS_ERR_IDL, sub2, "generic \"%s\" is a type, not a length", g);
			n = env->value[i];
		}
		else if (!json_is_integer(len) || !parse_count(len, &n) || n > MAX_ARRAY_LEN)
			return fail(cc, PS_ERR_IDL, sub2, "array length must be an integer between 0 and %u",
						MAX_ARRAY_LEN);
		return new_node(cc, PS_K_ARRAY, elem, (uint32_t) n, NONE);
	}
	if (strcmp(key, "defined") == 0)
	{
		if (json_is_string(val))
			return resolve_defined(cc, json_string_value(val), NULL, env, sub);
		if (json_is_object(val) && obj_str(val, "name"))
			return resolve_defined(cc, obj_str(val, "name"), json_object_get(val, "generics"),
								   env, sub);
		return fail(cc, PS_ERR_IDL, sub, "defined needs a type name");
	}
	if (strcmp(key, "generic") == 0)
	{
		int			i;

		if (!json_is_string(val))
			return fail(cc, PS_ERR_IDL, sub, "generic needs a parameter name");
		for (i = 0; i < env->cnt; i++)
			if (strcmp(env->names[i], json_string_value(val)) == 0)
				break;
		if (i == env->cnt)
			return fail(cc, PS_ERR_IDL, sub, "undefined generic \"%s\"", json_string_value(val));
		if (env->is_const[i])
			return fail(cc, PS_ERR_IDL, sub, "generic \"%s\" is a constant, not a type",
						json_string_value(val));
		return env->node[i];
	}
	return fail(cc, PS_ERR_UNSUPPORTED, path, "type \"%s\" is not supported", key);
}

static uint32_t
compile_type(cc_t *cc, json_t *t, const env_t *env, const char *path)
{
	uint32_t	r;

	if (cc->rc != PS_OK)
		return NONE;
	if (t == NULL)
		return fail(cc, PS_ERR_IDL, path, "missing type");
	if (++cc->depth > MAX_NEST)
	{
		cc->depth--;
		return fail(cc, PS_ERR_LIMIT, path, "types nest deeper than %d levels", MAX_NEST);
	}
	r = compile_type1(cc, t, env, path);
	cc->depth--;
	return r;
}

/* discriminator from the IDL ("discriminator": [bytes]) */
static bool
read_disc(cc_t *cc, json_t *d, ps_idl_item_t *it, const char *path)
{
	size_t		i,
				n;

	if (!json_is_array(d))
		return fail(cc, PS_ERR_IDL, path, "missing discriminator"), false;
	n = json_array_size(d);
	if (n == 0 || n > PS_IDL_DISC_MAX)
		return fail(cc, PS_ERR_IDL, path, "discriminator must have 1 to %d bytes",
					PS_IDL_DISC_MAX), false;
	for (i = 0; i < n; i++)
	{
		json_t	   *b = json_array_get(d, i);

		if (!json_is_integer(b) || json_integer_value(b) < 0 || json_integer_value(b) > 255)
			return fail(cc, PS_ERR_IDL, path, "discriminator bytes must be integers 0..255"), false;
		it->disc[i] = (uint8_t) json_integer_value(b);
	}
	it->disc_len = (uint8_t) n;
	return true;
}

/* sha256(prefix || name)[0..8] */
static void
sighash(ps_idl_item_t *it, const char *prefix, const char *name)
{
	crypto_hash_sha256_state st;
	uint8_t		h[32];

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *) prefix, strlen(prefix));
	crypto_hash_sha256_update(&st, (const uint8_t *) name, strlen(name));
	crypto_hash_sha256_final(&st, h);
	memcpy(it->disc, h, 8);
	it->disc_len = 8;
}

/*
 * snake_case as the snake-case package Anchor 0.29 uses: split between
 * a lowercase letter or digit and an uppercase letter, and before the
 * last capital of a run followed by a lowercase letter; other
 * characters separate words.
 */
static void
snake_case(const char *s, char *out, size_t out_sz)
{
	size_t		n = strlen(s),
				i,
				o = 0;
	bool		sep = false;

	for (i = 0; i < n && o + 2 < out_sz; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (!isalnum(c))
		{
			sep = o > 0;
			continue;
		}
		if (isupper(c) && i > 0)
		{
			unsigned char pc = (unsigned char) s[i - 1];

			if (islower(pc) || isdigit(pc) ||
				(isupper(pc) && i + 1 < n && islower((unsigned char) s[i + 1])))
				sep = o > 0;
		}
		if (sep)
		{
			out[o++] = '_';
			sep = false;
		}
		out[o++] = (char) tolower(c);
	}
	out[o] = '\0';
}

/* events, accounts or instructions of the IDL */
static bool
compile_items(cc_t *cc, const char *list, ps_idl_item_t **items_out, uint32_t *cnt_out,
			  json_t *root)
{
	json_t	   *arr = json_object_get(root, list);
	size_t		n,
				i,
				j;
	ps_idl_item_t *items;
	env_t		empty;
	bool		is_ix = strcmp(list, "instructions") == 0;
	bool		is_ev = strcmp(list, "events") == 0;

	memset(&empty, 0, sizeof(empty));
	*items_out = NULL;
	*cnt_out = 0;
	if (arr == NULL || json_is_null(arr))
		return true;
	if (!json_is_array(arr))
		return fail(cc, PS_ERR_IDL, list, "must be an array"), false;
	n = json_array_size(arr);
	items = calloc(n ? n : 1, sizeof(ps_idl_item_t));
	if (!items)
		return fail(cc, PS_ERR_NOMEM, NULL, "out of memory"), false;
	*items_out = items;
	for (i = 0; i < n; i++)
	{
		json_t	   *e = json_array_get(arr, i);
		const char *nm = json_is_object(e) ? obj_str(e, "name") : NULL;
		char		path[64];
		char		sub[512];

		snprintf(path, sizeof(path), "%s[%zu]", list, i);
		if (!nm)
			return fail(cc, PS_ERR_IDL, path, "has no name"), false;
		items[i].name = pool_raw(cc, nm);
		if (is_ix || (is_ev && cc->legacy))
		{
			uint32_t	first,
						cnt;
			bool		named;

			snprintf(sub, sizeof(sub), "%s.%s", path, is_ix ? "args" : "fields");
			if (!compile_fields(cc, json_object_get(e, is_ix ? "args" : "fields"), &empty, sub,
								true, &first, &cnt, &named))
				return false;
			items[i].type = new_node(cc, PS_K_STRUCT, first, cnt, NONE);
		}
		else
		{
			snprintf(sub, sizeof(sub), "%s.name", path);
			if (cc->legacy && !is_ev && json_object_get(e, "type") == NULL)
				return fail(cc, PS_ERR_IDL, path, "legacy account has no type"), false;
			if (find_def(cc, nm) < 0)
				return fail(cc, PS_ERR_IDL, sub, "no type named \"%s\" in types", nm), false;
			items[i].type = resolve_defined(cc, nm, NULL, &empty, sub);
		}
		if (items[i].type == NONE || cc->rc != PS_OK)
			return false;
		snprintf(sub, sizeof(sub), "%s.discriminator", path);
		if (!cc->legacy || json_object_get(e, "discriminator"))
		{
			if (!read_disc(cc, json_object_get(e, "discriminator"), &items[i], sub))
				return false;
		}
		else if (is_ix)
		{
			char		snake[512];

			snake_case(nm, snake, sizeof(snake));
			sighash(&items[i], "global:", snake);
		}
		else
			sighash(&items[i], is_ev ? "event:" : "account:", nm);
		for (j = 0; j < i; j++)
		{
			size_t		m = items[j].disc_len < items[i].disc_len ? items[j].disc_len : items[i].disc_len;

			if (memcmp(items[j].disc, items[i].disc, m) == 0)
				return fail(cc, PS_ERR_IDL, sub, "discriminator of \"%s\" collides with %s[%zu] \"%s\"",
							nm, list, j, cc->pool.data + items[j].name), false;
		}
		(*cnt_out)++;
	}
	return true;
}

/* reject cycles through struct, tuple, array and alias edges */
static bool
check_cycles(cc_t *cc)
{
	ps_idl_plan_t *p = cc->p;
	uint8_t    *color = calloc(p->node_cnt ? p->node_cnt : 1, 1);
	uint32_t   *stk = malloc((size_t) (p->node_cnt ? p->node_cnt : 1) * 2 * sizeof(uint32_t));
	uint32_t	root;
	bool		ok = true;

	if (!color || !stk)
	{
		free(color);
		free(stk);
		return fail(cc, PS_ERR_NOMEM, NULL, "out of memory"), false;
	}
	for (root = 0; root < p->node_cnt && ok; root++)
	{
		size_t		sp = 0;

		if (color[root])
			continue;
		stk[0] = root;
		stk[1] = 0;
		sp = 1;
		color[root] = 1;
		while (sp > 0 && ok)
		{
			uint32_t	v = stk[2 * (sp - 1)];
			uint32_t	k = stk[2 * (sp - 1) + 1]++;
			ps_idl_node_t *nd = &p->nodes[v];
			uint32_t	child = NONE;

			if ((nd->kind == PS_K_STRUCT || nd->kind == PS_K_TUPLE) && k < nd->n)
				child = p->fields[nd->a + k].type;
			else if ((nd->kind == PS_K_ARRAY || nd->kind == PS_K_ALIAS) && k == 0)
				child = nd->a;
			if (child == NONE)
			{
				color[v] = 2;
				sp--;
				continue;
			}
			if (color[child] == 1)
			{
				uint32_t	d = p->nodes[child].def;
				char		dpath[64] = "";
				const char *nm = "?";

				if (d != NONE)
				{
					def_path(cc, d, dpath, sizeof(dpath));
					nm = obj_str(cc->defs[d], "name");
				}
				fail(cc, PS_ERR_IDL, dpath, "type \"%s\" contains itself without a vec, option "
					 "or enum in between", nm ? nm : "?");
				ok = false;
			}
			else if (color[child] == 0)
			{
				color[child] = 1;
				stk[2 * sp] = child;
				stk[2 * sp + 1] = 0;
				sp++;
			}
		}
	}
	free(color);
	free(stk);
	return ok;
}

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a + b > SIZE_CAP ? SIZE_CAP : a + b;
}

static void
compute_min_sizes(ps_idl_plan_t *p)
{
	int			pass;
	uint32_t	i,
				j,
				k;

	for (i = 0; i < PS_K_PRIM_CNT; i++)
		p->nodes[i].min_sz = prim_sizes[i];
	for (pass = 0; pass < 64; pass++)
	{
		bool		changed = false;

		for (i = PS_K_PRIM_CNT; i < p->node_cnt; i++)
		{
			ps_idl_node_t *nd = &p->nodes[i];
			uint64_t	m = 0;

			switch (nd->kind)
			{
				case PS_K_VEC:
				case PS_K_COPTION:
					m = 4;
					break;
				case PS_K_OPTION:
					m = 1;
					break;
				case PS_K_ARRAY:
					m = p->nodes[nd->a].min_sz * nd->n;
					if (nd->n && m / nd->n != p->nodes[nd->a].min_sz)
						m = SIZE_CAP;
					m = m > SIZE_CAP ? SIZE_CAP : m;
					break;
				case PS_K_STRUCT:
				case PS_K_TUPLE:
					for (j = 0; j < nd->n; j++)
						m = sat_add(m, p->nodes[p->fields[nd->a + j].type].min_sz);
					break;
				case PS_K_ENUM:
					{
						uint64_t	best = SIZE_CAP;

						for (j = 0; j < nd->n; j++)
						{
							ps_idl_variant_t *v = &p->variants[nd->a + j];
							uint64_t	s = 0;

							for (k = 0; k < v->n; k++)
								s = sat_add(s, p->nodes[p->fields[v->first + k].type].min_sz);
							if (s < best)
								best = s;
						}
						m = sat_add(1, nd->n ? best : 0);
					}
					break;
				case PS_K_ALIAS:
					m = p->nodes[nd->a].min_sz;
					break;
				default:
					break;
			}
			if (m != nd->min_sz)
			{
				nd->min_sz = m;
				changed = true;
			}
		}
		if (!changed)
			break;
	}
}

/* jsonb order of the fields [first, first + n): shorter keys first */
static void
order_group(ps_idl_plan_t *p, const char *pool, uint32_t first, uint32_t n)
{
	uint32_t	k,
				m;
	uint32_t   *o = p->jorder + first;

	for (k = 0; k < n; k++)
		o[k] = k;
	for (k = 1; k < n; k++)
	{
		uint32_t	v = o[k];
		const char *kv = pool + p->fields[first + v].name;
		size_t		lv = strlen(kv);

		for (m = k; m > 0; m--)
		{
			const char *km = pool + p->fields[first + o[m - 1]].name;
			size_t		lm = strlen(km);

			if (lm < lv || (lm == lv && memcmp(km, kv, lv) <= 0))
				break;
			o[m] = o[m - 1];
		}
		o[m] = v;
	}
	p->jsorted[first] = 1;
	for (k = 0; k < n; k++)
		if (o[k] != k)
			p->jsorted[first] = 0;
}

static bool
compute_jsonb_order(cc_t *cc)
{
	ps_idl_plan_t *p = cc->p;
	uint32_t	i;

	p->jorder = calloc(p->field_cnt ? p->field_cnt : 1, sizeof(uint32_t));
	p->jsorted = malloc(p->field_cnt ? p->field_cnt : 1);
	if (!p->jorder || !p->jsorted)
		return fail(cc, PS_ERR_NOMEM, NULL, "out of memory"), false;
	memset(p->jsorted, 1, p->field_cnt ? p->field_cnt : 1);
	for (i = 0; i < p->node_cnt; i++)
		if (p->nodes[i].kind == PS_K_STRUCT && p->nodes[i].n > 1)
			order_group(p, cc->pool.data, p->nodes[i].a, p->nodes[i].n);
	for (i = 0; i < p->variant_cnt; i++)
		if (p->variants[i].shape == PS_V_STRUCT && p->variants[i].n > 1)
			order_group(p, cc->pool.data, p->variants[i].first, p->variants[i].n);
	return true;
}

int
ps_idl_compile(const char *json, size_t len, const uint8_t *program_id_opt,
			   ps_idl_plan_t **plan_out, char *errbuf, size_t errbuf_sz)
{
	cc_t		cc;
	json_t	   *root;
	json_error_t jerr;
	json_t	   *types,
			   *accounts;
	const char *addr = NULL;
	const char *name = NULL;
	json_t	   *meta;
	size_t		i;
	ps_idl_plan_t *p;

	*plan_out = NULL;
	memset(&cc, 0, sizeof(cc));
	cc.err = errbuf;
	cc.err_sz = errbuf_sz;
	if (errbuf_sz)
		errbuf[0] = '\0';

	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
	{
		fail(&cc, PS_ERR_JSON, NULL, "invalid JSON at line %d column %d: %s",
			 jerr.line, jerr.column, jerr.text);
		return cc.rc;
	}
	if (!json_is_object(root))
	{
		json_decref(root);
		fail(&cc, PS_ERR_IDL, NULL, "an IDL is a JSON object");
		return cc.rc;
	}
	p = calloc(1, sizeof(ps_idl_plan_t));
	if (!p)
	{
		json_decref(root);
		fail(&cc, PS_ERR_NOMEM, NULL, "out of memory");
		return cc.rc;
	}
	cc.p = p;
	ps_buf_init(&cc.pool, NULL, NULL);
	meta = json_object_get(root, "metadata");
	addr = obj_str(root, "address");
	cc.legacy = !(addr || (json_is_object(meta) && json_object_get(meta, "spec")));
	p->format = cc.legacy ? PS_IDL_FORMAT_LEGACY : PS_IDL_FORMAT_ANCHOR;
	if (!addr && json_is_object(meta))
		addr = obj_str(meta, "address");
	name = cc.legacy ? obj_str(root, "name") : NULL;
	if (!name && json_is_object(meta))
		name = obj_str(meta, "name");
	p->name = pool_raw(&cc, name ? name : "");

	if (program_id_opt)
		memcpy(p->program_id, program_id_opt, 32);
	else if (!addr)
		fail(&cc, PS_ERR_IDL, NULL, "the IDL has no address: pass the program id");
	else if (ps_base58_decode_32(addr, p->program_id) != PS_OK)
		fail(&cc, PS_ERR_IDL, cc.legacy ? "metadata.address" : "address",
			 "\"%s\" is not a base58 public key", addr);

	/* primitives are nodes 0 .. PS_K_PRIM_CNT - 1 */
	for (i = 0; i < PS_K_PRIM_CNT && cc.rc == PS_OK; i++)
		new_node(&cc, (uint8_t) i, 0, 0, NONE);

	types = json_object_get(root, "types");
	accounts = json_object_get(root, "accounts");
	if (types && !json_is_array(types))
		fail(&cc, PS_ERR_IDL, "types", "must be an array");
	if (accounts && !json_is_array(accounts))
		fail(&cc, PS_ERR_IDL, "accounts", "must be an array");
	if (cc.rc == PS_OK)
	{
		size_t		nt = json_array_size(types),
					na = cc.legacy ? json_array_size(accounts) : 0;

		cc.defs = calloc(nt + na + 1, sizeof(json_t *));
		if (!cc.defs)
			fail(&cc, PS_ERR_NOMEM, NULL, "out of memory");
		for (i = 0; i < nt && cc.rc == PS_OK; i++)
		{
			json_t	   *d = json_array_get(types, i);
			char		path[64];

			snprintf(path, sizeof(path), "types[%zu]", i);
			if (!json_is_object(d) || !obj_str(d, "name"))
				fail(&cc, PS_ERR_IDL, path, "a type needs a name");
			else if (find_def(&cc, obj_str(d, "name")) >= 0)
				fail(&cc, PS_ERR_IDL, path, "duplicate type name \"%s\"", obj_str(d, "name"));
			cc.defs[cc.def_cnt++] = d;
		}
		cc.type_cnt = cc.def_cnt;
		for (i = 0; i < na && cc.rc == PS_OK; i++)
		{
			json_t	   *d = json_array_get(accounts, i);

			if (json_is_object(d) && obj_str(d, "name") && json_object_get(d, "type") &&
				find_def(&cc, obj_str(d, "name")) < 0)
				cc.defs[cc.def_cnt++] = d;
			else
				cc.defs[cc.def_cnt++] = json_object(); /* placeholder, keeps indexes */
		}
	}
	if (cc.rc == PS_OK)
	{
		env_t		empty;

		memset(&empty, 0, sizeof(empty));
		/* every non-generic type is validated, used or not */
		for (i = 0; i < cc.type_cnt && cc.rc == PS_OK; i++)
		{
			json_t	   *g = json_object_get(cc.defs[i], "generics");
			char		path[64];

			snprintf(path, sizeof(path), "types[%zu]", i);
			if (!json_is_array(g) || json_array_size(g) == 0)
				resolve_defined(&cc, obj_str(cc.defs[i], "name"), NULL, &empty, path);
		}
	}
	if (cc.rc == PS_OK)
		compile_items(&cc, "events", &p->events, &p->event_cnt, root);
	if (cc.rc == PS_OK)
		compile_items(&cc, "accounts", &p->accounts, &p->account_cnt, root);
	if (cc.rc == PS_OK)
		compile_items(&cc, "instructions", &p->instructions, &p->instruction_cnt, root);
	if (cc.rc == PS_OK)
		check_cycles(&cc);
	if (cc.rc == PS_OK)
		compute_min_sizes(p);
	if (cc.rc == PS_OK)
		compute_jsonb_order(&cc);
	if (cc.rc == PS_OK && cc.pool.err)
		fail(&cc, PS_ERR_NOMEM, NULL, "out of memory");

	for (i = 0; i < cc.memo_cnt; i++)
		free(cc.memo[i].key);
	free(cc.memo);
	for (i = cc.type_cnt; i < cc.def_cnt; i++)
		if (json_object_size(cc.defs[i]) == 0)
			json_decref(cc.defs[i]);
	free(cc.defs);
	json_decref(root);
	p->pool = cc.pool.data;
	p->pool_len = cc.pool.len;
	p->pool_cap = cc.pool.cap;
	if (cc.rc != PS_OK)
	{
		ps_idl_free(p);
		return cc.rc;
	}
	*plan_out = p;
	return PS_OK;
}

void
ps_idl_free(ps_idl_plan_t *plan)
{
	if (!plan)
		return;
	free(plan->nodes);
	free(plan->fields);
	free(plan->variants);
	free(plan->jorder);
	free(plan->jsorted);
	free(plan->pool);
	free(plan->events);
	free(plan->accounts);
	free(plan->instructions);
	free(plan);
}

const uint8_t *
ps_idl_program_id(const ps_idl_plan_t *plan)
{
	return plan->program_id;
}

const char *
ps_idl_name(const ps_idl_plan_t *plan)
{
	return plan->pool + plan->name;
}

int
ps_idl_format(const ps_idl_plan_t *plan)
{
	return plan->format;
}

size_t
ps_idl_size(const ps_idl_plan_t *plan)
{
	return sizeof(*plan) + plan->node_cap * sizeof(ps_idl_node_t) +
		plan->field_cap * sizeof(ps_idl_field_t) +
		plan->field_cnt * (sizeof(uint32_t) + 1) +
		plan->variant_cap * sizeof(ps_idl_variant_t) + plan->pool_cap +
		(plan->event_cnt + plan->account_cnt + plan->instruction_cnt) * sizeof(ps_idl_item_t);
}
