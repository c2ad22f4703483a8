/* fed_relay.c (peers): the federation side of relay between federations
 * (SPEC 13.5): peers for the members of each other federation in which this
 * node is a gateway, reached with its own TLS identity there, and polling
 * of the other federations' trust lists from the peers that hold them. */
#include "fed_int.h"

#include <stdio.h>
#include <string.h>

void fed_relay_rebuild(fed *f)
{
	sp_node *n = f->n;
	size_t i, k;

	for (i = 0; i < sp_node_relay_count(n); i++) {
		const char *federation = sp_node_relay_federation(n, i);
		sp_trust *t;
		const sp_tl *tl;

		/* Only where this node is a member with an identity: elsewhere
		 * it follows the list to verify, and reaches no one. */
		if (!sp_node_relay_identity(n, i, NULL, NULL, NULL) ||
		    (t = sp_node_relay_trust(n, i)) == NULL)
			continue;
		tl = sp_trust_list(t);
		for (k = 0; k < tl->n_members; k++)
			if (strcmp(tl->members[k].node_id,
			           sp_node_config(n)->node_id) != 0)
				fed_peer_update(f, &tl->members[k], federation);
		sp_trust_unref(t);
	}
}

int fed_relay_client(fed *f, const fed_peer *p, sp_h2_client_config *cc,
                     const char **cas)
{
	const char *cert = NULL, *key = NULL, *anchor = NULL;
	int i = sp_node_relay_index(f->n, p->federation);

	if (i < 0 ||
	    !sp_node_relay_identity(f->n, (size_t)i, &cert, &key, &anchor))
		return -1;
	cc->cert_file = cert;
	cc->key_file = key;
	cas[0] = anchor;
	cas[1] = NULL;
	cc->ca_files = cas;
	return 0;
}

/* Each other federation's list from its members that are peers, and from
 * the peers of this node's federation that it lists (its gateways). */
void fed_relay_poll(fed *f)
{
	sp_node *n = f->n;
	size_t i, k;

	for (i = 0; i < sp_node_relay_count(n); i++) {
		const char *federation = sp_node_relay_federation(n, i);
		sp_trust *t = sp_node_relay_trust(n, i);

		if (t == NULL)
			continue;
		for (k = 0; k < f->n_peers; k++) {
			fed_peer *p = f->peers[k];

			if (strcmp(p->federation, federation) == 0 ||
			    (p->federation[0] == '\0' &&
			     sp_tl_find(sp_trust_list(t), p->id) != NULL))
				fed_trust_request(f, p, federation, (int)i);
		}
		sp_trust_unref(t);
	}
}
