package dev.vulcan.cli.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 request to send over the unix socket. The client adds Host, Content-Length and
 * Connection itself; {@code headers} holds the others (Accept, Content-Type).
 *
 * @param target origin-form request target: absolute path plus optional query, already encoded
 */
public record HttpRequest(String method, String target, Map<String, String> headers, byte[] body) {

    public HttpRequest {
        if (method == null || !method.matches("[A-Z]+")) {
            throw new IllegalArgumentException("bad HTTP method: " + method);
        }
        if (target == null || !target.startsWith("/") || !isVisibleAscii(target)) {
            throw new IllegalArgumentException("bad request target: " + target);
        }
        for (var header : headers.entrySet()) {
            if (!header.getKey().matches("[A-Za-z0-9-]+") || header.getValue().indexOf('\r') >= 0
                    || header.getValue().indexOf('\n') >= 0) {
                throw new IllegalArgumentException("bad header: " + header.getKey());
            }
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (name.equals("host") || name.equals("content-length") || name.equals("connection")
                    || name.equals("transfer-encoding")) {
                throw new IllegalArgumentException("the client sets " + header.getKey() + " itself");
            }
        }
        headers = Map.copyOf(headers);
        body = body == null ? new byte[0] : body;
    }

    public static HttpRequest get(String target) {
        return new HttpRequest("GET", target, Map.of(), null);
    }

    public static HttpRequest delete(String target) {
        return new HttpRequest("DELETE", target, Map.of(), null);
    }

    public static HttpRequest post(String target, String contentType, byte[] body) {
        return new HttpRequest("POST", target, Map.of("Content-Type", contentType), body);
    }

    /** This request with one more header. */
    public HttpRequest withHeader(String name, String value) {
        var more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new HttpRequest(method, target, more, body);
    }

    /** The request line and headers, CRLF-terminated, ready to be followed by the body. */
    byte[] head() {
        return head(false);
    }

    /** The head, asking the server to keep the connection open after the response when keepAlive. */
    byte[] head(boolean keepAlive) {
        var head = new StringBuilder(128 + target.length());
        head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        head.append("Host: vulcan\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        if (body.length > 0 || method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append(keepAlive ? "\r\n" : "Connection: close\r\n\r\n");
        return head.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * The head of a request whose body follows in chunks of unknown number (an exec session's frames);
     * the connection closes after the response.
     */
    byte[] chunkedHead() {
        var head = new StringBuilder(128 + target.length());
        head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        head.append("Host: vulcan\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        return head.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static boolean isVisibleAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }
}
