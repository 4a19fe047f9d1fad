package dev.vulcan.daemon.http;

import dev.vulcan.daemon.metrics.Metrics;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Jetty server on a unix socket in front of one router, with ApiServer's thread set-up (each request on its
 * own virtual thread) and error mapping, for tests of endpoints without the whole daemon.
 */
final class RouterServer {
    private RouterServer() {}

    /** Starts it; the caller stops it. */
    static Server start(Router router, Path socket, JsonMapper json) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(8, 2);
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        Server server = new Server(threads);
        UnixDomainServerConnector unix = new UnixDomainServerConnector(server, new HttpConnectionFactory());
        unix.setUnixDomainPath(socket);
        server.addConnector(unix);
        server.setHandler(new ApiHandler(router, new BearerAuth(null), new Metrics(), json, 1 << 20));
        server.start();
        return server;
    }
}
