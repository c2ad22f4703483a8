/* client_tls.c: the HTTP/2 client's TLS: context, server chain, name and pin
 * checks, ALPN, failure reasons. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "base.h"
#include "client_int.h"
#include "trust.h"

static const unsigned char alpn_h2[] = {2, 'h', '2'};

/* An IP literal, to which no SNI is sent (SPEC [API-63], RFC 6066 section
 * 3). No DNS name holds a ':', so every IPv6 form counts, also those that
 * inet_pton() does not take (a zone as in "fe80::1%eth0"). */
int sp_peers__is_ip(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	       inet_pton(AF_INET6, s, buf) == 1 || strchr(s, ':') != NULL;
}

static void log_ssl_errors(const char *what)
{
	unsigned long e;
	char buf[256];

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		sp_log(SP_LOG_ERROR, "tls_error", SP_LF_STR("what", what),
		       SP_LF_STR("openssl", buf));
	}
}

/* Chain errors that only say "no anchor": acceptable when the pin alone is
 * the check (no CA configured). Expiry and bad signatures are not. */
static int anchor_error(int e)
{
	switch (e) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
		return 1;
	default:
		return 0;
	}
}

/* 1 if the certificate's DER equals the pin. */
static int pin_matches(const sp_h2_client *c, X509 *cert)
{
	unsigned char *der = NULL;
	int n, ok;

	if (cert == NULL)
		return 0;
	n = i2d_X509(cert, &der);
	if (n <= 0)
		return 0;
	ok = ((size_t)n == c->pin_len &&
	      CRYPTO_memcmp(der, c->pin, c->pin_len) == 0) ||
	     (c->pin_next != NULL && (size_t)n == c->pin_next_len &&
	      CRYPTO_memcmp(der, c->pin_next, c->pin_next_len) == 0);
	OPENSSL_free(der);
	return ok;
}

static int verify_cb(int preverify_ok, X509_STORE_CTX *xctx)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(
	    xctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	sp_h2_conn *k = ssl != NULL ? SSL_get_app_data(ssl) : NULL;
	sp_h2_client *c;
	int err, depth;

	if (k == NULL)
		return 0;
	c = k->c;
	err = X509_STORE_CTX_get_error(xctx);
	depth = X509_STORE_CTX_get_error_depth(xctx);
	if (!preverify_ok) {
		if (!(c->pin != NULL && c->ctx_no_ca && anchor_error(err))) {
			k->cert_failed = 1;
			k->cert_why = X509_verify_cert_error_string(err);
			return 0;
		}
		X509_STORE_CTX_set_error(xctx, X509_V_OK);
	}
	if (depth == 0 && c->pin != NULL &&
	    !pin_matches(c, X509_STORE_CTX_get_current_cert(xctx))) {
		k->cert_failed = 1;
		k->cert_why =
		    "server certificate does not match the pinned certificate";
		X509_STORE_CTX_set_error(xctx,
		                         X509_V_ERR_APPLICATION_VERIFICATION);
		return 0;
	}
	return 1;
}

int sp_peers__tls_ctx_new(const sp_h2_client_config *cfg, SSL_CTX **out,
                          const char **why)
{
	SSL_CTX *ctx;
	X509_STORE *store;
	size_t i;
	int rc = SP_ERR_INTERNAL;

	*out = NULL;
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL) {
		log_ssl_errors("SSL_CTX_new");
		*why = "cannot create a TLS context";
		return SP_ERR_NOMEM;
	}
	if (SSL_CTX_set_min_proto_version(
	        ctx, cfg->allow_tls12 ? TLS1_2_VERSION : TLS1_3_VERSION) != 1)
		goto internal;
	if (cfg->allow_tls12 &&
	    SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1)
		goto internal;
	SSL_CTX_set_options(ctx,
	                    SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
	/* Note the inverted convention: 0 is success here. */
	if (SSL_CTX_set_alpn_protos(ctx, alpn_h2, sizeof(alpn_h2)) != 0)
		goto internal;
	for (i = 0; cfg->ca_files != NULL && cfg->ca_files[i] != NULL; i++) {
		if (SSL_CTX_load_verify_locations(ctx, cfg->ca_files[i],
		                                  NULL) != 1) {
			log_ssl_errors(cfg->ca_files[i]);
			*why = "cannot read a CA file";
			rc = SP_ERR_IO;
			goto fail;
		}
	}
	store = SSL_CTX_get_cert_store(ctx);
	/* A configured intermediate may act as the anchor, as on the server. */
	X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
	SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	SSL_CTX_set_verify_depth(ctx, 8);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
	if (cfg->cert_file != NULL) {
		if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) !=
		    1) {
			log_ssl_errors(cfg->cert_file);
			*why = "cannot read the client certificate";
			rc = SP_ERR_IO;
			goto fail;
		}
		rc = sp_tls_use_key(ctx, cfg->key_file, why);
		if (rc != SP_OK)
			goto fail;
		if (SSL_CTX_check_private_key(ctx) != 1) {
			ERR_clear_error();
			*why = "the client key does not match its certificate";
			rc = SP_ERR_CERT_INVALID;
			goto fail;
		}
	}
	if (cfg->pinned_cert_der != NULL) {
		const unsigned char *p = cfg->pinned_cert_der;
		X509 *x = d2i_X509(NULL, &p, (long)cfg->pinned_cert_der_len);

		if (x == NULL ||
		    p != cfg->pinned_cert_der + cfg->pinned_cert_der_len) {
			X509_free(x);
			ERR_clear_error();
			*why =
			    "the pinned certificate is not one DER certificate";
			rc = SP_ERR_CERT_INVALID;
			goto fail;
		}
		X509_free(x);
	}
	*out = ctx;
	return SP_OK;
