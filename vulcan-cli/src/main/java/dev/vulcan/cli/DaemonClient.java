package dev.vulcan.cli;

import dev.vulcan.cli.http.HttpRequest;
import dev.vulcan.cli.http.HttpResponse;
import dev.vulcan.cli.http.ResponseStream;
import dev.vulcan.cli.http.SseParser;
import dev.vulcan.cli.http.UnixHttpClient;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Supplier;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The daemon's HTTP API as the commands use it: JSON in and out, error bodies turned into
 * {@link ApiException}. The JSON mapper is built only once a call needs it, so a command that
 * fails to connect never pays for it.
 */
final class DaemonClient {
    private static final String JSON = "application/json";

    private final UnixHttpClient http;
    private final Supplier<JsonMapper> mappers;
    private JsonMapper mapper;

    DaemonClient(UnixHttpClient http, Supplier<JsonMapper> mappers) {
        this.http = http;
        this.mappers = mappers;
    }

    UnixHttpClient http() {
        return http;
    }

    JsonMapper mapper() {
        if (mapper == null) {
            mapper = mappers.get();
        }
        return mapper;
    }

    ApiReply get(String target) throws IOException {
        return reply(http.send(HttpRequest.get(target).withHeader("Accept", JSON)));
    }

    ApiReply delete(String target) throws IOException {
        return reply(http.send(HttpRequest.delete(target).withHeader("Accept", JSON)));
    }

    ApiReply post(String target, Object body) throws IOException {
        byte[] json = mapper().writeValueAsBytes(body);
        return reply(http.send(HttpRequest.post(target, JSON, json).withHeader("Accept", JSON)));
    }

    /** A POST without a body, for an action on a resource such as /v1/instances/{name}/start. */
    ApiReply post(String target) throws IOException {
        return reply(http.send(new HttpRequest("POST", target, Map.of("Accept", JSON), null)));
    }

    /**
     * Reads a text/event-stream, handing each event to the listener as it arrives. Returns false
     * if the listener stopped the stream, true if the daemon ended it.
     */
    boolean stream(String target, SseParser.Listener listener) throws IOException {
        try (ResponseStream response = http.open(HttpRequest.get(target).withHeader("Accept", "text/event-stream"))) {
            if (!response.isSuccess()) {
                throw error(response.readFully());
            }
            return SseParser.read(response.body(), listener);
        }
    }

    /** POSTs a JSON body and reads the text/event-stream answer, as {@link #stream} does. */
    boolean streamPost(String target, Object body, SseParser.Listener listener) throws IOException {
        HttpRequest request = HttpRequest.post(target, JSON, mapper().writeValueAsBytes(body))
                .withHeader("Accept", "text/event-stream");
        try (ResponseStream response = http.open(request)) {
            if (!response.isSuccess()) {
                throw error(response.readFully());
            }
            return SseParser.read(response.body(), listener);
        }
    }

    private ApiReply reply(HttpResponse response) {
        if (!response.isSuccess()) {
            throw error(response);
        }
        return new ApiReply(response.body(), mapper());
    }

    /** An error event's data, {"error":{"code","message"}}, as the exception a failed call throws. */
    ApiException error(String data, int status) {
        JsonNode error = mapper().readTree(data).path("error");
        String code = Fields.text(error, "code");
        String message = Fields.text(error, "message");
        return new ApiException(status, code == null ? "error" : code, message == null ? data : message);
    }

    ApiException error(HttpResponse response) {
        try {
            // an ApiError: {"error":{"code","message"}}
            JsonNode error = mapper().readTree(response.body()).path("error");
            String message = Fields.text(error, "message");
            if (message != null) {
                String code = Fields.text(error, "code");
                return new ApiException(response.status(), code == null ? "http_" + response.status() : code, message);
            }
        } catch (JacksonException notAnApiError) {
            // fall through: describe the bare HTTP status
        }
        String reason = response.reason().isEmpty() ? "error" : response.reason();
        return new ApiException(response.status(), "http_" + response.status(),
                "the daemon answered " + response.status() + " " + reason);
    }

    /** An origin-form target: path segments percent-encoded, query parameters with null values left out. */
    static String target(String path, Map<String, ?> query) {
        StringJoiner parameters = new StringJoiner("&", "?", "").setEmptyValue("");
        query.forEach((name, value) -> {
            if (value != null) {
                parameters.add(encode(name) + "=" + encode(value.toString()));
            }
        });
        return path + parameters;
    }

    /** Percent-encodes one path segment or query component. */
    static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
