/* relay.c: the other federations a node follows ([relay]): their anchors and
 * trust lists, a gateway's listener in each, and the routing decisions of
 * relay between federations (SPEC 13.5): which list verifies a record,
 * whether a gateway relays it, and where a submission for another
 * federation's member goes. */
#include "relay_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

typedef struct relay_fed {
	char id[SP_NODE_ID_MAX + 1];
	sp_anchors *anchors;
	sp_trust *trust; /* swapped on the loop thread under relay->mu */
	char *anchor_file;
	char *tls_cert; /* NULL: no identity in this federation */
	char *tls_key;
	int member; /* listed there with the configured TLS certificate */
	sp_server *server;
	sp_node *node; /* for the listener's handler */
	size_t index;
} relay_fed;

struct sp_relay {
	pthread_mutex_t mu;
	size_t n;
	relay_fed feds[SP_CONFIG_MAX_LIST];
};

/* A consistent view for a worker: [0] is the home list (borrowed), the
 * rest are references taken under the lock. */
typedef struct snap {
	const sp_trust *t[SP_CONFIG_MAX_LIST + 1];
	int member[SP_CONFIG_MAX_LIST + 1];
	size_t n;
} snap;

static void snap_take(sp_node *n, const sp_trust *home, snap *s)
{
	sp_relay *r = n->relay;
	size_t i;

	s->t[0] = home;
	s->member[0] = 1;
	s->n = 1;
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->n; i++) {
		s->t[s->n] = sp_trust_ref(r->feds[i].trust);
		s->member[s->n] = r->feds[i].member;
		s->n++;
	}
	pthread_mutex_unlock(&r->mu);
}

static void snap_release(snap *s)
{
	size_t i;

	for (i = 1; i < s->n; i++)
		sp_trust_unref((sp_trust *)(uintptr_t)s->t[i]);
	s->n = 0;
}

/* Index of the first list of the view that lists id, or -1. */
static int snap_find(const snap *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->t[i] != NULL &&
		    sp_tl_find(sp_trust_list(s->t[i]), id) != NULL)
			return (int)i;
	return -1;
}

/* 1 if one list of the view lists both a and b: a broadcast of a then
 * addresses b (REC-8). */
static int snap_together(const snap *s, const char *a, const char *b)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		const sp_tl *tl =
		    s->t[i] != NULL ? sp_trust_list(s->t[i]) : NULL;

		if (tl != NULL && sp_tl_find(tl, a) != NULL &&
		    sp_tl_find(tl, b) != NULL)
			return 1;
	}
	return 0;
}

static int relays_to(const sp_tl_member *m, const char *federation)
{
	size_t i;

	for (i = 0; i < m->n_relays_to; i++)
		if (strcmp(m->relays_to[i], federation) == 0)
			return 1;
	return 0;
}

/* ---------------------------------------------------------------- start */

/* The port of "https://HOST[:PORT][/...]" (443 when absent), or 0. */
static unsigned endpoint_port(const char *url)
{
	const char *h, *end, *colon;
	uint64_t v = 0;

	if (strncmp(url, "https://", 8) != 0)
		return 0;
	h = url + 8;
	end = h + strcspn(h, "/?#");
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));

		if (rb == NULL)
			return 0;
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
	}
	if (colon == NULL)
		return 443;
	if (sp_parse_u64(colon + 1, (size_t)(end - colon - 1), 65535, &v) !=
	    SP_OK)
		return 0;
	return v > 0 ? (unsigned)v : 0;
}

/* The listener of a relay federation: callers are identified against
 * that federation's list only ([FED-41]). */
static void relay_handle(sp_http_req *req, void *arg)
{
	relay_fed *rf = arg;

	sp_node__dispatch(rf->node, req, (int)rf->index);
}

/* The listener's authentication callback, as the home listener's: a
 * connection leaves the anonymous share only for an operator or an active
 * member of this federation's list (SPEC SEC-21, FED-41), and
 * sp_node__relay_recheck() closes it when it stops being one (SEC-24). */
static int relay_authenticated(const uint8_t *der, size_t len, void *arg)
{
	relay_fed *rf = arg;
	sp_caller c;

	sp_node__caller_der(rf->node, (int)rf->index, der, len, &c);
	return c.operator|| c.member_active;
}

size_t sp_node__relay_recheck(sp_node *n)
{
	size_t i, closed = 0;

	if (n->relay == NULL)
		return 0;
	for (i = 0; i < n->relay->n; i++)
		if (n->relay->feds[i].server != NULL)
			closed += sp_server_recheck(n->relay->feds[i].server);
	return closed;
}

