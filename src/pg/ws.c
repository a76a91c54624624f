/*
 * ws.c
 *	  libwebsockets client for the ingest worker's pubsub connection.
 *	  See ws.h.
 *
 * Each connection gets its own lws context, so closing is destroying
 * the context.  libwebsockets runs with external polling: the
 * ADD/DEL/CHANGE_MODE_POLL_FD callbacks tell us the socket and the
 * events it wants, the worker waits on it with its latch
 * (WaitLatchOrSocket), and solana_ws_service calls lws_service with a
 * negative timeout, which services ready sockets and timers without
 * blocking.  The callback only moves bytes between the socket and
 * malloc'd queues and records state; it never raises or pallocs.
 */
#include "postgres.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "miscadmin.h"
#include "storage/latch.h"
#include "ws.h"

/* most message bytes one solana_ws_service call takes in */
#define SOLANA_WS_SERVICE_BYTES	(4 * 1024 * 1024)

typedef struct ws_msg
{
	struct ws_msg *next;
	size_t		len;
	char		data[FLEXIBLE_ARRAY_MEMBER];	/* LWS_PRE headroom for sends */
} ws_msg;

struct solana_ws
{
	struct lws_context *ctx;
	struct lws *wsi;
	solana_ws_state state;
	char		error[256];
	int			fd;				/* -1 when none */
	int			poll_events;	/* POLLIN / POLLOUT as lws asked */
	lws_retry_bo_t retry;
	char		url_copy[1024];
	/* receive: the message being assembled, then the queue */
	char	   *rx;
	size_t		rx_len;
	size_t		rx_cap;
	ws_msg	   *in_head;
	ws_msg	   *in_tail;
	ws_msg	   *out_head;
	ws_msg	   *out_tail;
	size_t		queued;			/* bytes in both queues */
	uint64		rx_total;		/* bytes ever received */
};

static void
ws_fail(solana_ws *ws, const char *why, size_t len)
{
	if (ws->state != SOLANA_WS_CLOSED && ws->error[0] == '\0')
		snprintf(ws->error, sizeof(ws->error), "%.*s", (int) len, why);
	ws->state = SOLANA_WS_CLOSED;
	ws->wsi = NULL;
}

static int
ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			void *in, size_t len)
{
	solana_ws  *ws = (solana_ws *) lws_context_user(lws_get_context(wsi));

	if (ws == NULL)
		return 0;
	switch (reason)
	{
		case LWS_CALLBACK_ADD_POLL_FD:
		case LWS_CALLBACK_CHANGE_MODE_POLL_FD:
			{
				struct lws_pollargs *pa = (struct lws_pollargs *) in;

				ws->fd = pa->fd;
				ws->poll_events = pa->events;
				break;
			}
		case LWS_CALLBACK_DEL_POLL_FD:
			{
				struct lws_pollargs *pa = (struct lws_pollargs *) in;

				if (pa->fd == ws->fd)
					ws->fd = -1;
				break;
			}
		case LWS_CALLBACK_CLIENT_ESTABLISHED:
			ws->state = SOLANA_WS_OPEN;
			if (ws->out_head)
				lws_callback_on_writable(wsi);
			break;
		case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
			ws_fail(ws, in ? (const char *) in : "connection failed",
					in ? strnlen((const char *) in, len ? len : 200) : 17);
			break;
		case LWS_CALLBACK_CLIENT_CLOSED:
		case LWS_CALLBACK_CLOSED:
			ws_fail(ws, "connection closed by the peer", 29);
			break;
		case LWS_CALLBACK_WSI_DESTROY:
			if (wsi == ws->wsi || ws->state != SOLANA_WS_CLOSED)
				ws_fail(ws, "connection dropped", 18);
			break;
		case LWS_CALLBACK_CLIENT_RECEIVE:
			{
				ws_msg	   *m;

				if (ws->rx_len + len + 1 > ws->rx_cap)
				{
					size_t		cap = Max(ws->rx_cap * 2, ws->rx_len + len + 1);
					char	   *p;

					if (cap > 64 * 1024 * 1024 ||
						(p = realloc(ws->rx, cap)) == NULL)
					{
						ws_fail(ws, "message over 64 MB", 18);
						return -1;
					}
					ws->rx = p;
					ws->rx_cap = cap;
				}
				memcpy(ws->rx + ws->rx_len, in, len);
				ws->rx_len += len;
				ws->rx_total += len;
				if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0)
					break;
				if (ws->queued + ws->rx_len > SOLANA_WS_QUEUE_MAX ||
					(m = malloc(offsetof(ws_msg, data) + ws->rx_len + 1)) == NULL)
				{
					ws_fail(ws, "receive queue full", 18);
					return -1;
				}
				m->next = NULL;
				m->len = ws->rx_len;
				memcpy(m->data, ws->rx, ws->rx_len);
				m->data[ws->rx_len] = '\0';
				if (ws->in_tail)
					ws->in_tail->next = m;
				else
					ws->in_head = m;
				ws->in_tail = m;
				ws->queued += m->len;
				ws->rx_len = 0;
				break;
			}
		case LWS_CALLBACK_CLIENT_WRITEABLE:
			{
				ws_msg	   *m = ws->out_head;

				if (m == NULL)
					break;
				ws->out_head = m->next;
				if (ws->out_head == NULL)
					ws->out_tail = NULL;
				ws->queued -= m->len;
				if (lws_write(wsi, (unsigned char *) m->data + LWS_PRE, m->len,
							  LWS_WRITE_TEXT) < (int) m->len)
				{
					free(m);
					ws_fail(ws, "write failed", 12);
					return -1;
				}
				free(m);
				if (ws->out_head)
					lws_callback_on_writable(wsi);
				break;
			}
		default:
			break;
	}
	return 0;
}

