package warden.policy;

import java.net.InetAddress;

/**
 * The one policy engine behind every front door: the SMTP server, {@code simulate},
 * {@code check-helo}, and the Postfix and Exim adapters. It knows no sockets.
 */
public interface PolicyEngine {

    /** Opens the per-connection policy state for a client. */
    PolicySession open(InetAddress clientAddress);

    /** An engine with no checks: every stage continues. */
    static PolicyEngine permissive() {
        return client -> snapshot -> Decision.proceed();
    }
}
