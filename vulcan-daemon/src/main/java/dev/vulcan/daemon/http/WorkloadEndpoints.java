package dev.vulcan.daemon.http;

import dev.vulcan.api.Isolation;
import dev.vulcan.api.WorkloadList;
import dev.vulcan.api.WorkloadStatus;
import dev.vulcan.api.WorkloadsPost;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.image.ImageReference;
import dev.vulcan.daemon.image.ImageStore;
import dev.vulcan.daemon.logs.LogStore;
import dev.vulcan.daemon.logs.LogSubscription;
import dev.vulcan.daemon.workload.WorkloadRecord;
import dev.vulcan.daemon.workload.WorkloadRepository;
import dev.vulcan.daemon.workload.WorkloadService;
import dev.vulcan.daemon.workload.WorkloadSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;

/** /v1/workloads and its sub-resources. */
final class WorkloadEndpoints {

    private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

    private final WorkloadService workloads;
    private final LogStore logs;
    private final ImageStore images;
    private final WireMapping wire;

    WorkloadEndpoints(WorkloadService workloads, LogStore logs, ImageStore images, WireMapping wire) {
        this.workloads = workloads;
        this.logs = logs;
        this.images = images;
        this.wire = wire;
    }

    void register(Router router) {
        router.add("POST", "/v1/workloads", this::runSync)
                .add("POST", "/v1/workloads/async", this::runAsync)
                .add("GET", "/v1/workloads", this::list)
                .add("GET", "/v1/workloads/{id}", this::get)
                .add("DELETE", "/v1/workloads/{id}", this::kill)
                .add("GET", "/v1/workloads/{id}/logs", this::logs);
    }

    private void runSync(Exchange ex) {
        var submitted = workloads.submit(spec(ex));
        ex.json(200, wire.workload(submitted.done().join()));
    }

    private void runAsync(Exchange ex) {
        var submitted = workloads.submit(spec(ex));
        ex.json(202, wire.workload(submitted.record()));
    }

    /** The request's spec; an image workload's image must be in the store (404 image_not_found), so nothing is recorded. */
    private WorkloadSpec spec(Exchange ex) {
        WorkloadSpec spec = wire.spec(ex.body(WorkloadsPost.class));
        if (spec.image() != null) {
            try {
                images.manifestDigest(ImageReference.parse(spec.image().ref())); // an index lookup, no blob read
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return spec;
    }

    private void get(Exchange ex) {
        ex.json(200, wire.workload(workloads.get(ex.path("id"))));
    }

    private void kill(Exchange ex) {
        ex.json(200, wire.workload(workloads.kill(ex.path("id"))));
    }

    private void list(Exchange ex) {
        int limit = ex.queryInt("limit", 50, 1, 500);
        WorkloadStatus status = parsed(ex, "status", WorkloadStatus::parse);
        Isolation isolation = parsed(ex, "isolation", Isolation::parse);
        List<WorkloadRecord> page = workloads.list(
                new WorkloadRepository.Query(status, isolation, ex.query("cursor"), limit + 1));
        String next = page.size() > limit ? page.get(limit - 1).id() : null;
        ex.json(200, new WorkloadList(page.stream().limit(limit).map(wire::workload).toList(), next));
    }

    private void logs(Exchange ex) throws InterruptedException {
        String id = ex.path("id");
        workloads.get(id);
        boolean follow = Boolean.parseBoolean(ex.query("follow"));
        try (LogSubscription lines = logs.read(id, follow)) {
            ex.startEvents();
            while (true) {
                switch (lines.next(KEEP_ALIVE)) {
                    case LogSubscription.Next.Line(var event) -> ex.event(event.stream(), event);
                    case LogSubscription.Next.Idle() -> ex.comment("keep-alive");
                    case LogSubscription.Next.End() -> {
                        ex.event("end", wire.workload(follow ? workloads.whenDone(id).join() : workloads.get(id)));
                        ex.endEvents();
                        return;
                    }
                }
            }
        }
    }

    private static <T> T parsed(Exchange ex, String name, java.util.function.Function<String, T> parser) {
        String text = ex.query(name);
        if (text == null) {
            return null;
        }
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidException("invalid_query", e.getMessage());
        }
    }
}
