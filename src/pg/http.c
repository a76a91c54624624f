/*
 * http.c
 *	  A thin libcurl wrapper for the dispatcher and the gateway.
 *
 * A request (solana_http_req) is malloc-owned from solana_http_new to
 * solana_http_free, so that it survives memory context resets and can
 * be freed from PG_FINALLY blocks.  libcurl's callbacks run inside
 * curl_multi_perform: they never ereport or palloc (a longjmp through
 * libcurl's frames would corrupt it); they fill bounded malloc'd buffers
 * and return a short count to make libcurl stop.  Waiting uses a
 * WaitEventSet on the process latch plus libcurl's sockets, so a SIGTERM,
 * a query cancel or new work wakes us at once.
 *
 * Each multi's count of requests added and not yet removed is kept here
 * (`multis`): libcurl sometimes holds a request without a timer
 * (waiting for a connection of the pool it has just closed),
 * and only the count tells that state from an idle multi.  Each
 * request gets its own easy handle: keeping freed ones (curl_easy_reset)
 * saved no measurable CPU per request (docs/benchmarks.md, webhooks).
 */
#include "postgres.h"

#include <sys/select.h>

#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/latch.h"
#include "utils/wait_event.h"

#include "worker_common.h"

static bool curl_ready = false;

/* requests in each multi of this process (few: dispatcher, gateway) */
#define MAX_MULTIS	8
static struct
{
	CURLM	   *m;
	int			n;
}			multis[MAX_MULTIS];

static int *
multi_count(CURLM *m)
{
	for (int i = 0; i < MAX_MULTIS; i++)
		if (multis[i].m == m)
			return &multis[i].n;
	return NULL;
}

/* take `req` out of its multi, if in one */
static void
leave_multi(solana_http_req *req)
{
	int		   *n;

	if (req->in_multi == NULL)
		return;
	curl_multi_remove_handle(req->in_multi, req->easy);
	n = multi_count(req->in_multi);
	if (n != NULL && *n > 0)
		(*n)--;
	req->in_multi = NULL;
}

static void
ensure_curl(void)
{
	if (!curl_ready)
	{
		if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
			elog(ERROR, "pg_solana: libcurl failed to initialise");
		curl_ready = true;
	}
}

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	solana_http_req *req = userdata;
	size_t		n = size * nmemb;

	if (req->resp_len + n > req->resp_max)
	{
		req->resp_too_big = true;
		return 0;				/* libcurl stops with CURLE_WRITE_ERROR */
	}
	if (req->resp_len + n + 1 > req->resp_cap)
	{
		size_t		cap = req->resp_cap ? req->resp_cap : 4096;
		char	   *p;

		while (cap < req->resp_len + n + 1)
			cap *= 2;
		p = realloc(req->resp, cap);
		if (p == NULL)
			return 0;
		req->resp = p;
		req->resp_cap = cap;
	}
	memcpy(req->resp + req->resp_len, ptr, n);
	req->resp_len += n;
	req->resp[req->resp_len] = '\0';
	return n;
}

/* copy the value of header `name` (lowercase) from a header line */
static void
grab_header(const char *line, size_t n, const char *name, char *dst,
			size_t dst_sz)
{
	size_t		k = strlen(name);
	size_t		a,
				b;

	if (n <= k || pg_strncasecmp(line, name, k) != 0 || line[k] != ':')
		return;
	a = k + 1;
	b = n;
	while (a < b && (line[a] == ' ' || line[a] == '\t'))
		a++;
	while (b > a && (line[b - 1] == '\r' || line[b - 1] == '\n' ||
					 line[b - 1] == ' '))
		b--;
	if (b - a >= dst_sz)
		b = a + dst_sz - 1;
	memcpy(dst, line + a, b - a);
	dst[b - a] = '\0';
}

static size_t
header_cb(char *buffer, size_t size, size_t nitems, void *userdata)
{
	solana_http_req *req = userdata;
	size_t		n = size * nitems;

	grab_header(buffer, n, "retry-after", req->retry_after,
				sizeof(req->retry_after));
	grab_header(buffer, n, "content-type", req->content_type,
				sizeof(req->content_type));
	return n;
}

