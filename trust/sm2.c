/* sm2.c: SM2-with-SM3 signatures and SM3 digests for xmlsec 1.2.37, which
 * has neither: a key data class holding an OpenSSL SM2 key and two transform
 * classes, registered once at start-up so that every document type is signed
 * and verified by the one profile (SPEC 5.x, [SIG-38]..). */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <xmlsec/keys.h>
#include <xmlsec/keysdata.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmlsec.h>

#include "trust_int.h"

/* ------------------------------------------------------------ key data */

/* The key data object is xmlsec's header followed by the key. */
#define KD_SIZE (sizeof(xmlSecKeyData) + sizeof(EVP_PKEY *))

static EVP_PKEY **kd_slot(xmlSecKeyDataPtr data)
{
	return (EVP_PKEY **)(void *)((xmlSecByte *)data +
	                             sizeof(xmlSecKeyData));
}

static int kd_initialize(xmlSecKeyDataPtr data)
{
	*kd_slot(data) = NULL;
	return 0;
}

static int kd_duplicate(xmlSecKeyDataPtr dst, xmlSecKeyDataPtr src)
{
	EVP_PKEY *k = *kd_slot(src);

	if (k != NULL && EVP_PKEY_up_ref(k) != 1)
		return -1;
	EVP_PKEY_free(*kd_slot(dst));
	*kd_slot(dst) = k;
	return 0;
}

static void kd_finalize(xmlSecKeyDataPtr data)
{
	EVP_PKEY_free(*kd_slot(data));
	*kd_slot(data) = NULL;
}

/* A key with a private scalar signs and verifies; one without only
 * verifies. */
static xmlSecKeyDataType kd_get_type(xmlSecKeyDataPtr data)
{
	EVP_PKEY *k = *kd_slot(data);
	BIGNUM *priv = NULL;
	xmlSecKeyDataType t = xmlSecKeyDataTypeUnknown;

	if (k == NULL)
		return t;
	t = xmlSecKeyDataTypePublic;
	if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &priv) == 1 &&
	    priv != NULL)
		t |= xmlSecKeyDataTypePrivate;
	BN_clear_free(priv);
	ERR_clear_error();
	return t;
}

static xmlSecSize kd_get_size(xmlSecKeyDataPtr data)
{
	return *kd_slot(data) != NULL ? 256 : 0;
}

/* Usage Unknown: never read from or written to KeyInfo (SPEC 14.4: the
 * key comes from the trust list only). */
static xmlSecKeyDataKlass sm2_key_klass = {
    sizeof(xmlSecKeyDataKlass),
    KD_SIZE,
    SP_XC("sm2"),
    xmlSecKeyDataUsageUnknown,
    NULL, /* href */
    NULL, /* dataNodeName */
    NULL, /* dataNodeNs */
    kd_initialize,
    kd_duplicate,
    kd_finalize,
    NULL, /* generate */
    kd_get_type,
    kd_get_size,
    NULL, /* getIdentifier */
    NULL, /* xmlRead */
    NULL, /* xmlWrite */
    NULL, /* binRead */
    NULL, /* binWrite */
    NULL, /* debugDump */
    NULL, /* debugXmlDump */
    NULL,
    NULL,
};

xmlSecKeyPtr sp_trust__sm2_xmlsec_key(EVP_PKEY *pkey)
{
	xmlSecKeyDataPtr data;
	xmlSecKeyPtr key;

	if (pkey == NULL || EVP_PKEY_up_ref(pkey) != 1)
		return NULL;
	data = xmlSecKeyDataCreate(&sm2_key_klass);
	if (data == NULL) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	*kd_slot(data) = pkey;
	key = xmlSecKeyCreate();
	if (key == NULL || xmlSecKeySetValue(key, data) < 0) {
		xmlSecKeyDataDestroy(data);
		if (key != NULL)
			xmlSecKeyDestroy(key);
		return NULL;
	}
	return key;
}

/* --------------------------------------------------------- SM2 helpers */

