package dev.vulcan.daemon.net.dns;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;

/** Virtual threads that the test can account for after close. */
final class RecordingThreads implements ThreadFactory {

    private final ThreadFactory virtual = Thread.ofVirtual().name("dns-test-", 0).factory();
    final List<Thread> started = new CopyOnWriteArrayList<>();

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = virtual.newThread(task);
        started.add(thread);
        return thread;
    }
}
