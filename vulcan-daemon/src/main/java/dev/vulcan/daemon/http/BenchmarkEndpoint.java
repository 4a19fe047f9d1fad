package dev.vulcan.daemon.http;

import dev.vulcan.api.ApiError;
import dev.vulcan.api.Benchmark;
import dev.vulcan.api.Isolation;
import dev.vulcan.daemon.benchmark.BenchmarkPlan;
import dev.vulcan.daemon.benchmark.BenchmarkRunner;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.VulcanException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.http.HttpHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GET /v1/stats/benchmark?quick=true&backend=isolate,container: runs the suite and answers its report. With
 * Accept: text/event-stream, a {@code progress} event before each step, a comment every few seconds so idle
 * timeouts between long steps do not cut the stream, then {@code result} (or {@code error}). Bad input (an
 * unknown or unavailable backend, a suite already running) gets its plain 4xx before any event.
 */
final class BenchmarkEndpoint {

    private static final Logger log = LoggerFactory.getLogger(BenchmarkEndpoint.class);
    private static final long HEARTBEAT_MS = 5000;

    private final BenchmarkRunner runner;

    BenchmarkEndpoint(BenchmarkRunner runner) {
        this.runner = runner;
    }

    void register(Router router) {
        router.add("GET", "/v1/stats/benchmark", this::run);
    }

    private void run(Exchange ex) throws InterruptedException {
        BenchmarkPlan plan = plan(ex.query("quick"), ex.query("backend"));
        runner.resolve(plan);
        String accept = ex.header(HttpHeader.ACCEPT);
        if (accept == null || !accept.contains("text/event-stream")) {
            ex.json(200, runner.run(plan, p -> {}));
            return;
        }
        Object lock = new Object();
        boolean[] started = {false};
        Thread heartbeat = Thread.ofVirtual().name("benchmark-heartbeat").start(() -> {
            try {
                while (true) {
                    Thread.sleep(HEARTBEAT_MS);
                    synchronized (lock) {
                        if (started[0]) ex.comment("still measuring");
                    }
                }
            } catch (InterruptedException | RuntimeException end) {
                // the suite ended or the client went away
            }
        });
        try {
            Benchmark result = runner.run(plan, progress -> {
                synchronized (lock) {
                    if (!started[0]) {
                        ex.startEvents();
                        started[0] = true;
                    }
                    ex.event("progress", progress);
                }
            });
            synchronized (lock) {
                if (!started[0]) ex.startEvents();
                started[0] = false;
                heartbeat.interrupt();
                ex.event("result", result);
                ex.endEvents();
            }
        } catch (VulcanException e) {
            synchronized (lock) {
                heartbeat.interrupt();
                if (!started[0]) throw e;
                started[0] = false;
                ex.event("error", ApiError.of(e.code(), e.getMessage()));
                ex.endEvents();
            }
        } catch (RuntimeException e) {
            synchronized (lock) {
                heartbeat.interrupt();
                if (!started[0]) throw e;
                started[0] = false;
                log.atError().setCause(e).log("benchmark failed");
                ex.event("error", ApiError.of("internal", "internal error: " + e));
                ex.endEvents();
            }
        } finally {
            heartbeat.interrupt();
            heartbeat.join();
        }
    }

    static BenchmarkPlan plan(String quick, String backends) {
        boolean isQuick;
        if (quick == null || quick.isEmpty()) {
            isQuick = false;
        } else if (quick.equals("true") || quick.equals("false")) {
            isQuick = Boolean.parseBoolean(quick);
        } else {
            throw new InvalidException("invalid_quick", "quick must be true or false, not '" + quick + "'");
        }
        List<Isolation> isolations = new ArrayList<>();
        if (backends != null && !backends.isBlank()) {
            for (String name : backends.split(",")) {
                Isolation isolation;
                try {
                    isolation = Isolation.parse(name.strip().toLowerCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new InvalidException("invalid_backend", e.getMessage().replace("unknown isolation",
                            "unknown backend"));
                }
                if (isolation == Isolation.AUTO) {
                    throw new InvalidException("invalid_backend", "auto is not a backend: name a concrete one"
                            + " (isolate, container, gvisor, microvm)");
                }
                isolations.add(isolation);
            }
        }
        return new BenchmarkPlan(isQuick, isolations);
    }
}
