/* note.c: C2SP signed notes and tlog-cosignatures with Ed25519 keys. */
#include "trust.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#define ALG_ED25519      0x01
#define ALG_COSIG_V1     0x04
#define NAME_MAX_LEN     255
#define PUB_LEN          32
#define SIG_LEN          64
#define NOTE_SIG_PAYLOAD (4 + SIG_LEN)
#define COSIG_PAYLOAD    (4 + 8 + SIG_LEN)
/* Largest decoded signature payload accepted on a line (other algorithms'
 * signatures are longer than Ed25519's, but the note cap bounds them). */
#define MAX_LINE_PAYLOAD 4096
/* "\u2014 " in UTF-8. */
#define SIG_PREFIX     "\xe2\x80\x94 "
#define SIG_PREFIX_LEN 4

struct sp_note_signer {
	char *name;
	EVP_PKEY *pkey;
	uint8_t pub[PUB_LEN];
	uint8_t id[4];
	uint8_t cosig_id[4];
	char *vkey;
	char *cosig_vkey;
};

/* A parsed verifier key. */
typedef struct vkey {
	char name[NAME_MAX_LEN + 1];
	size_t name_len;
	uint8_t alg;
	uint8_t id[4];
	uint8_t pub[PUB_LEN];
} vkey;

static void set_why(const char **why, const char *w)
{
	if (why != NULL)
		*why = w;
}

static void log_openssl(const char *what)
{
	unsigned long e;
	char buf[256];

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		fprintf(stderr, "silkport: %s: %s\n", what, buf);
	}
}

/* Key names: 1..255 bytes, no spaces, no control characters, no '+'. */
static int name_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > NAME_MAX_LEN)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7f || c == '+')
			return 0;
	}
	return 1;
}

/* SHA-256(name || "\n" || alg || pub)[:4] */
static int key_id(const char *name, size_t name_len, uint8_t alg,
                  const uint8_t pub[PUB_LEN], uint8_t out[4])
{
	uint8_t buf[NAME_MAX_LEN + 2 + PUB_LEN];
	uint8_t h[32];
	unsigned int hl = 0;

	if (name_len > NAME_MAX_LEN)
		return SP_ERR_INVALID_ARGUMENT;
	memcpy(buf, name, name_len);
	buf[name_len] = '\n';
	buf[name_len + 1] = alg;
	memcpy(buf + name_len + 2, pub, PUB_LEN);
	if (EVP_Digest(buf, name_len + 2 + PUB_LEN, h, &hl, EVP_sha256(),
	               NULL) != 1 ||
	    hl != 32)
		return SP_ERR_INTERNAL;
	memcpy(out, h, 4);
	return SP_OK;
}

/* "name+hhhhhhhh+base64(alg || pub)", malloc'd. */
static char *vkey_text(const char *name, size_t name_len, uint8_t alg,
                       const uint8_t id[4], const uint8_t pub[PUB_LEN])
{
	uint8_t raw[1 + PUB_LEN];
	char b64[64];
	size_t cap = name_len + 1 + 8 + 1 + 44 + 1;
	char *out;
	int n;

	raw[0] = alg;
	memcpy(raw + 1, pub, PUB_LEN);
	if (sp_b64_encode(raw, sizeof(raw), b64, sizeof(b64)) != 44)
		return NULL;
	out = malloc(cap);
	if (out == NULL)
		return NULL;
	n = snprintf(out, cap, "%.*s+%02x%02x%02x%02x+%s", (int)name_len, name,
	             id[0], id[1], id[2], id[3], b64);
	if (n < 0 || (size_t)n >= cap) {
		free(out);
		return NULL;
	}
	return out;
}

/* Parse "name+hhhhhhhh+base64(alg || pub)" and check that the id matches. */
/* Parse a verifier key "name+id+key" of algorithm want_alg. On a key ID
 * that does not match the key, *id_mismatch (when not NULL) is set. */
