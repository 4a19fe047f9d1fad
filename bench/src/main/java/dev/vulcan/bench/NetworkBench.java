package dev.vulcan.bench;

import dev.vulcan.api.Json;
import dev.vulcan.daemon.backend.oci.ProcessRunner;
import dev.vulcan.daemon.net.Bridges;
import dev.vulcan.daemon.net.IpPrefix;
import dev.vulcan.daemon.net.Network;
import dev.vulcan.daemon.net.cni.Attachment;
import dev.vulcan.daemon.net.cni.BridgeConfig;
import dev.vulcan.daemon.net.cni.Cni;
import dev.vulcan.daemon.net.cni.CniConfigList;
import dev.vulcan.daemon.net.cni.NetworkNamespaces;
import dev.vulcan.daemon.net.cni.PluginExec;
import dev.vulcan.daemon.net.cni.RuntimeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;

/**
 * The network benchmark: in the same shuffled rounds, a container running {@code true} through POST /v1/workloads
 * with no network and on the default network, and the raw cost of what the network adds, done directly with the
 * same CNI plugins (namespace create, ADD, DEL, namespace delete); then 50 networked containers at once, checked
 * for failures and for leftovers (namespaces, address leases). Prints a table and writes JSON.
 */
public final class NetworkBench {

    private static final String PREFIX = "vbench";
    private static final String RAW_BRIDGE = "vbraw0";

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        int runs = quick ? 30 : 200;
        int warmUp = quick ? 10 : 50;
        int concurrent = 50;
        int rounds = quick ? 1 : 3;
        Path home = Path.of(System.getProperty("vulcan.home", ".")).toAbsolutePath().normalize();
        JsonMapper json = Json.mapper();
        Map<String, Object> report = Machine.startReport();
        Map<String, Samples> rows = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        ProcessRunner processes = new ProcessRunner.Native();
        Path work = Files.createTempDirectory("vulcan-bench-net");
        try {
            Path archive = ContainerBench.busyboxArchive(home, work);
            RawCni raw = RawCni.prepare(work, processes);
            try (DaemonUnderTest daemon = DaemonUnderTest.start(home, List.of("--network-prefix", PREFIX,
                    "--default-subnet", "10.252.0.0/22", "--network-pool", "10.253.0.0/16", "--ipv6-subtree", "fd00:fc00::/24"))) {
                ContainerBench.ApiRuns none = ContainerBench.ApiRuns.connect(daemon.socket(), json, archive);
                ContainerBench.ApiRuns networked = ContainerBench.ApiRuns.connect(daemon.socket(), json, archive,
                        Map.of("network", "default"));
                for (int i = 0; i < warmUp; i++) {
                    none.runTrue();
                    networked.runTrue();
                    raw.addDel();
                }
                List<Double> noneMs = new ArrayList<>();
                List<Double> netMs = new ArrayList<>();
                List<Double> nsMs = new ArrayList<>();
                List<Double> addDelMs = new ArrayList<>();
                List<Integer> order = new ArrayList<>(List.of(0, 1, 2));
                for (int i = 0; i < runs; i++) {
                    Collections.shuffle(order);
                    for (int which : order) {
                        switch (which) {
                            case 0 -> noneMs.add(none.runTrue());
                            case 1 -> netMs.add(networked.runTrue());
                            default -> {
                                RawCni.Timing t = raw.addDel();
                                nsMs.add(t.netnsMs());
                                addDelMs.add(t.addDelMs());
                            }
                        }
                    }
                }
                rows.put("container true, --network none (API)", new Samples(noneMs));
                rows.put("container true, default network (API)", new Samples(netMs));
                rows.put("raw CNI ADD+DEL (bridge, host-local, portmap)", new Samples(addDelMs));
                rows.put("raw netns create+delete (ip netns)", new Samples(nsMs));

                int failures = 0;
                List<Double> walls = new ArrayList<>();
                List<Double> each = new ArrayList<>();
                int leftovers = 0;
                for (int r = 0; r < rounds; r++) {
                    ContainerBench.ApiRuns.Burst burst = networked.burst(concurrent);
                    failures += burst.failures().size();
                    burst.failures().stream().limit(3).forEach(f -> notes.add("networked concurrent failure: " + f));
                    each.addAll(burst.latenciesMs());
                    walls.add(burst.wallMs());
                    leftovers += leftovers(daemon.state(), processes);
                }
                rows.put("default network, " + concurrent + " at once (each)", new Samples(each));
                rows.put("default network, " + concurrent + " at once (wall)", new Samples(walls));
                report.put("networked_concurrent_failures", failures);
                report.put("networked_concurrent_leftovers", leftovers);
                none.close();
                networked.close();
            } finally {
                raw.close();
                removeNodeNetworks(processes);
            }
        } finally {
            DaemonUnderTest.deleteTree(work);
        }

