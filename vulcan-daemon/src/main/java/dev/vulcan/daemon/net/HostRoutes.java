package dev.vulcan.daemon.net;

import dev.vulcan.daemon.backend.oci.ProcessRunner;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The prefixes the host already routes somewhere (its interfaces' subnets, static routes), read with
 * {@code ip -j route}: a network whose subnet overlaps one of them would steal or lose that traffic.
 */
public interface HostRoutes {

    /** A routed prefix and the device it goes out of. */
    record Route(IpPrefix prefix, String device) {}

    List<Route> routes() throws IOException;

    /** The real one, through iproute2. */
    final class Ip implements HostRoutes {
        private static final Duration DEADLINE = Duration.ofSeconds(10);
        private final ProcessRunner processes;
        private final JsonMapper json = JsonMapper.builder().build();

        public Ip(ProcessRunner processes) {
            this.processes = processes;
        }

        @Override
        public List<Route> routes() throws IOException {
            List<Route> out = new ArrayList<>();
            for (String family : List.of("-4", "-6")) {
                String text = processes.check(List.of("ip", family, "-j", "route", "show", "table", "main"));
                out.addAll(parse(json.readTree(text.isBlank() ? "[]" : text), family.equals("-6")));
            }
            return out;
        }

        static List<Route> parse(JsonNode routes, boolean ipv6) {
            List<Route> out = new ArrayList<>();
            for (JsonNode route : routes) {
                String dst = route.path("dst").asString("");
                if (dst.isEmpty() || dst.equals("default") || route.path("type").asString("unicast").equals("unreachable")) {
                    continue;
                }
                String cidr = dst.contains("/") ? dst : dst + (ipv6 ? "/128" : "/32");
                try {
                    out.add(new Route(IpPrefix.parse(cidr), route.path("dev").asString("")));
                } catch (RuntimeException e) {
                    // a route iproute2 prints in a form we do not model (e.g. multicast): not a subnet of ours
                }
            }
            return out;
        }
    }
}
