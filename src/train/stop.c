/* Stop requests: a flag the run loop polls after every step, set by the
 * caller or by SIGINT/SIGTERM once ln_stop_on_signals() is called. */
#include <signal.h>
#include <string.h>

#include "lenet/train.h"

static volatile sig_atomic_t requested; /* 0, a signal number, or -1 */

void ln_request_stop(int sig) { requested = sig > 0 ? sig : -1; }
int ln_stop_requested(void) { return requested; }
void ln_stop_reset(void) { requested = 0; }

/* The first signal asks for a stop; a second kills at once (saves are
 * atomic, so the file on disk is still the last complete checkpoint). */
static void on_signal(int sig)
{
    if (!requested) {
        requested = sig;
        return;
    }
    signal(sig, SIG_DFL); /* both async-signal-safe */
    raise(sig);
}

ln_status ln_stop_on_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
        return ln_fail(LN_ERR_UNSUPPORTED, "cannot catch SIGINT and SIGTERM");
    return LN_OK;
}
