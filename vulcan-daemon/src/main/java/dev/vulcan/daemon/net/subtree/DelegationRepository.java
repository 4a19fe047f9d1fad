package dev.vulcan.daemon.net.subtree;

import dev.vulcan.daemon.net.IpPrefix;
import dev.vulcan.daemon.store.Database;
import java.net.InetAddress;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Delegation rows in SQLite; the route state is not stored (the kernel holds it). */
final class DelegationRepository {

    /** One recorded delegation. */
    record Row(String child, int nibble, IpPrefix prefix, InetAddress uplink, Instant createdAt) {}

    private static final String COLUMNS = "child, nibble, prefix, uplink, created_at";

    private final Database database;

    DelegationRepository(Database database) {
        this.database = database;
    }

    void insert(Row row) {
        database.withStatement("INSERT INTO delegations (" + COLUMNS + ") VALUES (?,?,?,?,?)", s -> {
            s.setString(1, row.child());
            s.setInt(2, row.nibble());
            s.setString(3, row.prefix().toString());
            s.setString(4, IpPrefix.text(row.uplink()));
            s.setString(5, row.createdAt().toString());
            return s.executeUpdate();
        });
    }

    void delete(String child) {
        database.withStatement("DELETE FROM delegations WHERE child=?", s -> {
            s.setString(1, child);
            return s.executeUpdate();
        });
    }

    Optional<Row> byChild(String child) {
        return database.withStatement("SELECT " + COLUMNS + " FROM delegations WHERE child=?", s -> {
            s.setString(1, child);
            try (ResultSet rows = s.executeQuery()) {
                return rows.next() ? Optional.of(read(rows)) : Optional.empty();
            }
        });
    }

    /** Every delegation, by nibble. */
    List<Row> all() {
        return database.withStatement("SELECT " + COLUMNS + " FROM delegations ORDER BY nibble", s -> {
            List<Row> out = new ArrayList<>();
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) out.add(read(rows));
            }
            return out;
        });
    }

    private static Row read(ResultSet rows) throws SQLException {
        return new Row(rows.getString("child"), rows.getInt("nibble"), IpPrefix.parse(rows.getString("prefix")),
                IpPrefix.literal(rows.getString("uplink")), Instant.parse(rows.getString("created_at")));
    }
}
