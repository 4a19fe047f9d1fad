package dev.vulcan.daemon.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RouterTest {

    private final Router.Handler list = ex -> {};
    private final Router.Handler get = ex -> {};
    private final Router.Handler kill = ex -> {};
    private final Router.Handler logs = ex -> {};
    private final Router.Handler node = ex -> {};
    private final Router router = new Router()
            .add("GET", "/v1/workloads", list)
            .add("GET", "/v1/workloads/{id}", get)
            .add("DELETE", "/v1/workloads/{id}", kill)
            .add("GET", "/v1/workloads/{id}/logs", logs)
            .add("GET", "/v1/nodes/{node}/workloads/{id}", node);

    private final List<String> allowed = new ArrayList<>();

    @Test
    void aLiteralPathMatchesItsRouteWithNoParameters() {
        Router.Match match = router.match("GET", "/v1/workloads", allowed).orElseThrow();

        assertThat(match.route().handler()).isSameAs(list);
        assertThat(match.route().template()).isEqualTo("/v1/workloads");
        assertThat(match.params()).isEmpty();
        assertThat(allowed).isEmpty();
    }

    @Test
    void aTemplateCapturesItsParameter() {
        Router.Match match = router.match("GET", "/v1/workloads/01JABCDEF", allowed).orElseThrow();

        assertThat(match.route().handler()).isSameAs(get);
        assertThat(match.params()).containsExactly(Map.entry("id", "01JABCDEF"));
    }

    @Test
    void aTemplateCapturesEveryParameterByName() {
        Router.Match match = router.match("GET", "/v1/nodes/n1/workloads/w1", allowed).orElseThrow();

        assertThat(match.route().handler()).isSameAs(node);
        assertThat(match.params()).containsOnly(Map.entry("node", "n1"), Map.entry("id", "w1"));
    }

    @Test
    void theMethodChoosesBetweenRoutesOfTheSamePath() {
        assertThat(handler("GET", "/v1/workloads/w1")).contains(get);
        assertThat(handler("DELETE", "/v1/workloads/w1")).contains(kill);
    }

    @Test
    void literalSegmentsAfterAParameterMustMatch() {
        assertThat(handler("GET", "/v1/workloads/w1/logs")).contains(logs);
        assertThat(router.match("GET", "/v1/workloads/w1/output", allowed)).isEmpty();
        assertThat(allowed).isEmpty();
    }

    @Test
    void aPathWithMoreOrFewerSegmentsDoesNotMatch() {
        assertThat(router.match("GET", "/v1", allowed)).isEmpty();
        assertThat(router.match("GET", "/v1/workloads/w1/logs/more", allowed)).isEmpty();
        assertThat(allowed).isEmpty();
    }

    @Test
    void aMethodMismatchCollectsTheMethodsThePathAllows() {
        Optional<Router.Match> match = router.match("POST", "/v1/workloads/w1", allowed);

        assertThat(match).isEmpty();
        assertThat(allowed).containsExactly("GET", "DELETE");
    }

    @Test
    void anUnknownPathMatchesNothingAndAllowsNothing() {
        assertThat(router.match("GET", "/v2/anything", allowed)).isEmpty();
        assertThat(allowed).isEmpty();
    }

    @Test
    void methodsAreCaseSensitive() {
        assertThat(router.match("get", "/v1/workloads", allowed)).isEmpty();
        assertThat(allowed).containsExactly("GET");
    }

    @Test
    void trailingAndDoubledSlashesAreIgnored() {
        assertThat(handler("GET", "/v1/workloads/")).contains(list);
        assertThat(handler("GET", "//v1//workloads//w1")).contains(get);
    }

    @Test
    void routesAreTriedInTheOrderTheyWereAdded() {
        Router.Handler async = ex -> {};
        Router.Handler byId = ex -> {};
        Router ordered = new Router()
                .add("POST", "/v1/workloads/async", async)
                .add("POST", "/v1/workloads/{id}", byId);

        assertThat(ordered.match("POST", "/v1/workloads/async", allowed).map(m -> m.route().handler()))
                .contains(async);
        assertThat(ordered.match("POST", "/v1/workloads/other", allowed).map(m -> m.route().handler()))
                .contains(byId);
    }

    @Test
    void aParameterIsTakenAsItAppearsInThePath() {
        assertThat(router.match("GET", "/v1/workloads/a%2Fb", allowed).orElseThrow().params())
                .containsExactly(Map.entry("id", "a%2Fb"));
    }

    private Optional<Router.Handler> handler(String method, String path) {
        return router.match(method, path, allowed).map(m -> m.route().handler());
    }
}
