package dev.vulcan.daemon.http;

import dev.vulcan.api.Json;
import dev.vulcan.daemon.backend.BackendRegistry;
import dev.vulcan.daemon.image.ImageStore;
import dev.vulcan.daemon.instance.InstanceService;
import dev.vulcan.daemon.instance.Volumes;
import dev.vulcan.daemon.logs.LogStore;
import dev.vulcan.daemon.metrics.Metrics;
import dev.vulcan.daemon.net.NetworkService;
import dev.vulcan.daemon.net.SandboxNetworking;
import dev.vulcan.daemon.net.subtree.SubtreeAllocator;
import dev.vulcan.daemon.node.NodeIdentity;
import dev.vulcan.daemon.workload.WorkloadService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/** The REST API on the unix socket (mode 0660) and, when asked, on TCP behind a bearer token. */
public final class ApiServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    private static final int MAX_BODY_BYTES = 8 << 20;

    /** Where to listen; tcp may be null. */
    public record Endpoints(Path socket, InetSocketAddress tcp, String token) {}

    /** What the API serves. */
    public record Services(WorkloadService workloads, LogStore logs, ImageStore images, BackendRegistry backends, Metrics metrics,
            NodeIdentity node, Clock clock, String version, InstanceService instances, Volumes volumes,
            SubtreeAllocator subtree, NetworkService networks, SandboxNetworking attachments,
            dev.vulcan.daemon.benchmark.BenchmarkRunner benchmark) {}

    private final Server server;
    private final Path socket;
    private ServerConnector tcpConnector;

    public ApiServer(Endpoints endpoints, Services services) {
        this.socket = endpoints.socket();
        JsonMapper json = Json.mapper();
        Router router = new Router();
        String address = endpoints.tcp() == null ? "unix:" + socket
                : endpoints.tcp().getHostString() + ":" + endpoints.tcp().getPort();
        new WorkloadEndpoints(services.workloads(), services.logs(), services.images(), new WireMapping(json)).register(router);
        new ImageEndpoints(services.images()).register(router);
        new InstanceEndpoints(services.instances(), services.volumes(), services.attachments()).register(router);
        new NetworkEndpoints(services.networks()).register(router);
        new ExecEndpoint(services.instances()::exec, services.instances()::console, json).register(router);
        new SubtreeEndpoints(services.subtree()).register(router);
        new BenchmarkEndpoint(services.benchmark()).register(router);
        new SystemEndpoints(services.backends(), services.workloads(), services.node(), address, services.metrics(),
                services.clock(), services.version(), services.instances()).register(router);

        // Selectors and acceptors on a few platform threads; each request's handler on its own
        // virtual thread, so handlers may block (sync workloads, SSE follows) without pinning.
        QueuedThreadPool threads = new QueuedThreadPool(16, 4);
        threads.setName("api");
        threads.setVirtualThreadsExecutor(java.util.concurrent.Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("api-request-", 0).factory()));
        server = new Server(threads);
        server.setStopTimeout(2000);
        // Image references travel as one path segment with '/' encoded as %2F: allow that separator.
        HttpConfiguration http = new HttpConfiguration();
        http.setUriCompliance(UriCompliance.DEFAULT.with("vulcan", UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR));
        UnixDomainServerConnector unix = new UnixDomainServerConnector(server, new HttpConnectionFactory(http));
        unix.setUnixDomainPath(socket);
        server.addConnector(unix);
        if (endpoints.tcp() != null) {
            tcpConnector = new ServerConnector(server, new HttpConnectionFactory(http));
            tcpConnector.setHost(endpoints.tcp().getHostString());
            tcpConnector.setPort(endpoints.tcp().getPort());
            server.addConnector(tcpConnector);
        }
        server.setHandler(new ApiHandler(router, new BearerAuth(endpoints.token()), services.metrics(), json,
                MAX_BODY_BYTES));
    }

    public void start() throws Exception {
        prepareSocket();
        server.start();
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        log.atInfo().addKeyValue("socket", socket).addKeyValue("tcp", tcpConnector == null ? null
                : tcpConnector.getHost() + ":" + tcpConnector.getLocalPort()).log("API listening");
    }

    /** The TCP port actually bound (useful with port 0), or -1 without TCP. */
    public int tcpPort() {
        return tcpConnector == null ? -1 : tcpConnector.getLocalPort();
    }

    /** Removes a socket file left by a dead daemon; refuses to steal one a live daemon answers on. */
    private void prepareSocket() throws IOException {
        Files.createDirectories(socket.toAbsolutePath().getParent());
        if (!Files.exists(socket)) {
            return;
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(java.net.UnixDomainSocketAddress.of(socket));
            throw new IllegalStateException("another daemon is already listening on " + socket);
        } catch (IOException notListening) {
            Files.delete(socket);
        }
    }

    @Override
    public void close() {
        try {
            server.stop();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            log.atWarn().setCause(e).log("API server did not stop cleanly");
        }
    }
}