/* Check the gateway's identity in the federation and listen for it. */
static int start_identity(sp_node *n, relay_fed *rf)
{
	const sp_tl_member *me =
	    sp_tl_find(sp_trust_list(rf->trust), n->cfg->node_id);
	sp_server_config sc;
	uint8_t *der = NULL;
	size_t der_len = 0;
	unsigned port;
	const char *cas[2] = {rf->anchor_file, NULL};
	const char *why = NULL;
	int err, same;

	if (me == NULL) {
		sp_log(SP_LOG_ERROR, "start_failed",
		       SP_LF_STR("why",
		                 "[relay] tls_cert given for a federation "
		                 "the node is not a member of"),
		       SP_LF_STR("federation", rf->id),
		       SP_LF_STR("node", n->cfg->node_id));
		return -1;
	}
	if ((err = sp_pki_cert_der(rf->tls_cert, &der, &der_len, &why)) !=
	    SP_OK) {
		sp_log(SP_LOG_ERROR, "start_failed",
		       SP_LF_STR("file", rf->tls_cert),
		       SP_LF_STR("err", sp_strerror(err)),
		       SP_LF_STR("why", why));
		return -1;
	}
	same = sp_tl_member_has_tls_cert(me, der, der_len); /* TL-79 */
	free(der);
	if (!same) {
		sp_log(SP_LOG_ERROR, "start_failed",
		       SP_LF_STR("why", "the file is not the node's "
		                        "TlsCertificate in the federation"),
		       SP_LF_STR("file", rf->tls_cert),
		       SP_LF_STR("node", n->cfg->node_id),
		       SP_LF_STR("federation", rf->id));
		return -1;
	}
	if (me->n_endpoints == 0 ||
	    (port = endpoint_port(me->endpoints[0])) == 0) {
		sp_log(SP_LOG_ERROR, "start_failed",
		       SP_LF_STR("why", "the node has no usable https Endpoint "
		                        "in the federation"),
		       SP_LF_STR("node", n->cfg->node_id),
		       SP_LF_STR("federation", rf->id));
		return -1;
	}
	sp_node__server_config(n->cfg, &sc);
	sc.port = (uint16_t)port;
	sc.cert_file = rf->tls_cert;
	sc.key_file = rf->tls_key;
	sc.client_ca_files = cas;
	sc.handler = relay_handle;
	sc.handler_arg = rf;
	sc.authenticated = relay_authenticated;
	sc.auth_arg = rf;
	sc.access_log = sp_node__access_log;
	sc.access_log_arg = n;
	if ((err = sp_server_new(n->base, &sc, &rf->server, &why)) != SP_OK) {
		sp_log(SP_LOG_ERROR, "listen_failed",
		       SP_LF_STR("federation", rf->id),
		       SP_LF_STR("address", n->cfg->listen_address),
		       SP_LF_UINT("port", port),
		       SP_LF_STR("err", sp_strerror(err)),
		       SP_LF_STR("why", why));
		return -1;
	}
	rf->member = 1;
	sp_log(SP_LOG_INFO, "relay_listening", SP_LF_STR("federation", rf->id),
	       SP_LF_STR("address", n->cfg->listen_address),
	       SP_LF_UINT("port", sp_server_port(rf->server)));
	return 0;
}

int sp_node__relay_start(sp_node *n)
{
	const sp_config *cfg = n->cfg;
	const sp_tl_member *me =
	    sp_tl_find(sp_trust_list(n->trust), cfg->node_id);
	sp_relay *r;
	const char *why = NULL;
	size_t i, j;
	int err;

	if (cfg->n_relay_federations == 0)
		return 0;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	pthread_mutex_init(&r->mu, NULL);
	n->relay = r;
	for (i = 0; i < cfg->n_relay_federations; i++) {
		relay_fed *rf = &r->feds[i];

		snprintf(rf->id, sizeof(rf->id), "%s",
		         cfg->relay_federations[i]);
		rf->node = n;
		rf->index = i;
		for (j = 0; j < i; j++) {
			if (strcmp(r->feds[j].id, rf->id) == 0) {
				sp_log(
				    SP_LOG_ERROR, "start_failed",
				    SP_LF_STR("why",
				              "[relay] federation given twice"),
				    SP_LF_STR("federation", rf->id));
				return -1;
			}
		}
		r->n = i + 1;
		if ((rf->anchor_file = strdup(cfg->relay_anchors[i])) == NULL ||
		    sp_anchors_new(&rf->anchors) != SP_OK)
			return -1;
		if ((err = sp_anchors_add_pem_file(rf->anchors, rf->anchor_file,
		                                   &why)) != SP_OK) {
			sp_log(SP_LOG_ERROR, "anchor_refused",
			       SP_LF_STR("federation", rf->id),
			       SP_LF_STR("file", rf->anchor_file),
			       SP_LF_STR("err", sp_strerror(err)),
			       SP_LF_STR("why", why));
			return -1;
		}
		if (sp_node__load_list(n, (int)i, rf->anchors, rf->id,
		                       cfg->relay_trust_lists[i],
		                       n->cfg->clock_skew, &rf->trust) != 0)
			return -1;
		if (i < cfg->n_relay_tls_certs) {
			if ((rf->tls_cert = strdup(cfg->relay_tls_certs[i])) ==
			        NULL ||
			    (rf->tls_key = strdup(cfg->relay_tls_keys[i])) ==
			        NULL)
				return -1;
			if (start_identity(n, rf) != 0)
				return -1;
		}
		sp_log(
		    SP_LOG_INFO, "relay_federation",
		    SP_LF_STR("federation", rf->id),
		    SP_LF_UINT("sequence", sp_trust_list(rf->trust)->sequence),
		    SP_LF_INT("member", rf->member),
		    SP_LF_INT("relays_to",
		              me != NULL && relays_to(me, rf->id)));
	}
	return 0;
}

