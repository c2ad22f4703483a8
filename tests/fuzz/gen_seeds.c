/* gen_seeds.c: writes the generated seed corpus of the fuzz targets
 * receipt, note, checkpoint, proof, entries, query and record_fast into
 * <corpus>/<target>/, made with the project's own builders and signers:
 * valid inputs and a few broken ones per target (file names say which).
 * Records come from <corpus>/parse/, except record_fast's: one signed
 * record of each registry type with the body of tests/data/bodies/ (the
 * corpus dir is tests/fuzz/corpus). Usage: gen_seeds <corpus dir>. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_keys.h"
#include "protocol.h"
#include "unit/trust/fixture.h"

static const char *dir;

static void put(const char *target, const char *name, const void *buf,
                size_t len)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	if (fx_write_file(path, buf, len) != SP_OK) {
		fprintf(stderr, "gen_seeds: cannot write %s\n", path);
		exit(1);
	}
}

static void puts_(const char *target, const char *name, const char *s)
{
	put(target, name, s, strlen(s));
}

/* ---------------------------------------------------------------- growable
 * text */

typedef struct buf {
	char *p;
	size_t len, cap;
} buf;

static void add(buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			exit(1);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void adds(buf *b, const char *s)
{
	add(b, s, strlen(s));
}

/* ---------------------------------------------------------------- entries */

static void frame(buf *b, const char *seq, size_t len, const uint8_t *rec,
                  size_t rlen)
{
	char h[64];

	snprintf(h, sizeof(h), "%s %zu\n", seq, len);
	adds(b, h);
	add(b, rec, rlen);
	adds(b, "\n");
}

static void entries(void)
{
	uint8_t *a = NULL, *c = NULL;
	size_t al = 0, cl = 0;
	char path[1024];
	/* parameter byte: low nibble start, high nibble + 1 frames at most */
	struct {
		const char *name;
		uint8_t param;
		const char *seq1, *seq2;
		int len_delta, drop_lf;
	} v[] = {
	    {"ok-two-frames", 0x10, "5", "9", 0, 0},
	    {"ok-from-start", 0x13, "3", "4", 0, 0},
	    {"bad-leading-zero", 0x10, "05", "9", 0, 0},
	    {"bad-order", 0x10, "9", "5", 0, 0},
	    {"bad-same-sequence", 0x10, "5", "5", 0, 0},
	    {"bad-below-start", 0x14, "3", "9", 0, 0},
	    {"bad-too-many", 0x00, "5", "9", 0, 0},
	    {"bad-length-short", 0x10, "5", "9", -1, 0},
	    {"bad-length-long", 0x10, "5", "9", 1, 0},
	    {"bad-no-final-lf", 0x10, "5", "9", 0, 1},
	    {"bad-sign", 0x10, "+5", "9", 0, 0},
	};

	snprintf(path, sizeof(path), "%s/parse/valid-p256.xml", dir);
	if (fx_read_file(path, &a, &al) != SP_OK)
		exit(1);
	snprintf(path, sizeof(path), "%s/parse/receipt-unsigned.xml", dir);
	if (fx_read_file(path, &c, &cl) != SP_OK)
		exit(1);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		buf b = {0};

		add(&b, &v[i].param, 1);
		frame(&b, v[i].seq1, al, a, al);
		frame(&b, v[i].seq2, (size_t)((long)cl + v[i].len_delta), c,
		      cl);
		put("entries", v[i].name, b.p, b.len - (size_t)v[i].drop_lf);
		free(b.p);
	}
	put("entries", "ok-empty", "\x00", 1);
	put("entries", "bad-zero-length",
	    "\x00"
	    "0 0\n\n",
	    6);
	put("entries", "bad-crlf",
	    "\x00"
	    "0 3\r\nabc\r\n",
	    11);
	free(a);
	free(c);
}

/* ---------------------------------------------------------------- proofs */

#define TREE 70 /* as fuzz_proof.c */

static uint8_t leaves[TREE][32];

static char *proof_text(sp_proof_kind kind, uint64_t a, uint64_t size)
{
	sp_proof p;
	char *t = NULL;

	memset(&p, 0, sizeof(p));
	p.kind = kind;
	p.size = size;
	if (kind == SP_PROOF_INCLUSION) {
		p.index = a;
		if (sp_merkle_inclusion_path((const uint8_t(*)[32])leaves, size,
		                             a, p.hashes, SP_MERKLE_MAX_PATH,
		                             &p.n_hashes) != SP_OK)
			exit(1);
	} else {
		p.old_size = a;
		if (sp_merkle_consistency_path(
		        (const uint8_t(*)[32])leaves, size, a, p.hashes,
		        SP_MERKLE_MAX_PATH, &p.n_hashes) != SP_OK)
			exit(1);
	}
	if (sp_proof_format(&p, &t, NULL) != SP_OK)
		exit(1);
	return t;
}

