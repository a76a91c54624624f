/*
 * ws.h
 *	  The ingest worker's WebSocket client (libwebsockets), driven from
 *	  the worker's own wait loop: one connection at a time, text messages
 *	  in and out through bounded malloc'd queues, ping/pong keepalive.
 *
 * A *connection* lives from solana_ws_open to solana_ws_close; when it
 * ends (peer closed, error, keepalive timeout) solana_ws_state says
 * SOLANA_WS_CLOSED and solana_ws_error names why.  Nothing here raises
 * or pallocs inside libwebsockets callbacks.
 */
#ifndef SOLANA_WS_H
#define SOLANA_WS_H

#include "postgres.h"

#define SOLANA_WS_QUEUE_MAX		(256 * 1024 * 1024)	/* bytes queued either way */

typedef struct solana_ws solana_ws;

typedef enum solana_ws_state
{
	SOLANA_WS_CONNECTING,
	SOLANA_WS_OPEN,
	SOLANA_WS_CLOSED
} solana_ws_state;

/*
 * solana_ws_open starts connecting to `url` (ws:// or wss://) and
 * returns the connection, or NULL with `err` filled when the URL is bad
 * or libwebsockets cannot start.  `ping_s` is the idle time before a
 * PING; a connection idle for twice that plus 10 s is dropped.
 */
extern solana_ws *solana_ws_open(const char *url, int ping_s, char *err,
								 size_t err_sz);
extern void solana_ws_close(solana_ws *ws);

extern solana_ws_state solana_ws_get_state(solana_ws *ws);
extern const char *solana_ws_error(solana_ws *ws);

/*
 * solana_ws_socket returns the socket to wait on (PGINVALID_SOCKET when
 * none yet) and sets *events to WL_SOCKET_READABLE, plus
 * WL_SOCKET_WRITEABLE when libwebsockets wants to write.
 */
extern pgsocket solana_ws_socket(solana_ws *ws, uint32 *events);

/* solana_ws_service runs libwebsockets without blocking */
extern void solana_ws_service(solana_ws *ws);

/* solana_ws_send queues one text message; false when the queue is full */
extern bool solana_ws_send(solana_ws *ws, const char *text, size_t len);

/*
 * solana_ws_next pops the oldest received message into *msg (malloc'd,
 * nul-terminated; free() it) and *len; false when none.
 */
extern bool solana_ws_next(solana_ws *ws, char **msg, size_t *len);

#endif							/* SOLANA_WS_H */
