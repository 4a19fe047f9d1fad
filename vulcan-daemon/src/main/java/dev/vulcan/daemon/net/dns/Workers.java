package dev.vulcan.daemon.net.dns;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;

/**
 * The threads one listener starts per query or connection, each joined on close. An executor's close is not
 * enough: it returns once the tasks are done, while their threads may still be alive for a moment.
 */
final class Workers implements AutoCloseable {

    private final ThreadFactory factory;
    private final List<Thread> threads = new ArrayList<>();
    private boolean closed;

    Workers(ThreadFactory factory) {
        this.factory = factory;
    }

    /** Runs the task on a new thread; false once closed. */
    synchronized boolean start(Runnable task) {
        if (closed) {
            return false;
        }
        // Forget finished threads here, so the list stays as short as the work in flight.
        threads.removeIf(thread -> !thread.isAlive());
        Thread thread = factory.newThread(task);
        threads.add(thread);
        thread.start();
        return true;
    }

    /** Interrupts every thread (a virtual thread blocked on a socket then sees it closed) and joins each. */
    @Override
    public void close() {
        List<Thread> running;
        synchronized (this) {
            closed = true;
            running = List.copyOf(threads);
            threads.clear();
        }
        running.forEach(Thread::interrupt);
        running.forEach(Threads::join);
    }
}
