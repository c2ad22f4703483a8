/* cli_key.c: "silkport key generate": a key pair made inside a PKCS#11 token.
 */
#include "cli_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

static const char usage_text[] =
    "usage: silkport key generate --pkcs11 URI --label LABEL\n"
    "           [--alg p256|rsa2048] [--module SO] [--pin-env VAR] [--pub "
    "FILE]\n"
    "Generates a key pair inside the PKCS#11 token named by URI\n"
    "(pkcs11:token=LABEL[?pin-source=FILE][&module-path=SO], RFC 7512). The\n"
    "private key is made sensitive and not extractable: it never leaves the\n"
    "token. Prints the new key's pkcs11: URI (for node.ini [signing] key or\n"
    "[tls] key) on standard output.\n"
    "  --alg        p256 (default) or rsa2048; the Ed25519 checkpoint key\n"
    "               stays in a file (libp11 0.4.12 has no Ed25519)\n"
    "  --label      the key's CKA_LABEL; must not be taken in the token\n"
    "  --module     the PKCS#11 module when the URI has no module-path\n"
    "               (default: p11-kit's proxy)\n"
    "  --pin-env    environment variable holding the user PIN, when the URI\n"
    "               has no pin-source or pin-value\n"
    "  --pub        also write the public key (PEM) to FILE\n";

static int write_pub(const char *path, const char *key_uri)
{
	EVP_PKEY *pk = NULL;
	BIO *b = NULL;
	BUF_MEM *mem;
	const char *why = NULL;
	int err, rc = -1;

	if ((err = sp_key_load_private(key_uri, &pk, &why)) != SP_OK) {
		sp_cli__err("key generate: the new key does not load: %s: %s",
		            sp_strerror(err), why ? why : "-");
		return -1;
	}
	b = BIO_new(BIO_s_mem());
	if (b == NULL || PEM_write_bio_PUBKEY(b, pk) != 1) {
		sp_cli__err("key generate: cannot write the public key");
		goto done;
	}
	BIO_get_mem_ptr(b, &mem);
	rc = sp_cli__write_output(path, (const uint8_t *)mem->data, mem->length,
	                          0);
done:
	BIO_free(b);
	EVP_PKEY_free(pk);
	return rc;
}

static const sp_cli_word key_algs[] = {
    {"p256", SP_KEY_P256}, {"rsa2048", SP_KEY_RSA2048}, {NULL, 0}};

static int cmd_generate(int argc, char **argv)
{
	const char *uri = NULL, *label = NULL, *module = NULL, *pin_env = NULL;
	const char *pub = NULL, *why = NULL;
	int alg = SP_KEY_P256, n_args, err;
	char **args, *key_uri = NULL, shown[512];
	const sp_cli_opt opts[] = {
	    SP_CLI_STRING("pkcs11", &uri, SP_CLI_REQUIRED),
	    SP_CLI_ENUM("alg", &alg, key_algs, 0),
	    SP_CLI_STRING("label", &label, SP_CLI_REQUIRED),
	    SP_CLI_PATH("module", &module, 0),
	    SP_CLI_STRING("pin-env", &pin_env, 0),
	    SP_CLI_PATH("pub", &pub, 0),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {"key generate", usage_text, NULL, 0, 0, opts};

	if ((err = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) !=
	    SP_CLI_GO)
		return err;
	if (sp_cli__init_crypto() != 0)
		return SP_EXIT_FAIL;
	if ((err = sp_key_pkcs11_setup(module, pin_env, &why)) != SP_OK ||
	    (err = sp_key_pkcs11_generate(uri, (sp_key_alg)alg, label, &key_uri,
	                                  &why)) != SP_OK) {
		sp_cli__err("key generate: %s: %s: %s",
		            sp_key_redact(uri, shown, sizeof(shown)),
		            sp_strerror(err), why ? why : "-");
		return SP_EXIT_FAIL;
	}
	fprintf(stderr,
	        "silkport: generated %s key labelled '%s' inside the token; "
	        "it cannot be exported\n",
	        alg == SP_KEY_P256 ? "a P-256" : "an RSA 2048", label);
	if (pub != NULL && write_pub(pub, key_uri) != 0) {
		free(key_uri);
		return SP_EXIT_FAIL;
	}
	printf("%s\n", key_uri);
	free(key_uri);
	return SP_EXIT_OK;
}

int sp_cli_key(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "generate") == 0)
		return cmd_generate(argc - 1, argv + 1);
	if (argc >= 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(usage_text, stdout);
		return SP_EXIT_OK;
	}
	fputs(usage_text, stderr);
	return SP_EXIT_USAGE;
}