static int vkey_parse_ex(const char *text, uint8_t want_alg, vkey *out,
                         const char **why, int *id_mismatch)
{
	const char *p1, *p2;
	size_t len, n = 0;
	uint8_t raw[1 + PUB_LEN];
	uint8_t id[4];

	memset(out, 0, sizeof(*out));
	if (text == NULL) {
		set_why(why, "no verifier key");
		return SP_ERR_INVALID_ARGUMENT;
	}
	len = strnlen(text, 1024);
	if (len >= 1024) {
		set_why(why, "verifier key too long");
		return SP_ERR_INVALID_ARGUMENT;
	}
	/* The base64 key may itself contain '+' (SPEC [LOG-9]): the name
	 * holds none and the key ID is exactly 8 hex digits, so the parts are
	 * split at the first '+' and at the '+' right after the key ID, and
	 * all that follows is the key. */
	p1 = memchr(text, '+', len);
	if (p1 == NULL) {
		set_why(why, "verifier key is not name+id+key");
		return SP_ERR_INVALID_ARGUMENT;
	}
	if (!name_valid(text, (size_t)(p1 - text))) {
		set_why(why, "verifier key name is invalid");
		return SP_ERR_INVALID_ARGUMENT;
	}
	p2 = memchr(p1 + 1, '+', len - (size_t)(p1 + 1 - text));
	if (p2 == NULL || p2 - p1 != 9) {
		set_why(why, "verifier key id is not 8 hex digits");
		return SP_ERR_INVALID_ARGUMENT;
	}
	if (sp_hex_decode(p1 + 1, 8, out->id) != SP_OK) {
		set_why(why, "verifier key id is not lowercase hex");
		return SP_ERR_INVALID_ARGUMENT;
	}
	if (sp_b64_decode(p2 + 1, len - (size_t)(p2 + 1 - text), raw,
	                  sizeof(raw), &n) != SP_OK ||
	    n != sizeof(raw)) {
		set_why(why, "verifier key is not base64 of algorithm and key");
		return SP_ERR_INVALID_ARGUMENT;
	}
	if (raw[0] != want_alg) {
		set_why(why, want_alg == ALG_ED25519
		                 ? "verifier key is not an Ed25519 note key"
		                 : "verifier key is not a cosignature/v1 key");
		return SP_ERR_INVALID_ARGUMENT;
	}
	out->name_len = (size_t)(p1 - text);
	memcpy(out->name, text, out->name_len);
	out->name[out->name_len] = '\0';
	out->alg = raw[0];
	memcpy(out->pub, raw + 1, PUB_LEN);
	if (key_id(out->name, out->name_len, out->alg, out->pub, id) != SP_OK) {
		set_why(why, "cannot hash verifier key");
		return SP_ERR_INTERNAL;
	}
	if (memcmp(id, out->id, 4) != 0) {
		set_why(why, "verifier key id does not match its key");
		if (id_mismatch != NULL)
			*id_mismatch = 1;
		return SP_ERR_INVALID_ARGUMENT;
	}
	return SP_OK;
}

static int vkey_parse(const char *text, uint8_t want_alg, vkey *out,
                      const char **why)
{
	return vkey_parse_ex(text, want_alg, out, why, NULL);
}

char *sp_note_cosigner_vkey_of(const char *log_key, const char **why)
{
	vkey vk;
	uint8_t id[4];
	char *out;

	/* LOG-10: the same name and Ed25519 key, type byte 0x04 and the key
	 * ID derived with it */
	if (vkey_parse(log_key, ALG_ED25519, &vk, why) != SP_OK)
		return NULL;
	if (key_id(vk.name, vk.name_len, ALG_COSIG_V1, vk.pub, id) != SP_OK ||
	    (out = vkey_text(vk.name, vk.name_len, ALG_COSIG_V1, id, vk.pub)) ==
	        NULL) {
		set_why(why, "cannot derive the cosigner key");
		return NULL;
	}
	return out;
}

int sp_note_log_key_check(const char *vkey_text, const char *node_id,
                          const char **why)
{
	vkey vk;
	size_t nl, il;
	const char *fed;
	int mismatch = 0;

	set_why(why, NULL);
	if (vkey_text == NULL || node_id == NULL) {
		set_why(why, "no LogKey or NodeId");
		return SP_ERR_INVALID_ARGUMENT;
	}
	if (vkey_parse_ex(vkey_text, ALG_ED25519, &vk, why, &mismatch) != SP_OK)
		return mismatch ? SP_ERR_FIELD : SP_ERR_SCHEMA;
	/* silkport/<FederationId>/<NodeId>: the member's own NodeId, and a
	 * home federation that may be another list's (LOG-6, LOG-7). */
	nl = vk.name_len;
	il = strlen(node_id);
	fed = vk.name + strlen("silkport/");
	if (nl < strlen("silkport/") + 2 + il ||
	    memcmp(vk.name, "silkport/", strlen("silkport/")) != 0 ||
	    vk.name[nl - il - 1] != '/' ||
	    memcmp(vk.name + nl - il, node_id, il) != 0 ||
	    memchr(fed, '/', (size_t)(vk.name + nl - il - 1 - fed)) != NULL) {
		set_why(why,
		        "LogKey name is not silkport/<FederationId>/<NodeId> "
		        "with the member's NodeId");
		return SP_ERR_FIELD;
	}
	return SP_OK;
}