solana_http_req *
solana_http_new(const char *method, const char *url,
				const char *const *headers, int n_headers,
				const char *body_opt, size_t body_sz, long timeout_ms,
				size_t resp_max, char *err, size_t err_sz)
{
	solana_http_req *req;
	CURL	   *e;

	ensure_curl();
	req = calloc(1, sizeof(*req));
	if (req == NULL)
	{
		strlcpy(err, "out of memory", err_sz);
		return NULL;
	}
	req->resp_max = resp_max;
	req->url = strdup(url);
	req->easy = e = curl_easy_init();
	if (req->url == NULL || e == NULL)
	{
		strlcpy(err, "out of memory", err_sz);
		solana_http_free(req);
		return NULL;
	}
	for (int i = 0; i < n_headers; i++)
	{
		struct curl_slist *h = curl_slist_append(req->headers, headers[i]);

		if (h == NULL)
		{
			strlcpy(err, "out of memory", err_sz);
			solana_http_free(req);
			return NULL;
		}
		req->headers = h;
	}
	if (body_opt != NULL)
	{
		req->body = malloc(body_sz + 1);
		if (req->body == NULL)
		{
			strlcpy(err, "out of memory", err_sz);
			solana_http_free(req);
			return NULL;
		}
		memcpy(req->body, body_opt, body_sz);
		req->body[body_sz] = '\0';
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) body_sz);
	}
	if (curl_easy_setopt(e, CURLOPT_URL, req->url) != CURLE_OK ||
		curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK)
	{
		snprintf(err, err_sz, "libcurl refused the URL \"%s\"", url);
		solana_http_free(req);
		return NULL;
	}
	if (strcmp(method, "GET") == 0 && body_opt == NULL)
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	else if (strcmp(method, "POST") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, req->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, req);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, req);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, req->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, req);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "pg_solana/0.1");
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	return req;
}

void
solana_http_free(solana_http_req *req)
{
	if (req == NULL)
		return;
	leave_multi(req);
	if (req->easy)
		curl_easy_cleanup(req->easy);
	curl_slist_free_all(req->headers);
	free(req->url);
	free(req->body);
	free(req->resp);
	free(req);
}

CURLM *
solana_http_multi_new(void)
{
	CURLM	   *m;

	ensure_curl();
	m = curl_multi_init();
	if (m == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not create a libcurl multi handle")));
	/* without a free entry the multi works, minus the stall check */
	for (int i = 0; i < MAX_MULTIS; i++)
		if (multis[i].m == NULL)
		{
			multis[i].m = m;
			multis[i].n = 0;
			break;
		}
	return m;
}

void
solana_http_multi_add(CURLM *m, solana_http_req *req)
{
	CURLMcode	rc = curl_multi_add_handle(m, req->easy);

	if (rc == CURLM_OK)
	{
		int		   *n = multi_count(m);

		req->in_multi = m;
		if (n != NULL)
			(*n)++;
	}
	else
	{
		/* reported like a failed transfer, collected by the caller */
		req->done = true;
		req->result = CURLE_FAILED_INIT;
		strlcpy(req->errbuf, curl_multi_strerror(rc), sizeof(req->errbuf));
	}
}

void
solana_http_multi_remove(CURLM *m, solana_http_req *req)
{
	if (req->in_multi == m)
		leave_multi(req);
	else
		curl_multi_remove_handle(m, req->easy);
}

solana_http_req *
solana_http_collect(CURLM *m)
{
	CURLMsg    *msg;
	int			left;

	while ((msg = curl_multi_info_read(m, &left)) != NULL)
	{
		solana_http_req *req = NULL;
		curl_off_t	us = 0;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &req);
		req->done = true;
		req->result = msg->data.result;
		curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &req->status);
		curl_easy_getinfo(req->easy, CURLINFO_TOTAL_TIME_T, &us);
		req->elapsed_ms = (double) us / 1000.0;
		leave_multi(req);
		return req;
	}
	return NULL;
}

/* waits in a row that found something ready without a wait set */
#define FAST_WAIT_MAX	64
static int	fast_waits = 0;

