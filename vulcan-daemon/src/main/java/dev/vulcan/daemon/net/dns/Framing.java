package dev.vulcan.daemon.net.dns;

/** DNS over TCP: each message is preceded by its length as two bytes (RFC 1035 4.2.2). */
final class Framing {

    private Framing() {}

    /** Length prefix and message in one buffer, so they leave in one segment. */
    static byte[] frame(byte[] message) {
        if (message.length > 0xffff) {
            throw new IllegalArgumentException("a DNS message is at most 65535 bytes, not " + message.length);
        }
        byte[] framed = new byte[message.length + 2];
        framed[0] = (byte) (message.length >> 8);
        framed[1] = (byte) message.length;
        System.arraycopy(message, 0, framed, 2, message.length);
        return framed;
    }
}
