/* pkcs11.c: keys held in a PKCS#11 token: RFC 7512 URIs, the PIN, loading
 * through libp11's OpenSSL engine and generating key pairs inside the token.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/ui.h>
/* The standard field names (pValue, ulValueLen) rather than p11-kit's. */
#define CRYPTOKI_COMPAT 1
#include <p11-kit/pkcs11.h>

#include "trust_int.h"

/* libp11 0.4.12 (Debian 12) is an ENGINE: OpenSSL 3 marks the API
 * deprecated, and there is no PKCS#11 provider in Debian 12. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

/* p11-kit's proxy module reaches every module registered with p11-kit
 * (SoftHSM2, OpenSC): the same default libp11 uses on Debian. */
#define DEFAULT_MODULE "p11-kit-proxy.so"
#define PIN_MAX        256

/* A bounded text being built (a key's URI). */
typedef struct uri_buf {
	char s[2048];
	size_t len;
} uri_buf;

static _Thread_local char why_buf[384];

static int fail(const char **why, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(const char **why, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why_buf, sizeof(why_buf), fmt, ap);
	va_end(ap);
	if (why != NULL)
		*why = why_buf;
	return err;
}

/* ---------------------------------------------------------------- setup */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static char *g_module;  /* [pkcs11] module, or NULL */
static char *g_pin_env; /* [pkcs11] pin_env, or NULL */
static ENGINE *g_engine;
static char *g_engine_module; /* the module g_engine was started with */

int sp_key_pkcs11_setup(const char *module, const char *pin_env,
                        const char **why)
{
	char *m = NULL, *p = NULL;

	if ((module != NULL && (m = strdup(module)) == NULL) ||
	    (pin_env != NULL && (p = strdup(pin_env)) == NULL)) {
		free(m);
		return fail(why, SP_ERR_NOMEM, "out of memory");
	}
	pthread_mutex_lock(&g_lock);
	free(g_module);
	free(g_pin_env);
	g_module = m;
	g_pin_env = p;
	pthread_mutex_unlock(&g_lock);
	return SP_OK;
}

void sp_trust__pkcs11_cleanup(void)
{
	pthread_mutex_lock(&g_lock);
	if (g_engine != NULL) {
		ENGINE_finish(g_engine);
		ENGINE_free(g_engine);
		g_engine = NULL;
	}
	free(g_engine_module);
	free(g_module);
	free(g_pin_env);
	g_engine_module = g_module = g_pin_env = NULL;
	pthread_mutex_unlock(&g_lock);
}

int sp_key_is_pkcs11(const char *where)
{
	return where != NULL && strncmp(where, "pkcs11:", 7) == 0;
}

/* ---------------------------------------------------------------- URIs */

const char *sp_key_redact(const char *where, char *buf, size_t len)
{
	const char *q;

	if (where == NULL || !sp_key_is_pkcs11(where) || len == 0)
		return where;
	q = strchr(where, '?');
	if (q == NULL)
		return where;
	/* The query may hold pin-value: none of it is shown. */
	snprintf(buf, len, "%.*s?...", (int)(q - where), where);
	return buf;
}

void sp_trust__p11uri_clear(sp_trust__p11uri *u)
{
	if (u == NULL)
		return;
	free(u->token);
	free(u->object);
	free(u->manufacturer);
	free(u->serial);
	free(u->model);
	if (u->pin_value != NULL)
		OPENSSL_clear_free(u->pin_value, strlen(u->pin_value));
	free(u->pin_source);
	free(u->module_path);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode s[0..len) (RFC 7512 2.3); *out_len excludes the NUL that
 * is appended. A decoded NUL byte is refused except for binary values. */
static char *pct_decode(const char *s, size_t len, int binary, size_t *out_len)
{
	char *o = malloc(len + 1);
	size_t i, k = 0;

	if (o == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			int h, l;

			if (i + 2 >= len)
				goto bad;
			h = hexval(s[i + 1]);
			l = hexval(s[i + 2]);
			if (h < 0 || l < 0)
				goto bad;
			o[k] = (char)(h * 16 + l);
			if (o[k] == '\0' && !binary)
				goto bad;
			k++;
			i += 2;
		} else {
			o[k++] = s[i];
		}
	}
	o[k] = '\0';
	if (out_len)
		*out_len = k;
	return o;
bad:
	free(o);
	return NULL;
}

