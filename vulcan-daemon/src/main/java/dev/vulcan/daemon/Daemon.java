package dev.vulcan.daemon;

import dev.vulcan.api.Isolation;
import dev.vulcan.daemon.backend.Backend;
import dev.vulcan.daemon.backend.BackendRegistry;
import dev.vulcan.daemon.backend.isolate.IsolateBackend;
import dev.vulcan.daemon.backend.microvm.MicroVmBackend;
import dev.vulcan.daemon.backend.isolate.IsolateConfig;
import dev.vulcan.daemon.backend.oci.BaseImages;
import dev.vulcan.daemon.backend.oci.ContainerBackend;
import dev.vulcan.daemon.backend.oci.ContainerInstances;
import dev.vulcan.daemon.backend.oci.ProcessRunner;
import dev.vulcan.daemon.instance.InstanceRepository;
import dev.vulcan.daemon.instance.InstanceService;
import dev.vulcan.daemon.instance.Volumes;
import dev.vulcan.daemon.backend.oci.OciRuntime;
import dev.vulcan.daemon.http.ApiServer;
import dev.vulcan.daemon.image.ImageStore;
import dev.vulcan.daemon.logs.LogStore;
import dev.vulcan.daemon.metrics.Metrics;
import dev.vulcan.daemon.net.subtree.Routes;
import dev.vulcan.daemon.net.subtree.SubtreeAllocator;
import dev.vulcan.daemon.node.NodeIdentity;
import dev.vulcan.daemon.store.Database;
import dev.vulcan.daemon.workload.LimitPolicy;
import dev.vulcan.daemon.workload.WorkloadRepository;
import dev.vulcan.daemon.workload.WorkloadService;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The composition root: builds the object graph with constructors, starts it in dependency order
 * and closes it in reverse.
 */
public final class Daemon implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Daemon.class);
    static final String VERSION = "0.1.0";
    /** The default network's bridge: the node's own /64 lives on it and child uplinks attach to it. */
    static final String BRIDGE = "vulcan0";

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private ApiServer api;

    /** Builds and starts everything; on failure closes what was started and rethrows. */
    public static Daemon start(DaemonConfig config) throws Exception {
        Daemon daemon = new Daemon();
        try {
            daemon.boot(config);
            return daemon;
        } catch (Exception | Error e) {
            daemon.close();
            throw e;
        }
    }

    private void boot(DaemonConfig config) throws Exception {
        Clock clock = Clock.systemUTC();
        StateDir state = new StateDir(config.stateDir());
        NodeIdentity node = NodeIdentity.detect(config.nodeName());
        Database database = own(Database.open(state.database()));
        WorkloadRepository repository = new WorkloadRepository(database);
        LogStore logs = new LogStore(state.logs(), clock);
        Metrics metrics = new Metrics();
        // the store reads and writes OCI JSON, whose names are camelCase: not the wire mapper
        ImageStore images = ImageStore.open(state.images(), JsonMapper.builder().build(), config.registryTrust());
        BaseImages baseImages = new BaseImages(images, config.baseImages());
        ContainerBackend containers = new ContainerBackend(images, baseImages, state.oci(), OciRuntime.Preference.parse(
                System.getProperty("vulcan.oci.runtime", "auto")));
        BackendRegistry backends = own(new BackendRegistry(Backends.installed(config, containers, images, baseImages),
                Backends.notBuilt()));
        WorkloadService workloads = new WorkloadService(repository, backends, logs, metrics,
                LimitPolicy.forMachine(node.cpus(), node.memTotalMb()), clock, node.id());
        workloads.failInterrupted();
        own(workloads);
        InstanceRepository instanceRows = new InstanceRepository(database);
        Volumes volumes = new Volumes(instanceRows, state.volumes(), clock);
        ContainerInstances instanceDriver = own(new ContainerInstances(images, containers::runtime,
                new ProcessRunner.Native(), JsonMapper.builder().build(), state.oci().resolve("instances")));
        InstanceService instances = own(new InstanceService(instanceRows, instanceDriver, images, volumes, clock,
                node.id(), node.cpus(), node.memTotalMb()));
        instanceDriver.watch();
        instances.reconcile();
        // routes to child subtrees; one that cannot be installed yet (no bridge) stays pending, never fails start-up
        SubtreeAllocator subtree = new SubtreeAllocator(config.ipv6Subtree(), database,
                new Routes.Ip(new ProcessRunner.Native(), null), BRIDGE, clock);
        subtree.reconcile();
        api = own(new ApiServer(new ApiServer.Endpoints(config.socket(), config.listen(), state.apiToken()),
                new ApiServer.Services(workloads, logs, images, backends, metrics, node, clock, VERSION,
                        instances, volumes, subtree)));
        api.start();
        log.atInfo().addKeyValue("node", node.id()).addKeyValue("state", config.stateDir())
                .addKeyValue("version", VERSION).log("daemon started");
    }

    private <T extends AutoCloseable> T own(T component) {
        started.push(component);
        return component;
    }

    public int tcpPort() {
        return api.tcpPort();
    }

    @Override
    public void close() {
        while (!started.isEmpty()) {
            AutoCloseable component = started.pop();
            try {
                component.close();
            } catch (Exception e) {
                log.atWarn().setCause(e).addKeyValue("component", component.getClass().getSimpleName())
                        .log("component did not close cleanly");
            }
        }
    }

    /** Which backends this build installs, and why the others are missing. */
    static final class Backends {
        private Backends() {}

        static List<Backend> installed(DaemonConfig config, ContainerBackend containers, ImageStore images,
                BaseImages baseImages) {
            return List.of(
                    new IsolateBackend(IsolateConfig.of(config.denoBinary(), config.isolateHostDir(), config.runDir())
                            .withHostsPerMemoryClass(config.isolateHosts())),
                    containers,
                    new MicroVmBackend(MicroVmBackend.Config.defaults(config.stateDir().resolve("microvm"))
                                    .withImageDir(config.vmImages()),
                            JsonMapper.builder().build(), images, baseImages));
        }

        static Map<Isolation, String> notBuilt() {
            return Map.of(
                    Isolation.GVISOR, "not implemented yet on this node (gVisor backend: issue 5)");
        }
    }
}
