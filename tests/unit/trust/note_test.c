/* note_test.c: C2SP signed notes and cosignatures with Ed25519 keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "trust.h"

#define ORIGIN  "silkport/SILK-ROAD/CN-ZZ"
#define WITNESS "silkport/SILK-ROAD/KZ-KGS"
#define EMDASH  "\xe2\x80\x94"

typedef struct fixture {
	char dir[256];
	char key1[300], key2[300], key3[300], keyw[300], keyec[300];
	char *vkey1, *vkey2, *vkey3, *vkeyw;
	sp_note_signer *s1; /* ORIGIN */
	sp_note_signer *s2; /* "other.example/log", unrelated */
	sp_note_signer *s3; /* ORIGIN again, another key */
	sp_note_signer *sw; /* WITNESS */
	char *body;         /* a checkpoint body */
	size_t body_len;
} fixture;

static void path_in(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);
	assert_true(n > 0 && (size_t)n < cap);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");
	const char *why = NULL;
	sp_checkpoint cp;
	size_t i;
	int n;

	assert_non_null(f);
	n = snprintf(f->dir, sizeof(f->dir), "%s/sp-note-XXXXXX",
	             tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	assert_true(n > 0 && (size_t)n < sizeof(f->dir));
	assert_non_null(mkdtemp(f->dir));
	path_in(f->key1, sizeof(f->key1), f->dir, "origin.pem");
	path_in(f->key2, sizeof(f->key2), f->dir, "other.pem");
	path_in(f->key3, sizeof(f->key3), f->dir, "origin2.pem");
	path_in(f->keyw, sizeof(f->keyw), f->dir, "witness.pem");
	path_in(f->keyec, sizeof(f->keyec), f->dir, "p256.pem");

	assert_int_equal(sp_note_keygen(ORIGIN, f->key1, &f->vkey1, &why),
	                 SP_OK);
	assert_int_equal(
	    sp_note_keygen("other.example/log", f->key2, &f->vkey2, &why),
	    SP_OK);
	assert_int_equal(sp_note_keygen(ORIGIN, f->key3, &f->vkey3, &why),
	                 SP_OK);
	assert_int_equal(sp_note_keygen(WITNESS, f->keyw, &f->vkeyw, &why),
	                 SP_OK);
	assert_int_equal(sp_note_signer_load(ORIGIN, f->key1, &f->s1, &why),
	                 SP_OK);
	assert_int_equal(
	    sp_note_signer_load("other.example/log", f->key2, &f->s2, &why),
	    SP_OK);
	assert_int_equal(sp_note_signer_load(ORIGIN, f->key3, &f->s3, &why),
	                 SP_OK);
	assert_int_equal(sp_note_signer_load(WITNESS, f->keyw, &f->sw, &why),
	                 SP_OK);

	memset(&cp, 0, sizeof(cp));
	memcpy(cp.origin, ORIGIN, sizeof(ORIGIN));
	cp.size = 1234;
	for (i = 0; i < 32; i++)
		cp.root[i] = (uint8_t)(0xa5 ^ i);
	assert_int_equal(sp_checkpoint_format(&cp, &f->body, &f->body_len),
	                 SP_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	sp_note_signer_free(f->s1);
	sp_note_signer_free(f->s2);
	sp_note_signer_free(f->s3);
	sp_note_signer_free(f->sw);
	free(f->vkey1);
	free(f->vkey2);
	free(f->vkey3);
	free(f->vkeyw);
	free(f->body);
	unlink(f->key1);
	unlink(f->key2);
	unlink(f->key3);
	unlink(f->keyw);
	unlink(f->keyec);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* ------------------------------------------------------------ helpers */

/* Decode a verifier key independently: check the C2SP key id by hand and
 * return the algorithm byte and public key. */
static void check_vkey(const char *vk, const char *name, uint8_t alg,
                       uint8_t pub[32], uint8_t id[4])
{
	size_t nl = strlen(name), n = 0;
	uint8_t raw[33], buf[300], h[32];
	char hex[9];

	assert_true(strncmp(vk, name, nl) == 0);
	assert_int_equal(vk[nl], '+');
	assert_int_equal(vk[nl + 9], '+');
	assert_int_equal(strlen(vk), nl + 1 + 8 + 1 + 44);
	assert_int_equal(sp_b64_decode(vk + nl + 10, 44, raw, sizeof(raw), &n),
	                 SP_OK);
	assert_int_equal(n, 33);
	assert_int_equal(raw[0], alg);
	memcpy(pub, raw + 1, 32);
	memcpy(buf, name, nl);
	buf[nl] = '\n';
	buf[nl + 1] = alg;
	memcpy(buf + nl + 2, pub, 32);
	SHA256(buf, nl + 34, h);
	snprintf(hex, sizeof(hex), "%02x%02x%02x%02x", h[0], h[1], h[2], h[3]);
	assert_true(memcmp(vk + nl + 1, hex, 8) == 0);
	memcpy(id, h, 4);
}

/* Decode the payload of a signature line "— name base64\n". */
static size_t line_payload(const char *line, const char *name, uint8_t *out,
                           size_t cap)
{
	size_t nl = strlen(name), len = strlen(line), n = 0;

	assert_true(strncmp(line, EMDASH " ", 4) == 0);
	assert_true(strncmp(line + 4, name, nl) == 0);
	assert_int_equal(line[4 + nl], ' ');
	assert_int_equal(line[len - 1], '\n');
	assert_int_equal(
	    sp_b64_decode(line + 5 + nl, len - 6 - nl, out, cap, &n), SP_OK);
	return n;
}

static char *make_line(const char *name, const uint8_t *payload, size_t n)
{
	char b64[400];
	char *out = malloc(512);

	assert_non_null(out);
	assert_true(sp_b64_encode(payload, n, b64, sizeof(b64)) > 0);
	assert_true(snprintf(out, 512, EMDASH " %s %s\n", name, b64) < 512);
	return out;
}

static int ossl_verify(const uint8_t pub[32], const void *msg, size_t len,
                       const uint8_t sig[64])
{
	EVP_PKEY *pk =
	    EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int r;

	assert_non_null(pk);
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk), 1);
	r = EVP_DigestVerify(ctx, sig, 64, msg, len);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return r;
}