static int set_attr(char **slot, const char *name, const char *v, size_t vlen,
                    const char **why)
{
	if (*slot != NULL)
		return fail(why, SP_ERR_INVALID_ARGUMENT,
		            "pkcs11 URI: '%s' given twice", name);
	*slot = pct_decode(v, vlen, 0, NULL);
	if (*slot == NULL)
		return fail(why, SP_ERR_INVALID_ARGUMENT,
		            "pkcs11 URI: bad percent-encoding in '%s'", name);
	return SP_OK;
}

#define ATTR_IS(n) (nlen == sizeof(n) - 1 && memcmp(a, n, nlen) == 0)

static int path_attr(sp_trust__p11uri *u, const char *a, size_t nlen,
                     const char *v, size_t vlen, const char **why)
{
	if (ATTR_IS("token"))
		return set_attr(&u->token, "token", v, vlen, why);
	if (ATTR_IS("object"))
		return set_attr(&u->object, "object", v, vlen, why);
	if (ATTR_IS("manufacturer"))
		return set_attr(&u->manufacturer, "manufacturer", v, vlen, why);
	if (ATTR_IS("serial"))
		return set_attr(&u->serial, "serial", v, vlen, why);
	if (ATTR_IS("model"))
		return set_attr(&u->model, "model", v, vlen, why);
	if (ATTR_IS("id")) {
		char *d;
		size_t dl;

		if (u->id_len > 0)
			return fail(why, SP_ERR_INVALID_ARGUMENT,
			            "pkcs11 URI: 'id' given twice");
		d = pct_decode(v, vlen, 1, &dl);
		if (d == NULL || dl == 0 || dl > sizeof(u->id)) {
			free(d);
			return fail(why, SP_ERR_INVALID_ARGUMENT,
			            "pkcs11 URI: 'id' must be 1 to %zu "
			            "percent-encoded bytes",
			            sizeof(u->id));
		}
		memcpy(u->id, d, dl);
		u->id_len = dl;
		free(d);
		return SP_OK;
	}
	if (ATTR_IS("type")) {
		if (vlen == 7 && memcmp(v, "private", 7) == 0)
			return SP_OK;
		return fail(why, SP_ERR_INVALID_ARGUMENT,
		            "pkcs11 URI: a key is named with type=private "
		            "(or no type)");
	}
	/* Library and slot attributes (RFC 7512 2.3) select among modules
	 * and readers; libp11 0.4.12 cannot match them, so they are refused
	 * rather than silently ignored. */
	return fail(why, SP_ERR_INVALID_ARGUMENT,
	            "pkcs11 URI: attribute '%.*s' is not supported (use "
	            "token, object, id, manufacturer, serial, model, type)",
	            (int)(nlen > 40 ? 40 : nlen), a);
}

static int query_attr(sp_trust__p11uri *u, const char *a, size_t nlen,
                      const char *v, size_t vlen, const char **why)
{
	if (ATTR_IS("pin-value"))
		return set_attr(&u->pin_value, "pin-value", v, vlen, why);
	if (ATTR_IS("pin-source"))
		return set_attr(&u->pin_source, "pin-source", v, vlen, why);
	if (ATTR_IS("module-path"))
		return set_attr(&u->module_path, "module-path", v, vlen, why);
	return fail(why, SP_ERR_INVALID_ARGUMENT,
	            "pkcs11 URI: query attribute '%.*s' is not supported "
	            "(use pin-value, pin-source, module-path)",
	            (int)(nlen > 40 ? 40 : nlen), a);
}

#undef ATTR_IS

