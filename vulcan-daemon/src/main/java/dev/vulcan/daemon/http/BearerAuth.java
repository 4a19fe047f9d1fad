package dev.vulcan.daemon.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;

/**
 * The unix socket is trusted (its file mode guards it); TCP callers must present the node's
 * bearer token. /healthz stays open so load balancers can probe without the secret.
 */
final class BearerAuth {

    private final byte[] expected;

    BearerAuth(String token) {
        this.expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    boolean permits(Request request, String path) {
        if (request.getConnectionMetaData().getConnector() instanceof UnixDomainServerConnector) {
            return true;
        }
        if (path.equals("/healthz")) {
            return true;
        }
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        return header != null && MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8));
    }
}