static void proofs(void)
{
	static const struct {
		const char *name;
		sp_proof_kind kind;
		uint64_t a, size;
	} ok[] = {
	    {"ok-inclusion-5-70", SP_PROOF_INCLUSION, 5, 70},
	    {"ok-inclusion-0-1", SP_PROOF_INCLUSION, 0, 1},
	    {"ok-inclusion-69-70", SP_PROOF_INCLUSION, 69, 70},
	    {"ok-inclusion-31-64", SP_PROOF_INCLUSION, 31, 64},
	    {"ok-consistency-1-70", SP_PROOF_CONSISTENCY, 1, 70},
	    {"ok-consistency-32-64", SP_PROOF_CONSISTENCY, 32, 64},
	    {"ok-consistency-37-70", SP_PROOF_CONSISTENCY, 37, 70},
	    {"ok-consistency-0-70", SP_PROOF_CONSISTENCY, 0, 70},
	    {"ok-consistency-70-70", SP_PROOF_CONSISTENCY, 70, 70},
	};
	char *t, *nl;
	buf b = {0};

	for (size_t i = 0; i < TREE; i++) {
		char rec[32];
		int n = snprintf(rec, sizeof(rec), "record %zu", i);
		sp_merkle_leaf_hash((const uint8_t *)rec, (size_t)n, leaves[i]);
	}
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		t = proof_text(ok[i].kind, ok[i].a, ok[i].size);
		puts_("proof", ok[i].name, t);
		free(t);
	}
	/* broken: each a small edit of a valid proof */
	t = proof_text(SP_PROOF_INCLUSION, 5, 70);
	nl = strchr(t, '\n');
	adds(&b, t);
	b.p[strlen(t) - 2] ^= 1; /* a wrong hash, still base64 */
	puts_("proof", "bad-wrong-hash", b.p);
	b.len = 0;
	add(&b, t, (size_t)(nl - t));
	adds(&b, "\r");
	adds(&b, nl);
	puts_("proof", "bad-crlf", b.p);
	b.len = 0;
	adds(&b, "silkport-proof/v1 inclusion\nsize 070\nindex 5\n");
	adds(&b, strchr(strchr(nl + 1, '\n') + 1, '\n') + 1);
	puts_("proof", "bad-leading-zero", b.p);
	b.len = 0;
	adds(&b, t);
	adds(&b, "\n");
	puts_("proof", "bad-empty-line", b.p);
	b.len = 0;
	add(&b, t, strlen(t) - 1);
	puts_("proof", "bad-no-final-lf", b.p);
	puts_("proof", "bad-index-not-below-size",
	      "silkport-proof/v1 inclusion\nsize 5\nindex 5\n");
	puts_("proof", "bad-old-above-size",
	      "silkport-proof/v1 consistency\nold 6\nsize 5\n");
	puts_("proof", "bad-short-hash",
	      "silkport-proof/v1 inclusion\nsize 2\nindex "
	      "0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n");
	free(t);
	b.len = 0;
	adds(
	    &b,
	    "silkport-proof/v1 inclusion\nsize 9223372036854775807\nindex 0\n");
	for (int i = 0; i < 65; i++)
		adds(&b, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
	puts_("proof", "bad-65-hashes", b.p);
	free(b.p);
}

/* ---------------------------------------------------------------- notes */

static char *signed_cp(sp_note_signer *s, const char *origin, uint64_t size,
                       const char *ext)
{
	sp_checkpoint cp;
	char *body = NULL, *out = NULL;
	const char *why = NULL;
	buf b = {0};

	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), "%s", origin);
	cp.size = size;
	if (size <= TREE && sp_merkle_root((const uint8_t(*)[32])leaves, size,
	                                   cp.root) != SP_OK)
		exit(1);
	if (sp_checkpoint_format(&cp, &body, NULL) != SP_OK)
		exit(1);
	adds(&b, body);
	if (ext != NULL)
		adds(&b, ext);
	if (sp_note_sign(s, b.p, b.len, &out, &why) != SP_OK) {
		fprintf(stderr, "gen_seeds: sign: %s\n", why ? why : "-");
		exit(1);
	}
	free(body);
	free(b.p);
	return out;
}