void sp_node__relay_close(sp_node *n)
{
	size_t i;

	if (n->relay == NULL)
		return;
	for (i = 0; i < n->relay->n; i++) {
		sp_server_free(n->relay->feds[i].server);
		n->relay->feds[i].server = NULL;
	}
}

void sp_node__relay_free(sp_node *n)
{
	sp_relay *r = n->relay;
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		relay_fed *rf = &r->feds[i];

		sp_server_free(rf->server);
		sp_trust_unref(rf->trust);
		sp_anchors_free(rf->anchors);
		free(rf->anchor_file);
		free(rf->tls_cert);
		free(rf->tls_key);
	}
	pthread_mutex_destroy(&r->mu);
	free(r);
	n->relay = NULL;
}

/* ---------------------------------------------------------------- queries */

size_t sp_node_relay_count(const sp_node *n)
{
	return n->relay != NULL ? n->relay->n : 0;
}

const char *sp_node_relay_federation(const sp_node *n, size_t i)
{
	return n->relay->feds[i].id;
}

int sp_node_relay_index(const sp_node *n, const char *federation)
{
	size_t i;

	for (i = 0; i < sp_node_relay_count(n); i++)
		if (strcmp(n->relay->feds[i].id, federation) == 0)
			return (int)i;
	return -1;
}

sp_trust *sp_node_relay_trust(sp_node *n, size_t i)
{
	sp_trust *t;

	pthread_mutex_lock(&n->relay->mu);
	t = sp_trust_ref(n->relay->feds[i].trust);
	pthread_mutex_unlock(&n->relay->mu);
	return t;
}

const sp_anchors *sp_node_relay_anchors(const sp_node *n, size_t i)
{
	return n->relay->feds[i].anchors;
}

int sp_node_relay_identity(const sp_node *n, size_t i, const char **cert,
                           const char **key, const char **anchor_file)
{
	const relay_fed *rf = &n->relay->feds[i];

	if (cert)
		*cert = rf->tls_cert;
	if (key)
		*key = rf->tls_key;
	if (anchor_file)
		*anchor_file = rf->anchor_file;
	return rf->member;
}

sp_trust *sp_node_trust_for(sp_node *n, const char *node_id)
{
	sp_relay *r = n->relay;
	sp_trust *t = NULL;
	size_t i;

	if (sp_tl_find(sp_trust_list(n->trust), node_id) != NULL)
		return sp_trust_ref(n->trust);
	if (r == NULL)
		return NULL;
	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->n && t == NULL; i++)
		if (sp_tl_find(sp_trust_list(r->feds[i].trust), node_id) !=
		    NULL)
			t = sp_trust_ref(r->feds[i].trust);
	pthread_mutex_unlock(&r->mu);
	return t;
}

int sp_node__binding(sp_node *n, const char *node_id)
{
	size_t i;
	int found = -2;

	if (sp_tl_find(sp_trust_list(n->trust), node_id) != NULL)
		return -1;
	if (n->relay == NULL)
		return -2;
	pthread_mutex_lock(&n->relay->mu);
	for (i = 0; i < n->relay->n && found == -2; i++)
		if (sp_tl_find(sp_trust_list(n->relay->feds[i].trust),
		               node_id) != NULL)
			found = (int)i;
	pthread_mutex_unlock(&n->relay->mu);
	return found;
}

