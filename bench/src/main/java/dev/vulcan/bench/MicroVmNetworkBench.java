package dev.vulcan.bench;

import dev.vulcan.api.Json;
import dev.vulcan.daemon.backend.NetworkJoin;
import dev.vulcan.daemon.backend.microvm.VmNetwork;
import dev.vulcan.daemon.backend.oci.ProcessRunner;
import dev.vulcan.daemon.net.SandboxAttachments;
import dev.vulcan.daemon.net.cni.Attachment;
import dev.vulcan.daemon.net.cni.CniResult;
import dev.vulcan.daemon.net.cni.RuntimeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a network costs a microVM workload: in the same shuffled rounds, a busybox image's {@code true} in a microVM
 * (cold boot; TCG here) through POST /v1/workloads with no network and on the default network, and the raw cost of
 * what the network adds on the host, done directly: namespace create+delete, CNI ADD+DEL, and the TAP with its two
 * tc redirects ({@link VmNetwork#prepare}). The guest's own share (its one configuration command) is the rest.
 * Prints a table and writes bench/results/microvm-network-*.json.
 */
public final class MicroVmNetworkBench {

    private static final String PREFIX = "vbvmn";

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        int rounds = quick ? 3 : 12;
        Path home = Path.of(System.getProperty("vulcan.home", ".")).toAbsolutePath().normalize();
        JsonMapper json = Json.mapper();
        Map<String, Object> report = Machine.startReport();
        ProcessRunner processes = new ProcessRunner.Native();
        VmNetwork vmNetwork = new VmNetwork(processes);
        Path work = Files.createTempDirectory("vulcan-bench-vmnet");
        Map<String, Samples> rows = new LinkedHashMap<>();
        try {
            Path archive = ContainerBench.busyboxArchive(home, work);
            NetworkBench.RawCni raw = NetworkBench.RawCni.prepare(work, processes);
            try (DaemonUnderTest daemon = DaemonUnderTest.start(home, List.of("--network-prefix", PREFIX,
                    "--default-subnet", "10.252.4.0/22", "--network-pool", "10.253.0.0/16", "--ipv6-subtree", "fd00:fa00::/24"))) {
                ContainerBench.ApiRuns none = ContainerBench.ApiRuns.connect(daemon.socket(), json, archive,
                        Map.of("isolation", "microvm"));
                ContainerBench.ApiRuns networked = ContainerBench.ApiRuns.connect(daemon.socket(), json, archive,
                        Map.of("isolation", "microvm", "network", "default"));
                // the first microVM run builds the image's ext4 rootfs: not in the figures
                none.runTrue();
                networked.runTrue();
                List<Double> nsMs = new ArrayList<>();
                List<Double> addDelMs = new ArrayList<>();
                Map<String, Callable<Double>> variants = new LinkedHashMap<>();
                variants.put("microvm true, --network none (API)", none::runTrue);
                variants.put("microvm true, default network (API)", networked::runTrue);
                variants.put("raw TAP + tc redirects in the namespace", () -> tapAndTc(raw, vmNetwork, work, nsMs, addDelMs));
                rows.putAll(Rounds.shuffled(variants, rounds, "microvm network"));
                rows.put("raw CNI ADD+DEL (bridge, host-local, portmap)", new Samples(addDelMs));
                rows.put("raw netns create+delete (ip netns)", new Samples(nsMs));
                none.close();
                networked.close();
            } finally {
                raw.close();
                NetworkBench.removeNodeNetworks(processes, PREFIX);
            }
        } finally {
            DaemonUnderTest.deleteTree(work);
        }

        Samples noneRow = rows.get("microvm true, --network none (API)");
        Map<String, Object> figures = new LinkedHashMap<>();
        System.out.println();
        System.out.printf("%-58s %8s %8s %8s%n", "microVM network benchmark (ms)", "min", "median", "p99");
        rows.forEach((name, s) -> {
            System.out.printf("%-58s %8.1f %8.1f %8.1f%n", name, s.min(), s.median(), s.p99());
            figures.put(name, s.summary());
        });
        double added = rows.get("microvm true, default network (API)").median() - noneRow.median();
        double host = rows.get("raw CNI ADD+DEL (bridge, host-local, portmap)").median()
                + rows.get("raw netns create+delete (ip netns)").median()
                + rows.get("raw TAP + tc redirects in the namespace").median();
        System.out.printf("the default network adds %.1f ms to a microVM at the median; raw netns + CNI + TAP/tc cost %.1f ms;"
                + " the rest (%.1f ms) is the guest's configuration command and noise%n", added, host, added - host);
        report.put("network_added_median_ms", added);
        report.put("raw_host_side_median_ms", host);
        report.put("figures", figures);
        Machine.writeReport(home, "microvm-network", report, json);
    }

    /** One namespace with the CNI interface, timed apart: the TAP and redirects made in it (returned, ms). */
    private static double tapAndTc(NetworkBench.RawCni raw, VmNetwork vmNetwork, Path work, List<Double> nsMs,
            List<Double> addDelMs) throws Exception {
        String name = "vbvmnraw-" + System.nanoTime();
        long t0 = System.nanoTime();
        Path netns = raw.namespaces().create(name);
        long t1 = System.nanoTime();
        Attachment a = new Attachment(name, netns, "eth0");
        CniResult result = raw.cni().add(raw.conf(), a, RuntimeConfig.NONE);
        long t2 = System.nanoTime();
        vmNetwork.prepare(new NetworkJoin(netns, "bench", List.of(), SandboxAttachments.nic(result)));
        long t3 = System.nanoTime();
        raw.cni().del(raw.conf(), a, RuntimeConfig.NONE);
        long t4 = System.nanoTime();
        raw.namespaces().delete(name);
        long t5 = System.nanoTime();
        nsMs.add(((t1 - t0) + (t5 - t4)) / 1e6);
        addDelMs.add(((t2 - t1) + (t4 - t3)) / 1e6);
        return (t3 - t2) / 1e6;
    }
}