internal:
	log_ssl_errors("TLS context");
	*why = "cannot configure the TLS context";
	rc = SP_ERR_INTERNAL;
fail:
	SSL_CTX_free(ctx);
	return rc;
}

SSL *sp_peers__tls_new(sp_h2_client *c, sp_h2_conn *k, const char **why)
{
	SSL *ssl = SSL_new(c->ctx);
	X509_VERIFY_PARAM *param;

	if (ssl == NULL) {
		log_ssl_errors("SSL_new");
		*why = "out of memory";
		return NULL;
	}
	SSL_set_app_data(ssl, k);
	if (!c->name_is_ip) {
		/* HostName is written without a trailing dot (RFC 6066). */
		char sni[256];
		size_t n = strlen(c->server_name);

		if (n > 1 && c->server_name[n - 1] == '.')
			n--;
		if (n >= sizeof(sni))
			goto fail;
		memcpy(sni, c->server_name, n);
		sni[n] = '\0';
		if (SSL_set_tlsext_host_name(ssl, sni) != 1)
			goto fail;
	}
	if (c->pin == NULL) {
		param = SSL_get0_param(ssl);
		if (c->name_is_ip) {
			if (X509_VERIFY_PARAM_set1_ip_asc(param,
			                                  c->server_name) != 1)
				goto fail;
		} else {
			X509_VERIFY_PARAM_set_hostflags(
			    param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			if (X509_VERIFY_PARAM_set1_host(param, c->server_name,
			                                0) != 1)
				goto fail;
		}
	}
	return ssl;
fail:
	log_ssl_errors("SSL setup");
	SSL_free(ssl);
	*why = "cannot set up TLS for the server name";
	return NULL;
}

int sp_peers__tls_check(sp_h2_conn *k, const char **why)
{
	sp_h2_client *c = k->c;
	const unsigned char *proto = NULL;
	unsigned int plen = 0;
	X509 *cert;
	unsigned char *der = NULL;
	int n;

	SSL_get0_alpn_selected(k->ssl, &proto, &plen);
	if (proto == NULL || plen != 2 || memcmp(proto, "h2", 2) != 0) {
		*why = "server did not select ALPN h2";
		return SP_ERR_UNAVAILABLE;
	}
	cert = SSL_get0_peer_certificate(k->ssl);
	if (cert == NULL) {
		*why = "server sent no certificate";
		return SP_ERR_CERT_INVALID;
	}
	if (k->cert_failed) {
		*why = k->cert_why;
		return SP_ERR_CERT_INVALID;
	}
	if (!c->ctx_no_ca && SSL_get_verify_result(k->ssl) != X509_V_OK) {
		*why = X509_verify_cert_error_string(
		    SSL_get_verify_result(k->ssl));
		return SP_ERR_CERT_INVALID;
	}
	if (c->pin != NULL && !pin_matches(c, cert)) {
		*why =
		    "server certificate does not match the pinned certificate";
		return SP_ERR_CERT_INVALID;
	}
	n = i2d_X509(cert, &der);
	if (n <= 0) {
		*why = "cannot encode the server certificate";
		return SP_ERR_INTERNAL;
	}
	free(k->peer_der);
	k->peer_der = malloc((size_t)n);
	if (k->peer_der == NULL) {
		OPENSSL_free(der);
		*why = "out of memory";
		return SP_ERR_NOMEM;
	}
	memcpy(k->peer_der, der, (size_t)n);
	k->peer_der_len = (size_t)n;
	OPENSSL_free(der);
	return SP_OK;
}

static const char *socket_reason(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return "connection refused";
	case ETIMEDOUT:
		return "connection timed out";
	case EHOSTUNREACH:
	case ENETUNREACH:
		return "host unreachable";
	case ECONNRESET:
		return "connection reset";
	case EPIPE:
		return "connection closed";
	default:
		return NULL;
	}
}

int sp_peers__tls_failure(sp_h2_conn *k, int sock_err, const char **why)
{
	unsigned long e, first = 0;
	const char *r;

	if (k->cert_failed) {
		*why = k->cert_why != NULL ? k->cert_why
		                           : "server certificate refused";
		return SP_ERR_CERT_INVALID;
	}
	if (k->bev != NULL) {
		/* libevent also queues bare SSL_get_error() codes (library
		 * 0): those say nothing the socket error does not. */
		while ((e = bufferevent_get_openssl_error(k->bev)) != 0)
			if (first == 0 && ERR_GET_LIB(e) != 0)
				first = e;
	}
	ERR_clear_error();
	if (first != 0 && ERR_SYSTEM_ERROR(first)) {
		sock_err = ERR_GET_REASON(first);
		first = 0;
	}
	if (first != 0) {
		r = ERR_reason_error_string(first);
		*why = r != NULL ? r : "TLS handshake failed";
		return SP_ERR_UNAVAILABLE;
	}
	r = socket_reason(sock_err);
	*why = r != NULL ? r : "connection failed";
	return SP_ERR_UNAVAILABLE;
}
