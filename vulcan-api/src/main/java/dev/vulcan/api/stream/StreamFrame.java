package dev.vulcan.api.stream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One frame of an {@code application/vnd.vulcan.stream} body (exec sessions): a byte of type, three
 * zero bytes, the payload length as a big-endian uint32, then the payload. The header has the
 * shape of Docker's multiplexed attach stream, so the same tools can dump it.
 */
public record StreamFrame(Type type, byte[] payload) {

    public static final String MEDIA_TYPE = "application/vnd.vulcan.stream";
    /** Frames above this are refused: a peer gone wrong must not make us allocate gigabytes. */
    public static final int MAX_PAYLOAD = 1 << 20;
    static final int HEADER = 8;

    /** The frame types, by their byte on the wire. */
    public enum Type {
        /** client to server, first frame: an {@code ExecStart} JSON object */
        START(0),
        /** client to server: bytes for the process's stdin */
        STDIN(1),
        /** client to server: the process's stdin ends */
        STDIN_EOF(2),
        /** client to server: an {@code ExecResize} JSON object (terminal sessions) */
        RESIZE(3),
        /** server to client: the process's stdout (with a terminal: all of its output) */
        STDOUT(4),
        /** server to client: the process's stderr */
        STDERR(5),
        /** server to client, last frame: an {@code ExecExit} JSON object */
        EXIT(6);

        private final int code;

        Type(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        static Type of(int code) throws IOException {
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            throw new IOException("unknown stream frame type " + code);
        }
    }

    public StreamFrame {
        if (type == null) {
            throw new IllegalArgumentException("frame type is required");
        }
        payload = payload == null ? new byte[0] : payload;
        if (payload.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("frame payload of " + payload.length + " bytes exceeds " + MAX_PAYLOAD);
        }
    }

    public static StreamFrame of(Type type, byte[] bytes, int offset, int length) {
        return new StreamFrame(type, Arrays.copyOfRange(bytes, offset, offset + length));
    }

    public static StreamFrame text(Type type, String text) {
        return new StreamFrame(type, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The header and payload as one array, ready for a single write. */
    public byte[] encode() {
        byte[] bytes = new byte[HEADER + payload.length];
        bytes[0] = (byte) type.code();
        int n = payload.length;
        bytes[4] = (byte) (n >>> 24);
        bytes[5] = (byte) (n >>> 16);
        bytes[6] = (byte) (n >>> 8);
        bytes[7] = (byte) n;
        System.arraycopy(payload, 0, bytes, HEADER, n);
        return bytes;
    }

    public void writeTo(OutputStream out) throws IOException {
        out.write(encode());
    }

    /** The next frame, or null when the stream ends cleanly between frames. */
    public static StreamFrame read(InputStream in) throws IOException {
        byte[] header = new byte[HEADER];
        int got = readFully(in, header);
        if (got == 0) {
            return null;
        }
        if (got < HEADER) {
            throw new EOFException("stream ended inside a frame header");
        }
        if (header[1] != 0 || header[2] != 0 || header[3] != 0) {
            throw new IOException("malformed stream frame header");
        }
        long length = ((header[4] & 0xffL) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8)
                | (header[7] & 0xff);
        if (length > MAX_PAYLOAD) {
            throw new IOException("stream frame of " + length + " bytes exceeds " + MAX_PAYLOAD);
        }
        Type type = Type.of(header[0] & 0xff);
        byte[] payload = new byte[(int) length];
        if (readFully(in, payload) < length) {
            throw new EOFException("stream ended inside a frame");
        }
        return new StreamFrame(type, payload);
    }

    /**
     * Reads until the array is full or the stream ends. Unlike InputStream.readNBytes(int) it never
     * asks for 0 bytes, which some streams (Jetty's request content) answer by waiting for more.
     */
    private static int readFully(InputStream in, byte[] into) throws IOException {
        int got = 0;
        while (got < into.length) {
            int n = in.read(into, got, into.length - got);
            if (n < 0) {
                break;
            }
            got += n;
        }
        return got;
    }

    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StreamFrame f && f.type == type && Arrays.equals(f.payload, payload);
    }

    @Override
    public int hashCode() {
        return 31 * type.hashCode() + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "StreamFrame[" + type + ", " + payload.length + " bytes]";
    }
}
