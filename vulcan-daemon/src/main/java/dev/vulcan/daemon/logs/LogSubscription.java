package dev.vulcan.daemon.logs;

import dev.vulcan.api.LogEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Lines of one run for one reader: the history first, then live lines until the run ends.
 * Close it when the reader goes away.
 */
public final class LogSubscription implements AutoCloseable {

    /** What {@link #next} found. */
    public sealed interface Next {
        record Line(LogEvent event) implements Next {}

        record End() implements Next {}

        record Idle() implements Next {}
    }

    private static final LogEvent END = new LogEvent(null, null, null);

    private final List<LogEvent> history;
    private final LinkedBlockingQueue<LogEvent> queue = new LinkedBlockingQueue<>();
    private final Consumer<LogSubscription> onClose;
    private int replayed;

    private LogSubscription(List<LogEvent> history, Consumer<LogSubscription> onClose) {
        this.history = history;
        this.onClose = onClose;
    }

    static LogSubscription finished(List<LogEvent> stored) {
        LogSubscription subscription = new LogSubscription(stored, s -> {});
        subscription.end();
        return subscription;
    }

    static LogSubscription live(List<LogEvent> history, Consumer<LogSubscription> onClose) {
        return new LogSubscription(history, onClose);
    }

    void offer(LogEvent event) {
        queue.add(event);
    }

    void end() {
        queue.add(END);
    }

    /** The next line, the end, or Idle when nothing came within the wait (for keep-alives). */
    public Next next(Duration wait) throws InterruptedException {
        if (replayed < history.size()) {
            return new Next.Line(history.get(replayed++));
        }
        LogEvent event = queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        if (event == null) {
            return new Next.Idle();
        }
        if (event == END) {
            queue.add(END);
            return new Next.End();
        }
        return new Next.Line(event);
    }

    @Override
    public void close() {
        onClose.accept(this);
    }
}