static char *with_cosig(sp_note_signer *w, const char *note)
{
	char *line = NULL;
	const char *why = NULL;
	buf b = {0};

	if (sp_note_cosign(w, note, strlen(note), 1700000000, &line, &why) !=
	    SP_OK) {
		fprintf(stderr, "gen_seeds: cosign: %s\n", why ? why : "-");
		exit(1);
	}
	adds(&b, note);
	adds(&b, line);
	free(line);
	return b.p;
}

static void notes(void)
{
	sp_note_signer *o = fz_signer(FZ_ORIGIN_NAME, fz_origin_pem);
	sp_note_signer *w = fz_signer(FZ_WITNESS_NAME, fz_witness_pem);
	char *n70 = signed_cp(o, FZ_ORIGIN_NAME, 70, NULL);
	char *n0 = signed_cp(o, FZ_ORIGIN_NAME, 0, NULL);
	char *next =
	    signed_cp(o, FZ_ORIGIN_NAME, 37, "extension one\nextension two\n");
	char *other = signed_cp(o, "silkport/0sp-test/CN-XX", 5, NULL);
	char *byw = signed_cp(w, FZ_ORIGIN_NAME, 70, NULL);
	char *cos = with_cosig(w, n70), *t;
	buf b = {0};
	const char *why = NULL;

	/* checkpoint target: whole notes */
	puts_("checkpoint", "ok-size-70", n70);
	puts_("checkpoint", "ok-empty-tree", n0);
	puts_("checkpoint", "ok-extensions", next);
	puts_("checkpoint", "ok-cosigned", cos);
	adds(&b, n70);
	adds(&b, "\xe2\x80\x94 someone.else/log "
	         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
	puts_("checkpoint", "ok-unknown-key-line", b.p);
	puts_("checkpoint", "bad-origin-not-key-name", other);
	puts_("checkpoint", "bad-signed-by-witness", byw);
	b.len = 0;
	adds(&b, n70);
	b.p[strlen(FZ_ORIGIN_NAME) + 1] =
	    '8'; /* "70" -> "80": signature fails */
	puts_("checkpoint", "bad-tampered-size", b.p);
	b.len = 0;
	adds(&b, FZ_ORIGIN_NAME "\n5\n");
	for (int i = 0; i < 17; i++)
		adds(&b, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
	puts_("checkpoint", "bad-17-extensions-unsigned", b.p);
	b.len = 0;
	for (t = n70; *t; t++) {
		if (*t == '\n')
			adds(&b, "\r");
		add(&b, t, 1);
	}
	puts_("checkpoint", "bad-crlf", b.p);
	puts_("checkpoint", "bad-body-only",
	      FZ_ORIGIN_NAME
	      "\n70\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");

	/* note target: "<verifier key>\n<note>" */
	b.len = 0;
	adds(&b, sp_note_signer_vkey(o));
	adds(&b, "\n");
	adds(&b, n70);
	puts_("note", "ok-origin-key", b.p);
	b.len = 0;
	adds(&b, sp_note_cosigner_vkey(w));
	adds(&b, "\n");
	adds(&b, cos);
	puts_("note", "ok-cosigner-key", b.p);
	if (sp_note_sign(w, "any text\nof two lines\n", 22, &t, &why) != SP_OK)
		exit(1);
	b.len = 0;
	adds(&b, sp_note_signer_vkey(w));
	adds(&b, "\n");
	adds(&b, t);
	puts_("note", "ok-plain-note", b.p);
	free(t);
	b.len = 0;
	adds(&b, sp_note_signer_vkey(o));
	b.p[strlen(FZ_ORIGIN_NAME) + 1] ^= 1; /* key id no longer matches */
	adds(&b, "\n");
	adds(&b, n70);
	puts_("note", "bad-key-id", b.p);
	b.len = 0;
	adds(&b, FZ_ORIGIN_NAME "+00000000+AQ==\n");
	adds(&b, n70);
	puts_("note", "bad-key-length", b.p);
	b.len = 0;
	adds(&b, "no-plus-sign\n");
	adds(&b, n70);
	puts_("note", "bad-key-form", b.p);
	b.len = 0;
	adds(&b, sp_note_signer_vkey(o));
	adds(&b, "\nline one\n\nline two\n\n");
	puts_("note", "bad-empty-line", b.p);

	free(b.p);
	free(n70);
	free(n0);
	free(next);
	free(other);
	free(byw);
	free(cos);
	sp_note_signer_free(o);
	sp_note_signer_free(w);
}

/* ---------------------------------------------------------------- receipts */

/* A copy of buf with the first `from` replaced by `to`; NULL if absent. */
static uint8_t *replace(const uint8_t *b, size_t len, const char *from,
                        const char *to, size_t *outlen)
{
	size_t fl = strlen(from), tl = strlen(to), i;
	uint8_t *o;

	for (i = 0; i + fl <= len && memcmp(b + i, from, fl) != 0; i++)
		;
	if (i + fl > len || (o = malloc(len - fl + tl + 1)) == NULL)
		return NULL;
	memcpy(o, b, i);
	memcpy(o + i, to, tl);
	memcpy(o + i + tl, b + i + fl, len - i - fl);
	*outlen = len - fl + tl;
	return o;
}

static void receipt(const char *name, const char *receiver,
                    sp_receipt_status st)
{
	sp_receipt_info ri;
	uint8_t *u = NULL;
	size_t ul = 0;
	const char *why = NULL;

	memset(&ri, 0, sizeof(ri));
	snprintf(ri.record_id, sizeof(ri.record_id),
	         "3f1b6c1e-8a2d-4c4e-9f0a-1b2c3d4e5f60");
	snprintf(ri.origin, sizeof(ri.origin), "CN-ZZ");
	ri.sequence = 7;
	sp_sha256_hex((const uint8_t *)"record", 6, ri.record_digest);
	snprintf(ri.receiver, sizeof(ri.receiver), "%s", receiver);
	ri.received = 1780000000;
	ri.status = st;
	if (sp_receipt_build(&ri, &u, &ul, &why) != SP_OK) {
		fprintf(stderr, "gen_seeds: receipt: %s\n", why ? why : "-");
		exit(1);
	}
	put("receipt", name, u, ul);
	free(u);
}

static void receipts(void)
{
	static const char *const copy[] = {
	    "receipt-signed.xml", "receipt-unsigned.xml", "valid-p256.xml"};
	uint8_t *r = NULL, *t;
	size_t rl = 0, tl = 0;
	char path[1024];

	receipt("ok-unsigned-hn", "CN-HN", SP_RECEIPT_ACCEPTED);
	receipt("ok-unsigned-zz-relayed", "CN-ZZ", SP_RECEIPT_RELAYED);
	receipt("ok-unsigned-revoked-receiver", "CN-RV", SP_RECEIPT_ACCEPTED);
	for (size_t i = 0; i < sizeof(copy) / sizeof(copy[0]); i++) {
		snprintf(path, sizeof(path), "%s/parse/%s", dir, copy[i]);
		if (fx_read_file(path, &r, &rl) != SP_OK)
			exit(1);
		put("receipt", copy[i], r, rl);
		free(r);
	}
	snprintf(path, sizeof(path), "%s/receipt/ok-unsigned-hn", dir);
	if (fx_read_file(path, &r, &rl) != SP_OK)
		exit(1);
	if ((t = replace(r, rl, "accepted", "rejected", &tl)) == NULL)
		exit(1);
	put("receipt", "bad-status", t, tl);
	free(t);
	if ((t = replace(r, rl, "<Sequence>7</Sequence>",
	                 "<Sequence>07</Sequence>", &tl)) == NULL)
		exit(1);
	put("receipt", "bad-sequence-leading-zero", t, tl);
	free(t);
	if ((t = replace(r, rl, "<Receiver>CN-HN</Receiver>",
	                 "<Receiver>CN-HN</Receiver><Receiver>CN-ZZ</Receiver>",
	                 &tl)) == NULL)
		exit(1);
	put("receipt", "bad-two-receivers", t, tl);
	free(t);
	free(r);
}

/* ---------------------------------------------------------------- queries */

static void queries(void)
{
	static const char *const q[][2] = {
	    {"ok-entries", "start=1200&count=10"},
	    {"ok-entries-default", ""},
	    {"ok-inclusion", "index=5&size=70"},
	    {"ok-consistency", "old=32&size=64"},
	    {"ok-search",
	     "subject-kind=declaration&subject-scheme=CN-customs&subject-value="
	     "ABC%2F123+4&type=declaration&origin=CN-ZZ&since=2026-01-01T00:00:"
	     "00Z&until=2026-12-31T23:59:59Z&limit=50&cursor=v1-42"},
	    {"ok-escaped-key", "st%61rt=3&%63ount=2"},
	    {"bad-negative", "start=-1&count=10"},
	    {"bad-exponent", "count=1e3"},
	    {"bad-too-big", "start=99999999999999999999"},
	    {"bad-cut-escape", "start=%4"},
	    {"bad-nul-escape", "subject-value=a%00b"},
	    {"bad-cursor", "cursor=v2.-5"},
	    {"bad-time",
	     "since=2026-02-30T25:00:00Z&until=2026-01-01T00:00:00+01:00"},
	    {"bad-empty-parts", "&&=&start&count=&=5"},
	};

	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		puts_("query", q[i][0], q[i][1]);
}

/* ---------------------------------------------------------------- records
 * of every type, signed in canonical form by a throw-away P-256 member */

static sp_key *record_signer(char *tmpdir)
{
	sp_key *k = NULL;

	if (fx_tmpdir(tmpdir, "seeds") != 0 ||
	    fx_signer(tmpdir, "CN-ZZ", SP_KEY_P256, &k) != SP_OK)
		exit(1);
	return k;
}

static void typed_record(const sp_key *k, const sp_record_type *t,
                         int broadcast)
{
	static const char *const recips[] = {"CN-HN", "KZ-KGS"};
	static const sp_subject subj[] = {
	    {"Enterprise", "USCC", "91410100MA44K7QX2P"},
	    {"Goods", "HS", "1901101000"},
	    {"Case", NULL, "CASE-77"},
	};
	static const char ceb[] = "<CEB621Message>1</CEB621Message>";
	sp_attachment att = {"application/xml", "CEB621Message",
	                     (const uint8_t *)ceb, sizeof(ceb) - 1};
	sp_record_draft d;
	char path[1024], name[96];
	uint8_t *body = NULL, *u = NULL, *out = NULL;
	size_t blen = 0, ul = 0, len = 0;
	const char *why = NULL;

	snprintf(path, sizeof(path), "%s/../../data/bodies/%s.xml", dir,
	         t->code);
	if (fx_read_file(path, &body, &blen) != SP_OK)
		exit(1);
	memset(&d, 0, sizeof(d));
	d.record_id = "5f0c2a9e-8d7b-4c6a-b5e4-d3c2b1a09f8e";
	d.origin = "CN-ZZ";
	d.sequence = 42;
	d.type = t->code;
	d.issued = 1795766400;
	d.broadcast = broadcast;
	d.recipients = recips;
	d.n_recipients = 2;
	d.subjects = subj;
	d.n_subjects = 3;
	d.supersedes =
	    broadcast ? "0b8a5c7e-3f2d-4a1b-9c8d-7e6f5a4b3c2d" : NULL;
	d.body = body;
	d.body_len = blen;
	d.attachments = &att;
	d.n_attachments = broadcast ? 0 : 1;
	if (sp_record_build(&d, &u, &ul, &why) != SP_OK ||
	    sp_sign_document(k, u, ul, &out, &len, &why) != SP_OK) {
		fprintf(stderr, "gen_seeds: record %s: %s\n", t->code,
		        why ? why : "-");
		exit(1);
	}
	snprintf(name, sizeof(name), "ok-%s%s.xml", t->code,
	         broadcast ? "-broadcast" : "");
	put("record_fast", name, out, len);
	free(out);
	free(u);
	free(body);
}

static void typed_records(void)
{
	char tmpdir[FX_PATH];
	sp_key *k = record_signer(tmpdir);

	for (const sp_record_type *t = sp_record_types(); t->code != NULL; t++)
		typed_record(k, t, 0);
	typed_record(k, sp_record_type_find("declaration"), 1);
	sp_key_free(k);
	fx_rmtree(tmpdir);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds <tests/fuzz/corpus>\n");
		return 2;
	}
	dir = argv[1];
	if (sp_trust_init() != SP_OK)
		return 1;
	for (const char *const *t =
	         (const char *const[]){"receipt", "note", "checkpoint", "proof",
	                               "entries", "query", "record_fast", NULL};
	     *t != NULL; t++) {
		char p[1024];
		snprintf(p, sizeof(p), "%s/%s", dir, *t);
		(void)mkdir(p, 0755);
	}
	entries();
	proofs();
	notes();
	receipts();
	queries();
	typed_records();
	return 0;
}
