package dev.vulcan.daemon.net;

import dev.vulcan.daemon.store.Database;
import java.net.InetAddress;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Network and attachment rows in SQLite. */
public final class NetworkRepository {

    private static final String NETWORK_COLUMNS = "name, bridge, subnet, ipv6_subnet, is_default, created_at";
    private static final String ATTACHMENT_COLUMNS =
            "sandbox_id, network, netns, if_name, dns_name, ipv4, ipv6, ports, created_at";

    private final Database database;

    public NetworkRepository(Database database) {
        this.database = database;
    }

    void insert(Network n) {
        database.withStatement("INSERT INTO networks (" + NETWORK_COLUMNS + ") VALUES (?,?,?,?,?,?)", s -> {
            s.setString(1, n.name());
            s.setString(2, n.bridge());
            s.setString(3, n.subnet().toString());
            s.setString(4, n.ipv6Subnet() == null ? null : n.ipv6Subnet().toString());
            s.setInt(5, n.isDefault() ? 1 : 0);
            s.setString(6, n.createdAt().toString());
            return s.executeUpdate();
        });
    }

    void delete(String name) {
        database.withStatement("DELETE FROM networks WHERE name=?", s -> {
            s.setString(1, name);
            return s.executeUpdate();
        });
    }

    Optional<Network> network(String name) {
        return database.withStatement("SELECT " + NETWORK_COLUMNS + " FROM networks WHERE name=?", s -> {
            s.setString(1, name);
            try (ResultSet rows = s.executeQuery()) {
                return rows.next() ? Optional.of(readNetwork(rows)) : Optional.empty();
            }
        });
    }

    List<Network> networks() {
        return database.withStatement("SELECT " + NETWORK_COLUMNS + " FROM networks ORDER BY is_default DESC, name", s -> {
            List<Network> out = new ArrayList<>();
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) out.add(readNetwork(rows));
            }
            return out;
        });
    }

    void insert(Attachment a) {
        database.withStatement("INSERT INTO network_attachments (" + ATTACHMENT_COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?)",
                s -> {
                    s.setString(1, a.sandboxId());
                    s.setString(2, a.network());
                    s.setString(3, a.netns().toString());
                    s.setString(4, a.ifName());
                    s.setString(5, a.dnsName());
                    s.setString(6, text(a.ipv4()));
                    s.setString(7, text(a.ipv6()));
                    s.setString(8, String.join(",", a.ports().stream().map(PublishedPort::toString).toList()));
                    s.setString(9, a.createdAt().toString());
                    return s.executeUpdate();
                });
    }

    void updateAddresses(Attachment a) {
        database.withStatement("UPDATE network_attachments SET ipv4=?, ipv6=? WHERE sandbox_id=? AND network=?", s -> {
            s.setString(1, text(a.ipv4()));
            s.setString(2, text(a.ipv6()));
            s.setString(3, a.sandboxId());
            s.setString(4, a.network());
            return s.executeUpdate();
        });
    }

    void deleteAttachment(String sandboxId, String network) {
        database.withStatement("DELETE FROM network_attachments WHERE sandbox_id=? AND network=?", s -> {
            s.setString(1, sandboxId);
            s.setString(2, network);
            return s.executeUpdate();
        });
    }

    List<Attachment> attachments() {
        return attachmentsWhere("1=1", null);
    }

    List<Attachment> attachmentsOf(String sandboxId) {
        return attachmentsWhere("sandbox_id=?", sandboxId);
    }

    List<Attachment> attachmentsOn(String network) {
        return attachmentsWhere("network=?", network);
    }

    /** Addresses of {@code name} on {@code network}: the DNS server's view of the attachments. */
    public List<InetAddress> addresses(String network, String name) {
        List<InetAddress> out = new ArrayList<>();
        for (Attachment a : attachmentsOn(network)) {
            if (name.equalsIgnoreCase(a.dnsName())) {
                if (a.ipv4() != null) out.add(a.ipv4());
                if (a.ipv6() != null) out.add(a.ipv6());
            }
        }
        return out;
    }

    private List<Attachment> attachmentsWhere(String condition, String value) {
        return database.withStatement("SELECT " + ATTACHMENT_COLUMNS + " FROM network_attachments WHERE " + condition
                + " ORDER BY created_at, sandbox_id", s -> {
            if (value != null) s.setString(1, value);
            List<Attachment> out = new ArrayList<>();
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) out.add(readAttachment(rows));
            }
            return out;
        });
    }

    private static Network readNetwork(ResultSet rows) throws SQLException {
        String v6 = rows.getString("ipv6_subnet");
        return new Network(rows.getString("name"), rows.getString("bridge"), IpPrefix.parse(rows.getString("subnet")),
                v6 == null ? null : IpPrefix.parse(v6), rows.getInt("is_default") != 0,
                Instant.parse(rows.getString("created_at")));
    }

    private static Attachment readAttachment(ResultSet rows) throws SQLException {
        String ports = rows.getString("ports");
        return new Attachment(rows.getString("sandbox_id"), rows.getString("network"), Path.of(rows.getString("netns")),
                rows.getString("if_name"), rows.getString("dns_name"), address(rows.getString("ipv4")),
                address(rows.getString("ipv6")),
                ports.isEmpty() ? List.of() : Arrays.stream(ports.split(",")).map(PublishedPort::parse).toList(),
                Instant.parse(rows.getString("created_at")));
    }

    private static String text(InetAddress address) {
        return address == null ? null : IpPrefix.text(address);
    }

    private static InetAddress address(String text) {
        return text == null ? null : IpPrefix.literal(text);
    }
}
