package dev.vulcan.daemon.net.dns;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The names under our domain, answered authoritatively from the {@link NameLookup}. */
final class LocalZone {

    private static final Logger log = LoggerFactory.getLogger(LocalZone.class);
    /** Instances come and go: resolvers must not hold on to an answer for long. */
    static final long TTL = 5;

    private final Name domain;
    private final NameLookup lookup;
    private final SOARecord soa;

    LocalZone(Name domain, NameLookup lookup) {
        this.domain = domain;
        this.lookup = lookup;
        // A synthetic SOA in negative answers tells caches how long to remember them (RFC 2308): TTL seconds.
        this.soa = new SOARecord(domain, DClass.IN, TTL, Name.fromConstantString("ns." + domain),
                Name.fromConstantString("hostmaster." + domain), 1, 3600, 600, 86400, TTL);
    }

    boolean covers(Name name) {
        return name.subdomain(domain);
    }

    Message answer(String network, Message query) {
        Record question = query.getQuestion();
        int type = question.getType();
        if (question.getDClass() != DClass.IN && question.getDClass() != DClass.ANY) {
            return Replies.reply(query, Rcode.REFUSED);
        }
        Message reply = Replies.reply(query, Rcode.NOERROR);
        reply.getHeader().setFlag(Flags.AA);
        Name name = question.getName();
        if (name.equals(domain)) {
            reply.addRecord(soa, type == Type.SOA || type == Type.ANY ? Section.ANSWER : Section.AUTHORITY);
            return reply;
        }
        String relative = name.relativize(domain).toString().toLowerCase(Locale.ROOT);
        List<InetAddress> addresses;
        try {
            addresses = lookup.addresses(network, relative);
        } catch (RuntimeException e) {
            log.atWarn().setCause(e).addKeyValue("network", network).addKeyValue("name", relative)
                    .log("name lookup failed");
            return Replies.reply(query, Rcode.SERVFAIL);
        }
        if (addresses.isEmpty()) {
            reply.getHeader().setRcode(Rcode.NXDOMAIN);
            reply.addRecord(soa, Section.AUTHORITY);
            return reply;
        }
        for (InetAddress address : addresses) {
            // Answer with the name as asked (the client compares it byte for byte, case included).
            if (type == Type.A && address instanceof Inet4Address) {
                reply.addRecord(new ARecord(name, DClass.IN, TTL, address), Section.ANSWER);
            } else if (type == Type.AAAA && address instanceof Inet6Address) {
                reply.addRecord(new AAAARecord(name, DClass.IN, TTL, address), Section.ANSWER);
            }
        }
        if (reply.getSection(Section.ANSWER).isEmpty()) {
            reply.addRecord(soa, Section.AUTHORITY);
        }
        return reply;
    }
}
