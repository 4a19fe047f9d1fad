package dev.vulcan.daemon.http;

import dev.vulcan.api.ApiError;
import dev.vulcan.daemon.error.ConflictException;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.NotFoundException;
import dev.vulcan.daemon.error.TooLargeException;
import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.error.VulcanException;
import dev.vulcan.daemon.metrics.Metrics;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The root handler: authenticates TCP callers, routes, and maps failures to HTTP in exactly one
 * place. Runs each request on its own virtual thread.
 */
final class ApiHandler extends Handler.Abstract {

    private static final Logger log = LoggerFactory.getLogger(ApiHandler.class);

    private final Router router;
    private final BearerAuth auth;
    private final Metrics metrics;
    private final JsonMapper json;
    private final int maxBodyBytes;

    ApiHandler(Router router, BearerAuth auth, Metrics metrics, JsonMapper json, int maxBodyBytes) {
        this.router = router;
        this.auth = auth;
        this.metrics = metrics;
        this.json = json;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long started = System.nanoTime();
        String method = request.getMethod();
        String path = request.getHttpURI().getPath();
        List<String> allowed = new ArrayList<>();
        var match = router.match(method, path, allowed);
        String route = match.map(m -> m.route().template()).orElse("unmatched");
        Exchange exchange = new Exchange(request, response, match.map(Router.Match::params).orElse(java.util.Map.of()),
                json, maxBodyBytes);
        try {
            if (!auth.permits(request, path)) {
                response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"vulcan\"");
                error(exchange, 401, "unauthorized", "a valid bearer token is required on TCP");
            } else if (match.isPresent()) {
                match.get().route().handler().handle(exchange);
            } else if (!allowed.isEmpty()) {
                response.getHeaders().put(HttpHeader.ALLOW, String.join(", ", allowed));
                error(exchange, 405, "method_not_allowed", method + " is not allowed on " + path);
            } else {
                error(exchange, 404, "not_found", "no such endpoint: " + method + " " + path);
            }
            callback.succeeded();
        } catch (VulcanException e) {
            respondOrAbort(exchange, callback, statusOf(e), e.code(), e.getMessage());
        } catch (JacksonException e) {
            respondOrAbort(exchange, callback, 400, "invalid_json", "malformed request body: " + e.getOriginalMessage());
        } catch (IllegalArgumentException e) {
            respondOrAbort(exchange, callback, 400, "invalid_request", e.getMessage());
        } catch (UncheckedIOException e) {
            // The client went away mid-response (e.g. an SSE follower hung up).
            callback.failed(e);
        } catch (Exception e) {
            log.atError().setCause(e).addKeyValue("method", method).addKeyValue("path", path).log("request failed");
            respondOrAbort(exchange, callback, 500, "internal", "internal error: " + e);
        } finally {
            metrics.httpRequest(method, route, exchange.status(), java.time.Duration.ofNanos(System.nanoTime() - started));
        }
        return true;
    }

    private void respondOrAbort(Exchange exchange, Callback callback, int status, String code, String message) {
        try {
            error(exchange, status, code, message);
            callback.succeeded();
        } catch (RuntimeException e) {
            // Headers were already sent (a stream broke midway): all we can do is abort.
            callback.failed(e);
        }
    }

    private static void error(Exchange exchange, int status, String code, String message) {
        exchange.json(status, ApiError.of(code, message));
    }

    /** The one mapping from our failure family to HTTP. */
    static int statusOf(VulcanException e) {
        return switch (e) {
            case InvalidException i -> 400;
            case NotFoundException n -> 404;
            case ConflictException c -> 409;
            case TooLargeException t -> 413;
            case UnavailableException u -> 422;
        };
    }
}
