package dev.vulcan.daemon.http;

import dev.vulcan.api.Instance;
import dev.vulcan.api.InstanceList;
import dev.vulcan.api.InstancesPost;
import dev.vulcan.api.Isolation;
import dev.vulcan.api.Resources;
import dev.vulcan.api.Volume;
import dev.vulcan.api.VolumeList;
import dev.vulcan.api.VolumesPost;
import dev.vulcan.daemon.backend.InstanceDriver;
import dev.vulcan.daemon.instance.InstanceRecord;
import dev.vulcan.daemon.instance.InstanceService;
import dev.vulcan.daemon.instance.Volumes;
import dev.vulcan.api.NetworkAddress;
import dev.vulcan.daemon.net.IpPrefix;
import dev.vulcan.daemon.net.NetworkConfig;
import dev.vulcan.daemon.net.SandboxNetworking;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** /v1/instances (long-lived containers) and /v1/volumes (named volumes). */
final class InstanceEndpoints {

    private static final Duration FOLLOW_POLL = Duration.ofMillis(200);
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    private static final int DEFAULT_STOP_S = 10;

    private final InstanceService instances;
    private final Volumes volumes;
    private final SandboxNetworking networks;

    InstanceEndpoints(InstanceService instances, Volumes volumes, SandboxNetworking networks) {
        this.networks = networks;
        this.instances = instances;
        this.volumes = volumes;
    }

    void register(Router router) {
        router.add("POST", "/v1/instances", this::create)
                .add("GET", "/v1/instances", ex -> ex.json(200,
                        new InstanceList(instances.list().stream().map(this::instance).toList())))
                .add("GET", "/v1/instances/{name}", ex -> ex.json(200, instance(instances.get(ex.path("name")))))
                .add("DELETE", "/v1/instances/{name}", ex -> ex.json(200,
                        instance(instances.remove(ex.path("name"), Boolean.parseBoolean(ex.query("force"))))))
                .add("POST", "/v1/instances/{name}/start", ex -> ex.json(200, instance(instances.start(ex.path("name")))))
                .add("POST", "/v1/instances/{name}/stop", ex -> ex.json(200,
                        instance(instances.stop(ex.path("name"), grace(ex)))))
                .add("POST", "/v1/instances/{name}/restart", ex -> ex.json(200,
                        instance(instances.restart(ex.path("name"), grace(ex)))))
                .add("GET", "/v1/instances/{name}/logs", this::logs)
                .add("GET", "/v1/volumes", ex -> ex.json(200, new VolumeList(volumes.list().stream().map(InstanceEndpoints::volume).toList())))
                .add("POST", "/v1/volumes", ex -> {
                    VolumesPost body = ex.body(VolumesPost.class);
                    ex.json(201, volume(volumes.create(body.name())));
                })
                .add("GET", "/v1/volumes/{name}", ex -> ex.json(200, volume(volumes.get(ex.path("name")))))
                .add("DELETE", "/v1/volumes/{name}", ex -> ex.json(200, volume(volumes.remove(ex.path("name")))));
    }

    /** Creates the instance (Docker's create); with {@code ?start=true} also starts it. */
    private void create(Exchange ex) throws IOException {
        InstancesPost body = ex.body(InstancesPost.class);
        InstanceRecord created = instances.create(body);
        if (Boolean.parseBoolean(ex.query("start"))) {
            created = instances.start(created.name());
        }
        ex.json(201, instance(created));
    }

    private static Duration grace(Exchange ex) {
        return Duration.ofSeconds(ex.queryInt("timeout", DEFAULT_STOP_S, 0, 3600));
    }

    /** The log as SSE events (stdout/stderr, then end); with follow=true until the instance stops. */
    private void logs(Exchange ex) throws IOException, InterruptedException {
        String name = ex.path("name");
        instances.get(name);
        boolean follow = Boolean.parseBoolean(ex.query("follow"));
        ex.startEvents();
        long offset = 0;
        long idleSince = System.nanoTime();
        while (true) {
            InstanceDriver.LogChunk chunk = instances.logs(name, offset);
            chunk.events().forEach(e -> ex.event(e.stream(), e));
            boolean advanced = chunk.next() != offset;
            offset = chunk.next();
            if (advanced) {
                idleSince = System.nanoTime();
                continue;
            }
            InstanceRecord now = instances.get(name);
            if (!follow || now.status() != dev.vulcan.api.InstanceStatus.RUNNING) {
                ex.event("end", instance(now));
                ex.endEvents();
                return;
            }
            if (System.nanoTime() - idleSince > KEEP_ALIVE.toNanos()) {
                ex.comment("keep-alive");
                idleSince = System.nanoTime();
            }
            Thread.sleep(FOLLOW_POLL);
        }
    }

    private Instance instance(InstanceRecord r) {
        InstancesPost spec = r.spec();
        List<String> command = spec.cmd() != null && !spec.cmd().isBlank() ? dev.vulcan.daemon.backend.ExecutionRequest.ImageCommand.shell(spec.cmd())
                : spec.args() == null ? List.of() : spec.args();
        Resources resources = spec.resources() == null ? Resources.unset() : spec.resources();
        // stored before isolation was a field: a container
        Isolation isolation = spec.isolation() == null ? Isolation.CONTAINER : Isolation.parse(spec.isolation());
        return new Instance(r.id(), r.name(), isolation, spec.image(), command, r.status(), r.exitCode(),
                r.reason(), spec.restart() == null ? "no" : spec.restart(), r.restartCount(),
                spec.env() == null ? List.of() : spec.env(), spec.volumes() == null ? List.of() : spec.volumes(),
                resources, r.pid(), instances.nodeId(), r.createdAt(), r.startedAt(), r.finishedAt(), network(r),
                spec.ports() == null ? List.of() : spec.ports());
    }

    /** Its network and, while it is attached, its addresses there. */
    private NetworkAddress network(InstanceRecord r) {
        String name = "none".equals(r.spec().network()) ? "none"
                : r.spec().network() == null ? NetworkConfig.DEFAULT_NETWORK : r.spec().network();
        return networks.attachment(r.id())
                .map(a -> new NetworkAddress(a.network(), a.ipv4() == null ? null : IpPrefix.text(a.ipv4()),
                        a.ipv6() == null ? null : IpPrefix.text(a.ipv6())))
                .orElse(new NetworkAddress(name, null, null));
    }

    private static Volume volume(Volumes.Volume v) {
        return new Volume(v.name(), v.path().toString(), v.usedBy(), v.createdAt());
    }
}
