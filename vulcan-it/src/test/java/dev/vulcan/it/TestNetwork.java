package dev.vulcan.it;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network layout of a test daemon's own: prefix {@code vtNn} (bridges vtNn0.., namespaces vtNn-*, chains VTNN-*),
 * default subnet 10.250.N.0/24, pool 10.N.0.0/16 and IPv6 subtree fd00:NN00::/24, so that the daemons of one
 * test run never share a bridge, subnet or chain with each other or with a node running on the host.
 * {@link #removeFromHost()} takes everything of the prefix off the host when the test is done with it.
 */
record TestNetwork(int n) {

    private static final AtomicInteger NEXT = new AtomicInteger((int) (ProcessHandle.current().pid() % 150));

    TestNetwork {
        if (n < 100 || n > 249) throw new IllegalArgumentException("test network numbers are 100-249");
    }

    /**
     * The next layout whose subnets no host route uses yet: a bridge left by an earlier run (a daemon killed before
     * its test could clean up) would otherwise route this layout's traffic to itself.
     */
    static TestNetwork next() {
        String routes = output("ip", "-4", "route", "show");
        for (int attempt = 0; attempt < 150; attempt++) {
            TestNetwork candidate = new TestNetwork(100 + Math.floorMod(NEXT.getAndIncrement(), 150));
            if (!routes.contains("10.250." + candidate.n() + ".0/") && !routes.contains("10." + candidate.n() + ".")) {
                return candidate;
            }
        }
        throw new IllegalStateException("every test network layout is in use on this host: " + routes);
    }

    String prefix() {
        return "vt" + n + "n";
    }

    String bridge() {
        return prefix() + "0";
    }

    String defaultSubnet() {
        return "10.250." + n + ".0/24";
    }

    String gateway() {
        return "10.250." + n + ".1";
    }

    String pool() {
        return "10." + n + ".0.0/16";
    }

    String subtree() {
        return String.format(Locale.ROOT, "fd00:%x00::/24", n);
    }

    /** The daemon options for this layout, except those the test gives itself. */
    List<String> options(List<String> given) {
        List<String> out = new ArrayList<>();
        add(out, given, "--network-prefix", prefix());
        add(out, given, "--default-subnet", defaultSubnet());
        add(out, given, "--network-pool", pool());
        add(out, given, "--ipv6-subtree", subtree());
        return out;
    }

    private static void add(List<String> out, List<String> given, String option, String value) {
        if (given.stream().noneMatch(g -> g.equals(option) || g.startsWith(option + "="))) {
            out.add(option);
            out.add(value);
        }
    }

    /** Host objects of this prefix: bridges and namespaces (for leak checks and cleanup). */
    List<String> bridgesOnHost() {
        return output("ip", "-o", "link", "show", "type", "bridge").lines()
                .map(l -> l.split(":\\s+", 3)[1]).filter(name -> name.matches(prefix() + "\\d+")).toList();
    }

    List<String> namespacesOnHost() {
        return output("ip", "netns", "list").lines().map(l -> l.split("\\s+")[0])
                .filter(name -> name.startsWith(prefix() + "-")).toList();
    }

    /** The per-sandbox rules CNI's portmap and firewall plugins left for this layout's addresses. */
    List<String> sandboxRules() {
        List<String> rules = new ArrayList<>();
        for (String tool : List.of("iptables", "ip6tables")) {
            for (String table : List.of("filter", "nat")) {
                output(tool, "-w", "-t", table, "-S").lines()
                        .filter(r -> r.contains("10.250." + n + ".") || r.contains(subtree().substring(0, 9))
                                || r.contains("10." + n + "."))
                        .filter(r -> !r.contains("MASQUERADE") || !r.contains(prefix().toUpperCase(Locale.ROOT)))
                        .forEach(rules::add);
            }
        }
        return rules;
    }

    void removeFromHost() {
        namespacesOnHost().forEach(ns -> run("ip", "netns", "delete", ns));
        bridgesOnHost().forEach(br -> run("ip", "link", "delete", br));
        String upper = prefix().toUpperCase(Locale.ROOT);
        for (String tool : List.of("iptables", "ip6tables")) {
            while (run(tool, "-w", "-D", "FORWARD", "-j", upper + "-FORWARD") != null) {
                // a crash may have left the jump twice
            }
            run(tool, "-w", "-F", upper + "-FORWARD");
            run(tool, "-w", "-X", upper + "-FORWARD");
        }
        while (run("iptables", "-w", "-t", "nat", "-D", "POSTROUTING", "-j", upper + "-MASQ") != null) {
            // as above
        }
        run("iptables", "-w", "-t", "nat", "-F", upper + "-MASQ");
        run("iptables", "-w", "-t", "nat", "-X", upper + "-MASQ");
    }

    /** Runs a host command that must work; its output. */
    static String output(String... argv) {
        String out = run(argv);
        if (out == null) throw new AssertionError(String.join(" ", argv) + " failed");
        return out;
    }

    /** Runs a host command; its output, or null when it failed. */
    static String run(String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
