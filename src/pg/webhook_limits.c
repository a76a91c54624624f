/*
 * webhook_limits.c
 *	  Per-endpoint in-flight counts shared by every dispatcher, so that a
 *	  webhook's max_in_flight holds across solana.dispatcher_workers > 1.
 *
 * The table has a *row* per dispatcher process: its pid, its latch,
 * whether it holds requests back for a full endpoint (*waiting*), and
 * the webhooks it has requests running to with their counts (only
 * nonzero ones, unordered, so a row is as short as the set of endpoints
 * it talks to right now).  An endpoint's total is the sum over rows.  A
 * process takes a free row on first use and frees it at exit; a crash
 * of a dispatcher reinitialises shared memory, so no count outlives its
 * requests.  One LWLock guards the table; a request costs one take (in
 * a run of them) and one release.  Without preload (no dispatcher runs
 * then) the counts are the process's own.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"

#include "worker_common.h"
#include "webhook_limits.h"

/* endpoints with requests running, per dispatcher */
#define ROW_MAX		256

typedef struct limit_entry
{
	int64		webhook_id;
	int32		running;
} limit_entry;

typedef struct limit_row
{
	pid_t		pid;			/* 0: free */
	Latch	   *latch;
	bool		waiting;
	int			n;
	limit_entry entries[ROW_MAX];
} limit_row;

typedef struct limit_table
{
	LWLock	   *lock;
	limit_row	rows[SOLANA_MAX_DISPATCHERS];
} limit_table;

static limit_table *table = NULL;
static limit_row local_row;		/* without the shared table */
static limit_row *my_row = NULL;
static bool locked = false;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
limits_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(limit_table)));
	RequestNamedLWLockTranche("pg_solana_webhook_limits", 1);
}

static void
limits_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	table = ShmemInitStruct("pg_solana webhook limits", sizeof(limit_table), &found);
	if (!found)
	{
		memset(table, 0, sizeof(*table));
		table->lock = &(GetNamedLWLockTranche("pg_solana_webhook_limits"))->lock;
	}
	LWLockRelease(AddinShmemInitLock);
}

void
solana_webhook_limits_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = limits_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = limits_shmem_startup;
}

/* at exit: give the row back (its requests died with the process) */
static void
limits_detach(int code, Datum arg)
{
	if (table == NULL || my_row == NULL || my_row == &local_row)
		return;
	LWLockAcquire(table->lock, LW_EXCLUSIVE);
	if (my_row->pid == MyProcPid)
		memset(my_row, 0, sizeof(*my_row));
	LWLockRelease(table->lock);
	my_row = NULL;
}

/* under the lock: this process's row, taken on first use */
static limit_row *
row_of_mine(void)
{
	if (my_row != NULL)
		return my_row;
	if (table != NULL)
	{
		for (int i = 0; i < SOLANA_MAX_DISPATCHERS; i++)
		{
			limit_row  *r = &table->rows[i];

			if (r->pid == 0 || r->pid == MyProcPid)
			{
				memset(r, 0, sizeof(*r));
				r->pid = MyProcPid;
				r->latch = MyLatch;
				my_row = r;
				before_shmem_exit(limits_detach, (Datum) 0);
				return my_row;
			}
		}
	}
	/* not preloaded, or more processes than dispatchers can be */
	my_row = &local_row;
	return my_row;
}

void
solana_webhook_limits_begin(void)
{
	Assert(!locked);
	if (table != NULL)
		LWLockAcquire(table->lock, LW_EXCLUSIVE);
	locked = true;
	(void) row_of_mine();
}

bool
solana_webhook_limits_take(int64 webhook_id, int max_cnt)
{
	int			total = 0;
	limit_entry *mine = NULL;

	Assert(locked);
	if (my_row == &local_row)
	{
		for (int k = 0; k < local_row.n; k++)
			if (local_row.entries[k].webhook_id == webhook_id)
				total += local_row.entries[k].running;
	}
	else
	{
		for (int i = 0; i < SOLANA_MAX_DISPATCHERS && total < max_cnt; i++)
		{
			limit_row  *r = &table->rows[i];

			if (r->pid == 0)
				continue;
			for (int k = 0; k < r->n; k++)
				if (r->entries[k].webhook_id == webhook_id)
				{
					total += r->entries[k].running;
					break;
				}
		}
	}
	if (total >= max_cnt)
		return false;
	for (int k = 0; k < my_row->n; k++)
		if (my_row->entries[k].webhook_id == webhook_id)
			mine = &my_row->entries[k];
	if (mine == NULL)
	{
		if (my_row->n == ROW_MAX)
			return false;		/* more endpoints at once than a row holds */
		mine = &my_row->entries[my_row->n++];
		mine->webhook_id = webhook_id;
		mine->running = 0;
	}
	mine->running++;
	return true;
}

void
solana_webhook_limits_end(bool waiting)
{
	Assert(locked);
	my_row->waiting = waiting;
	locked = false;
	if (table != NULL)
		LWLockRelease(table->lock);
}

void
solana_webhook_limits_release(int64 webhook_id)
{
	Latch	   *wake[SOLANA_MAX_DISPATCHERS];
	int			n_wake = 0;

	if (table != NULL)
		LWLockAcquire(table->lock, LW_EXCLUSIVE);
	(void) row_of_mine();
	for (int k = 0; k < my_row->n; k++)
		if (my_row->entries[k].webhook_id == webhook_id)
		{
			if (--my_row->entries[k].running <= 0)
				my_row->entries[k] = my_row->entries[--my_row->n];
			break;
		}
	if (my_row != &local_row)
	{
		for (int i = 0; i < SOLANA_MAX_DISPATCHERS; i++)
		{
			limit_row  *r = &table->rows[i];

			if (r != my_row && r->pid != 0 && r->waiting && r->latch != NULL)
			{
				r->waiting = false;
				wake[n_wake++] = r->latch;
			}
		}
	}
	if (table != NULL)
		LWLockRelease(table->lock);
	/* SetLatch outside the lock: it may make a system call */
	for (int i = 0; i < n_wake; i++)
		SetLatch(wake[i]);
}