bool
solana_http_wait(CURLM *m, long timeout_ms, uint32 wait_event)
{
	fd_set		rd,
				wr,
				ex;
	int			maxfd = -1;
	int			running = 0;
	long		curl_ms = -1;
	int			n_sockets = 0;
	WaitEventSet *set;
	WaitEvent	ev[16];
	int			got;
	bool		latch = false;
	int		   *n;

	/*
	 * Busy multi: when a socket is ready already (answers that came in
	 * while the caller worked) or the latch is set, a wait would return at
	 * once, so skip building the wait set (an epoll instance and one
	 * epoll_ctl per socket, then its close: ~8% of the dispatcher's CPU
	 * when sending webhooks); one poll() over libcurl's sockets instead.
	 * Every FAST_WAIT_MAX turns the full wait runs anyway, so postmaster
	 * death is noticed under constant load too.
	 */
	if (fast_waits < FAST_WAIT_MAX)
	{
		int			ready = 0;

		pg_memory_barrier();
		if (MyLatch->is_set)
		{
			fast_waits++;
			curl_multi_perform(m, &running);
			return true;
		}
		if (curl_multi_wait(m, NULL, 0, 0, &ready) == CURLM_OK && ready > 0)
		{
			fast_waits++;
			curl_multi_perform(m, &running);
			return false;
		}
	}
	fast_waits = 0;

	/* -1 from curl_multi_timeout: no timer (no transfer, or see below) */
	curl_multi_timeout(m, &curl_ms);
	if (curl_ms >= 0 && curl_ms < timeout_ms)
		timeout_ms = curl_ms;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_ZERO(&ex);
	curl_multi_fdset(m, &rd, &wr, &ex, &maxfd);
	/* transfers but no socket yet (name resolution): check back soon */
	if (curl_ms >= 0 && maxfd < 0 && timeout_ms > 50)
		timeout_ms = 50;

	/*
	 * Requests in the multi, yet libcurl names no timer: one waits for a
	 * connection (seen right after adding a request, when the pooled
	 * connection it would reuse has just been closed).  Nothing would
	 * wake us before `timeout_ms`, so check back in 5 ms.
	 */
	n = multi_count(m);
	if (curl_ms < 0 && n != NULL && *n > 0 && timeout_ms > 5)
		timeout_ms = 5;
	for (int fd = 0; fd <= maxfd; fd++)
		if (FD_ISSET(fd, &rd) || FD_ISSET(fd, &wr))
			n_sockets++;

	set = CreateWaitEventSet(CurrentMemoryContext, 2 + n_sockets);
	AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
	AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
	for (int fd = 0; fd <= maxfd; fd++)
	{
		uint32		events = 0;

		if (FD_ISSET(fd, &rd))
			events |= WL_SOCKET_READABLE;
		if (FD_ISSET(fd, &wr))
			events |= WL_SOCKET_WRITEABLE;
		if (events)
			AddWaitEventToSet(set, events, fd, NULL, NULL);
	}
	got = WaitEventSetWait(set, timeout_ms < 0 ? 0 : timeout_ms, ev,
						   lengthof(ev), wait_event);
	for (int i = 0; i < got; i++)
		if (ev[i].events & WL_LATCH_SET)
			latch = true;
	FreeWaitEventSet(set);
	curl_multi_perform(m, &running);
	return latch;
}

bool
solana_http_is_timeout(const solana_http_req *req)
{
	return req->result == CURLE_OPERATION_TIMEDOUT;
}

void
solana_http_failure_text(const solana_http_req *req, char *out, size_t out_sz)
{
	if (req->result == CURLE_OK)
		snprintf(out, out_sz, "HTTP %ld", req->status);
	else if (req->result == CURLE_OPERATION_TIMEDOUT)
		snprintf(out, out_sz, "timed out after %.0f ms", req->elapsed_ms);
	else if (req->result == CURLE_COULDNT_CONNECT)
		snprintf(out, out_sz, "connection refused or unreachable");
	else if (req->result == CURLE_WRITE_ERROR && req->resp_too_big)
		snprintf(out, out_sz, "response larger than %zu bytes", req->resp_max);
	else
		snprintf(out, out_sz, "%s", req->errbuf[0] ? req->errbuf :
				 curl_easy_strerror(req->result));
}