/* ---------------------------------------------------------------- Ed25519 */

static int ed25519_sign(EVP_PKEY *pkey, const void *msg, size_t len,
                        uint8_t sig[SIG_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t sl = SIG_LEN;
	int ok;

	ok = ctx != NULL &&
	     EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	     EVP_DigestSign(ctx, sig, &sl, msg, len) == 1 && sl == SIG_LEN;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		log_openssl("Ed25519 sign");
		return SP_ERR_INTERNAL;
	}
	return SP_OK;
}

/* 1 valid, 0 invalid, < 0 error. */
static int ed25519_verify(const uint8_t pub[PUB_LEN], const void *msg,
                          size_t len, const uint8_t sig[SIG_LEN])
{
	EVP_PKEY *pk;
	EVP_MD_CTX *ctx;
	int r;

	pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, PUB_LEN);
	if (pk == NULL) {
		ERR_clear_error();
		return 0; /* not a valid point: nothing can verify */
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL) {
		EVP_PKEY_free(pk);
		return SP_ERR_NOMEM;
	}
	r = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) == 1
	        ? EVP_DigestVerify(ctx, sig, SIG_LEN, msg, len)
	        : -1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	if (r == 1)
		return 1;
	return r == 0 ? 0 : SP_ERR_INTERNAL;
}

/* ---------------------------------------------------------------- keys */

int sp_note_keygen(const char *name, const char *key_out, char **vkey_out,
                   const char **why)
{
	EVP_PKEY_CTX *kctx = NULL;
	EVP_PKEY *pkey = NULL;
	uint8_t pub[PUB_LEN], id[4];
	size_t pl = PUB_LEN;
	FILE *fp = NULL;
	int fd = -1, rc = SP_ERR_INTERNAL, created = 0;
	char *vk = NULL;

	if (vkey_out != NULL)
		*vkey_out = NULL;
	set_why(why, NULL);
	if (name == NULL || key_out == NULL || vkey_out == NULL) {
		set_why(why, "missing argument");
		return SP_ERR_INVALID_ARGUMENT;
	}
	if (!name_valid(name, strnlen(name, NAME_MAX_LEN + 1))) {
		set_why(why,
		        "key name must be 1-255 bytes without spaces or '+'");
		return SP_ERR_INVALID_ARGUMENT;
	}
	kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	if (kctx == NULL || EVP_PKEY_keygen_init(kctx) != 1 ||
	    EVP_PKEY_keygen(kctx, &pkey) != 1) {
		log_openssl("Ed25519 keygen");
		set_why(why, "cannot generate an Ed25519 key");
		goto fail;
	}
	if (EVP_PKEY_get_raw_public_key(pkey, pub, &pl) != 1 || pl != PUB_LEN) {
		log_openssl("Ed25519 public key");
		set_why(why, "cannot read the public key");
		goto fail;
	}
	if (key_id(name, strlen(name), ALG_ED25519, pub, id) != SP_OK) {
		set_why(why, "cannot hash the public key");
		goto fail;
	}
	vk = vkey_text(name, strlen(name), ALG_ED25519, id, pub);
	if (vk == NULL) {
		rc = SP_ERR_NOMEM;
		set_why(why, "out of memory");
		goto fail;
	}
	/* A log key is never replaced by accident: the file must not exist. */
	fd = open(key_out, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	          0600);
	if (fd < 0) {
		rc = SP_ERR_IO;
		set_why(why, errno == EEXIST ? "key file already exists"
		                             : "cannot create the key file");
		goto fail;
	}
	created = 1;
	fp = fdopen(fd, "w");
	if (fp == NULL) {
		rc = SP_ERR_IO;
		set_why(why, "cannot open the key file");
		goto fail;
	}
	fd = -1;
	if (PEM_write_PrivateKey(fp, pkey, NULL, NULL, 0, NULL, NULL) != 1) {
		log_openssl("write Ed25519 key");
		rc = SP_ERR_IO;
		set_why(why, "cannot write the key file");
		goto fail;
	}
	if (fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
		rc = SP_ERR_IO;
		set_why(why, "cannot write the key file");
		goto fail;
	}
	if (fclose(fp) != 0) {
		fp = NULL;
		rc = SP_ERR_IO;
		set_why(why, "cannot write the key file");
		goto fail;
	}
	fp = NULL;
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(kctx);
	*vkey_out = vk;
	return SP_OK;
fail:
	if (fp != NULL)
		fclose(fp);
	if (fd >= 0)
		close(fd);
	if (created)
		unlink(key_out);
	free(vk);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(kctx);
	return rc;
}