static const struct lws_protocols ws_protocols[] = {
	{"solana-pubsub", ws_callback, 0, 65536, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0}
};

solana_ws *
solana_ws_open(const char *url, int ping_s, char *err, size_t err_sz)
{
	solana_ws  *ws;
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	const char *prot;
	const char *ads;
	const char *path;
	char		pathbuf[1100];
	int			port;
	bool		tls;

	ws = calloc(1, sizeof(solana_ws));
	if (ws == NULL)
	{
		snprintf(err, err_sz, "out of memory");
		return NULL;
	}
	ws->fd = -1;
	ws->state = SOLANA_WS_CONNECTING;
	if (strlen(url) >= sizeof(ws->url_copy))
	{
		snprintf(err, err_sz, "URL is longer than %zu bytes", sizeof(ws->url_copy) - 1);
		free(ws);
		return NULL;
	}
	strcpy(ws->url_copy, url);
	if (lws_parse_uri(ws->url_copy, &prot, &ads, &port, &path) != 0 ||
		(strcmp(prot, "ws") != 0 && strcmp(prot, "wss") != 0) || ads[0] == '\0')
	{
		snprintf(err, err_sz, "not a ws:// or wss:// URL");
		free(ws);
		return NULL;
	}
	tls = strcmp(prot, "wss") == 0;
	if (tls && port == 80)
		port = 443;
	snprintf(pathbuf, sizeof(pathbuf), "/%s", path);

	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = ws_protocols;
	info.gid = -1;
	info.uid = -1;
	info.user = ws;
	info.options = tls ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0;

	/*
	 * libwebsockets gives the connect and the upgrade handshake a few
	 * seconds by default (AWAITING_TIMEOUT, 5 s in some builds) and then
	 * drops the connection without a CONNECTION_ERROR ("connection
	 * dropped").  On a loaded machine the peer's answer can take longer,
	 * so every attempt died the same way: allow 30 s.
	 */
	info.timeout_secs = 30;
	info.connect_timeout_secs = 30;
	ws->ctx = lws_create_context(&info);
	if (ws->ctx == NULL)
	{
		snprintf(err, err_sz, "libwebsockets could not create a context");
		free(ws);
		return NULL;
	}

	ws->retry.secs_since_valid_ping = (uint16_t) Max(ping_s, 1);
	ws->retry.secs_since_valid_hangup = (uint16_t) Min(Max(ping_s, 1) * 2 + 10, 65535);

	memset(&ci, 0, sizeof(ci));
	ci.context = ws->ctx;
	ci.address = ads;
	ci.port = port;
	ci.path = pathbuf;
	ci.host = ads;
	ci.origin = ads;
	ci.protocol = NULL;
	ci.ssl_connection = tls ? LCCSCF_USE_SSL : 0;
	ci.retry_and_idle_policy = &ws->retry;
	ci.pwsi = &ws->wsi;
	if (lws_client_connect_via_info(&ci) == NULL && ws->state != SOLANA_WS_CLOSED)
		ws_fail(ws, "connect failed at once", 22);
	return ws;
}

