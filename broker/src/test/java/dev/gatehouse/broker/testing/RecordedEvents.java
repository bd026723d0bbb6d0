package dev.gatehouse.broker.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Set;

/** What the audit store holds of a session, read straight from PostgreSQL: how tests prove nothing went unrecorded. */
public final class RecordedEvents {

    private RecordedEvents() {
    }

    /** The JSON-RPC ids of the {@code tools/call} events recorded in {@code sessionId} going {@code direction}. */
    public static Set<String> toolCallIds(Connection db, String sessionId, String direction) throws SQLException {
        Set<String> ids = new HashSet<>();
        try (PreparedStatement query = db.prepareStatement(
                "select jsonrpc_id from audit_event where session_id = ? and direction = ? and method = 'tools/call'")) {
            query.setString(1, sessionId);
            query.setString(2, direction);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getString(1));
                }
            }
        }
        return ids;
    }
}