int sp_note_signer_load(const char *name, const char *key_path,
                        sp_note_signer **out, const char **why)
{
	sp_note_signer *s = NULL;
	size_t pl = PUB_LEN, nl;
	int rc = SP_ERR_INTERNAL;

	if (out != NULL)
		*out = NULL;
	set_why(why, NULL);
	if (name == NULL || key_path == NULL || out == NULL) {
		set_why(why, "missing argument");
		return SP_ERR_INVALID_ARGUMENT;
	}
	nl = strnlen(name, NAME_MAX_LEN + 1);
	if (!name_valid(name, nl)) {
		set_why(why,
		        "key name must be 1-255 bytes without spaces or '+'");
		return SP_ERR_INVALID_ARGUMENT;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		set_why(why, "out of memory");
		return SP_ERR_NOMEM;
	}
	s->name = strdup(name);
	if (s->name == NULL) {
		rc = SP_ERR_NOMEM;
		set_why(why, "out of memory");
		goto fail;
	}
	/* libp11 0.4.12 (Debian 12) knows RSA and EC keys only: an Ed25519
	 * key in a token cannot be used through the engine (and hides the
	 * token's other keys from it). */
	if (sp_key_is_pkcs11(key_path)) {
		rc = SP_ERR_TOKEN;
		set_why(why, "the Ed25519 checkpoint key cannot be used from a "
		             "PKCS#11 token (libp11 0.4.12 has no Ed25519): "
		             "keep it in a file");
		goto fail;
	}
	rc = sp_key_load_private(key_path, &s->pkey, why);
	if (rc != SP_OK) {
		if (rc == SP_ERR_CERT_INVALID) {
			rc = SP_ERR_INVALID_ARGUMENT;
			set_why(why,
			        "key file does not hold a PEM private key");
		}
		goto fail;
	}
	if (EVP_PKEY_get_id(s->pkey) != EVP_PKEY_ED25519) {
		rc = SP_ERR_INVALID_ARGUMENT;
		set_why(why, "note key is not Ed25519");
		goto fail;
	}
	if (EVP_PKEY_get_raw_public_key(s->pkey, s->pub, &pl) != 1 ||
	    pl != PUB_LEN) {
		log_openssl("Ed25519 public key");
		set_why(why, "cannot read the public key");
		goto fail;
	}
	if (key_id(name, nl, ALG_ED25519, s->pub, s->id) != SP_OK ||
	    key_id(name, nl, ALG_COSIG_V1, s->pub, s->cosig_id) != SP_OK) {
		set_why(why, "cannot hash the public key");
		goto fail;
	}
	s->vkey = vkey_text(name, nl, ALG_ED25519, s->id, s->pub);
	s->cosig_vkey = vkey_text(name, nl, ALG_COSIG_V1, s->cosig_id, s->pub);
	if (s->vkey == NULL || s->cosig_vkey == NULL) {
		rc = SP_ERR_NOMEM;
		set_why(why, "out of memory");
		goto fail;
	}
	*out = s;
	return SP_OK;
fail:
	sp_note_signer_free(s);
	return rc;
}

