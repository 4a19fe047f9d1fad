package dev.vulcan.daemon.net.dns;

import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Section;

/** Building answers and sizing them for the transport they leave on. */
final class Replies {

    /** What a client gets over UDP without EDNS (RFC 1035). */
    static final int CLASSIC_UDP = 512;
    /** Our cap on EDNS UDP answers: beyond this they fragment on ordinary links. */
    static final int MAX_UDP = 4096;
    static final int MAX_TCP = 65535;
    /** The payload size we advertise in our own OPT records (the DNS flag day 2020 value). */
    static final int OUR_PAYLOAD = 1232;

    private Replies() {}

    /** An empty reply to {@code query}: same id, opcode, RD flag and question, recursion available. */
    static Message reply(Message query, int rcode) {
        Header in = query.getHeader();
        Message reply = new Message(in.getID());
        Header out = reply.getHeader();
        out.setFlag(Flags.QR);
        out.setOpcode(in.getOpcode());
        if (in.getFlag(Flags.RD)) {
            out.setFlag(Flags.RD);
        }
        out.setFlag(Flags.RA);
        out.setRcode(rcode);
        if (query.getQuestion() != null) {
            reply.addRecord(query.getQuestion(), Section.QUESTION);
        }
        if (query.getOPT() != null) {
            // RFC 6891 6.1.1: an EDNS query gets an OPT record back.
            reply.addRecord(new OPTRecord(OUR_PAYLOAD, 0, 0), Section.ADDITIONAL);
        }
        return reply;
    }

    /**
     * A reply built from the 12-byte header alone, for a query whose body cannot be parsed; null when there is no
     * header to answer or the packet is itself a response (answering answers invites loops).
     */
    static byte[] headerOnly(byte[] wire, int rcode) {
        if (wire.length < Header.LENGTH || isResponse(wire)) {
            return null;
        }
        Message reply = new Message(((wire[0] & 0xff) << 8) | (wire[1] & 0xff));
        Header out = reply.getHeader();
        out.setFlag(Flags.QR);
        out.setOpcode((wire[2] >> 3) & 0x0f);
        if ((wire[2] & 0x01) != 0) {
            out.setFlag(Flags.RD);
        }
        out.setFlag(Flags.RA);
        out.setRcode(rcode);
        return reply.toWire();
    }

    static boolean isResponse(byte[] wire) {
        return wire.length > 2 && (wire[2] & 0x80) != 0;
    }

    /** The largest answer the client accepts on this transport. */
    static int limit(Message query, boolean tcp) {
        if (tcp) {
            return MAX_TCP;
        }
        OPTRecord opt = query.getOPT();
        return opt == null ? CLASSIC_UDP : Math.clamp(opt.getPayloadSize(), CLASSIC_UDP, MAX_UDP);
    }

    static int id(byte[] wire) {
        return ((wire[0] & 0xff) << 8) | (wire[1] & 0xff);
    }

    static byte[] withId(byte[] wire, int id) {
        byte[] copy = wire.clone();
        copy[0] = (byte) (id >> 8);
        copy[1] = (byte) id;
        return copy;
    }

    static int rcode(byte[] wire) {
        return wire[3] & 0x0f;
    }

    static boolean truncated(byte[] wire) {
        return (wire[2] & 0x02) != 0;
    }
}