int sp_trust__sm2_init(EVP_MD_CTX *mctx, EVP_PKEY *pkey, int sign)
{
	EVP_PKEY_CTX *pctx = NULL;
	int ok;

	if (sign)
		ok = EVP_DigestSignInit_ex(mctx, &pctx, "SM3", NULL, NULL, pkey,
		                           NULL);
	else
		ok = EVP_DigestVerifyInit_ex(mctx, &pctx, "SM3", NULL, NULL,
		                             pkey, NULL);
	/* OpenSSL 3.0 uses an empty identifier when none is set; GB/T 35276
	 * and SPEC [SIG-41] fix it, so it is always set explicitly. It can
	 * only be set after the init (3.0 refuses it as an init parameter)
	 * and before the first update. */
	if (ok != 1 || pctx == NULL ||
	    EVP_PKEY_CTX_set1_id(pctx, SP_SM2_DISTID,
	                         sizeof(SP_SM2_DISTID) - 1) != 1) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

int sp_trust__sm2_der_to_raw(const uint8_t *der, size_t len, uint8_t raw[64])
{
	const unsigned char *p = der;
	ECDSA_SIG *s;
	const BIGNUM *r, *sv;
	int ok;

	s = d2i_ECDSA_SIG(NULL, &p, (long)len);
	if (s == NULL || p != der + len) {
		ECDSA_SIG_free(s);
		ERR_clear_error();
		return -1;
	}
	ECDSA_SIG_get0(s, &r, &sv);
	ok = BN_bn2binpad(r, raw, 32) == 32 &&
	     BN_bn2binpad(sv, raw + 32, 32) == 32;
	ECDSA_SIG_free(s);
	ERR_clear_error();
	return ok ? 0 : -1;
}

int sp_trust__sm2_raw_to_der(const uint8_t raw[64], uint8_t **der, size_t *len)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, 32, NULL),
	       *sv = BN_bin2bn(raw + 32, 32, NULL);
	unsigned char *p = NULL;
	int n = -1;

	*der = NULL;
	*len = 0;
	if (s == NULL || r == NULL || sv == NULL ||
	    ECDSA_SIG_set0(s, r, sv) != 1) {
		BN_free(r);
		BN_free(sv);
		ECDSA_SIG_free(s);
		return -1;
	}
	n = i2d_ECDSA_SIG(s, &p);
	ECDSA_SIG_free(s);
	if (n <= 0)
		return -1;
	*der = p;
	*len = (size_t)n;
	return 0;
}

/* ------------------------------------------------------ transforms */

typedef struct sp_sm_ctx {
	EVP_MD_CTX *mctx;
	EVP_PKEY *pkey; /* signature only */
	uint8_t dgst[EVP_MAX_MD_SIZE];
	unsigned int dgst_len;
} sp_sm_ctx;

#define TR_SIZE (sizeof(xmlSecTransform) + sizeof(sp_sm_ctx))

static sp_sm_ctx *tr_ctx(xmlSecTransformPtr t)
{
	return (sp_sm_ctx *)(void *)((xmlSecByte *)t + sizeof(xmlSecTransform));
}

static int tr_initialize(xmlSecTransformPtr t)
{
	sp_sm_ctx *c = tr_ctx(t);

	memset(c, 0, sizeof(*c));
	c->mctx = EVP_MD_CTX_new();
	return c->mctx != NULL ? 0 : -1;
}

static void tr_finalize(xmlSecTransformPtr t)
{
	sp_sm_ctx *c = tr_ctx(t);

	EVP_MD_CTX_free(c->mctx);
	EVP_PKEY_free(c->pkey);
	OPENSSL_cleanse(c, sizeof(*c));
}