void sp_note_signer_free(sp_note_signer *s)
{
	if (s == NULL)
		return;
	EVP_PKEY_free(s->pkey); /* OpenSSL wipes the private key */
	free(s->name);
	free(s->vkey);
	free(s->cosig_vkey);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

const char *sp_note_signer_vkey(const sp_note_signer *s)
{
	return s != NULL ? s->vkey : NULL;
}

const char *sp_note_cosigner_vkey(const sp_note_signer *s)
{
	return s != NULL ? s->cosig_vkey : NULL;
}

const char *sp_note_signer_name(const sp_note_signer *s)
{
	return s != NULL ? s->name : NULL;
}

/* ---------------------------------------------------------------- notes */

/* Note text: non-empty, ends in "\n", no empty line, no control character
 * other than the line ends. */
static int text_valid(const char *t, size_t len, const char **why)
{
	size_t i;

	if (len == 0 || t[len - 1] != '\n') {
		set_why(why, "note text must end in a newline");
		return 0;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c == '\n') {
			if (i == 0 || t[i - 1] == '\n') {
				set_why(why, "note text has an empty line");
				return 0;
			}
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			set_why(why, "note text has a control character");
			return 0;
		}
	}
	return 1;
}

/* Split a note at its blank line: text is note[0..*text_len), the
 * signature lines note[*text_len + 1 .. len). */
static int note_split(const char *note, size_t len, size_t *text_len,
                      const char **why)
{
	size_t i;

	if (len > SP_NOTE_MAX_BYTES) {
		set_why(why, "note too large");
		return SP_ERR_TOO_LARGE;
	}
	for (i = 0; i + 1 < len; i++) {
		if (note[i] == '\n' && note[i + 1] == '\n')
			break;
	}
	if (i + 1 >= len) {
		set_why(why, "note has no signature block");
		return SP_ERR_CHECKPOINT_INVALID;
	}
	if (!text_valid(note, i + 1, why))
		return SP_ERR_CHECKPOINT_INVALID;
	if (i + 2 >= len) {
		set_why(why, "note has no signature lines");
		return SP_ERR_CHECKPOINT_INVALID;
	}
	*text_len = i + 1;
	return SP_OK;
}

/* Walk the signature lines: every line must be well formed; return the one
 * payload by key `vk` (name and key id) of exactly `want` bytes. */
static int find_signature(const char *sigs, size_t len, const vkey *vk,
                          size_t want, uint8_t *payload, const char **why)
{
	uint8_t buf[MAX_LINE_PAYLOAD];
	size_t pos = 0, count = 0, found = 0;

	if (len == 0) {
		set_why(why, "no signature lines");
		return SP_ERR_CHECKPOINT_INVALID;
	}
	while (pos < len) {
		const char *line = sigs + pos, *nl, *sp;
		size_t llen, name_len, n = 0, i;

		nl = memchr(line, '\n', len - pos);
		if (nl == NULL) {
			set_why(why,
			        "signature line does not end in a newline");
			return SP_ERR_CHECKPOINT_INVALID;
		}
		llen = (size_t)(nl - line);
		pos += llen + 1;
		if (++count > SP_NOTE_MAX_SIGNATURES) {
			set_why(why, "too many signature lines");
			return SP_ERR_CHECKPOINT_INVALID;
		}
		for (i = 0; i < llen; i++) {
			unsigned char c = (unsigned char)line[i];
			if (c < 0x20 || c == 0x7f) {
				set_why(
				    why,
				    "signature line has a control character");
				return SP_ERR_CHECKPOINT_INVALID;
			}
		}
		if (llen < SIG_PREFIX_LEN ||
		    memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0) {
			set_why(why, "signature line does not start with an em "
			             "dash and a space");
			return SP_ERR_CHECKPOINT_INVALID;
		}
		sp = memchr(line + SIG_PREFIX_LEN, ' ', llen - SIG_PREFIX_LEN);
		if (sp == NULL) {
			set_why(why, "signature line has no signature");
			return SP_ERR_CHECKPOINT_INVALID;
		}
		name_len = (size_t)(sp - line) - SIG_PREFIX_LEN;
		if (!name_valid(line + SIG_PREFIX_LEN, name_len)) {
			set_why(why, "signature line has an invalid key name");
			return SP_ERR_CHECKPOINT_INVALID;
		}
		if (sp_b64_decode(sp + 1, (size_t)(nl - sp - 1), buf,
		                  sizeof(buf), &n) != SP_OK ||
		    n < 5) {
			set_why(why, "signature line is not base64 of a key id "
			             "and signature");
			return SP_ERR_CHECKPOINT_INVALID;
		}
		if (name_len != vk->name_len ||
		    memcmp(line + SIG_PREFIX_LEN, vk->name, name_len) != 0 ||
		    memcmp(buf, vk->id, 4) != 0)
			continue; /* another key's signature */
		if (n != want) {
			set_why(why,
			        "signature by the key has the wrong length");
			return SP_ERR_SIG_INVALID;
		}
		if (found++ > 0) {
			set_why(why, "two signatures by the same key");
			return SP_ERR_SIG_INVALID;
		}
		memcpy(payload, buf, want);
	}
	if (found == 0) {
		set_why(why, "no signature by the key");
		return SP_ERR_SIG_MISSING;
	}
	return SP_OK;
}