void
solana_ws_close(solana_ws *ws)
{
	ws_msg	   *m;

	if (ws == NULL)
		return;
	if (ws->ctx)
	{
		struct lws_context *ctx = ws->ctx;

		ws->ctx = NULL;
		lws_context_destroy(ctx);
	}
	while ((m = ws->in_head) != NULL)
	{
		ws->in_head = m->next;
		free(m);
	}
	while ((m = ws->out_head) != NULL)
	{
		ws->out_head = m->next;
		free(m);
	}
	free(ws->rx);
	free(ws);
}

solana_ws_state
solana_ws_get_state(solana_ws *ws)
{
	return ws->state;
}

const char *
solana_ws_error(solana_ws *ws)
{
	return ws->error[0] ? ws->error : "connection closed";
}

pgsocket
solana_ws_socket(solana_ws *ws, uint32 *events)
{
	*events = 0;
	if (ws->state == SOLANA_WS_CLOSED)
		return PGINVALID_SOCKET;
	if (ws->fd < 0)
	{
		/*
		 * Builds of libwebsockets without external poll support never
		 * call ADD_POLL_FD: ask the connection for its socket.
		 */
		int			fd = ws->wsi ? (int) lws_get_socket_fd(ws->wsi) : -1;

		if (fd < 0)
			return PGINVALID_SOCKET;
		*events = WL_SOCKET_READABLE;
		if (ws->out_head && ws->state == SOLANA_WS_OPEN)
			*events |= WL_SOCKET_WRITEABLE;
		return fd;
	}
	if (ws->poll_events & POLLIN)
		*events |= WL_SOCKET_READABLE;
	if (ws->poll_events & POLLOUT)
		*events |= WL_SOCKET_WRITEABLE;
	if (*events == 0)
		*events = WL_SOCKET_READABLE;
	return ws->fd;
}

void
solana_ws_service(solana_ws *ws)
{
	int			idle;
	uint64		start;

	if (ws->ctx == NULL)
		return;
	/*
	 * A negative timeout polls without waiting.  One call reads one
	 * chunk (a few kB) of the socket, and may leave parts it already
	 * read for "forced service": keep servicing while messages arrive
	 * or wait inside libwebsockets (eight calls in a row without a
	 * byte end it: never a busy loop).  After SOLANA_WS_SERVICE_BYTES
	 * in one call, return so the caller can write what came, and set
	 * our latch so that its next wait returns at once for the rest.
	 */
	start = ws->rx_total;
	for (idle = 0;;)
	{
		uint64		before = ws->rx_total;

		lws_service(ws->ctx, -1);
		if (ws->state == SOLANA_WS_CLOSED)
			return;
		if (ws->rx_total != before)
			idle = 0;
		else if (lws_service_adjust_timeout(ws->ctx, 1, 0) != 0 || ++idle >= 8)
			return;				/* nothing buffered, or no progress */
		if (ws->rx_total - start > SOLANA_WS_SERVICE_BYTES)
		{
			SetLatch(MyLatch);
			return;
		}
	}
}

bool
solana_ws_send(solana_ws *ws, const char *text, size_t len)
{
	ws_msg	   *m;

	if (ws->state == SOLANA_WS_CLOSED || ws->queued + len > SOLANA_WS_QUEUE_MAX)
		return false;
	m = malloc(offsetof(ws_msg, data) + LWS_PRE + len + 1);
	if (m == NULL)
		return false;
	m->next = NULL;
	m->len = len;
	memcpy(m->data + LWS_PRE, text, len);
	if (ws->out_tail)
		ws->out_tail->next = m;
	else
		ws->out_head = m;
	ws->out_tail = m;
	ws->queued += len;
	if (ws->wsi && ws->state == SOLANA_WS_OPEN)
		lws_callback_on_writable(ws->wsi);
	return true;
}

bool
solana_ws_next(solana_ws *ws, char **msg, size_t *len)
{
	ws_msg	   *m = ws->in_head;
	char	   *copy;

	if (m == NULL)
		return false;
	ws->in_head = m->next;
	if (ws->in_head == NULL)
		ws->in_tail = NULL;
	ws->queued -= m->len;
	/* hand out the message itself: move the bytes to the front */
	copy = (char *) m;
	*len = m->len;
	memmove(copy, m->data, m->len + 1);
	*msg = copy;
	return true;
}
