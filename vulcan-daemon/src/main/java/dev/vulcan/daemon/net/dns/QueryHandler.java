package dev.vulcan.daemon.net.dns;

import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Message;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

/** One query in, at most one answer out: local names from the zone, everything else through the forwarder. */
final class QueryHandler {

    private static final Logger log = LoggerFactory.getLogger(QueryHandler.class);

    private final LocalZone zone;
    private final Forwarder forwarder;

    QueryHandler(LocalZone zone, Forwarder forwarder) {
        this.zone = zone;
        this.forwarder = forwarder;
    }

    /** The answer to send back, or empty when the packet deserves none (no readable header, or not a query). */
    Optional<byte[]> answer(String network, byte[] wire, boolean tcp) {
        if (Replies.isResponse(wire)) {
            return Optional.empty();
        }
        Message query;
        try {
            query = new Message(wire);
        } catch (IOException | RuntimeException e) {
            log.atDebug().addKeyValue("network", network).addKeyValue("bytes", wire.length)
                    .addKeyValue("error", e.toString()).log("malformed DNS packet");
            return Optional.ofNullable(Replies.headerOnly(wire, Rcode.FORMERR));
        }
        if (query.getHeader().getOpcode() != Opcode.QUERY) {
            return Optional.of(encode(Replies.reply(query, Rcode.NOTIMP), query, tcp));
        }
        if (query.getHeader().getCount(Section.QUESTION) != 1) {
            return Optional.of(encode(Replies.reply(query, Rcode.FORMERR), query, tcp));
        }
        if (zone.covers(query.getQuestion().getName())) {
            return Optional.of(encode(zone.answer(network, query), query, tcp));
        }
        return Optional.of(relay(query, forwarder.forward(wire), tcp));
    }

    private static byte[] relay(Message query, Optional<byte[]> upstream, boolean tcp) {
        if (upstream.isEmpty()) {
            return encode(Replies.reply(query, Rcode.SERVFAIL), query, tcp);
        }
        byte[] answer = Replies.withId(upstream.get(), query.getHeader().getID());
        if (answer.length <= Replies.limit(query, tcp)) {
            // Relayed byte for byte: whatever the upstream said (DNSSEC records included) reaches the client intact.
            return answer;
        }
        try {
            return encode(new Message(answer), query, tcp);
        } catch (IOException e) {
            log.atDebug().addKeyValue("error", e.toString()).log("upstream answer unreadable");
            return encode(Replies.reply(query, Rcode.SERVFAIL), query, tcp);
        }
    }

    /** Too large for the client's transport: dnsjava drops whole RRsets and sets TC, so the client retries on TCP. */
    private static byte[] encode(Message reply, Message query, boolean tcp) {
        return reply.toWire(Replies.limit(query, tcp));
    }
}