int sp_trust__p11uri_parse(const char *uri, sp_trust__p11uri *u,
                           const char **why)
{
	const char *p, *end, *q;
	int rc;

	memset(u, 0, sizeof(*u));
	if (!sp_key_is_pkcs11(uri))
		return fail(why, SP_ERR_INVALID_ARGUMENT, "not a pkcs11: URI");
	if (strlen(uri) > 4096)
		return fail(why, SP_ERR_INVALID_ARGUMENT,
		            "pkcs11 URI longer than 4096 bytes");
	p = uri + 7;
	q = strchr(p, '?');
	end = q != NULL ? q : p + strlen(p);
	/* The path part, as the engine is given it: no PIN, no module. */
	u->path = strndup(uri, (size_t)(end - uri));
	if (u->path == NULL)
		return fail(why, SP_ERR_NOMEM, "out of memory");
	for (int in_query = 0; in_query < 2; in_query++) {
		char sep = in_query ? '&' : ';';

		if (in_query) {
			if (q == NULL)
				break;
			p = q + 1;
			end = p + strlen(p);
		}
		while (p < end) {
			const char *s = memchr(p, sep, (size_t)(end - p));
			const char *e = s != NULL ? s : end;
			const char *eq = memchr(p, '=', (size_t)(e - p));

			if (e == p) { /* an empty component */
				p = e + 1;
				continue;
			}
			if (eq == NULL) {
				rc = fail(why, SP_ERR_INVALID_ARGUMENT,
				          "pkcs11 URI: '%.*s' is not "
				          "name=value",
				          (int)(e - p > 40 ? 40 : e - p), p);
				goto fail;
			}
			rc = in_query
			         ? query_attr(u, p, (size_t)(eq - p), eq + 1,
			                      (size_t)(e - eq - 1), why)
			         : path_attr(u, p, (size_t)(eq - p), eq + 1,
			                     (size_t)(e - eq - 1), why);
			if (rc != SP_OK)
				goto fail;
			p = e + (e < end);
		}
	}
	if (u->object == NULL && u->id_len == 0) {
		rc = fail(why, SP_ERR_INVALID_ARGUMENT,
		          "pkcs11 URI names no key: give object= or id=");
		goto fail;
	}
	return SP_OK;
fail:
	sp_trust__p11uri_clear(u);
	return rc;
}

int sp_key_pkcs11_uri_check(const char *uri, const char **why)
{
	sp_trust__p11uri u;
	int rc = sp_trust__p11uri_parse(uri, &u, why);

	sp_trust__p11uri_clear(&u);
	return rc;
}

/* The token's name for messages: never the PIN. */
static const char *token_name(const sp_trust__p11uri *u)
{
	return u->token != NULL ? u->token : "(any)";
}

static const char *module_of(const sp_trust__p11uri *u)
{
	if (u->module_path != NULL)
		return u->module_path;
	return g_module != NULL ? g_module : DEFAULT_MODULE;
}

/* The user PIN: pin-value, else pin-source (a file), else the environment
 * variable named by [pkcs11] pin_env. *pin is malloc'd (wipe it). */
static int get_pin(const sp_trust__p11uri *u, char **pin, const char **why)
{
	const char *src;

	*pin = NULL;
	if (u->pin_value != NULL) {
		*pin = strdup(u->pin_value);
		return *pin ? SP_OK : fail(why, SP_ERR_NOMEM, "out of memory");
	}
	if (u->pin_source != NULL) {
		char buf[PIN_MAX + 2];
		FILE *f;
		size_t n;

		src = u->pin_source;
		if (strncmp(src, "file:", 5) == 0)
			src += 5;
		f = fopen(src, "re");
		if (f == NULL)
			return fail(why, SP_ERR_IO,
			            "token '%s': cannot read the pin-source "
			            "file %s",
			            token_name(u), src);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			n--;
		if (n == 0 || n > PIN_MAX) {
			OPENSSL_cleanse(buf, sizeof(buf));
			return fail(why, SP_ERR_INVALID_ARGUMENT,
			            "token '%s': the pin-source file %s holds "
			            "no PIN of 1 to %d bytes",
			            token_name(u), src, PIN_MAX);
		}
		buf[n] = '\0';
		*pin = strdup(buf);
		OPENSSL_cleanse(buf, sizeof(buf));
		return *pin ? SP_OK : fail(why, SP_ERR_NOMEM, "out of memory");
	}
	if (g_pin_env != NULL) {
		const char *v = getenv(g_pin_env);

		if (v == NULL || *v == '\0' || strlen(v) > PIN_MAX)
			return fail(why, SP_ERR_TOKEN_PIN,
			            "token '%s': the environment variable %s "
			            "([pkcs11] pin_env) holds no PIN",
			            token_name(u), g_pin_env);
		*pin = strdup(v);
		return *pin ? SP_OK : fail(why, SP_ERR_NOMEM, "out of memory");
	}
	return fail(why, SP_ERR_TOKEN_PIN,
	            "token '%s': no PIN: give pin-source= in the URI or name "
	            "an environment variable in [pkcs11] pin_env",
	            token_name(u));
}

