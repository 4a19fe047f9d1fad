package dev.vulcan.cli.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny HTTP/1.1 server on a unix socket that stands in for the daemon: it parses each request
 * and hands it to a script that writes whatever raw bytes it wants, when it wants. Connections are
 * served one after another on one thread. The AOT training run answers with it, and so do the
 * tests; the CLI itself never starts it.
 */
public final class RawServer implements AutoCloseable {

    /** A request as the server read it; header names in lower case. */
    public record Request(String method, String target, Map<String, String> headers, byte[] body) {
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The target without its query. */
        public String path() {
            int query = target.indexOf('?');
            return query < 0 ? target : target.substring(0, query);
        }
    }

    /** Answers one request by writing to the connection; the server closes it afterwards. */
    @FunctionalInterface
    public interface Script {
        void answer(Request request, Connection connection) throws Exception;
    }

    /** The server side of one connection. */
    public static final class Connection {
        private final SocketChannel channel;
        private final InputStream in;

        Connection(SocketChannel channel, InputStream in) {
            this.channel = channel;
            this.in = in;
        }

        /** The rest of a chunked request body, de-chunked, as it arrives (exec sessions). */
        public InputStream chunkedBody() {
            return new ChunkedInputStream(in);
        }

        public Connection write(String text) throws IOException {
            return write(text.getBytes(StandardCharsets.UTF_8));
        }

        public Connection write(byte[] bytes) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            return this;
        }

        /** Writes one chunk of a chunked body. */
        public Connection chunk(byte[] bytes) throws IOException {
            return write(framed(bytes));
        }

        public Connection chunk(String text) throws IOException {
            return chunk(text.getBytes(StandardCharsets.UTF_8));
        }

        public Connection lastChunk() throws IOException {
            return write("0\r\n\r\n");
        }

        /** A chunk as chunked encoding frames it: its size in hex, CRLF, the bytes, CRLF. */
        private static byte[] framed(byte[] bytes) {
            ByteArrayOutputStream chunk = new ByteArrayOutputStream(bytes.length + 12);
            chunk.writeBytes((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            chunk.writeBytes(bytes);
            chunk.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            return chunk.toByteArray();
        }
    }

    /** A JSON answer framed by Content-Length. */
    public static Script json(int status, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return (request, connection) -> connection
                .write("HTTP/1.1 " + status + " Whatever\r\nContent-Type: application/json\r\nContent-Length: "
                        + bytes.length + "\r\n\r\n")
                .write(bytes);
    }

    /**
     * A 200 answer with a chunked body, one chunk per string, written at once: a client that hangs
     * up as soon as it has what it wants, such as the end event of a log stream, leaves no write to fail.
     */
    public static Script chunked(String contentType, String... chunks) {
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        response.writeBytes(("HTTP/1.1 200 OK\r\nContent-Type: " + contentType
                + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        for (String chunk : chunks) {
            response.writeBytes(Connection.framed(chunk.getBytes(StandardCharsets.UTF_8)));
        }
        response.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] bytes = response.toByteArray();
        return (request, connection) -> connection.write(bytes);
    }

    /** An event stream, chunked, one chunk per event. */
    public static Script events(String... events) {
        return chunked("text/event-stream", events);
    }

    private final ServerSocketChannel server;
    private final Script script;
    private final Thread thread;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    private RawServer(ServerSocketChannel server, Script script) {
        this.server = server;
        this.script = script;
        this.thread = Thread.ofPlatform().name("raw-http-server").daemon().unstarted(this::serve);
    }

    public static RawServer start(Path socket, Script script) throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        RawServer raw = new RawServer(server, script);
        raw.thread.start();
        return raw;
    }

    public List<Request> requests() {
        return requests;
    }

    /** What the scripts threw, so a test can fail on a broken fixture rather than time out. */
    public List<Throwable> failures() {
        return failures;
    }

    private void serve() {
        while (true) {
            SocketChannel accepted;
            try {
                accepted = server.accept();
            } catch (IOException closed) {
                return; // close() was called
            }
            try (SocketChannel channel = accepted) {
                InputStream in = new BufferedInputStream(Channels.newInputStream(channel));
                Request request = read(in);
                requests.add(request);
                script.answer(request, new Connection(channel, in));
            } catch (Exception | AssertionError e) {
                failures.add(e);
            }
        }
    }

    private static Request read(InputStream in) throws IOException {
        String[] requestLine = line(in).split(" ");
        Map<String, String> headers = new HashMap<>();
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        return new Request(requestLine[0], requestLine[1], headers, in.readNBytes(length));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b == -1) {
                throw new IOException("request cut short");
            }
            line.write(b);
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        if (!text.endsWith("\r")) {
            throw new IOException("request line not ended by CRLF: " + text);
        }
        return text.substring(0, text.length() - 1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
