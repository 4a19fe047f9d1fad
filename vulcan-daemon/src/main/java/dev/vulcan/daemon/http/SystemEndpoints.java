package dev.vulcan.daemon.http;

import dev.vulcan.api.Backend;
import dev.vulcan.api.Health;
import dev.vulcan.api.Isolation;
import dev.vulcan.api.Node;
import dev.vulcan.daemon.backend.BackendRegistry;
import dev.vulcan.daemon.backend.BackendStatus;
import dev.vulcan.daemon.backend.BackendTraits;
import dev.vulcan.daemon.metrics.Metrics;
import dev.vulcan.daemon.node.NodeIdentity;
import dev.vulcan.daemon.workload.WorkloadRecord;
import dev.vulcan.daemon.workload.WorkloadService;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/** /v1/backends, /v1/nodes, /v1/stats, /metrics and /healthz. */
final class SystemEndpoints {

    private final BackendRegistry backends;
    private final WorkloadService workloads;
    private final NodeIdentity node;
    private final String address;
    private final Metrics metrics;
    private final Clock clock;
    private final String version;
    private final dev.vulcan.daemon.instance.InstanceService instances;

    SystemEndpoints(BackendRegistry backends, WorkloadService workloads, NodeIdentity node, String address,
            Metrics metrics, Clock clock, String version, dev.vulcan.daemon.instance.InstanceService instances) {
        this.instances = instances;
        this.backends = backends;
        this.workloads = workloads;
        this.node = node;
        this.address = address;
        this.metrics = metrics;
        this.clock = clock;
        this.version = version;
    }

    void register(Router router) {
        router.add("GET", "/v1/backends", ex -> ex.json(200, backends()))
                .add("GET", "/v1/nodes", ex -> ex.json(200, List.of(node())))
                .add("GET", "/v1/nodes/{id}", this::nodeById)
                .add("GET", "/v1/stats", ex -> ex.json(200, workloads.stats()))
                .add("GET", "/metrics", this::scrape)
                .add("GET", "/healthz", ex -> ex.json(200, new Health("ok", node.id(), version)));
    }

    private List<Backend> backends() {
        return backends.entries().stream().map(entry -> {
            metrics.backendAvailability(entry.isolation().wire(), entry.status().isAvailable());
            BackendTraits traits = entry.backend().map(b -> b.traits()).orElse(new BackendTraits(null, null, null));
            List<String> runtimes = entry.backend()
                    .map(b -> b.runtimes().stream().map(r -> r.wire()).sorted().toList()).orElse(List.of());
            return switch (entry.status()) {
                case BackendStatus.Available(String v, String platform, Map<String, String> details) -> new Backend(
                        entry.isolation(), true, null, v, platform, runtimes, traits.networking(), traits.filesystem(), traits.isolationStrength(),
                        details);
                case BackendStatus.Unavailable(String reason) -> new Backend(entry.isolation(), false, reason, null,
                        null, runtimes, traits.networking(), traits.filesystem(), traits.isolationStrength(), Map.of());
            };
        }).toList();
    }

    private Node node() {
        List<WorkloadRecord> running = workloads.runningNow();
        List<Isolation> available = backends.entries().stream()
                .filter(e -> e.status().isAvailable()).map(BackendRegistry.Entry::isolation).toList();
        return new Node(node.id(), node.hostname(), address, node.cpus(),
                running.stream().mapToInt(r -> r.limits().cpus()).sum(), node.memTotalMb(),
                running.stream().mapToLong(r -> r.limits().memMb()).sum(), available, "online", clock.instant(),
                running.size());
    }

    private void nodeById(Exchange ex) {
        if (!node.id().equals(ex.path("id"))) {
            throw new dev.vulcan.daemon.error.NotFoundException("node_not_found", "no node named " + ex.path("id"));
        }
        ex.json(200, node());
    }

    private void scrape(Exchange ex) {
        backends();
        // gauges of what exists now are sampled at scrape time, not kept up to date on every change
        for (BackendRegistry.Entry entry : backends.entries()) {
            if (entry.status().isAvailable()) {
                entry.backend().ifPresent(b -> metrics.backendUsage(entry.isolation().wire(), b.usage()));
            }
        }
        var running = instances.list().stream().filter(i -> i.status() == dev.vulcan.api.InstanceStatus.RUNNING)
                .collect(java.util.stream.Collectors.groupingBy(
                        i -> i.spec().isolation() == null ? Isolation.CONTAINER.wire() : i.spec().isolation(),
                        java.util.stream.Collectors.counting()));
        for (Isolation isolation : new Isolation[] {Isolation.CONTAINER, Isolation.GVISOR}) {
            metrics.instancesRunning(isolation.wire(), running.getOrDefault(isolation.wire(), 0L));
        }
        ex.send(200, Metrics.contentType(), metrics.scrape());
    }
}
