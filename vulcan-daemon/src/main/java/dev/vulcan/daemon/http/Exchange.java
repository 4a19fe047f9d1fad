package dev.vulcan.daemon.http;

import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.TooLargeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Fields;
import tools.jackson.databind.json.JsonMapper;

/**
 * One request and its response, with blocking helpers: handlers run on virtual threads, so
 * blocking is cheap and keeps each handler a straight line.
 */
final class Exchange {

    private final Request request;
    private final Response response;
    private final Map<String, String> pathParams;
    private final JsonMapper json;
    private final int maxBodyBytes;
    private Fields query;
    private int status = 200;

    Exchange(Request request, Response response, Map<String, String> pathParams, JsonMapper json, int maxBodyBytes) {
        this.request = request;
        this.response = response;
        this.pathParams = pathParams;
        this.json = json;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** The raw request, for endpoints that stream the body (exec). */
    Request request() {
        return request;
    }

    /** The raw response, for endpoints that stream their own frames (exec). */
    Response response() {
        return response;
    }

    String path(String name) {
        return pathParams.get(name);
    }

    /** A query parameter, or null. */
    String query(String name) {
        if (query == null) {
            query = Request.extractQueryParameters(request);
        }
        return query.getValue(name);
    }

    int queryInt(String name, int fallback, int min, int max) {
        String text = query(name);
        if (text == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidException("invalid_query", name + " must be a number between " + min + " and " + max);
    }

    /** Reads the body as JSON into a wire type; malformed or oversized bodies are the caller's fault. */
    <T> T body(Class<T> type) {
        long declared = request.getLength();
        if (declared > maxBodyBytes) {
            throw tooLarge();
        }
        byte[] bytes;
        try (InputStream in = Content.Source.asInputStream(request)) {
            bytes = in.readNBytes(maxBodyBytes + 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (bytes.length > maxBodyBytes) {
            throw tooLarge();
        }
        if (bytes.length == 0) {
            throw new InvalidException("invalid_json", "request body is empty; expected a JSON object");
        }
        return json.readValue(bytes, type);
    }

    private TooLargeException tooLarge() {
        return new TooLargeException("body_too_large", "request body exceeds " + maxBodyBytes + " bytes");
    }

    void status(int code) {
        this.status = code;
    }

    int status() {
        return status;
    }

    String header(HttpHeader header) {
        return request.getHeaders().get(header);
    }

    void json(int code, Object body) {
        send(code, "application/json", json.writeValueAsString(body) + "\n");
    }

    /** An answer without a body, e.g. 204 No Content. */
    void empty(int code) {
        status = code;
        response.setStatus(code);
        write(true, "");
    }

    void send(int code, String contentType, String body) {
        status = code;
        response.setStatus(code);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        write(true, body);
    }

    /** Starts a Server-Sent Events stream; events are then written with {@link #event}. */
    void startEvents() {
        status = 200;
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    }

    void event(String name, Object data) {
        write(false, "event: " + name + "\ndata: " + json.writeValueAsString(data) + "\n\n");
    }

    void comment(String text) {
        write(false, ": " + text + "\n\n");
    }

    void endEvents() {
        write(true, "");
    }

    private void write(boolean last, String text) {
        try (Blocker.Callback callback = Blocker.callback()) {
            response.write(last, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), callback);
            callback.block();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
