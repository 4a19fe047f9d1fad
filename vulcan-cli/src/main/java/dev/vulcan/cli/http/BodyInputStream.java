package dev.vulcan.cli.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * A response body cut out of the connection by its framing: reads go to the connection, never past
 * the bytes the framing still allows, and a connection that ends before they do is an error.
 */
abstract sealed class BodyInputStream extends InputStream permits ChunkedInputStream, FixedLengthInputStream {
    final InputStream in;
    /** Bytes the framing allows before {@link #more()} must be asked. */
    long remaining;

    BodyInputStream(InputStream in, long remaining) {
        this.in = in;
        this.remaining = remaining;
    }

    /** Called when {@code remaining} is used up: makes more bytes available, or returns false at the body's end. */
    abstract boolean more() throws IOException;

    /** The error for a connection that closed while {@code remaining} bytes were still due. */
    abstract EOFException cutShort();

    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public final int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (remaining == 0 && !more()) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n == -1) {
            throw cutShort();
        }
        remaining -= n;
        return n;
    }

    @Override
    public final int available() throws IOException {
        return (int) Math.min(in.available(), remaining);
    }
}