/* Feed the input buffer; returns -1 on an OpenSSL failure. */
static int tr_update(xmlSecTransformPtr t, int is_sig)
{
	sp_sm_ctx *c = tr_ctx(t);
	xmlSecBufferPtr in = &t->inBuf;
	xmlSecSize n = xmlSecBufferGetSize(in);
	int ok;

	if (n == 0)
		return 0;
	if (!is_sig)
		ok = EVP_DigestUpdate(c->mctx, xmlSecBufferGetData(in), n);
	else if (t->operation == xmlSecTransformOperationSign)
		ok = EVP_DigestSignUpdate(c->mctx, xmlSecBufferGetData(in), n);
	else
		ok =
		    EVP_DigestVerifyUpdate(c->mctx, xmlSecBufferGetData(in), n);
	if (ok != 1 || xmlSecBufferRemoveHead(in, n) < 0) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

static int sm3_execute(xmlSecTransformPtr t, int last,
                       xmlSecTransformCtxPtr tctx)
{
	sp_sm_ctx *c = tr_ctx(t);

	(void)tctx;
	if (t->status == xmlSecTransformStatusNone) {
		if (EVP_DigestInit_ex(c->mctx, EVP_sm3(), NULL) != 1) {
			ERR_clear_error();
			return -1;
		}
		t->status = xmlSecTransformStatusWorking;
	}
	if (t->status == xmlSecTransformStatusFinished)
		return xmlSecBufferGetSize(&t->inBuf) == 0 ? 0 : -1;
	if (t->status != xmlSecTransformStatusWorking)
		return -1;
	if (tr_update(t, 0) < 0)
		return -1;
	if (last) {
		if (EVP_DigestFinal_ex(c->mctx, c->dgst, &c->dgst_len) != 1) {
			ERR_clear_error();
			return -1;
		}
		if (t->operation == xmlSecTransformOperationSign &&
		    xmlSecBufferAppend(&t->outBuf, c->dgst, c->dgst_len) < 0)
			return -1;
		t->status = xmlSecTransformStatusFinished;
	}
	return 0;
}

static int sm3_verify(xmlSecTransformPtr t, const xmlSecByte *data,
                      xmlSecSize size, xmlSecTransformCtxPtr tctx)
{
	sp_sm_ctx *c = tr_ctx(t);

	(void)tctx;
	if (t->status != xmlSecTransformStatusFinished || data == NULL)
		return -1;
	t->status = size == c->dgst_len && c->dgst_len == 32 &&
	                    CRYPTO_memcmp(c->dgst, data, size) == 0
	                ? xmlSecTransformStatusOk
	                : xmlSecTransformStatusFail;
	return 0;
}

static xmlSecTransformKlass sm3_klass = {
    sizeof(xmlSecTransformKlass),
    TR_SIZE,
    SP_XC("sm3"),
    SP_XC(SP_ALG_SM3),
    xmlSecTransformUsageDigestMethod,
    tr_initialize,
    tr_finalize,
    NULL, /* readNode */
    NULL, /* writeNode */
    NULL, /* setKeyReq */
    NULL, /* setKey */
    sm3_verify,
    xmlSecTransformDefaultGetDataType,
    xmlSecTransformDefaultPushBin,
    xmlSecTransformDefaultPopBin,
    NULL, /* pushXml */
    NULL, /* popXml */
    sm3_execute,
    NULL,
    NULL,
};

static int sm2_set_key_req(xmlSecTransformPtr t, xmlSecKeyReqPtr req)
{
	req->keyId = &sm2_key_klass;
	if (t->operation == xmlSecTransformOperationSign) {
		req->keyType = xmlSecKeyDataTypePrivate;
		req->keyUsage = xmlSecKeyUsageSign;
	} else {
		req->keyType = xmlSecKeyDataTypePublic;
		req->keyUsage = xmlSecKeyUsageVerify;
	}
	return 0;
}

static int sm2_set_key(xmlSecTransformPtr t, xmlSecKeyPtr key)
{
	sp_sm_ctx *c = tr_ctx(t);
	xmlSecKeyDataPtr v = xmlSecKeyGetValue(key);
	EVP_PKEY *k;

	/* Only our own key class: an ECDSA or RSA key never reaches SM2. */
	if (v == NULL || v->id != &sm2_key_klass)
		return -1;
	k = *kd_slot(v);
	if (k == NULL || sp_trust__key_alg(k) != SP_KEY_SM2 ||
	    EVP_PKEY_up_ref(k) != 1)
		return -1;
	EVP_PKEY_free(c->pkey);
	c->pkey = k;
	return 0;
}

static int sm2_execute(xmlSecTransformPtr t, int last,
                       xmlSecTransformCtxPtr tctx)
{
	sp_sm_ctx *c = tr_ctx(t);
	int sign = t->operation == xmlSecTransformOperationSign;

	(void)tctx;
	if (t->status == xmlSecTransformStatusNone) {
		if (c->pkey == NULL ||
		    sp_trust__sm2_init(c->mctx, c->pkey, sign) < 0)
			return -1;
		t->status = xmlSecTransformStatusWorking;
	}
	if (t->status == xmlSecTransformStatusFinished)
		return xmlSecBufferGetSize(&t->inBuf) == 0 ? 0 : -1;
	if (t->status != xmlSecTransformStatusWorking)
		return -1;
	if (tr_update(t, 1) < 0)
		return -1;
	if (last) {
		/* Verification waits for the SignatureValue (sm2_verify). */
		if (sign) {
			uint8_t der[80], raw[64];
			size_t dlen = sizeof(der);

			if (EVP_DigestSignFinal(c->mctx, der, &dlen) != 1) {
				ERR_clear_error();
				return -1;
			}
			/* XML-DSig form, as for ECDSA: r || s, 32 bytes
			 * each, big-endian (SPEC [SIG-40]). */
			if (sp_trust__sm2_der_to_raw(der, dlen, raw) < 0 ||
			    xmlSecBufferAppend(&t->outBuf, raw, 64) < 0)
				return -1;
		}
		t->status = xmlSecTransformStatusFinished;
	}
	return 0;
}

static int sm2_verify(xmlSecTransformPtr t, const xmlSecByte *data,
                      xmlSecSize size, xmlSecTransformCtxPtr tctx)
{
	sp_sm_ctx *c = tr_ctx(t);
	uint8_t *der = NULL;
	size_t dlen = 0;
	int ok = 0;

	(void)tctx;
	if (t->status != xmlSecTransformStatusFinished || data == NULL)
		return -1;
	/* Exactly 64 bytes; anything else is not an SM2 signature of this
	 * profile (and never reaches OpenSSL's DER parser). */
	if (size == 64 && sp_trust__sm2_raw_to_der(data, &der, &dlen) == 0)
		ok = EVP_DigestVerifyFinal(c->mctx, der, dlen) == 1;
	OPENSSL_free(der);
	ERR_clear_error();
	t->status = ok ? xmlSecTransformStatusOk : xmlSecTransformStatusFail;
	return 0;
}

static xmlSecTransformKlass sm2_sm3_klass = {
    sizeof(xmlSecTransformKlass),
    TR_SIZE,
    SP_XC("sm2-sm3"),
    SP_XC(SP_ALG_SM2_SM3),
    xmlSecTransformUsageSignatureMethod,
    tr_initialize,
    tr_finalize,
    NULL, /* readNode */
    NULL, /* writeNode */
    sm2_set_key_req,
    sm2_set_key,
    sm2_verify,
    xmlSecTransformDefaultGetDataType,
    xmlSecTransformDefaultPushBin,
    xmlSecTransformDefaultPopBin,
    NULL, /* pushXml */
    NULL, /* popXml */
    sm2_execute,
    NULL,
    NULL,
};

xmlSecTransformId sp_trust__sm3_id(void)
{
	return &sm3_klass;
}

xmlSecTransformId sp_trust__sm2_sm3_id(void)
{
	return &sm2_sm3_klass;
}

int sp_trust__sm_register(void)
{
	if (xmlSecTransformIdsRegister(&sm3_klass) < 0 ||
	    xmlSecTransformIdsRegister(&sm2_sm3_klass) < 0)
		return -1;
	return 0;
}