/* ---------------------------------------------------------------- raw
 * PKCS#11: the PIN check and key generation, which the engine cannot do. */

typedef struct p11 {
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	int we_initialized;
	CK_SESSION_HANDLE s;
	int have_session;
	int we_logged_in;
} p11;

/* Blank-padded PKCS#11 text field equals s. */
static int field_eq(const unsigned char *f, size_t flen, const char *s)
{
	size_t n = strlen(s), i;

	if (n > flen || memcmp(f, s, n) != 0)
		return 0;
	for (i = n; i < flen; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return 0;
	return 1;
}

static void p11_close(p11 *p)
{
	if (p->f != NULL) {
		if (p->we_logged_in)
			p->f->C_Logout(p->s);
		if (p->have_session)
			p->f->C_CloseSession(p->s);
		/* Finalizing a module the engine also uses would end its
		 * sessions: only the one who initialized it finalizes. */
		if (p->we_initialized)
			p->f->C_Finalize(NULL);
	}
	if (p->dl != NULL)
		dlclose(p->dl);
	memset(p, 0, sizeof(*p));
}

static int p11_open(const sp_trust__p11uri *u, const char *module, int rw,
                    char *pin, p11 *p, const char **why)
{
	CK_C_GetFunctionList get;
	CK_C_INITIALIZE_ARGS args;
	CK_SLOT_ID slots[64], slot = 0;
	CK_ULONG n = 64, i, found = 0;
	CK_RV rv;

	memset(p, 0, sizeof(*p));
	p->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	if (p->dl == NULL)
		return fail(why, SP_ERR_TOKEN,
		            "cannot load the PKCS#11 module %s", module);
	*(void **)(&get) = dlsym(p->dl, "C_GetFunctionList");
	if (get == NULL || get(&p->f) != CKR_OK || p->f == NULL) {
		p->f = NULL;
		p11_close(p);
		return fail(why, SP_ERR_TOKEN, "%s is not a PKCS#11 module",
		            module);
	}
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = p->f->C_Initialize(&args);
	if (rv == CKR_OK)
		p->we_initialized = 1;
	else if (rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		p11_close(p);
		return fail(why, SP_ERR_TOKEN,
		            "the PKCS#11 module %s did not initialize "
		            "(CK_RV 0x%lx)",
		            module, (unsigned long)rv);
	}
	if (p->f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		n = 0;
	for (i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;

		if (p->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		if ((u->token != NULL &&
		     !field_eq(ti.label, sizeof(ti.label), u->token)) ||
		    (u->manufacturer != NULL &&
		     !field_eq(ti.manufacturerID, sizeof(ti.manufacturerID),
		               u->manufacturer)) ||
		    (u->serial != NULL &&
		     !field_eq(ti.serialNumber, sizeof(ti.serialNumber),
		               u->serial)) ||
		    (u->model != NULL &&
		     !field_eq(ti.model, sizeof(ti.model), u->model)))
			continue;
		if (found++ == 0)
			slot = slots[i];
	}
	if (found != 1) {
		p11_close(p);
		return fail(why, SP_ERR_TOKEN,
		            found == 0 ? "token '%s' not found through %s"
		                       : "token '%s' is not one token through "
		                         "%s: name it (token=, serial=)",
		            token_name(u), module);
	}
	rv = p->f->C_OpenSession(slot,
	                         CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0),
	                         NULL, NULL, &p->s);
	if (rv != CKR_OK) {
		p11_close(p);
		return fail(why, SP_ERR_TOKEN,
		            "token '%s': cannot open a session (CK_RV 0x%lx)",
		            token_name(u), (unsigned long)rv);
	}
	p->have_session = 1;
	rv = p->f->C_Login(p->s, CKU_USER, (CK_UTF8CHAR_PTR)(void *)pin,
	                   (CK_ULONG)strlen(pin));
	if (rv == CKR_OK)
		p->we_logged_in = 1;
	else if (rv != CKR_USER_ALREADY_LOGGED_IN) {
		p11_close(p);
		if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_INVALID ||
		    rv == CKR_PIN_LEN_RANGE)
			return fail(why, SP_ERR_TOKEN_PIN,
			            "token '%s': wrong PIN", token_name(u));
		if (rv == CKR_PIN_LOCKED)
			return fail(why, SP_ERR_TOKEN_PIN,
			            "token '%s': the PIN is locked (too many "
			            "wrong PINs)",
			            token_name(u));
		return fail(why, SP_ERR_TOKEN,
		            "token '%s': login failed (CK_RV 0x%lx)",
		            token_name(u), (unsigned long)rv);
	}
	return SP_OK;
}

/* ---------------------------------------------------------------- engine */

static int no_prompt(UI *ui, UI_STRING *uis)
{
	(void)ui;
	(void)uis;
	return -1; /* a daemon never asks a terminal for a PIN */
}

/* The engine, started once per process with one module. g_lock held. */
static int engine_get(const char *module, ENGINE **out, const char **why)
{
	ENGINE *e;

	*out = NULL;
	if (g_engine != NULL) {
		if (strcmp(g_engine_module, module) != 0)
			return fail(why, SP_ERR_TOKEN,
			            "keys from two PKCS#11 modules (%s and %s) "
			            "in one process are not supported",
			            g_engine_module, module);
		*out = g_engine;
		return SP_OK;
	}
	ENGINE_load_builtin_engines();
	e = ENGINE_by_id("pkcs11");
	if (e == NULL) {
		ERR_clear_error();
		return fail(why, SP_ERR_TOKEN,
		            "the OpenSSL pkcs11 engine is not installed "
		            "(Debian: libengine-pkcs11-openssl)");
	}
	if (ENGINE_ctrl_cmd_string(e, "MODULE_PATH", module, 0) != 1 ||
	    ENGINE_init(e) != 1) {
		ERR_clear_error();
		ENGINE_free(e);
		return fail(why, SP_ERR_TOKEN,
		            "the pkcs11 engine cannot start with module %s",
		            module);
	}
	g_engine_module = strdup(module);
	if (g_engine_module == NULL) {
		ENGINE_finish(e);
		ENGINE_free(e);
		return fail(why, SP_ERR_NOMEM, "out of memory");
	}
	g_engine = e;
	*out = e;
	return SP_OK;
}

static int load_from_token(const char *uri, EVP_PKEY **out, const char **why)
{
	sp_trust__p11uri u;
	const char *module;
	UI_METHOD *ui = NULL;
	ENGINE *e = NULL;
	char *pin = NULL;
	p11 p;
	int rc;

	*out = NULL;
	rc = sp_trust__p11uri_parse(uri, &u, why);
	if (rc != SP_OK)
		return rc;
	pthread_mutex_lock(&g_lock);
	module = module_of(&u);
	rc = get_pin(&u, &pin, why);
	if (rc != SP_OK)
		goto done;
	/* Log in once ourselves first: the engine reports a wrong PIN as
	 * "key not found"; this names it. */
	rc = p11_open(&u, module, 0, pin, &p, why);
	if (rc != SP_OK)
		goto done;
	p11_close(&p);
	rc = engine_get(module, &e, why);
	if (rc != SP_OK)
		goto done;
	ui = UI_create_method("silkport: no PIN prompt");
	if (ui == NULL || UI_method_set_reader(ui, no_prompt) != 0 ||
	    ENGINE_ctrl_cmd_string(e, "PIN", pin, 0) != 1) {
		ERR_clear_error();
		rc = fail(why, SP_ERR_TOKEN, "cannot set up the pkcs11 engine");
		goto done;
	}
	*out = ENGINE_load_private_key(e, u.path, ui, NULL);
	if (*out == NULL) {
		ERR_clear_error();
		rc = fail(why, SP_ERR_TOKEN,
		          "token '%s': no private key %s%s that OpenSSL's "
		          "pkcs11 engine can use (libp11 0.4.12: RSA and EC "
		          "only; an Ed25519 key in the token hides all keys)",
		          token_name(&u), u.object ? "object=" : "",
		          u.object ? u.object : "with that id");
		goto done;
	}
	rc = SP_OK;
done:
	pthread_mutex_unlock(&g_lock);
	UI_destroy_method(ui);
	if (pin != NULL)
		OPENSSL_clear_free(pin, strlen(pin));
	sp_trust__p11uri_clear(&u);
	return rc;
}

/* ---------------------------------------------------------------- loading */

/* Keys are stored unencrypted (mode 0600): never prompt on a terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int sp_key_load_private(const char *where, EVP_PKEY **out, const char **why)
{
	BIO *bio;

	if (out == NULL)
		return fail(why, SP_ERR_INVALID_ARGUMENT, "missing argument");
	*out = NULL;
	if (where == NULL)
		return fail(why, SP_ERR_INVALID_ARGUMENT,
		            "no private key named");
	if (sp_key_is_pkcs11(where))
		return load_from_token(where, out, why);
	bio = BIO_new_file(where, "r");
	if (bio == NULL) {
		ERR_clear_error();
		return fail(why, SP_ERR_IO, "cannot open the private key file");
	}
	*out = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (*out == NULL) {
		ERR_clear_error();
		return fail(why, SP_ERR_CERT_INVALID,
		            "no PEM private key in the file");
	}
	return SP_OK;
}

/* Reading the key and pairing it with the certificate are told apart: the
 * first is a file (or token) problem, the second a wrong key. */
int sp_tls_use_key(SSL_CTX *ctx, const char *where, const char **why)
{
	EVP_PKEY *pk = NULL;
	int ok, rc;

	rc = sp_key_load_private(where, &pk, why);
	if (rc != SP_OK)
		return rc == SP_ERR_CERT_INVALID ? SP_ERR_IO : rc;
	ok = SSL_CTX_use_PrivateKey(ctx, pk);
	EVP_PKEY_free(pk);
	if (ok != 1) {
		ERR_clear_error();
		return fail(why, SP_ERR_CERT_INVALID,
		            "the TLS key does not match its certificate");
	}
	return SP_OK;
}

/* ---------------------------------------------------------------- generation
 */

/* DER of the named curve prime256v1 (1.2.840.10045.3.1.7). */
static unsigned char p256_oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                   0xce, 0x3d, 0x03, 0x01, 0x07};

