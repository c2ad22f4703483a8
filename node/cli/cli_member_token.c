/* cli_member_token.c: "member renew" and "member install" for a member
 * whose signing key is in a PKCS#11 token: the new key is made inside the
 * same token, its URI waits in DIR/renewal-sign-key.uri until the renewed
 * certificate is installed, and then node.ini's [signing] key names it. */
#include "cli_int.h"
#include "node.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The token part of a key's URI: the path attributes that name the token
 * (token, manufacturer, serial, model, slot...), without those that name
 * the key (object, id, type), and the query as it is. */
static int token_of(const char *key_uri, char *out, size_t cap)
{
	const char *p = key_uri + strlen("pkcs11:"), *q = strchr(p, '?');
	size_t end = q ? (size_t)(q - p) : strlen(p), used;
	int n = snprintf(out, cap, "pkcs11:");

	while (end > 0) {
		size_t len = strcspn(p, ";?");

		if (len > end)
			len = end;
		if (strncmp(p, "object=", 7) != 0 &&
		    strncmp(p, "id=", 3) != 0 && strncmp(p, "type=", 5) != 0 &&
		    len > 0) {
			used = strlen(out);
			n = snprintf(out + used, cap - used, "%s%.*s",
			             out[used - 1] == ':' ? "" : ";", (int)len,
			             p);
			if (n < 0 || (size_t)n >= cap - used)
				return -1;
		}
		p += len;
		end -= len;
		if (end > 0 && *p == ';') {
			p++;
			end--;
		}
	}
	used = strlen(out);
	if (q != NULL &&
	    (size_t)snprintf(out + used, cap - used, "%s", q) >= cap - used)
		return -1;
	return strcmp(out, "pkcs11:") == 0 ? -1 : 0;
}

/* The token settings are set up already (the listed key was loaded). */
int sp_cli__token_renew_key(const sp_config *cfg, sp_key_alg alg,
                            const char *uri_file, char *new_key, size_t cap)
{
	char token[2048], label[128], shown[512];
	char *uri = NULL;
	const char *why = NULL;
	int err;

	if (token_of(cfg->sign_key, token, sizeof(token)) != 0) {
		sp_cli__err("member renew: [signing] key %s names no token",
		            sp_key_redact(cfg->sign_key, shown, sizeof(shown)));
		return -1;
	}
	/* a label of its own, so that the listed key stays beside it */
	snprintf(label, sizeof(label), "%s-sign-%lld", cfg->node_id,
	         (long long)time(NULL));
	if ((err = sp_key_pkcs11_generate(token, alg, label, &uri, &why)) !=
	    SP_OK) {
		sp_cli__err("member renew: %s: %s: %s",
		            sp_key_redact(token, shown, sizeof(shown)),
		            sp_strerror(err), why ? why : "-");
		return -1;
	}
	if ((size_t)snprintf(new_key, cap, "%s", uri) >= cap ||
	    sp_cli__write_output(uri_file, (const uint8_t *)uri, strlen(uri),
	                         1) != 0) {
		free(uri);
		return -1;
	}
	free(uri);
	return 0;
}

int sp_cli__token_pending(const char *uri_file, char *new_key, size_t cap)
{
	uint8_t *b = NULL;
	size_t n;

	if (sp_cli__read_input(uri_file, &b, &n) != 0)
		return -1;
	while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r'))
		n--;
	if (n > 0 && n < cap) {
		memcpy(new_key, b, n);
		new_key[n] = '\0';
	}
	free(b);
	if (n == 0 || n >= cap || strlen(new_key) != n ||
	    strchr(new_key, '\n') != NULL || !sp_key_is_pkcs11(new_key)) {
		sp_cli__err("member install: %s: not one pkcs11: URI",
		            uri_file);
		return -1;
	}
	return 0;
}

int sp_cli__token_install_renewal(const char *cfg_path, const char *uri_file,
                                  const char *new_key)
{
	if (sp_config_set(cfg_path, "signing", "key", new_key) != 0) {
		sp_cli__err("member install: %s: %s", cfg_path,
		            strerror(errno));
		return -1;
	}
	remove(uri_file);
	return 0;
}
