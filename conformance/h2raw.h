/* h2raw.h: a raw HTTP/2 client over TLS that writes frames byte by byte, for
 * probing how a server handles abuse (rapid reset, CONTINUATION floods,
 * invalid frames, stalled bodies). Conformance-internal; the abuse test tool
 * builds from the same file. Not for normal requests. */
#ifndef SP_H2RAW_H
#define SP_H2RAW_H

#include <stddef.h>
#include <stdint.h>

typedef struct sp_h2raw sp_h2raw;

enum {
	H2_DATA = 0x0,
	H2_HEADERS = 0x1,
	H2_PRIORITY = 0x2,
	H2_RST_STREAM = 0x3,
	H2_SETTINGS = 0x4,
	H2_PING = 0x6,
	H2_GOAWAY = 0x7,
	H2_WINDOW_UPDATE = 0x8,
	H2_CONTINUATION = 0x9,
};
#define H2_FLAG_END_STREAM  0x1
#define H2_FLAG_ACK         0x1
#define H2_FLAG_END_HEADERS 0x4

typedef struct sp_h2raw_frame {
	uint32_t length;
	uint8_t type, flags;
	uint32_t stream;
	uint8_t payload[16384];
} sp_h2raw_frame;

/* Connect to host:port with TLS (ALPN "h2", TLS 1.2+), optionally with a
 * client certificate, and verify the server against ca_file. Sends the
 * connection preface and an empty SETTINGS frame. Returns NULL and sets *why
 * on failure. */
sp_h2raw *sp_h2raw_connect(const char *host, uint16_t port, const char *ca_file,
                           const char *cert_file, const char *key_file,
                           unsigned timeout_ms, const char **why);
void sp_h2raw_close(sp_h2raw *c);
/* The negotiated ALPN protocol ("" if none). */
const char *sp_h2raw_alpn(const sp_h2raw *c);

/* Queue a frame (written out by sp_h2raw_flush). */
int sp_h2raw_frame_out(sp_h2raw *c, uint8_t type, uint8_t flags,
                       uint32_t stream, const void *payload, size_t len);
/* HPACK-encode (no indexing) a request's header block into buf. Returns its
 * length, or 0 if it does not fit. extra_name/extra_len: one more header
 * with a value of extra_len 'x' bytes (0: none). */
size_t sp_h2raw_request_block(uint8_t *buf, size_t cap, const char *method,
                              const char *path, const char *authority,
                              const char *extra_name, size_t extra_len);
/* Append one HPACK literal field (no indexing, no Huffman) to a header
 * block: buf has cap bytes free. Returns the bytes written, 0 if they do not
 * fit. */
size_t sp_h2raw_field(uint8_t *buf, size_t cap, const char *name,
                      const char *value);
/* Write everything queued. Returns 0, or -1 if the peer is gone. */
int sp_h2raw_flush(sp_h2raw *c);
/* Read one frame, waiting up to timeout_ms. Returns 1 with *f, 0 on
 * timeout, -1 when the connection closed (or failed). */
int sp_h2raw_read(sp_h2raw *c, sp_h2raw_frame *f, unsigned timeout_ms);
/* Read frames until one of `type` (on `stream` unless stream is ~0u)
 * arrives, GOAWAY arrives, or the time is up. Acknowledges SETTINGS and
 * PING on the way. Returns 1 found, 2 GOAWAY seen (in *f), 0 timeout, -1
 * closed. */
int sp_h2raw_wait(sp_h2raw *c, uint8_t type, uint32_t stream, sp_h2raw_frame *f,
                  unsigned timeout_ms);

#endif /* SP_H2RAW_H */