        Samples noneRow = rows.get("container true, --network none (API)");
        Map<String, Object> figures = new LinkedHashMap<>();
        System.out.println();
        System.out.printf("%-58s %8s %8s %8s %10s%n", "network benchmark (ms)", "min", "median", "p99", "/none p50");
        rows.forEach((name, s) -> {
            System.out.printf("%-58s %8.2f %8.2f %8.2f %10.2f%n", name, s.min(), s.median(), s.p99(), s.median() / noneRow.median());
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("summary", s.summary());
            f.put("ratio_median_to_network_none", s.median() / noneRow.median());
            figures.put(name, f);
        });
        double added = rows.get("container true, default network (API)").median() - noneRow.median();
        double rawCost = rows.get("raw CNI ADD+DEL (bridge, host-local, portmap)").median()
                + rows.get("raw netns create+delete (ip netns)").median();
        System.out.printf("the default network adds %.2f ms at the median; raw netns + CNI ADD+DEL cost %.2f ms (%.2fx)%n",
                added, rawCost, added / rawCost);
        System.out.printf("%d networked containers at once, %d round(s): %s failures, %s leftovers%n", concurrent, rounds,
                report.get("networked_concurrent_failures"), report.get("networked_concurrent_leftovers"));
        notes.forEach(n -> System.out.println("note: " + n));
        report.put("network_added_median_ms", added);
        report.put("raw_netns_and_cni_median_ms", rawCost);
        report.put("figures", figures);
        report.put("notes", notes);
        Machine.writeReport(home, "network", report, json);
    }

    /** Namespaces of the daemon's prefix and address leases still there once every workload has answered. */
    private static int leftovers(Path state, ProcessRunner processes) throws Exception {
        int namespaces = (int) processes.check(List.of("ip", "netns", "list")).lines()
                .filter(l -> l.startsWith(PREFIX + "-")).count();
        Path ipam = state.resolve("net/ipam");
        int leases = 0;
        if (Files.exists(ipam)) {
            try (Stream<Path> files = Files.walk(ipam)) {
                leases = (int) files.filter(Files::isRegularFile)
                        .filter(p -> p.getFileName().toString().matches("[0-9a-f:.]+")).count();
            }
        }
        return namespaces + leases;
    }

    /** The bench daemon's bridge and chains: it is a node of its own and leaves them, as every node does. */
    private static void removeNodeNetworks(ProcessRunner processes) throws Exception {
        removeNodeNetworks(processes, PREFIX);
    }

    /** The same for a bench daemon started with {@code --network-prefix prefix}. */
    static void removeNodeNetworks(ProcessRunner processes, String prefix) throws Exception {
        java.time.Duration deadline = java.time.Duration.ofSeconds(30);
        processes.run(List.of("ip", "link", "delete", prefix + "0"), deadline);
        String chain = prefix.toUpperCase(java.util.Locale.ROOT);
        for (String tool : List.of("iptables", "ip6tables")) {
            processes.run(List.of(tool, "-w", "-D", "FORWARD", "-j", chain + "-FORWARD"), deadline);
            processes.run(List.of(tool, "-w", "-F", chain + "-FORWARD"), deadline);
            processes.run(List.of(tool, "-w", "-X", chain + "-FORWARD"), deadline);
        }
        processes.run(List.of("iptables", "-w", "-t", "nat", "-D", "POSTROUTING", "-j", chain + "-MASQ"), deadline);
        processes.run(List.of("iptables", "-w", "-t", "nat", "-F", chain + "-MASQ"), deadline);
        processes.run(List.of("iptables", "-w", "-t", "nat", "-X", chain + "-MASQ"), deadline);
    }

    /** The same CNI chain the daemon uses, on a bridge of its own, invoked directly. */
    record RawCni(Cni cni, CniConfigList conf, NetworkNamespaces namespaces, Bridges bridges) {
        record Timing(double netnsMs, double addDelMs) {}

        static RawCni prepare(Path work, ProcessRunner processes) throws Exception {
            Network network = new Network("benchraw", RAW_BRIDGE, IpPrefix.parse("10.251.0.0/24"),
                    IpPrefix.parse("fd00:fb00::/64"), false, Instant.now());
            Bridges bridges = new Bridges(processes);
            bridges.ensure(network);
            // the chain the daemon runs: its own per-network FORWARD rules stand in for the firewall plugin
            CniConfigList conf = CniConfigList.bridgeNetwork(BridgeConfig.of(network.name(), RAW_BRIDGE, network.subnet(),
                    network.ipv6Subnet(), work.resolve("raw-ipam")), false);
            return new RawCni(new Cni(Path.of("/usr/lib/cni"), Files.createDirectories(work.resolve("raw-cni")),
                    new PluginExec.Native()), conf, new NetworkNamespaces.Ip(processes), bridges);
        }

        Timing addDel() throws Exception {
            String name = "vbraw-" + System.nanoTime();
            long t0 = System.nanoTime();
            Path netns = namespaces.create(name);
            long t1 = System.nanoTime();
            Attachment a = new Attachment(name, netns, "eth0");
            cni.add(conf, a, RuntimeConfig.NONE);
            cni.del(conf, a, RuntimeConfig.NONE);
            long t2 = System.nanoTime();
            namespaces.delete(name);
            long t3 = System.nanoTime();
            return new Timing(((t1 - t0) + (t3 - t2)) / 1e6, (t2 - t1) / 1e6);
        }

        void close() throws Exception {
            bridges.remove(RAW_BRIDGE);
        }
    }
}