static int label_taken(p11 *p, char *label, int *taken)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_LABEL, label, (CK_ULONG)strlen(label)},
	};
	CK_OBJECT_HANDLE h;
	CK_ULONG n = 0;

	if (p->f->C_FindObjectsInit(p->s, t, 2) != CKR_OK)
		return -1;
	if (p->f->C_FindObjects(p->s, &h, 1, &n) != CKR_OK)
		n = 0;
	p->f->C_FindObjectsFinal(p->s);
	*taken = n > 0;
	return 0;
}

/* Percent-encode a URI value: unreserved characters stay, and in a query
 * value also '/' and ':' (RFC 7512 pk11-qchar), so that paths stay legible. */
static void pct_append(uri_buf *b, const unsigned char *s, size_t n, int query)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n && b->len + 4 < sizeof(b->s); i++) {
		unsigned char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~' || (query && (c == '/' || c == ':'))) {
			b->s[b->len++] = (char)c;
		} else {
			b->s[b->len++] = '%';
			b->s[b->len++] = hx[c >> 4];
			b->s[b->len++] = hx[c & 15];
		}
	}
	b->s[b->len] = '\0';
}

static void str_append(uri_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len + n + 1 > sizeof(b->s))
		n = sizeof(b->s) - b->len - 1;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

