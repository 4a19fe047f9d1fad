package dev.vulcan.cli.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SocketChannel;
import java.util.Locale;
import java.util.Map;

/**
 * A response whose head has been read and whose body is read as it arrives: chunked and
 * Content-Length framing are undone by {@link #body()}. Closing it closes the connection.
 */
public final class ResponseStream implements AutoCloseable {
    private final SocketChannel channel;
    private final int status;
    private final String reason;
    private final Map<String, String> headers;
    private final InputStream body;

    ResponseStream(SocketChannel channel, int status, String reason, Map<String, String> headers, InputStream body) {
        this.channel = channel;
        this.status = status;
        this.reason = reason;
        this.headers = Map.copyOf(headers);
        this.body = body;
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    /** Header names in lower case; repeated headers joined with ", ". */
    public Map<String, String> headers() {
        return headers;
    }

    /** The value of a header, by case-insensitive name, or null. */
    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }

    /** The decoded body; a read returns what has arrived so far rather than waiting to fill the buffer. */
    public InputStream body() {
        return body;
    }

    /** Reads the rest of the body into a whole response. */
    public HttpResponse readFully() throws IOException {
        return new HttpResponse(status, reason, headers, body.readAllBytes());
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
