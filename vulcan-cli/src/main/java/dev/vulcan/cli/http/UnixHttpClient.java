package dev.vulcan.cli.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client over a unix domain socket: one connection per request
 * ({@code Connection: close}), bodies framed by Content-Length, chunked encoding or end of stream.
 * It exists because a full client library costs the CLI seconds of class loading.
 */
public final class UnixHttpClient {
    static final int MAX_LINE = 64 * 1024;
    private static final int MAX_HEADERS = 200;

    private final Path socket;

    public UnixHttpClient(Path socket) {
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }

    /** Sends the request and reads the whole response. */
    public HttpResponse send(HttpRequest request) throws IOException {
        try (ResponseStream response = open(request)) {
            return response.readFully();
        }
    }

    /**
     * Sends the request and returns once the response head has arrived; the caller reads the body
     * as it streams in and must close the result.
     */
    public ResponseStream open(HttpRequest request) throws IOException {
        SocketChannel channel = connect();
        try {
            writeFully(channel, request.head());
            writeFully(channel, request.body());
            InputStream in = new BufferedInputStream(Channels.newInputStream(channel), 8192);
            return readHead(channel, in, request.method());
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Sends the head of a request with a chunked body and {@code request.body()} as its first chunk,
     * and returns once the response head has arrived; the caller then sends more chunks while it
     * reads the response body (full duplex, as exec sessions need), and must close the result.
     */
    public DuplexExchange openDuplex(HttpRequest request) throws IOException {
        SocketChannel channel = connect();
        try {
            DuplexExchange.Writer writer = new DuplexExchange.Writer(channel);
            writer.chunk(request.chunkedHead(), request.body());
            InputStream in = new BufferedInputStream(Channels.newInputStream(channel), 8192);
            return new DuplexExchange(readHead(channel, in, request.method()), writer);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** A connection kept open across requests, for callers that send many (see {@link KeepAliveConnection}). */
    public KeepAliveConnection keepAlive() throws IOException {
        return new KeepAliveConnection(connect());
    }

    private SocketChannel connect() throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return channel;
        } catch (IOException e) {
            channel.close();
            UnreachableSocketException.Reason reason;
            if (!Files.exists(socket)) {
                reason = UnreachableSocketException.Reason.MISSING;
            } else if (e instanceof ConnectException) {
                reason = UnreachableSocketException.Reason.REFUSED;
            } else {
                reason = UnreachableSocketException.Reason.OTHER;
            }
            throw new UnreachableSocketException(socket, reason, e);
        }
    }

    static void writeFully(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    static ResponseStream readHead(SocketChannel channel, InputStream in, String method) throws IOException {
        while (true) {
            String statusLine = readLine(in);
            if (statusLine == null) {
                throw new EOFException("connection closed before the response");
            }
            // HTTP/1.1 200 OK
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("\\d{3}")) {
                throw new IOException("malformed HTTP status line: " + abbreviate(statusLine));
            }
            int status = Integer.parseInt(parts[1]);
            String reason = parts.length == 3 ? parts[2] : "";
            Map<String, String> headers = readHeaders(in);
            if (status >= 100 && status < 200 && status != 101) {
                continue; // interim response: the real one follows
            }
            return new ResponseStream(channel, status, reason, headers, body(in, method, status, headers));
        }
    }

    static Map<String, String> readHeaders(InputStream in) throws IOException {
        Map<String, String> headers = new HashMap<>();
        for (int count = 0; ; count++) {
            String line = readLine(in);
            if (line == null) {
                throw new EOFException("connection closed in the response headers");
            }
            if (line.isEmpty()) {
                return headers;
            }
            if (count == MAX_HEADERS) {
                throw new IOException("too many response headers");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed HTTP header: " + abbreviate(line));
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            headers.merge(name, value, (a, b) -> a + ", " + b);
        }
    }

    /** RFC 9112 section 6.3: how the body of this response ends. */
    private static InputStream body(InputStream in, String method, int status, Map<String, String> headers)
            throws IOException {
        if (method.equals("HEAD") || status == 204 || status == 304) {
            return InputStream.nullInputStream();
        }
        String transferEncoding = headers.get("transfer-encoding");
        if (transferEncoding != null) {
            if (transferEncoding.toLowerCase(Locale.ROOT).endsWith("chunked")) {
                return new ChunkedInputStream(in);
            }
            return in;
        }
        String contentLength = headers.get("content-length");
        if (contentLength != null) {
            try {
                long length = Long.parseLong(contentLength);
                if (length < 0) {
                    throw new NumberFormatException();
                }
                return new FixedLengthInputStream(in, length);
            } catch (NumberFormatException e) {
                throw new IOException("malformed Content-Length: " + abbreviate(contentLength));
            }
        }
        return in;
    }

    /** One line ended by LF (a CR before it dropped), or null at end of stream before any byte. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            if (line.size() == MAX_LINE) {
                throw new IOException("HTTP line longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
        if (line.size() == 0) {
            return null;
        }
        throw new EOFException("connection closed in the middle of a line");
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