int sp_key_pkcs11_generate(const char *token_uri, sp_key_alg alg,
                           const char *label, char **key_uri, const char **why)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG bits = 2048;
	CK_BYTE exp[] = {0x01, 0x00, 0x01};
	CK_BYTE id[8];
	char lab[65];
	CK_MECHANISM mech = {0, NULL, 0};
	CK_OBJECT_HANDLE pub, priv;
	CK_ATTRIBUTE pubt[8], privt[12];
	CK_ULONG npub = 0, npriv = 0;
	sp_trust__p11uri u;
	uri_buf *b = NULL;
	char *pin = NULL;
	int rc, taken = 0;
	CK_RV rv;
	p11 p;

	memset(&p, 0, sizeof(p));
	if (key_uri != NULL)
		*key_uri = NULL;
	if (token_uri == NULL || label == NULL || key_uri == NULL ||
	    *label == '\0' || strlen(label) > 64)
		return fail(why, SP_ERR_INVALID_ARGUMENT,
		            "a token URI and a label of 1 to 64 bytes are "
		            "required");
	memcpy(lab, label, strlen(label) + 1);
	if (alg != SP_KEY_P256 && alg != SP_KEY_RSA2048)
		return fail(why, SP_ERR_KEY_WEAK,
		            "keys in a token are ECDSA P-256 or RSA 2048 "
		            "(libp11 0.4.12 cannot use Ed25519 keys)");
	/* The token URI need not name a key: the label does. A placeholder
	 * object lets the one parser check the rest. */
	{
		const char *q = strchr(token_uri, '?');
		size_t pl = q ? (size_t)(q - token_uri) : strlen(token_uri);
		char *tmp;
		size_t cap;
		int n;

		if (!sp_key_is_pkcs11(token_uri))
			return fail(why, SP_ERR_INVALID_ARGUMENT,
			            "not a pkcs11: URI");
		if (pl > 4096)
			return fail(why, SP_ERR_INVALID_ARGUMENT,
			            "pkcs11 URI longer than 4096 bytes");
		cap = strlen(token_uri) + 16;
		if ((tmp = malloc(cap)) == NULL)
			return fail(why, SP_ERR_NOMEM, "out of memory");
		n = snprintf(tmp, cap, "%.*s%sobject=x%s", (int)pl, token_uri,
		             pl > 7 && token_uri[pl - 1] != ';' ? ";" : "",
		             q != NULL ? q : "");
		rc = n > 0 && (size_t)n < cap
		         ? sp_trust__p11uri_parse(tmp, &u, why)
		         : fail(why, SP_ERR_INTERNAL, "URI too long");
		free(tmp);
		if (rc != SP_OK)
			return rc;
	}
	if (u.token == NULL) {
		rc = fail(why, SP_ERR_INVALID_ARGUMENT,
		          "name the token to generate in: pkcs11:token=LABEL");
		goto done;
	}
	if (strcmp(u.object, "x") != 0 || u.id_len > 0) {
		rc = fail(why, SP_ERR_INVALID_ARGUMENT,
		          "the token URI must not name a key (object=, id=): "
		          "the label does");
		goto done;
	}
	pthread_mutex_lock(&g_lock);
	rc = get_pin(&u, &pin, why);
	if (rc == SP_OK)
		rc = p11_open(&u, module_of(&u), 1, pin, &p, why);
	pthread_mutex_unlock(&g_lock);
	if (rc != SP_OK)
		goto done;
	if (label_taken(&p, lab, &taken) != 0 || taken) {
		rc = fail(why, SP_ERR_INVALID_ARGUMENT,
		          "token '%s' already holds a key labelled '%s'",
		          u.token, label);
		goto done;
	}
	if (RAND_bytes(id, sizeof(id)) != 1) {
		rc = fail(why, SP_ERR_INTERNAL, "no random bytes");
		goto done;
	}
