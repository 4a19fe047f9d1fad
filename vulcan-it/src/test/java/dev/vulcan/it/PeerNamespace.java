package dev.vulcan.it;

import java.util.Locale;

/**
 * Another "machine" on this host: a network namespace joined to the host by a veth pair, with
 * 192.168.N.2/24 and fd00:feNN::2/64 (the host end has .1 and ::1) and default routes via the host. Clients of
 * published ports and servers for outbound NAT live here. Named after the test network, removed on close.
 */
final class PeerNamespace implements AutoCloseable {

    final String name;
    final String hostV4;
    final String peerV4;
    final String hostV6;
    private final String hostEnd;

    PeerNamespace(TestNetwork network) {
        int n = network.n();
        name = network.prefix() + "peer";
        hostEnd = network.prefix() + "ph";
        String peerEnd = network.prefix() + "pc";
        hostV4 = "192.168." + n + ".1";
        peerV4 = "192.168." + n + ".2";
        String v6 = String.format(Locale.ROOT, "fd00:fe%02x::", n);
        hostV6 = v6 + "1";
        close();
        TestNetwork.output("ip", "netns", "add", name);
        TestNetwork.output("ip", "link", "add", hostEnd, "type", "veth", "peer", "name", peerEnd);
        TestNetwork.output("ip", "link", "set", peerEnd, "netns", name);
        TestNetwork.output("ip", "addr", "add", hostV4 + "/24", "dev", hostEnd);
        TestNetwork.output("ip", "-6", "addr", "add", hostV6 + "/64", "dev", hostEnd, "nodad");
        TestNetwork.output("ip", "link", "set", hostEnd, "up");
        TestNetwork.output("ip", "-n", name, "link", "set", "lo", "up");
        TestNetwork.output("ip", "-n", name, "addr", "add", peerV4 + "/24", "dev", peerEnd);
        TestNetwork.output("ip", "-n", name, "-6", "addr", "add", v6 + "2/64", "dev", peerEnd, "nodad");
        TestNetwork.output("ip", "-n", name, "link", "set", peerEnd, "up");
        TestNetwork.output("ip", "-n", name, "route", "add", "default", "via", hostV4);
        TestNetwork.output("ip", "-n", name, "-6", "route", "add", "default", "via", hostV6);
    }

    /** Runs a command in the namespace; its output, or null when it failed. */
    String run(String... argv) {
        String[] all = new String[argv.length + 4];
        all[0] = "ip";
        all[1] = "netns";
        all[2] = "exec";
        all[3] = name;
        System.arraycopy(argv, 0, all, 4, argv.length);
        return TestNetwork.run(all);
    }

    /** An HTTP GET from the namespace with curl (5 s at most); the body, or null when it failed. */
    String get(String url) {
        return run("curl", "-s", "-f", "-m", "5", "-g", url);
    }

    @Override
    public void close() {
        TestNetwork.run("ip", "link", "delete", hostEnd);
        TestNetwork.run("ip", "netns", "delete", name);
    }
}
