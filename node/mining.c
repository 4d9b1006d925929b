/* Continuous mining; see mining.h. */
#include "node/mining.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include "node/log.h"
#include "util/hex.h"

struct node_mining {
	struct node_chain *chain;
	struct node_mempool *mempool;
	const struct node_relay *relay;
	struct node_miner *miner;
	struct event *found_ev, *timer;
	uint8_t pkh[20];
	uint64_t extra_nonce;
	uint64_t template_txs;          /* relay->accepted when the template was built */
	time_t template_time;
};

void node_mining_refresh(struct node_mining *m)
{
	struct cons_block t;

	if (!m)
		return;
	m->template_txs = m->relay->accepted;
	m->template_time = time(NULL);
	cons_block_init(&t);
	if (node_block_template(&t, m->chain, m->mempool, m->pkh, ++m->extra_nonce) < 0 ||
	    node_miner_set_job(m->miner, &t) < 0)
		log_error("cannot build a block template");
	cons_block_release(&t);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct node_mining *m = arg;

	if (m->relay->accepted != m->template_txs || time(NULL) - m->template_time >= 5)
		node_mining_refresh(m);
}

static void on_found(evutil_socket_t fd, short what, void *arg)
{
	struct node_mining *m = arg;
	struct cons_block b;
	struct cons_state st;
	char hex[65];

	cons_block_init(&b);
	if (!node_miner_take(m->miner, &b))
		return;                 /* a stale solution: the tip moved meanwhile */
	util_hex_encode_rev(hex, b.hash, 32);
	cons_state_init(&st);
	if (node_chain_accept_block(m->chain, &b, NULL, &st) == CONS_VALID)
		log_info("mined block %s", hex);
	else
		log_warn("mined block %s rejected: %s %s", hex, cons_reject_reason(st.code), st.detail);
	node_mining_refresh(m);
}

struct node_mining *node_mining_start(struct event_base *base, struct node_chain *chain,
				      struct node_mempool *mempool,
				      const struct node_relay *relay, const uint8_t pkh[20],
				      int threads, int pace, char *err, size_t errlen)
{
	struct node_mining *m = calloc(1, sizeof(*m));
	struct timeval second = {1, 0};

	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->chain = chain;
	m->mempool = mempool;
	m->relay = relay;
	memcpy(m->pkh, pkh, 20);
	/* A random start: miners paying one address must not build identical blocks. */
	if (getrandom(&m->extra_nonce, sizeof(m->extra_nonce), 0) != sizeof(m->extra_nonce))
		m->extra_nonce = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
	m->miner = node_miner_new(threads);
	if (m->miner)
		node_miner_set_pace(m->miner, pace);
	m->found_ev = m->miner ? event_new(base, node_miner_fd(m->miner), EV_READ | EV_PERSIST,
					   on_found, m) : NULL;
	m->timer = event_new(base, -1, EV_PERSIST, on_timer, m);
	if (!m->found_ev || !m->timer || event_add(m->found_ev, NULL) < 0 ||
	    event_add(m->timer, &second) < 0) {
		snprintf(err, errlen, "cannot start the miner's %d threads", threads);
		node_mining_free(m);
		return NULL;
	}
	node_mining_refresh(m);
	return m;
}

struct node_miner *node_mining_miner(struct node_mining *m)
{
	return m ? m->miner : NULL;
}

void node_mining_free(struct node_mining *m)
{
	if (!m)
		return;
	if (m->found_ev)
		event_free(m->found_ev);
	if (m->timer)
		event_free(m->timer);
	node_miner_free(m->miner);
	free(m);
}