#define ADD(t, n, a, ptr, len)                                                 \
	do {                                                                   \
		t[n].type = (a);                                               \
		t[n].pValue = (ptr);                                           \
		t[n].ulValueLen = (CK_ULONG)(len);                             \
		n++;                                                           \
	} while (0)
	ADD(pubt, npub, CKA_TOKEN, &yes, sizeof(yes));
	ADD(pubt, npub, CKA_VERIFY, &yes, sizeof(yes));
	ADD(pubt, npub, CKA_LABEL, lab, strlen(lab));
	ADD(pubt, npub, CKA_ID, id, sizeof(id));
	/* Generated inside, never to leave: sensitive, not extractable,
	 * for signing only. */
	ADD(privt, npriv, CKA_TOKEN, &yes, sizeof(yes));
	ADD(privt, npriv, CKA_PRIVATE, &yes, sizeof(yes));
	ADD(privt, npriv, CKA_SENSITIVE, &yes, sizeof(yes));
	ADD(privt, npriv, CKA_EXTRACTABLE, &no, sizeof(no));
	ADD(privt, npriv, CKA_SIGN, &yes, sizeof(yes));
	ADD(privt, npriv, CKA_DECRYPT, &no, sizeof(no));
	ADD(privt, npriv, CKA_UNWRAP, &no, sizeof(no));
	ADD(privt, npriv, CKA_LABEL, lab, strlen(lab));
	ADD(privt, npriv, CKA_ID, id, sizeof(id));
	if (alg == SP_KEY_P256) {
		mech.mechanism = CKM_EC_KEY_PAIR_GEN;
		ADD(pubt, npub, CKA_EC_PARAMS, p256_oid, sizeof(p256_oid));
		ADD(privt, npriv, CKA_DERIVE, &no, sizeof(no));
	} else {
		mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		ADD(pubt, npub, CKA_MODULUS_BITS, &bits, sizeof(bits));
		ADD(pubt, npub, CKA_PUBLIC_EXPONENT, exp, sizeof(exp));
	}
