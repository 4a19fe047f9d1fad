package dev.vulcan.daemon.backend;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the directory where the monitors of instance runs (conmon, the VM monitor shell) write a file
 * named by the instance id when a run ends, and hands each name to the listeners. Names ending in
 * {@code .tmp} are files still being written (then renamed): the rename is the event that counts.
 */
public final class ExitWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ExitWatcher.class);

    private final Path dir;
    private final String threadName;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private WatchService watcher;
    private Thread watching;

    public ExitWatcher(Path dir, String threadName) {
        this.dir = dir;
        this.threadName = threadName;
    }

    public void onExit(Consumer<String> listener) {
        listeners.add(listener);
    }

    /** Starts the watching thread (once; later calls do nothing). */
    public synchronized void start() throws IOException {
        if (watcher != null) return;
        watcher = FileSystems.getDefault().newWatchService();
        dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        watching = Thread.ofPlatform().daemon().name(threadName).start(this::deliver);
    }

    private void deliver() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                for (var event : key.pollEvents()) {
                    if (event.context() instanceof Path name && !name.toString().endsWith(".tmp")) {
                        listeners.forEach(l -> l.accept(name.toString()));
                    }
                }
                key.reset();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    @Override
    public synchronized void close() {
        if (watcher == null) return;
        try {
            watcher.close();
        } catch (IOException e) {
            log.atWarn().setCause(e).log("could not close the exit watcher");
        }
        try {
            watching.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
