/* init.c: one-time initialisation of libxml2, xmlsec and its OpenSSL backend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/io.h>
#include <xmlsec/parser.h>
#include <xmlsec/xmlsec.h>

#include "trust_int.h"

static int g_ready;

/* xmlsec reports every failed check through this callback, in words that
 * quote hostile input; the caller reports the refusal itself, so the text
 * goes only to the node's diagnostics hook, which logs it escaped at debug
 * level (SPEC 14, [SEC-29]); nothing reaches stderr raw. */
static void sp_trust_xmlsec_errors(const char *file, int line, const char *func,
                                   const char *object, const char *subject,
                                   int reason, const char *msg)
{
	char m[400], text[512];
	size_t n;

	(void)file;
	(void)line;
	/* xmlsec passes libxml2's message on, newline and all */
	snprintf(m, sizeof(m), "%s", msg ? msg : "-");
	n = strlen(m);
	while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
		m[--n] = '\0';
	snprintf(text, sizeof(text),
	         "%s: %s (object %s, subject %s, reason %d)", func ? func : "-",
	         m, object ? object : "-", subject ? subject : "-", reason);
	sp_protocol_diag("xmlsec", text);
}

int sp_trust__ready(void)
{
	return g_ready;
}

int sp_trust_init(void)
{
	if (g_ready)
		return SP_OK;
	if (sp_protocol_init() != SP_OK)
		return SP_ERR_INTERNAL;
	if (xmlSecInit() < 0) {
		fprintf(stderr, "trust: xmlSecInit failed\n");
		return SP_ERR_INTERNAL;
	}
	if (xmlSecCheckVersion() != 1) {
		fprintf(stderr, "trust: xmlsec library version mismatch\n");
		goto fail_xmlsec;
	}
	/* No HUGE: xmlsec's own default would lift libxml2's limits. */
	xmlSecParserSetDefaultOptions(XML_PARSE_NONET | XML_PARSE_NODICT);
	/* xmlSecInit registered file/HTTP/FTP loaders for Reference URIs and
	 * RetrievalMethod: remove them so nothing can leave the process. */
	xmlSecIOCleanupCallbacks();

	if (xmlSecCryptoAppInit(NULL) < 0) {
		fprintf(stderr, "trust: xmlSecCryptoAppInit failed\n");
		goto fail_xmlsec;
	}
	if (xmlSecCryptoInit() < 0) {
		fprintf(stderr, "trust: xmlSecCryptoInit failed\n");
		xmlSecCryptoAppShutdown();
		goto fail_xmlsec;
	}
	/* SM2-with-SM3 and SM3, which xmlsec 1.2.37 lacks (sm2.c). */
	if (sp_trust__sm_register() < 0) {
		fprintf(stderr,
		        "trust: cannot register the SM2/SM3 transforms\n");
		xmlSecCryptoShutdown();
		xmlSecCryptoAppShutdown();
		goto fail_xmlsec;
	}
	/* Last: the init calls above install xmlsec's default callback. */
	xmlSecErrorsSetCallback(sp_trust_xmlsec_errors);
	g_ready = 1;
	return SP_OK;

fail_xmlsec:
	xmlSecShutdown();
	return SP_ERR_INTERNAL;
}

void sp_trust_cleanup(void)
{
	if (!g_ready)
		return;
	sp_trust__pkcs11_cleanup();
	sp_trust__cert_cache_clear();
	xmlSecCryptoShutdown();
	xmlSecCryptoAppShutdown();
	xmlSecShutdown();
	g_ready = 0;
	sp_protocol_cleanup();
}
