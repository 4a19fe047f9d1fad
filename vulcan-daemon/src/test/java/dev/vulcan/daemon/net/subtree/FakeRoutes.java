package dev.vulcan.daemon.net.subtree;

import dev.vulcan.daemon.net.IpPrefix;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A routing table in memory that can be told to fail as {@code ip} does. */
final class FakeRoutes implements Routes {

    /** What the table holds: destination to "via UPLINK dev DEVICE". */
    final Map<IpPrefix, String> table = new LinkedHashMap<>();
    final List<String> calls = new ArrayList<>();
    /** When set, every call fails with this. */
    IOException failure;

    @Override
    public void replace(IpPrefix destination, InetAddress via, String device) throws IOException {
        calls.add("replace " + destination);
        if (failure != null) throw failure;
        table.put(destination, "via " + IpPrefix.text(via) + " dev " + device);
    }

    @Override
    public void delete(IpPrefix destination, InetAddress via, String device) throws IOException {
        calls.add("del " + destination);
        if (failure != null && !(failure instanceof MissingDeviceException)) throw failure;
        table.remove(destination);
    }
}
