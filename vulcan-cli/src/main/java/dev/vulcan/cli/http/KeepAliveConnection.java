package dev.vulcan.cli.http;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;

/**
 * One HTTP/1.1 connection reused for a series of requests, one at a time: what an SDK or a load
 * generator does, where the one-shot CLI closes after each answer. Not thread-safe.
 */
public final class KeepAliveConnection implements AutoCloseable {

    private final SocketChannel channel;
    private final InputStream in;
    private boolean open = true;

    KeepAliveConnection(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedInputStream(Channels.newInputStream(channel), 8192);
    }

    /** Sends the request and reads the whole response; the connection stays usable unless the server closed it. */
    public HttpResponse send(HttpRequest request) throws IOException {
        if (!open) {
            throw new IOException("the server closed this connection");
        }
        UnixHttpClient.writeFully(channel, request.head(true));
        UnixHttpClient.writeFully(channel, request.body());
        ResponseStream response = UnixHttpClient.readHead(channel, in, request.method());
        HttpResponse whole = new HttpResponse(response.status(), response.reason(), response.headers(),
                response.body().readAllBytes());
        // A body framed by the end of the stream, or the server's word, ends the connection.
        boolean framed = response.header("content-length") != null || response.header("transfer-encoding") != null;
        if (!framed || "close".equalsIgnoreCase(response.header("connection"))) {
            close();
        }
        return whole;
    }

    @Override
    public void close() throws IOException {
        open = false;
        channel.close();
    }
}
