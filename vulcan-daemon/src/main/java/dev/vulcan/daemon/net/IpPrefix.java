package dev.vulcan.daemon.net;

import dev.vulcan.daemon.error.InvalidException;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 prefix in canonical form (host bits zero), e.g. {@code 10.77.0.0/16} or
 * {@code fd00:1000::/20}. Arithmetic runs on {@link BigInteger} so both families share one code path.
 */
public record IpPrefix(BigInteger network, int length, boolean ipv6) implements Comparable<IpPrefix> {

    private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    private static final java.util.regex.Pattern DOTTED_QUAD = java.util.regex.Pattern.compile(OCTET + "(\\." + OCTET + "){3}");

    public IpPrefix {
        int bits = ipv6 ? 128 : 32;
        if (length < 0 || length > bits) {
            throw invalid("prefix length " + length + " is outside 0-" + bits);
        }
        if (network.signum() < 0 || network.bitLength() > bits) {
            throw invalid("network " + network + " does not fit in " + bits + " bits");
        }
        if (!network.and(hostMask(bits, length)).equals(BigInteger.ZERO)) {
            throw invalid("prefix " + render(network, ipv6) + "/" + length + " has host bits set");
        }
    }

    /** Parses {@code ADDRESS/LENGTH}; host bits must be zero (a typo in a subnet is an error, not a guess). */
    public static IpPrefix parse(String cidr) {
        int slash = cidr == null ? -1 : cidr.indexOf('/');
        if (slash < 0) {
            throw invalid("'" + cidr + "' is not a CIDR prefix (expected ADDRESS/LENGTH)");
        }
        InetAddress address = literal(cidr.substring(0, slash));
        int length;
        try {
            length = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw invalid("'" + cidr + "' has no numeric prefix length");
        }
        return new IpPrefix(new BigInteger(1, address.getAddress()), length, address instanceof Inet6Address);
    }

    /** Parses an IP literal (never a host name: no DNS lookup happens here). */
    public static InetAddress literal(String text) {
        if (text == null || text.isEmpty() || !text.matches("[0-9a-fA-F:.]+")) {
            throw invalid("'" + text + "' is not an IP address");
        }
        // Without a colon only a dotted quad is a literal: the JDK reads "1" as 0.0.0.1 and "1.2.3" as 1.2.0.3,
        // and looks "999.1.1.1" or "beef" up as a host name.
        if (text.indexOf(':') < 0 && !DOTTED_QUAD.matcher(text).matches()) {
            throw invalid("'" + text + "' is not an IP address");
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw invalid("'" + text + "' is not an IP address");
        }
    }

    public int bits() {
        return ipv6 ? 128 : 32;
    }

    public boolean contains(InetAddress address) {
        if ((address instanceof Inet6Address) != ipv6) {
            return false;
        }
        BigInteger value = new BigInteger(1, address.getAddress());
        return value.andNot(hostMask(bits(), length)).equals(network);
    }

    public boolean contains(IpPrefix other) {
        return other.ipv6 == ipv6 && other.length >= length
                && other.network.andNot(hostMask(bits(), length)).equals(network);
    }

    public boolean overlaps(IpPrefix other) {
        return contains(other) || other.contains(this);
    }

    /** The {@code index}-th subnet of {@code newLength} inside this prefix. */
    public IpPrefix subnet(int newLength, long index) {
        if (newLength < length || newLength > bits()) {
            throw invalid("cannot split " + this + " into /" + newLength);
        }
        BigInteger count = BigInteger.ONE.shiftLeft(newLength - length);
        if (index < 0 || BigInteger.valueOf(index).compareTo(count) >= 0) {
            throw invalid(this + " has no subnet /" + newLength + " number " + index);
        }
        return new IpPrefix(network.add(BigInteger.valueOf(index).shiftLeft(bits() - newLength)), newLength, ipv6);
    }

    /** The address {@code offset} hosts into this prefix (offset 1 is the usual gateway). */
    public InetAddress address(long offset) {
        if (offset < 0 || BigInteger.valueOf(offset).compareTo(BigInteger.ONE.shiftLeft(bits() - length)) >= 0) {
            throw invalid(this + " has no address at offset " + offset);
        }
        return toAddress(network.add(BigInteger.valueOf(offset)), ipv6);
    }

    public InetAddress networkAddress() {
        return toAddress(network, ipv6);
    }

    @Override
    public int compareTo(IpPrefix other) {
        int family = Boolean.compare(ipv6, other.ipv6);
        if (family != 0) {
            return family;
        }
        int byNetwork = network.compareTo(other.network);
        return byNetwork != 0 ? byNetwork : Integer.compare(length, other.length);
    }

    @Override
    public String toString() {
        return render(network, ipv6) + "/" + length;
    }

    private static BigInteger hostMask(int bits, int length) {
        return BigInteger.ONE.shiftLeft(bits - length).subtract(BigInteger.ONE);
    }

    private static String render(BigInteger value, boolean ipv6) {
        return ipv6 ? compressed((Inet6Address) toAddress(value, true)) : toAddress(value, false).getHostAddress();
    }

    /** RFC 5952 text: the longest run of zero groups becomes "::" (the JDK prints every group). */
    static String compressed(Inet6Address address) {
        byte[] raw = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((raw[2 * i] & 0xff) << 8) | (raw[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!text.isEmpty() && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    /** Renders any address in canonical text (compressed IPv6, dotted IPv4). */
    public static String text(InetAddress address) {
        return address instanceof Inet6Address v6 ? compressed(v6) : address.getHostAddress();
    }

    private static InetAddress toAddress(BigInteger value, boolean ipv6) {
        int size = ipv6 ? 16 : 4;
        byte[] magnitude = value.toByteArray();
        byte[] raw = new byte[size];
        int copy = Math.min(magnitude.length, size);
        System.arraycopy(magnitude, magnitude.length - copy, raw, size - copy, copy);
        try {
            return ipv6 ? Inet6Address.getByAddress(null, raw, null) : Inet4Address.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a " + size + "-byte address is always valid", e);
        }
    }

    private static InvalidException invalid(String message) {
        return new InvalidException("invalid_prefix", message);
    }
}
