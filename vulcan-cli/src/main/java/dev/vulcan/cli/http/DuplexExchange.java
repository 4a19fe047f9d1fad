package dev.vulcan.cli.http;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/1.1 exchange whose request body is still being sent (chunk by chunk, from any thread)
 * while its response streams in: the transport of exec sessions. Closing it closes the connection.
 */
public final class DuplexExchange implements AutoCloseable {

    private final ResponseStream response;
    private final Writer writer;

    DuplexExchange(ResponseStream response, Writer writer) {
        this.response = response;
        this.writer = writer;
    }

    /** The response, its head already read; read its body on one thread. */
    public ResponseStream response() {
        return response;
    }

    /** Sends bytes as one chunk of the request body; thread-safe. */
    public void send(byte[] bytes) throws IOException {
        writer.chunk(bytes);
    }

    /** Ends the request body (the last chunk); later sends fail, a second call does nothing. */
    public void finish() throws IOException {
        writer.finish();
    }

    @Override
    public void close() throws IOException {
        response.close();
    }

    /** Writes chunks to the socket; the channel takes writes from one thread while another reads. */
    static final class Writer {
        private final SocketChannel channel;
        private boolean finished;

        Writer(SocketChannel channel) {
            this.channel = channel;
        }

        synchronized void chunk(byte[] bytes) throws IOException {
            chunk(new byte[0], bytes);
        }

        /** One chunk, after {@code prefix} (the request's head) in the same write. */
        synchronized void chunk(byte[] prefix, byte[] bytes) throws IOException {
            if (finished) {
                throw new IOException("the request body has ended");
            }
            if (bytes.length == 0) {
                return; // an empty chunk would end the body
            }
            byte[] size = (Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
            byte[] chunk = new byte[prefix.length + size.length + bytes.length + 2];
            System.arraycopy(prefix, 0, chunk, 0, prefix.length);
            System.arraycopy(size, 0, chunk, prefix.length, size.length);
            System.arraycopy(bytes, 0, chunk, prefix.length + size.length, bytes.length);
            chunk[chunk.length - 2] = '\r';
            chunk[chunk.length - 1] = '\n';
            UnixHttpClient.writeFully(channel, chunk);
        }

        synchronized void finish() throws IOException {
            if (!finished) {
                finished = true;
                UnixHttpClient.writeFully(channel, "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
        }
    }
}