/* "\u2014 name base64(payload)\n", malloc'd. */
static char *sig_line(const char *name, const uint8_t *payload, size_t plen)
{
	size_t nl = strlen(name), b64cap = ((plen + 2) / 3) * 4 + 1, cap, pos;
	char *out;

	cap = SIG_PREFIX_LEN + nl + 1 + b64cap + 1;
	out = malloc(cap);
	if (out == NULL)
		return NULL;
	memcpy(out, SIG_PREFIX, SIG_PREFIX_LEN);
	pos = SIG_PREFIX_LEN;
	memcpy(out + pos, name, nl);
	pos += nl;
	out[pos++] = ' ';
	pos += sp_b64_encode(payload, plen, out + pos, cap - pos);
	out[pos++] = '\n';
	out[pos] = '\0';
	return out;
}

int sp_note_sign(const sp_note_signer *s, const char *text, size_t len,
                 char **out, const char **why)
{
	uint8_t payload[NOTE_SIG_PAYLOAD];
	char *line = NULL, *buf;
	size_t ll;
	int rc;

	if (out != NULL)
		*out = NULL;
	set_why(why, NULL);
	if (s == NULL || text == NULL || out == NULL) {
		set_why(why, "missing argument");
		return SP_ERR_INVALID_ARGUMENT;
	}
	if (len > SP_NOTE_MAX_BYTES) {
		set_why(why, "note too large");
		return SP_ERR_TOO_LARGE;
	}
	if (!text_valid(text, len, why))
		return SP_ERR_INVALID_ARGUMENT;
	memcpy(payload, s->id, 4);
	rc = ed25519_sign(s->pkey, text, len, payload + 4);
	if (rc != SP_OK) {
		set_why(why, "Ed25519 signing failed");
		return rc;
	}
	line = sig_line(s->name, payload, sizeof(payload));
	if (line == NULL) {
		set_why(why, "out of memory");
		return SP_ERR_NOMEM;
	}
	ll = strlen(line);
	if (len + 1 + ll > SP_NOTE_MAX_BYTES) {
		free(line);
		set_why(why, "signed note would be too large");
		return SP_ERR_TOO_LARGE;
	}
	buf = malloc(len + 1 + ll + 1);
	if (buf == NULL) {
		free(line);
		set_why(why, "out of memory");
		return SP_ERR_NOMEM;
	}
	memcpy(buf, text, len);
	buf[len] = '\n';
	memcpy(buf + len + 1, line, ll + 1);
	free(line);
	*out = buf;
	return SP_OK;
}

int sp_note_verify(const char *vk_text, const char *note, size_t len,
                   size_t *text_len, const char **why)
{
	uint8_t payload[NOTE_SIG_PAYLOAD];
	size_t tl = 0;
	vkey vk;
	int rc;

	if (text_len != NULL)
		*text_len = 0;
	set_why(why, NULL);
	if (note == NULL) {
		set_why(why, "no note");
		return SP_ERR_INVALID_ARGUMENT;
	}
	rc = vkey_parse(vk_text, ALG_ED25519, &vk, why);
	if (rc != SP_OK)
		return rc;
	rc = note_split(note, len, &tl, why);
	if (rc != SP_OK)
		return rc;
	rc = find_signature(note + tl + 1, len - tl - 1, &vk, sizeof(payload),
	                    payload, why);
	if (rc != SP_OK)
		return rc;
	rc = ed25519_verify(vk.pub, note, tl, payload + 4);
	if (rc != 1) {
		set_why(why, rc == 0 ? "note signature does not verify"
		                     : "cannot verify the note signature");
		return rc == 0 ? SP_ERR_SIG_INVALID : rc;
	}
	if (text_len != NULL)
		*text_len = tl;
	return SP_OK;
}

