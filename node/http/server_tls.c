/* server_tls.c: the HTTP/2 server's TLS context: versions, suites, ALPN "h2"
 * only, optional client certificates. */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "base.h"
#include "http_int.h"
#include "protocol.h"
#include "trust.h"

static const unsigned char alpn_h2[] = "h2";

/* TLS 1.2 only when configured, and then forward-secret AEAD suites only. */
static const char tls12_suites[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

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

/* Pick "h2" or refuse the handshake with no_application_protocol
 * (ALERT_FATAL sends that alert): HTTP/1.1 is not served at all. */
static int alpn_select(SSL *ssl, const unsigned char **out,
                       unsigned char *outlen, const unsigned char *in,
                       unsigned int inlen, void *arg)
{
	unsigned int i = 0;

	(void)ssl;
	(void)arg;
	while (i < inlen) {
		unsigned int n = in[i];

		if (n == 0 || n > inlen - i - 1)
			break; /* malformed list */
		if (n == 2 && memcmp(in + i + 1, alpn_h2, 2) == 0) {
			*out = in + i + 1;
			*outlen = 2;
			return SSL_TLSEXT_ERR_OK;
		}
		i += 1 + n;
	}
	return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* A ClientHello without ALPN never reaches alpn_select(): refuse it here
 * with the same no_application_protocol alert, so that no client
 * completes a handshake it cannot use (SPEC API-2). */
static int client_hello_cb(SSL *ssl, int *al, void *arg)
{
	const unsigned char *p = NULL;
	size_t len = 0;

	(void)arg;
	if (SSL_client_hello_get0_ext(
	        ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &p,
	        &len) != 1) {
		*al = SSL_AD_NO_APPLICATION_PROTOCOL;
		return SSL_CLIENT_HELLO_ERROR;
	}
	return SSL_CLIENT_HELLO_SUCCESS;
}

/* A presented certificate must chain to the configured CAs; the chain
 * check itself is OpenSSL's (the store holds only those CAs). Having no
 * certificate is allowed: endpoints that need one check per request. */
static int verify_cb(int preverify_ok, X509_STORE_CTX *xctx)
{
	(void)xctx;
	return preverify_ok ? 1 : 0;
}

int sp_node__tls_alpn_ok(SSL *ssl)
{
	const unsigned char *p = NULL;
	unsigned int n = 0;

	SSL_get0_alpn_selected(ssl, &p, &n);
	return p != NULL && n == 2 && memcmp(p, alpn_h2, 2) == 0;
}

static int load_client_cas(SSL_CTX *ctx, const char *const *files,
                           const char **why)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);
	STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
	size_t n = 0;

	if (names == NULL) {
		*why = "out of memory";
		return SP_ERR_NOMEM;
	}
	for (size_t i = 0; files[i] != NULL; i++) {
		if (X509_STORE_load_file(store, files[i]) != 1) {
			log_ssl_errors(files[i]);
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			*why = "cannot load a client CA file";
			return SP_ERR_IO;
		}
		if (SSL_add_file_cert_subjects_to_stack(names, files[i]) != 1) {
			log_ssl_errors(files[i]);
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			*why = "cannot read the subjects of a client CA file";
			return SP_ERR_IO;
		}
		n++;
	}
	if (n == 0) {
		sk_X509_NAME_free(names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		return SP_OK;
	}
	/* Tell clients which CAs are accepted (ownership moves to ctx). */
	SSL_CTX_set_client_CA_list(ctx, names);
	/* A configured intermediate may act as the anchor; a client certificate
	 * must be fit for client authentication. */
	X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
	SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
	SSL_CTX_set_verify_depth(ctx, 4);
	/* Requested in the initial handshake, optional (no
	 * FAIL_IF_NO_PEER_CERT): HTTP/2 forbids post-handshake authentication.
	 */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
	return SP_OK;
}

int sp_server_tls_ctx_new(const sp_server_config *cfg, SSL_CTX **out,
                          const char **why)
{
	static const char *dummy;
	SSL_CTX *ctx = NULL;
	int rc;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (out == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	*out = NULL;
	if (cfg == NULL || cfg->cert_file == NULL || cfg->key_file == NULL) {
		*why = "a TLS certificate and key are required";
		return SP_ERR_INVALID_ARGUMENT;
	}
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		log_ssl_errors("SSL_CTX_new");
		*why = "cannot create a TLS context";
		return SP_ERR_NOMEM;
	}
	if (SSL_CTX_set_min_proto_version(
	        ctx, cfg->allow_tls12 ? TLS1_2_VERSION : TLS1_3_VERSION) != 1)
		goto internal;
	if (cfg->allow_tls12 && SSL_CTX_set_cipher_list(ctx, tls12_suites) != 1)
		goto internal;
	SSL_CTX_set_options(
	    ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	             SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET |
	             /* a peer closing without close_notify is an EOF */
	             SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* No resumption: every connection verifies its client certificate
	 * against the CAs in force now. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (SSL_CTX_set_num_tickets(ctx, 0) != 1)
		goto internal;
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);

	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1) {
		log_ssl_errors(cfg->cert_file);
		*why = "cannot load the TLS certificate";
		rc = SP_ERR_IO;
		goto fail;
	}
	rc = sp_tls_use_key(ctx, cfg->key_file, why);
	if (rc != SP_OK)
		goto fail;
	if (SSL_CTX_check_private_key(ctx) != 1) {
		log_ssl_errors("key check");
		*why = "the TLS key does not match the certificate";
		rc = SP_ERR_CERT_INVALID;
		goto fail;
	}
	if (cfg->client_ca_files != NULL) {
		rc = load_client_cas(ctx, cfg->client_ca_files, why);
		if (rc != SP_OK)
			goto fail;
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	}
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	SSL_CTX_set_client_hello_cb(ctx, client_hello_cb, NULL);
	*out = ctx;
	return SP_OK;

internal:
	log_ssl_errors("context setup");
	*why = "cannot configure the TLS context";
	rc = SP_ERR_INTERNAL;
fail:
	SSL_CTX_free(ctx);
	return rc;
}