static char *concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *o = malloc(la + lb + 1);

	assert_non_null(o);
	memcpy(o, a, la);
	memcpy(o + la, b, lb + 1);
	return o;
}

/* ------------------------------------------------------------ keys */

static void test_keys(void **state)
{
	fixture *f = *state;
	uint8_t pub[32], id[4], pubc[32], idc[4];
	struct stat st;
	char *vk = (char *)f; /* must be reset to NULL on error */
	const char *why = NULL;

	check_vkey(f->vkey1, ORIGIN, 0x01, pub, id);
	assert_string_equal(sp_note_signer_vkey(f->s1), f->vkey1);
	assert_string_equal(sp_note_signer_name(f->s1), ORIGIN);
	/* The cosigner key: same name and public key, algorithm 0x04. */
	check_vkey(sp_note_cosigner_vkey(f->s1), ORIGIN, 0x04, pubc, idc);
	assert_memory_equal(pub, pubc, 32);
	assert_memory_not_equal(id, idc, 4);
	/* Two keys under one name differ. */
	assert_string_not_equal(f->vkey1, f->vkey3);

	assert_int_equal(stat(f->key1, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* Never overwrite a key. */
	assert_int_equal(sp_note_keygen(ORIGIN, f->key1, &vk, &why), SP_ERR_IO);
	assert_null(vk);
	assert_non_null(why);
	/* Bad names. */
	assert_int_equal(sp_note_keygen("a b", f->keyec, &vk, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_note_keygen("a+b", f->keyec, &vk, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_note_keygen("", f->keyec, &vk, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(access(f->keyec, F_OK), -1);

	/* A non-Ed25519 key is refused. */
	{
		EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		FILE *fp = fopen(f->keyec, "w");
		sp_note_signer *s = (sp_note_signer *)f;
		assert_non_null(ec);
		assert_non_null(fp);
		assert_int_equal(
		    PEM_write_PrivateKey(fp, ec, NULL, NULL, 0, NULL, NULL), 1);
		fclose(fp);
		EVP_PKEY_free(ec);
		assert_int_equal(sp_note_signer_load("x", f->keyec, &s, &why),
		                 SP_ERR_INVALID_ARGUMENT);
		assert_null(s);
		s = (sp_note_signer *)f;
		assert_int_equal(
		    sp_note_signer_load("x", "/nonexistent/key.pem", &s, &why),
		    SP_ERR_IO);
		assert_null(s);
	}
	sp_note_signer_free(NULL);
}

/* ------------------------------------------------------------ notes */

static void test_sign_verify(void **state)
{
	fixture *f = *state;
	char *note = NULL;
	size_t tl = 0, n;
	const char *why = NULL;
	uint8_t pub[32], id[4], payload[100];

	assert_int_equal(sp_note_sign(f->s1, f->body, f->body_len, &note, &why),
	                 SP_OK);
	assert_non_null(note);
	/* text, one blank line, one signature line */
	assert_true(memcmp(note, f->body, f->body_len) == 0);
	assert_int_equal(note[f->body_len], '\n');
	n = line_payload(note + f->body_len + 1, ORIGIN, payload,
	                 sizeof(payload));
	assert_int_equal(n, 68);
	check_vkey(f->vkey1, ORIGIN, 0x01, pub, id);
	assert_memory_equal(payload, id, 4);
	/* The signature is plain Ed25519 over the text. */
	assert_int_equal(ossl_verify(pub, f->body, f->body_len, payload + 4),
	                 1);

	assert_int_equal(
	    sp_note_verify(f->vkey1, note, strlen(note), &tl, &why), SP_OK);
	assert_null(why);
	assert_int_equal(tl, f->body_len);

	/* Other keys: none of their signatures is there. */
	why = NULL;
	assert_int_equal(
	    sp_note_verify(f->vkey2, note, strlen(note), &tl, &why),
	    SP_ERR_SIG_MISSING);
	assert_non_null(why);
	assert_int_equal(tl, 0);
	/* Same name, another key: the key id differs, so no signature. */
	assert_int_equal(
	    sp_note_verify(f->vkey3, note, strlen(note), &tl, &why),
	    SP_ERR_SIG_MISSING);
	/* Works on a buffer without a NUL after it. */
	{
		size_t len = strlen(note);
		char *copy = malloc(len);
		assert_non_null(copy);
		memcpy(copy, note, len);
		assert_int_equal(sp_note_verify(f->vkey1, copy, len, &tl, &why),
		                 SP_OK);
		free(copy);
	}
	free(note);
}

static void test_tampered(void **state)
{
	fixture *f = *state;
	char *note = NULL, *t;
	size_t len, i, n;
	const char *why = NULL;
	uint8_t payload[100];

	assert_int_equal(sp_note_sign(f->s1, f->body, f->body_len, &note, &why),
	                 SP_OK);
	len = strlen(note);

	/* Any change of a text character (keeping it printable). */
	for (i = 0; i < f->body_len; i++) {
		if (note[i] == '\n')
			continue;
		note[i] ^= 0x01;
		if ((unsigned char)note[i] >= 0x20 && note[i] != 0x7f) {
			why = NULL;
			assert_int_equal(
			    sp_note_verify(f->vkey1, note, len, NULL, &why),
			    SP_ERR_SIG_INVALID);
			assert_non_null(why);
		}
		note[i] ^= 0x01;
	}
	assert_int_equal(sp_note_verify(f->vkey1, note, len, NULL, &why),
	                 SP_OK);

	/* A flipped signature bit, re-encoded as valid base64. */
	n = line_payload(note + f->body_len + 1, ORIGIN, payload,
	                 sizeof(payload));
	assert_int_equal(n, 68);
	payload[4 + 17] ^= 0x20;
	t = make_line(ORIGIN, payload, n);
	{
		char *text = strndup(note, f->body_len + 1);
		char *bad = concat(text, t);
		assert_int_equal(
		    sp_note_verify(f->vkey1, bad, strlen(bad), NULL, &why),
		    SP_ERR_SIG_INVALID);
		free(bad);
		free(text);
	}
	free(t);
	/* A signature by another key of the same name under our key id. */
	{
		char *other = NULL, *text, *bad;
		uint8_t p2[100];
		assert_int_equal(
		    sp_note_sign(f->s3, f->body, f->body_len, &other, &why),
		    SP_OK);
		n = line_payload(other + f->body_len + 1, ORIGIN, p2,
		                 sizeof(p2));
		memcpy(p2, payload, 4); /* claim key 1's id */
		t = make_line(ORIGIN, p2, n);
		text = strndup(note, f->body_len + 1);
		bad = concat(text, t);
		assert_int_equal(
		    sp_note_verify(f->vkey1, bad, strlen(bad), NULL, &why),
		    SP_ERR_SIG_INVALID);
		free(bad);
		free(text);
		free(t);
		free(other);
	}
	free(note);
}

static void test_other_signatures(void **state)
{
	fixture *f = *state;
	char *n1 = NULL, *n2 = NULL, *both, *dup, *cosig = NULL, *with_cosig;
	const char *why = NULL;
	size_t tl = 0;

	assert_int_equal(sp_note_sign(f->s1, f->body, f->body_len, &n1, &why),
	                 SP_OK);
	assert_int_equal(sp_note_sign(f->s2, f->body, f->body_len, &n2, &why),
	                 SP_OK);
	/* A second, unrelated signature line is ignored by each verifier. */
	both = concat(n1, n2 + f->body_len + 1);
	assert_int_equal(
	    sp_note_verify(f->vkey1, both, strlen(both), &tl, &why), SP_OK);
	assert_int_equal(tl, f->body_len);
	assert_int_equal(
	    sp_note_verify(f->vkey2, both, strlen(both), &tl, &why), SP_OK);
	/* Unrelated line first. */
	{
		char *rev = concat(n2, n1 + f->body_len + 1);
		assert_int_equal(
		    sp_note_verify(f->vkey1, rev, strlen(rev), &tl, &why),
		    SP_OK);
		free(rev);
	}
	/* A line of an unknown algorithm or length by another key is fine. */
	{
		uint8_t junk[200];
		char *line, *x;
		memset(junk, 0x5a, sizeof(junk));
		line = make_line("somebody.example", junk, sizeof(junk));
		x = concat(n1, line);
		assert_int_equal(
		    sp_note_verify(f->vkey1, x, strlen(x), &tl, &why), SP_OK);
		free(x);
		free(line);
	}
	/* The same key twice is refused. */
	dup = concat(n1, n1 + f->body_len + 1);
	why = NULL;
	assert_int_equal(sp_note_verify(f->vkey1, dup, strlen(dup), &tl, &why),
	                 SP_ERR_SIG_INVALID);
	assert_non_null(why);
	/* Cosignature lines do not disturb the origin's signature. */
	assert_int_equal(
	    sp_note_cosign(f->sw, n1, strlen(n1), 1767225600, &cosig, &why),
	    SP_OK);
	with_cosig = concat(n1, cosig);
	assert_int_equal(
	    sp_note_verify(f->vkey1, with_cosig, strlen(with_cosig), &tl, &why),
	    SP_OK);
	free(with_cosig);
	free(cosig);
	free(dup);
	free(both);
	free(n1);
	free(n2);
}

static void test_malformed_notes(void **state)
{
	fixture *f = *state;
	char *note = NULL, *sig, *bad;
	const char *why = NULL;
	size_t i;

	assert_int_equal(sp_note_sign(f->s1, f->body, f->body_len, &note, &why),
	                 SP_OK);
	sig = note + f->body_len + 1; /* "— ... \n" */

	/* Built variants of the good note. */
	{
		char *text = strndup(note, f->body_len); /* no final \n */
		char *cases[8];
		size_t k = 0;
		char *tmp;

		cases[k++] = strndup(note, strlen(note) - 1); /* no final \n */
		tmp = concat(text, "\n\n\n"); /* two blank lines */
		cases[k++] = concat(tmp, sig);
		free(tmp);
		cases[k++] = concat(text, "\n"); /* no signatures */
		tmp = concat(text, "\n\n");
		cases[k++] = tmp; /* blank, nothing */
		tmp = concat(text, "\n\n");
		cases[k++] = concat(tmp, sig + 4); /* no em dash */
		free(tmp);
		tmp = concat(text, "\n\n- ");
		cases[k++] = concat(tmp, sig + 4); /* ASCII dash */
		free(tmp);
		tmp = concat("\n", note); /* leading empty line */
		cases[k++] = tmp;
		tmp = concat(note, "\n"); /* trailing blank */
		cases[k++] = tmp;
		for (i = 0; i < k; i++) {
			why = NULL;
			assert_int_not_equal(sp_note_verify(f->vkey1, cases[i],
			                                    strlen(cases[i]),
			                                    NULL, &why),
			                     SP_OK);
			assert_non_null(why);
			free(cases[i]);
		}
		free(text);
	}
	/* Signature lines that are not well formed, even by other keys. */
	{
		static const char *lines[] = {
		    EMDASH " name\n",
		    EMDASH " name AAAA\n", /* 3 bytes < 5 */
		    EMDASH " name AAAAAAAA=\n",
		    EMDASH "  name AAAAAAAAAAAA\n",
		    EMDASH " na\tme AAAAAAAAAAAA\n",
		    EMDASH " name AAAAAAAAAAAA \n",
		    EMDASH " name AAAAAAAAAAAA\r\n",
		    EMDASH " na+me AAAAAAAAAAAA\n",
		    EMDASH "name AAAAAAAAAAAA\n",
		};
		for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
			bad = concat(note, lines[i]);
			why = NULL;
			assert_int_equal(sp_note_verify(f->vkey1, bad,
			                                strlen(bad), NULL,
			                                &why),
			                 SP_ERR_CHECKPOINT_INVALID);
			assert_non_null(why);
			free(bad);
		}
	}
	/* Control characters in the text. */
	{
		char *copy = strdup(note);
		copy[3] = '\r';
		assert_int_equal(
		    sp_note_verify(f->vkey1, copy, strlen(copy), NULL, &why),
		    SP_ERR_CHECKPOINT_INVALID);
		copy[3] = '\0';
		assert_int_equal(
		    sp_note_verify(f->vkey1, copy, strlen(note), NULL, &why),
		    SP_ERR_CHECKPOINT_INVALID);
		free(copy);
	}
	/* 100 signature lines pass, 101 do not. */
	{
		const char *other = EMDASH " x.example AAAAAAAAAAAA\n";
		size_t ol = strlen(other), nl = strlen(note), pos;
		char *big = malloc(nl + 100 * ol + 1);
		assert_non_null(big);
		memcpy(big, note, nl);
		pos = nl;
		for (i = 0; i < 99; i++) {
			memcpy(big + pos, other, ol);
			pos += ol;
		}
		big[pos] = '\0';
		assert_int_equal(sp_note_verify(f->vkey1, big, pos, NULL, &why),
		                 SP_OK);
		memcpy(big + pos, other, ol);
		pos += ol;
		big[pos] = '\0';
		why = NULL;
		assert_int_equal(sp_note_verify(f->vkey1, big, pos, NULL, &why),
		                 SP_ERR_CHECKPOINT_INVALID);
		assert_non_null(why);
		free(big);
	}
	/* Size cap. */
	{
		char *big = malloc(SP_NOTE_MAX_BYTES + 2);
		assert_non_null(big);
		memset(big, 'a', SP_NOTE_MAX_BYTES + 1);
		big[SP_NOTE_MAX_BYTES + 1] = '\0';
		assert_int_equal(sp_note_verify(f->vkey1, big,
		                                SP_NOTE_MAX_BYTES + 1, NULL,
		                                &why),
		                 SP_ERR_TOO_LARGE);
		free(big);
	}
	free(note);
}

static void test_bad_vkeys(void **state)
{
	fixture *f = *state;
	char *note = NULL, *vk;
	const char *why = NULL;
	size_t nl = strlen(ORIGIN);

	assert_int_equal(sp_note_sign(f->s1, f->body, f->body_len, &note, &why),
	                 SP_OK);
	/* Key id that does not match the key. */
	vk = strdup(f->vkey1);
	vk[nl + 1] = vk[nl + 1] == '0' ? '1' : '0';
	why = NULL;
	assert_int_equal(sp_note_verify(vk, note, strlen(note), NULL, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_non_null(why);
	free(vk);
	/* Upper-case hex. */
	vk = strdup(f->vkey1);
	{
		size_t i;
		int changed = 0;
		for (i = nl + 1; i < nl + 9; i++)
			if (vk[i] >= 'a' && vk[i] <= 'f') {
				vk[i] = (char)(vk[i] - 'a' + 'A');
				changed = 1;
			}
		if (changed)
			assert_int_equal(
			    sp_note_verify(vk, note, strlen(note), NULL, &why),
			    SP_ERR_INVALID_ARGUMENT);
	}
	free(vk);
	/* Key from the same name with another public key (id recomputed
	 * correctly by the key's owner): no signature. */
	assert_int_equal(
	    sp_note_verify(f->vkey3, note, strlen(note), NULL, &why),
	    SP_ERR_SIG_MISSING);
	/* A cosigner key is not a note key. */
	assert_int_equal(sp_note_verify(sp_note_cosigner_vkey(f->s1), note,
	                                strlen(note), NULL, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	/* Shapes. */
	assert_int_equal(
	    sp_note_verify("nokey", note, strlen(note), NULL, &why),
	    SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sp_note_verify("a+0102+AQ==", note, strlen(note), NULL, &why),
	    SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_note_verify(NULL, note, strlen(note), NULL, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	free(note);
}

/* [TL-6], [LOG-9]: the base64 of a verifier key may contain '+', the
 * separator of its parts. A name holds no '+' and a key ID is exactly 8
 * hex digits, so the key splits at the first '+' and at the '+' right
 * after the key ID; everything after that is the key, '+' and all. The key
 * is derived from a fixed seed (the first of a fixed series whose verifier
 * key has a '+' in its base64), so the case is the same on every run. */
static void test_vkey_with_plus(void **state)
{
	fixture *f = *state;
	char path[300], seed_text[64], *note = NULL, *vk;
	const char *why = NULL, *vkey, *key_part;
	uint8_t seed[32], raw[33], pub[32];
	char b64[64];
	size_t publen, tl = 0, i;
	EVP_PKEY *pk = NULL;
	sp_note_signer *s = NULL;
	FILE *fp;

	for (i = 0; i < 64; i++) {
		snprintf(seed_text, sizeof(seed_text),
		         "silkport note key with plus %zu", i);
		SHA256((const unsigned char *)seed_text, strlen(seed_text),
		       seed);
		pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
		                                  32);
		assert_non_null(pk);
		publen = sizeof(pub);
		assert_int_equal(EVP_PKEY_get_raw_public_key(pk, pub, &publen),
		                 1);
		raw[0] = 0x01;
		memcpy(raw + 1, pub, 32);
		assert_int_equal(
		    EVP_EncodeBlock((unsigned char *)b64, raw, sizeof(raw)),
		    44);
		if (strchr(b64, '+') != NULL)
			break;
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	assert_non_null(pk);
	path_in(path, sizeof(path), f->dir, "plus.pem");
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(
	    PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL, NULL), 1);
	fclose(fp);
	EVP_PKEY_free(pk);

	/* The example of SPEC [LOG-9] is this key under another name. */
	assert_int_equal(
	    sp_note_signer_load("silkport/CN-CBEC/CN-ZZ", path, &s, &why),
	    SP_OK);
	assert_string_equal(sp_note_signer_vkey(s),
	                    "silkport/CN-CBEC/CN-ZZ+39338631+"
	                    "AWVTT/w3WuLZKiz70dmsd+p0Xa0Y4H1pEm1eX+dr7O7V");
	sp_note_signer_free(s);
	s = NULL;
	assert_int_equal(sp_note_signer_load(ORIGIN, path, &s, &why), SP_OK);
	unlink(path);
	vkey = sp_note_signer_vkey(s);
	/* name '+' 8 hex '+' key, and the key has a '+' of its own */
	assert_int_equal(strncmp(vkey, ORIGIN "+", strlen(ORIGIN) + 1), 0);
	key_part = vkey + strlen(ORIGIN) + 1 + 8;
	assert_int_equal(*key_part, '+');
	assert_string_equal(key_part + 1, b64);
	assert_non_null(strchr(key_part + 1, '+'));

	assert_int_equal(sp_note_sign(s, f->body, f->body_len, &note, &why),
	                 SP_OK);
	assert_int_equal(sp_note_verify(vkey, note, strlen(note), &tl, &why),
	                 SP_OK);
	assert_int_equal(tl, f->body_len);
	/* The cosigner key has the same base64 tail but for its first
	 * characters; it splits the same way. */
	{
		char *line = NULL;
		int64_t t = 0;
		assert_int_equal(sp_note_cosign(s, f->body, f->body_len,
		                                1795766400, &line, &why),
		                 SP_OK);
		assert_int_equal(sp_note_verify_cosignature(
		                     sp_note_cosigner_vkey(s), f->body,
		                     f->body_len, line, strlen(line), &t, &why),
		                 SP_OK);
		assert_int_equal(t, 1795766400);
		free(line);
	}
	/* A '+' moved into the name is not the same key: names hold none. */
	vk = strdup(vkey);
	assert_non_null(vk);
	vk[strlen("silkport")] = '+';
	assert_int_equal(sp_note_verify(vk, note, strlen(note), NULL, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	free(vk);
	/* The key ID is exactly 8 hex digits: a '+' split elsewhere (here a
	 * key ID of 7 digits followed by the rest) is refused, not re-read. */
	vk = strdup(vkey);
	assert_non_null(vk);
	memmove(vk + strlen(ORIGIN) + 8, vk + strlen(ORIGIN) + 9,
	        strlen(vk + strlen(ORIGIN) + 9) + 1);
	assert_int_equal(sp_note_verify(vk, note, strlen(note), NULL, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	free(vk);
	free(note);
	sp_note_signer_free(s);
}

static void test_sign_refuses(void **state)
{
	fixture *f = *state;
	char *out = NULL;
	const char *why = NULL;
	static const char *bad[] = {"",      "no newline",  "a\n\nb\n",
	                            "\na\n", "tab\there\n", "cr\r\n"};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(
		    sp_note_sign(f->s1, bad[i], strlen(bad[i]), &out, &why),
		    SP_ERR_INVALID_ARGUMENT);
		assert_null(out);
		assert_non_null(why);
	}
	{
		char *big = malloc(SP_NOTE_MAX_BYTES);
		assert_non_null(big);
		memset(big, 'a', SP_NOTE_MAX_BYTES - 1);
		big[SP_NOTE_MAX_BYTES - 1] = '\n';
		assert_int_equal(
		    sp_note_sign(f->s1, big, SP_NOTE_MAX_BYTES, &out, &why),
		    SP_ERR_TOO_LARGE);
		assert_null(out);
		free(big);
	}
	/* Multi-line text with a non-ASCII line is fine. */
	{
		static const char txt[] =
		    "line one\n\xe4\xb8\xad\xe6\x96\x87\n";
		size_t tl = 0;
		assert_int_equal(
		    sp_note_sign(f->s1, txt, sizeof(txt) - 1, &out, &why),
		    SP_OK);
		assert_int_equal(
		    sp_note_verify(f->vkey1, out, strlen(out), &tl, &why),
		    SP_OK);
		assert_int_equal(tl, sizeof(txt) - 1);
		free(out);
	}
}

/* ------------------------------------------------------------ cosignatures */

static void test_cosign(void **state)
{
	fixture *f = *state;
	char *note = NULL, *line = NULL, *full, *msg;
	const char *why = NULL;
	const char *cvk = sp_note_cosigner_vkey(f->sw);
	uint8_t payload[100], pub[32], id[4];
	int64_t t = -1;
	size_t n;
	uint64_t ts = 0;
	int i, k;

	assert_int_equal(sp_note_sign(f->s1, f->body, f->body_len, &note, &why),
	                 SP_OK);
	assert_int_equal(
	    sp_note_cosign(f->sw, note, strlen(note), 1767225600, &line, &why),
	    SP_OK);
	/* Line layout: key id (0x04), big-endian time, signature. */
	n = line_payload(line, WITNESS, payload, sizeof(payload));
	assert_int_equal(n, 76);
	check_vkey(cvk, WITNESS, 0x04, pub, id);
	assert_memory_equal(payload, id, 4);
	for (i = 0; i < 8; i++)
		ts = ts << 8 | payload[4 + i];
	assert_int_equal(ts, 1767225600);
	/* The signed message, rebuilt here by hand. */
	{
		char head[64];
		k = snprintf(head, sizeof(head), "cosignature/v1\ntime %d\n",
		             1767225600);
		msg = malloc((size_t)k + f->body_len);
		assert_non_null(msg);
		memcpy(msg, head, (size_t)k);
		memcpy(msg + k, f->body, f->body_len);
		assert_int_equal(ossl_verify(pub, msg, (size_t)k + f->body_len,
		                             payload + 12),
		                 1);
		free(msg);
	}

	/* Verify with the body and the line. */
	assert_int_equal(sp_note_verify_cosignature(cvk, f->body, f->body_len,
	                                            line, strlen(line), &t,
	                                            &why),
	                 SP_OK);
	assert_int_equal(t, 1767225600);
	/* Verify inside the served note (origin signature + cosignature). */
	full = concat(note, line);
	t = 0;
	assert_int_equal(sp_note_verify_cosignature(cvk, full, strlen(full),
	                                            NULL, 0, &t, &why),
	                 SP_OK);
	assert_int_equal(t, 1767225600);
	assert_int_equal(
	    sp_note_verify(f->vkey1, full, strlen(full), NULL, &why), SP_OK);
	/* The origin's own note signature is not a cosignature. */
	assert_int_equal(
	    sp_note_verify_cosignature(sp_note_cosigner_vkey(f->s1), full,
	                               strlen(full), NULL, 0, &t, &why),
	    SP_ERR_SIG_MISSING);
	/* A note key is not a cosigner key. */
	assert_int_equal(sp_note_verify_cosignature(
	                     f->vkeyw, full, strlen(full), NULL, 0, &t, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	/* Another witness. */
	assert_int_equal(
	    sp_note_verify_cosignature(sp_note_cosigner_vkey(f->s2), full,
	                               strlen(full), NULL, 0, &t, &why),
	    SP_ERR_SIG_MISSING);
	/* The bare body has no signature lines. */
	assert_int_equal(sp_note_verify_cosignature(cvk, f->body, f->body_len,
	                                            NULL, 0, &t, &why),
	                 SP_ERR_SIG_MISSING);
	free(full);

	/* Another time in the line than was signed. */
	{
		uint8_t p2[76];
		char *l2;
		memcpy(p2, payload, 76);
		p2[11] ^= 0x01;
		l2 = make_line(WITNESS, p2, 76);
		t = 5;
		assert_int_equal(
		    sp_note_verify_cosignature(cvk, f->body, f->body_len, l2,
		                               strlen(l2), &t, &why),
		    SP_ERR_SIG_INVALID);
		assert_int_equal(t, 0);
		free(l2);
		/* Time above INT64_MAX. */
		memcpy(p2, payload, 76);
		p2[4] = 0x80;
		l2 = make_line(WITNESS, p2, 76);
		assert_int_equal(
		    sp_note_verify_cosignature(cvk, f->body, f->body_len, l2,
		                               strlen(l2), &t, &why),
		    SP_ERR_SIG_INVALID);
		free(l2);
		/* Wrong length under the right key id. */
		l2 = make_line(WITNESS, payload, 68);
		assert_int_equal(
		    sp_note_verify_cosignature(cvk, f->body, f->body_len, l2,
		                               strlen(l2), &t, &why),
		    SP_ERR_SIG_INVALID);
		free(l2);
	}
	/* Another checkpoint. */
	{
		sp_checkpoint cp;
		char *other = NULL;
		size_t ol = 0;
		assert_int_equal(
		    sp_checkpoint_parse(f->body, f->body_len, &cp, NULL, &why),
		    SP_OK);
		cp.size++;
		assert_int_equal(sp_checkpoint_format(&cp, &other, &ol), SP_OK);
		assert_int_equal(sp_note_verify_cosignature(cvk, other, ol,
		                                            line, strlen(line),
		                                            &t, &why),
		                 SP_ERR_SIG_INVALID);
		free(other);
	}
	/* Cosigning needs a checkpoint and a non-negative time. */
	{
		char *l3 = NULL;
		assert_int_equal(sp_note_cosign(f->sw, "not a checkpoint\n", 17,
		                                1, &l3, &why),
		                 SP_ERR_CHECKPOINT_INVALID);
		assert_null(l3);
		assert_int_equal(
		    sp_note_cosign(f->sw, f->body, f->body_len, -1, &l3, &why),
		    SP_ERR_INVALID_ARGUMENT);
		assert_null(l3);
	}
	free(line);
	free(note);
}

static void test_cosign_time_roundtrip(void **state)
{
	fixture *f = *state;
	static const int64_t times[] = {
	    0, 1, 255, 256, 1767225600, (int64_t)1 << 40, INT64_MAX};
	const char *cvk = sp_note_cosigner_vkey(f->sw);
	const char *why = NULL;
	size_t i;

	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		char *line = NULL;
		int64_t t = -1;
		assert_int_equal(sp_note_cosign(f->sw, f->body, f->body_len,
		                                times[i], &line, &why),
		                 SP_OK);
		assert_int_equal(
		    sp_note_verify_cosignature(cvk, f->body, f->body_len, line,
		                               strlen(line), &t, &why),
		    SP_OK);
		assert_int_equal(t, times[i]);
		free(line);
	}
	/* Two witnesses in one block, each found by its key. */
	{
		char *a = NULL, *b = NULL, *block;
		int64_t t = 0;
		assert_int_equal(
		    sp_note_cosign(f->sw, f->body, f->body_len, 10, &a, &why),
		    SP_OK);
		assert_int_equal(
		    sp_note_cosign(f->s2, f->body, f->body_len, 20, &b, &why),
		    SP_OK);
		block = concat(a, b);
		assert_int_equal(
		    sp_note_verify_cosignature(cvk, f->body, f->body_len, block,
		                               strlen(block), &t, &why),
		    SP_OK);
		assert_int_equal(t, 10);
		assert_int_equal(
		    sp_note_verify_cosignature(sp_note_cosigner_vkey(f->s2),
		                               f->body, f->body_len, block,
		                               strlen(block), &t, &why),
		    SP_OK);
		assert_int_equal(t, 20);
		free(block);
		/* The same witness twice. */
		block = concat(a, a);
		assert_int_equal(
		    sp_note_verify_cosignature(cvk, f->body, f->body_len, block,
		                               strlen(block), &t, &why),
		    SP_ERR_SIG_INVALID);
		free(block);
		free(a);
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_sign_verify),
	    cmocka_unit_test(test_tampered),
	    cmocka_unit_test(test_other_signatures),
	    cmocka_unit_test(test_malformed_notes),
	    cmocka_unit_test(test_bad_vkeys),
	    cmocka_unit_test(test_vkey_with_plus),
	    cmocka_unit_test(test_sign_refuses),
	    cmocka_unit_test(test_cosign),
	    cmocka_unit_test(test_cosign_time_roundtrip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