#undef ADD
	rv = p.f->C_GenerateKeyPair(p.s, &mech, pubt, npub, privt, npriv, &pub,
	                            &priv);
	if (rv != CKR_OK) {
		rc = fail(why, SP_ERR_TOKEN,
		          "token '%s' could not generate a %s key (CK_RV "
		          "0x%lx)",
		          u.token, alg == SP_KEY_P256 ? "P-256" : "RSA 2048",
		          (unsigned long)rv);
		goto done;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		rc = fail(why, SP_ERR_NOMEM, "out of memory");
		goto done;
	}
	str_append(b, "pkcs11:token=");
	pct_append(b, (const unsigned char *)u.token, strlen(u.token), 0);
	str_append(b, ";object=");
	pct_append(b, (const unsigned char *)label, strlen(label), 0);
	str_append(b, ";type=private");
	/* The query is kept but for the PIN itself: the URI is printed and
	 * written to node.ini. */
	if (u.module_path != NULL || u.pin_source != NULL) {
		str_append(b, "?");
		if (u.pin_source != NULL) {
			str_append(b, "pin-source=");
			pct_append(b, (const unsigned char *)u.pin_source,
			           strlen(u.pin_source), 1);
		}
		if (u.module_path != NULL) {
			str_append(b, u.pin_source != NULL ? "&" : "");
			str_append(b, "module-path=");
			pct_append(b, (const unsigned char *)u.module_path,
			           strlen(u.module_path), 1);
		}
	}
	*key_uri = strdup(b->s);
	rc = *key_uri ? SP_OK : fail(why, SP_ERR_NOMEM, "out of memory");
done:
	p11_close(&p);
	free(b);
	if (pin != NULL)
		OPENSSL_clear_free(pin, strlen(pin));
	sp_trust__p11uri_clear(&u);
	return rc;
}