int sp_note_verify_either(const char *vkey, const char *next_vkey,
                          const char *note, size_t len, size_t *text_len,
                          const char **why)
{
	const char *why2 = NULL;
	size_t tl2 = 0;
	int rc, rc2;

	rc = sp_note_verify(vkey, note, len, text_len, why);
	if (next_vkey == NULL || rc == SP_ERR_SIG_INVALID)
		return rc;
	rc2 = sp_note_verify(next_vkey, note, len, &tl2, &why2);
	/* A line of a listed key that fails refuses the whole note (SPEC
	 * LOG-18), even when the other key's line verifies. */
	if (rc2 == SP_ERR_SIG_INVALID || (rc != SP_OK && rc2 == SP_OK)) {
		set_why(why, why2);
		if (text_len != NULL)
			*text_len = tl2;
		return rc2;
	}
	return rc;
}

/* ---------------------------------------------------------------- cosignatures
 */

static void put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* The checkpoint body of a body or a whole note. */
static int checkpoint_body(const char *cp, size_t len, size_t *body_len,
                           const char **why)
{
	sp_checkpoint parsed;
	int rc;

	if (cp == NULL) {
		set_why(why, "no checkpoint");
		return SP_ERR_INVALID_ARGUMENT;
	}
	if (len > SP_NOTE_MAX_BYTES) {
		set_why(why, "note too large");
		return SP_ERR_TOO_LARGE;
	}
	rc = sp_checkpoint_parse(cp, len, &parsed, body_len, why);
	if (rc != SP_OK)
		return rc;
	if (!text_valid(cp, *body_len, why))
		return SP_ERR_CHECKPOINT_INVALID;
	return SP_OK;
}

/* Cosign a validated note text: the payload is key id, timestamp and the
 * Ed25519 signature of "cosignature/v1\ntime T\n" + text. */
static int cosign_text(const sp_note_signer *s, const char *text,
                       size_t text_len, int64_t timestamp, char **sig_line_out,
                       const char **why)
{
	uint8_t payload[COSIG_PAYLOAD];
	char *msg = NULL;
	size_t msg_len = 0;
	int rc;

	rc = sp_checkpoint_cosigned_message(text, text_len, timestamp, &msg,
	                                    &msg_len);
	if (rc != SP_OK) {
		set_why(why, "cannot build the cosigned message");
		return rc;
	}
	memcpy(payload, s->cosig_id, 4);
	put_be64(payload + 4, (uint64_t)timestamp);
	rc = ed25519_sign(s->pkey, msg, msg_len, payload + 12);
	free(msg);
	if (rc != SP_OK) {
		set_why(why, "Ed25519 signing failed");
		return rc;
	}
	*sig_line_out = sig_line(s->name, payload, sizeof(payload));
	if (*sig_line_out == NULL) {
		set_why(why, "out of memory");
		return SP_ERR_NOMEM;
	}
	return SP_OK;
}

/* Verify the cosignature by vk among sigs over a validated note text. */
static int verify_cosignature_text(const vkey *vk, const char *text,
                                   size_t text_len, const char *sigs,
                                   size_t sigs_len, int64_t *time_out,
                                   const char **why)
{
	uint8_t payload[COSIG_PAYLOAD];
	char *msg = NULL;
	size_t msg_len = 0;
	uint64_t t;
	int rc;

	if (sigs_len > SP_NOTE_MAX_BYTES) {
		set_why(why, "signature lines too large");
		return SP_ERR_TOO_LARGE;
	}
	rc = find_signature(sigs, sigs_len, vk, sizeof(payload), payload, why);
	if (rc != SP_OK)
		return rc;
	t = get_be64(payload + 4);
	if (t > (uint64_t)INT64_MAX) {
		set_why(why, "cosignature time out of range");
		return SP_ERR_SIG_INVALID;
	}
	rc = sp_checkpoint_cosigned_message(text, text_len, (int64_t)t, &msg,
	                                    &msg_len);
	if (rc != SP_OK) {
		set_why(why, "cannot build the cosigned message");
		return rc;
	}
	rc = ed25519_verify(vk->pub, msg, msg_len, payload + 12);
	free(msg);
	if (rc != 1) {
		set_why(why, rc == 0 ? "cosignature does not verify"
		                     : "cannot verify the cosignature");
		return rc == 0 ? SP_ERR_SIG_INVALID : rc;
	}
	if (time_out != NULL)
		*time_out = (int64_t)t;
	return SP_OK;
}