int sp_node__relay_expired(sp_node *n, int64_t t)
{
	size_t i;

	for (i = 0; i < sp_node_relay_count(n); i++)
		if (sp_trust_expired(n->relay->feds[i].trust, t))
			return 1;
	return 0;
}

const uint8_t *sp_node_list_bytes(sp_node *n, const char *federation,
                                  size_t *len)
{
	int i;

	if (strcmp(federation, sp_trust_list(n->trust)->federation) == 0)
		return sp_trust_list_bytes(n->trust, len);
	if ((i = sp_node_relay_index(n, federation)) < 0)
		return NULL;
	return sp_trust_list_bytes(n->relay->feds[i].trust, len);
}

const char *sp_node_list_digest(sp_node *n, const char *federation)
{
	int i;

	if (strcmp(federation, sp_trust_list(n->trust)->federation) == 0)
		return sp_trust_list_digest(n->trust);
	if ((i = sp_node_relay_index(n, federation)) < 0)
		return NULL;
	return sp_trust_list_digest(n->relay->feds[i].trust);
}

void sp_node__relay_set_trust(sp_node *n, size_t i, sp_trust *t)
{
	relay_fed *rf = &n->relay->feds[i];
	sp_trust *old;

	pthread_mutex_lock(&n->relay->mu);
	old = rf->trust;
	rf->trust = sp_trust_ref(t);
	pthread_mutex_unlock(&n->relay->mu);
	sp_trust_unref(old);
}

/* ---------------------------------------------------------------- visibility
 */

void sp_node_broadcasters(sp_node *n, const sp_trust *home, const char *viewer,
                          sp_text *out)
{
	snap s;
	size_t i, k;
	int any = 0;

	snap_take(n, home, &s);
	for (i = 0; i < s.n; i++) {
		const sp_tl *tl = s.t[i] != NULL ? sp_trust_list(s.t[i]) : NULL;

		if (tl == NULL || sp_tl_find(tl, viewer) == NULL)
			continue;
		for (k = 0; k < tl->n_members; k++)
			sp_text_printf(out, " %s", tl->members[k].node_id);
		any = 1;
	}
	if (any)
		sp_text_append(out, " ", 1);
	snap_release(&s);
}

/* ---------------------------------------------------------------- routing */

int sp_node__verify_record(sp_node *n, const sp_trust *home, const uint8_t *buf,
                           size_t len, const sp_verify_opts *o, sp_doc **doc,
                           sp_record **rec, const char **why)
{
	snap s;
	size_t i;
	int err = sp_verify_record(home, buf, len, o, doc, rec, why);

	if (err != SP_ERR_UNKNOWN_ORIGIN || n->relay == NULL)
		return err;
	/* The Origin belongs to another federation: its own operator's list
	 * decides, with the same rules as at home. */
	snap_take(n, home, &s);
	for (i = 1; i < s.n && err == SP_ERR_UNKNOWN_ORIGIN; i++)
		err = sp_verify_record(s.t[i], buf, len, o, doc, rec, why);
	snap_release(&s);
	return err;
}

int sp_node__route_received(sp_node *n, const sp_trust *home,
                            const sp_record *rec, const char **deliver,
                            size_t *n_deliver, int *addressee)
{
	const char *self = n->cfg->node_id, *origin = sp_record_origin(rec);
	const sp_tl_member *me;
	snap s;
	size_t i, count = sp_record_recipient_count(rec);
	int src, dst;

	*n_deliver = 0;
	snap_take(n, home, &s);
	/* A broadcast addresses the members of its Origin's federations only
	 * (REC-8) and is never relayed (FED-29, FED-37): a node in none of
	 * them has no reason to hold it (ACC-12). */
	if (sp_record_is_broadcast(rec)) {
		*addressee = strcmp(origin, self) == 0 ||
		             snap_together(&s, origin, self);
		snap_release(&s);
		return *addressee ? SP_OK : SP_ERR_NOT_RECIPIENT;
	}
	/* Being named is enough: other Recipients that no list here knows
	 * are the Origin's business, not a reason to refuse (SPEC [API-64]);
	 * below, only recipients found in a followed list are relayed to. */
	*addressee = sp_record_visible_to(rec, self);
	if (n->relay == NULL) {
		snap_release(&s);
		return *addressee ? SP_OK : SP_ERR_NOT_RECIPIENT;
	}
	src = snap_find(&s, origin);
	me = src >= 0 ? sp_tl_find(sp_trust_list(s.t[src]), self) : NULL;
	if (me != NULL && me->status == SP_STATUS_ACTIVE) {
		for (i = 0; i < count && *n_deliver < SP_STORE_MAX_RECIPIENTS;
		     i++) {
			const char *x = sp_record_recipient(rec, i);

			if (strcmp(x, self) == 0)
				continue;
			dst = snap_find(&s, x);
			/* Only into another federation (FED-30), one where this
			 * node can reach members, and only where the Origin's
			 * operator lists it as relaying there (FED-23). */
			if (dst < 0 || dst == src || !s.member[dst] ||
			    !relays_to(me, sp_trust_list(s.t[dst])->federation))
				continue;
			deliver[(*n_deliver)++] = x;
		}
	}
	snap_release(&s);
	return *addressee || *n_deliver > 0 ? SP_OK : SP_ERR_NOT_RECIPIENT;
}

