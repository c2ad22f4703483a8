/* log_hooks.c: route libxml2's, xmlsec's and libevent's own diagnostics into
 * the node's structured log (base/ stays on libc only). */
#include <event2/event.h>

#include "node_int.h"
#include "protocol.h"

/* libxml2's and xmlsec's words about hostile input: debug level, escaped
 * like any other value. The refusal itself is logged by the caller. */
static void lib_diag(const char *library, const char *text)
{
	sp_log(SP_LOG_DEBUG, "library_diagnostic",
	       SP_LF_STR("library", library), SP_LF_STR("text", text));
}

/* libevent would print its own warnings to stderr. */
static void libevent_log(int severity, const char *msg)
{
	sp_log_level level = SP_LOG_DEBUG;

	if (severity >= EVENT_LOG_ERR)
		level = SP_LOG_ERROR;
	else if (severity >= EVENT_LOG_WARN)
		level = SP_LOG_WARN;
	sp_log(level, "library_diagnostic", SP_LF_STR("library", "libevent"),
	       SP_LF_STR("text", msg));
}

void sp_node__log_setup(const char *level, const char *format)
{
	static int hooked;

	sp_log_setup(level, format);
	if (!hooked) {
		/* once, before any thread starts (the hook is read unlocked) */
		sp_protocol_set_diag_hook(lib_diag);
		event_set_log_callback(libevent_log);
		hooked = 1;
	}
}