int sp_note_cosign(const sp_note_signer *s, const char *checkpoint, size_t len,
                   int64_t timestamp, char **sig_line_out, const char **why)
{
	size_t body_len = 0;
	int rc;

	if (sig_line_out != NULL)
		*sig_line_out = NULL;
	set_why(why, NULL);
	if (s == NULL || sig_line_out == NULL || timestamp < 0) {
		set_why(why, timestamp < 0 ? "negative cosignature time"
		                           : "missing argument");
		return SP_ERR_INVALID_ARGUMENT;
	}
	rc = checkpoint_body(checkpoint, len, &body_len, why);
	if (rc != SP_OK)
		return rc;
	return cosign_text(s, checkpoint, body_len, timestamp, sig_line_out,
	                   why);
}

int sp_note_verify_cosignature(const char *vk_text, const char *checkpoint,
                               size_t len, const char *sigs, size_t sigs_len,
                               int64_t *time_out, const char **why)
{
	size_t body_len = 0;
	vkey vk;
	int rc;

	if (time_out != NULL)
		*time_out = 0;
	set_why(why, NULL);
	rc = vkey_parse(vk_text, ALG_COSIG_V1, &vk, why);
	if (rc != SP_OK)
		return rc;
	rc = checkpoint_body(checkpoint, len, &body_len, why);
	if (rc != SP_OK)
		return rc;
	if (sigs == NULL) {
		if (body_len + 1 >= len) {
			set_why(why, "checkpoint has no signature lines");
			return SP_ERR_SIG_MISSING;
		}
		sigs = checkpoint + body_len + 1;
		sigs_len = len - body_len - 1;
	}
	return verify_cosignature_text(&vk, checkpoint, body_len, sigs,
	                               sigs_len, time_out, why);
}

/* A note text that is not a checkpoint (a trust list's, SPEC [TL-81]):
 * the caller checks what its lines say; here only the note rules. */
static int plain_text_check(const char *text, size_t len, const char **why)
{
	if (text == NULL) {
		set_why(why, "no note text");
		return SP_ERR_INVALID_ARGUMENT;
	}
	if (len > SP_NOTE_MAX_BYTES) {
		set_why(why, "note too large");
		return SP_ERR_TOO_LARGE;
	}
	if (!text_valid(text, len, why))
		return SP_ERR_CHECKPOINT_INVALID;
	return SP_OK;
}

int sp_note_cosign_text(const sp_note_signer *s, const char *text, size_t len,
                        int64_t timestamp, char **sig_line_out,
                        const char **why)
{
	int rc;

	if (sig_line_out != NULL)
		*sig_line_out = NULL;
	set_why(why, NULL);
	if (s == NULL || sig_line_out == NULL || timestamp < 0) {
		set_why(why, timestamp < 0 ? "negative cosignature time"
		                           : "missing argument");
		return SP_ERR_INVALID_ARGUMENT;
	}
	if ((rc = plain_text_check(text, len, why)) != SP_OK)
		return rc;
	return cosign_text(s, text, len, timestamp, sig_line_out, why);
}

int sp_note_verify_cosignature_text(const char *vk_text, const char *text,
                                    size_t len, const char *sigs,
                                    size_t sigs_len, int64_t *time_out,
                                    const char **why)
{
	vkey vk;
	int rc;

	if (time_out != NULL)
		*time_out = 0;
	set_why(why, NULL);
	if ((rc = vkey_parse(vk_text, ALG_COSIG_V1, &vk, why)) != SP_OK)
		return rc;
	if ((rc = plain_text_check(text, len, why)) != SP_OK)
		return rc;
	if (sigs == NULL) {
		set_why(why, "no signature lines");
		return SP_ERR_SIG_MISSING;
	}
	return verify_cosignature_text(&vk, text, len, sigs, sigs_len, time_out,
	                               why);
}
