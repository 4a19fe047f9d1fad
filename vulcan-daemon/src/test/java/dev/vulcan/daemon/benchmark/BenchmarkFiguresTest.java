package dev.vulcan.daemon.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.api.Benchmark;
import dev.vulcan.api.Isolation;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchmarkFiguresTest {

    @Test
    void summariesAreNearestRankAndOrdered() {
        Benchmark.Summary s = Summaries.of(List.of(5.0, 1.0, 3.0, 2.0, 4.0));
        assertThat(s).isEqualTo(new Benchmark.Summary(5, 1.0, 3.0, 5.0));
        assertThat(Summaries.single(7.25)).isEqualTo(new Benchmark.Summary(1, 7.25, 7.25, 7.25));
        assertThatThrownBy(() -> Summaries.of(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void memoryPlateauDropsSamplesOfSandboxesStillStarting() {
        assertThat(Summaries.plateau(List.of(0.5, 3.0, 10.0, 11.0, 9.5, 4.0))).containsExactly(10.0, 11.0, 9.5);
    }

    @Test
    void ratioIsVulcanMedianOverRawMedian() {
        Benchmark.Figure f = BenchmarkRunner.figure(Metric.COLD_START,
                new Metric.Measured.Samples(List.of(30.0, 40.0, 50.0), null),
                new Metric.Measured.Samples(List.of(10.0, 20.0, 30.0), null));
        assertThat(f.metric()).isEqualTo("cold_start_ms");
        assertThat(f.unit()).isEqualTo("ms");
        assertThat(f.ratio()).isEqualTo(2.0);
        assertThat(f.vulcan().median()).isEqualTo(40.0);
        assertThat(f.raw().median()).isEqualTo(20.0);
    }

    @Test
    void missingOrFailedSidesHaveNoRatioAndSayWhy() {
        Benchmark.Figure noPool = BenchmarkRunner.figure(Metric.WARM_START,
                new Metric.Measured.NotApplicable("no warm pool: every workload gets a new sandbox"),
                new Metric.Measured.NotApplicable("no warm pool: every workload gets a new sandbox"));
        assertThat(noPool.vulcan()).isNull();
        assertThat(noPool.ratio()).isNull();
        assertThat(noPool.note()).contains("vulcan: no warm pool");

        Benchmark.Figure failed = BenchmarkRunner.figure(Metric.HELLO_THROUGHPUT,
                new Metric.Measured.Samples(List.of(30.0), "40 at concurrency 4"),
                new Metric.Measured.Failed("IllegalStateException: exit 1"));
        assertThat(failed.vulcan().median()).isEqualTo(30.0);
        assertThat(failed.raw()).isNull();
        assertThat(failed.ratio()).isNull();
        assertThat(failed.note()).contains("vulcan: 40 at concurrency 4", "raw failed: IllegalStateException: exit 1");
    }

    @Test
    void everyConcreteIsolationHasASubjectAndPlanSizesStayBounded() {
        for (Isolation isolation : Isolation.values()) {
            if (isolation == Isolation.AUTO) {
                assertThatThrownBy(() -> Subjects.subject(isolation, 1000)).isInstanceOf(IllegalArgumentException.class);
                continue;
            }
            Subjects.Subject subject = Subjects.subject(isolation, 1000);
            for (Job job : Job.values()) {
                assertThat(subject.spec(job, null).isolation()).isEqualTo(isolation);
            }
            BenchmarkPlan.Sizes quick = new BenchmarkPlan(true, List.of()).sizes(isolation, 2);
            assertThat(quick.concurrentSteps().getLast()).isLessThanOrEqualTo(10);
            assertThat(new BenchmarkPlan(false, List.of()).sizes(isolation, 2).concurrentSteps().getLast())
                    .isLessThanOrEqualTo(50);
        }
        assertThat(Subjects.subject(Isolation.ISOLATE, 1000).pooled()).isTrue();
        assertThat(Subjects.subject(Isolation.CONTAINER, 1000).pooled()).isFalse();
        assertThatThrownBy(() -> new BenchmarkPlan(true, List.of(Isolation.AUTO)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
