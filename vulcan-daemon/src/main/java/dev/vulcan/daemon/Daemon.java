package dev.vulcan.daemon;

import dev.vulcan.api.Isolation;
import dev.vulcan.daemon.backend.Backend;
import dev.vulcan.daemon.backend.BackendRegistry;
import dev.vulcan.daemon.backend.isolate.IsolateBackend;
import dev.vulcan.daemon.backend.microvm.MicroVmBackend;
import dev.vulcan.daemon.backend.microvm.MicroVmInstances;
import dev.vulcan.daemon.backend.isolate.IsolateConfig;
import dev.vulcan.daemon.backend.oci.BaseImages;
import dev.vulcan.daemon.backend.oci.ContainerBackend;
import dev.vulcan.daemon.backend.oci.ContainerInstances;
import dev.vulcan.daemon.backend.oci.InstanceDrivers;
import dev.vulcan.daemon.backend.oci.OciEngine;
import dev.vulcan.daemon.backend.oci.ProcessRunner;
import dev.vulcan.daemon.instance.InstanceRepository;
import dev.vulcan.daemon.instance.InstanceService;
import dev.vulcan.daemon.instance.Volumes;
import dev.vulcan.daemon.backend.oci.OciRuntime;
import dev.vulcan.daemon.http.ApiServer;
import dev.vulcan.daemon.image.ImageStore;
import dev.vulcan.daemon.logs.LogStore;
import dev.vulcan.daemon.metrics.Metrics;
import dev.vulcan.daemon.net.Bridges;
import dev.vulcan.daemon.net.HostRoutes;
import dev.vulcan.daemon.net.NetworkConfig;
import dev.vulcan.daemon.net.NetworkFirewall;
import dev.vulcan.daemon.net.NetworkRepository;
import dev.vulcan.daemon.net.NetworkService;
import dev.vulcan.daemon.net.PortProbe;
import dev.vulcan.daemon.net.SandboxAttachments;
import dev.vulcan.daemon.net.cni.Cni;
import dev.vulcan.daemon.net.cni.NetworkNamespaces;
import dev.vulcan.daemon.net.cni.PluginExec;
import dev.vulcan.daemon.net.dns.DnsServer;
import dev.vulcan.daemon.net.dns.ResolvConf;
import dev.vulcan.daemon.net.subtree.Routes;
import dev.vulcan.daemon.net.subtree.SubtreeAllocator;
import dev.vulcan.daemon.node.NodeIdentity;
import dev.vulcan.daemon.store.Database;
import dev.vulcan.daemon.workload.LimitPolicy;
import dev.vulcan.daemon.workload.WorkloadRepository;
import dev.vulcan.daemon.workload.WorkloadService;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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
        // one for both OCI backends (and the microVM's code images): it imports a code runtime's base image once
        BaseImages baseImages = new BaseImages(images, config.baseImages());
        ContainerBackend containers = new ContainerBackend(images, baseImages, state.oci(), OciRuntime.Preference.parse(
                System.getProperty("vulcan.oci.runtime", "auto")));
        ContainerBackend gvisor = new ContainerBackend(images, baseImages, state.gvisor(), new OciEngine.Gvisor(
                System.getProperty("vulcan.gvisor.runsc", "runsc"), System.getProperty("vulcan.gvisor.platform", "auto")));
        MicroVmBackend microvm = new MicroVmBackend(MicroVmBackend.Config.defaults(config.stateDir().resolve("microvm"))
                .withImageDir(config.vmImages()), JsonMapper.builder().build(), images, baseImages);
        BackendRegistry backends = own(new BackendRegistry(Backends.installed(config, containers, gvisor, microvm),
                Backends.notBuilt()));
        InstanceRepository instanceRows = new InstanceRepository(database);
        NetworkRepository networkRows = new NetworkRepository(database);
        NetworkService networks = own(Networks.service(config.network(), networkRows, state.net(), clock,
                network -> instanceRows.namesOnNetwork(network, NetworkConfig.DEFAULT_NETWORK)));
        networks.start();
        SandboxAttachments attachments = Networks.attachments(config.network(), networks, networkRows, state.net(), clock);
        WorkloadService workloads = new WorkloadService(repository, backends, logs, metrics,
                LimitPolicy.forMachine(node.cpus(), node.memTotalMb()), clock, node.id(), attachments);
        workloads.failInterrupted();
        own(workloads);
        Volumes volumes = new Volumes(instanceRows, state.volumes(), clock);
        InstanceDrivers instanceDriver = own(new InstanceDrivers(Map.of(
                Isolation.CONTAINER, new ContainerInstances(images, containers::runtime, new ProcessRunner.Native(),
                        JsonMapper.builder().build(), state.oci().resolve("instances")),
                Isolation.GVISOR, new ContainerInstances(images, gvisor::runtime, new ProcessRunner.Native(),
                        JsonMapper.builder().build(), state.gvisor().resolve("instances")),
                Isolation.MICROVM, new MicroVmInstances(microvm, images, JsonMapper.builder().build(),
                        config.stateDir().resolve("microvm").resolve("instances")))));
        microvm.collect(); // now that instance disks pinned the rootfs images they read
        InstanceService instances = own(new InstanceService(instanceRows, instanceDriver, images, volumes, attachments,
                clock, node.id(), node.cpus(), node.memTotalMb()));
        instanceDriver.watch();
        // Workloads died with the last daemon: only instances recorded as running may keep their network
        // namespaces. Before the instances are reconciled, so a restart their policy schedules is not swept;
        // one found dead there leaves its network as every ended run does.
        attachments.reconcile(instanceRows.runningIds());
        instances.reconcile();
        // routes to child subtrees via the default network's bridge, which exists by now
        SubtreeAllocator subtree = new SubtreeAllocator(config.network().subtree(), database,
                new Routes.Ip(new ProcessRunner.Native(), null), config.network().bridge(0), clock);
        subtree.reconcile();
        var benchmark = new dev.vulcan.daemon.benchmark.BenchmarkRunner(backends, workloads, config.denoBinary(),
                config.isolateHostDir(), images, state.benchmark(), clock);
        benchmark.sweep();
        api = own(new ApiServer(new ApiServer.Endpoints(config.socket(), config.listen(), state.apiToken()),
                new ApiServer.Services(workloads, logs, images, backends, metrics, node, clock, VERSION,
                        instances, volumes, subtree, networks, attachments, benchmark)));
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

    /** The network service and its host effects, built from the node's network layout. */
    static final class Networks {
        private Networks() {}

        static NetworkService service(NetworkConfig config, NetworkRepository rows, Path stateDir, Clock clock,
                java.util.function.Function<String, List<String>> instancesOn) throws java.io.IOException {
            ProcessRunner processes = new ProcessRunner.Native();
            DnsServer dns = new DnsServer(rows::addresses, config.dnsDomain(), upstreams(config), Duration.ofSeconds(3));
            return new NetworkService(rows, config, new NetworkService.Host(new Bridges(processes),
                    new NetworkFirewall(processes, config.prefix(), stateDir.resolve("firewall")),
                    new HostRoutes.Ip(processes)), dns, stateDir.resolve("ipam"), clock, instancesOn);
        }

        static SandboxAttachments attachments(NetworkConfig config, NetworkService networks, NetworkRepository rows,
                Path stateDir, Clock clock) {
            return new SandboxAttachments(networks, rows, new Cni(config.cniPluginDir(), stateDir.resolve("cni"),
                    new PluginExec.Native()), new NetworkNamespaces.Ip(new ProcessRunner.Native()),
                    stateDir.resolve("sandboxes"), PortProbe.BIND, clock);
        }

        /** The configured upstreams, else the host's name servers (never one inside a Vulcan subnet: a loop). */
        static List<InetSocketAddress> upstreams(NetworkConfig config) throws java.io.IOException {
            if (!config.dnsUpstreams().isEmpty()) return config.dnsUpstreams();
            Path resolvConf = Path.of("/etc/resolv.conf");
            if (!java.nio.file.Files.exists(resolvConf)) return List.of();
            return ResolvConf.nameservers(resolvConf).stream()
                    .filter(a -> !config.defaultSubnet().contains(a.getAddress()) && !config.pool().contains(a.getAddress()))
                    .toList();
        }
    }

    /** Which backends this build installs, and why the others are missing. */
    static final class Backends {
        private Backends() {}

        static List<Backend> installed(DaemonConfig config, ContainerBackend containers, ContainerBackend gvisor,
                MicroVmBackend microvm) {
            return List.of(
                    new IsolateBackend(IsolateConfig.of(config.denoBinary(), config.isolateHostDir(), config.runDir())
                            .withHostsPerMemoryClass(config.isolateHosts())),
                    containers,
                    gvisor,
                    microvm);
        }

        static Map<Isolation, String> notBuilt() {
            return Map.of();
        }
    }
}