static int add_unique(const char **deliver, size_t *n, const char *id)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp(deliver[i], id) == 0)
			return 0;
	if (*n == SP_STORE_MAX_DELIVER)
		return -1;
	deliver[(*n)++] = id;
	return 0;
}

/* The gateways of this node towards dfed, in home-list order ([FED-53]):
 * every active member other than itself whose RelaysTo names dfed. */
static size_t gateways_to(const sp_tl *tl, const char *self, const char *dfed,
                          char (*gw)[SP_NODE_ID_MAX + 1], size_t cap)
{
	size_t k, n_gw = 0;

	for (k = 0; k < tl->n_members; k++) {
		const sp_tl_member *m = &tl->members[k];

		if (strcmp(m->node_id, self) == 0 ||
		    m->status != SP_STATUS_ACTIVE || !relays_to(m, dfed))
			continue;
		if (n_gw < cap)
			snprintf(gw[n_gw], sizeof(gw[n_gw]), "%s", m->node_id);
		n_gw++;
	}
	return n_gw < cap ? n_gw : cap;
}

size_t sp_node_relay_gateways(sp_node *n, const char *recipient,
                              char (*gw)[SP_NODE_ID_MAX + 1], size_t cap)
{
	sp_trust *home =
	    sp_node_trust(n) ? sp_trust_ref(sp_node_trust(n)) : NULL;
	size_t n_gw = 0;
	snap s;
	int d;

	if (home == NULL)
		return 0;
	snap_take(n, home, &s);
	d = sp_tl_find(sp_trust_list(home), recipient) != NULL
	        ? 0
	        : snap_find(&s, recipient);
	if (d > 0 && !s.member[d])
		n_gw = gateways_to(sp_trust_list(home), n->cfg->node_id,
		                   sp_trust_list(s.t[d])->federation, gw, cap);
	snap_release(&s);
	sp_trust_unref(home);
	return n_gw;
}

int sp_node__route_submit(sp_node *n, const sp_trust *home,
                          const char *const *recips, size_t n_recips,
                          const char **deliver, size_t *n_deliver, char *why,
                          size_t why_cap)
{
	const sp_tl *tl = sp_trust_list(home);
	const char *self = n->cfg->node_id;
	snap s;
	size_t i, k;
	int err = SP_OK;

	*n_deliver = 0;
	snap_take(n, home, &s);
	for (i = 0; i < n_recips && err == SP_OK; i++) {
		const char *x = recips[i], *via = NULL;
		const char *dfed;
		int d;

		if (strcmp(x, self) == 0)
			continue;
		if (sp_tl_find(tl, x) != NULL) {
			via = x;
		} else if ((d = snap_find(&s, x)) < 0) {
			err = SP_ERR_FIELD;
			snprintf(why, why_cap,
			         "Recipients/Node: '%s' is not a member of "
			         "federation %s%s",
			         x, tl->federation,
			         s.n > 1
			             ? " nor of a federation this node follows"
			             : "");
		} else if (s.member[d]) {
			via = x; /* this node is a member there itself */
		} else {
			dfed = sp_trust_list(s.t[d])->federation;
			/* the first gateway; the others take over when it
			 * fails or misses the relay deadline ([FED-53]) */
			for (k = 0; k < tl->n_members && via == NULL; k++) {
				const sp_tl_member *m = &tl->members[k];

				if (strcmp(m->node_id, self) != 0 &&
				    m->status == SP_STATUS_ACTIVE &&
				    relays_to(m, dfed))
					via = m->node_id;
			}
			if (via == NULL) {
				err = SP_ERR_FIELD;
				snprintf(why, why_cap,
				         "Recipients/Node: '%s' is a member of "
				         "federation %s, and no active member "
				         "of %s relays to it",
				         x, dfed, tl->federation);
			}
		}
		if (via != NULL && add_unique(deliver, n_deliver, via) != 0) {
			err = SP_ERR_FIELD;
			snprintf(why, why_cap, "Recipients: too many");
		}
	}
	snap_release(&s);
	return err;
}
