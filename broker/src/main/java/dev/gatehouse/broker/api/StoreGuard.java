package dev.gatehouse.broker.api;

import io.javalin.http.Handler;
import org.jdbi.v3.core.ConnectionException;

/** PostgreSQL being unreachable is a 503 the client may retry, not an internal error: one wrapper for every API route. */
final class StoreGuard {

    private StoreGuard() {
    }

    /** @param store what the route reads, as the refusal names it ("the audit store") */
    static Handler around(String store, Handler handler) {
        return ctx -> {
            try {
                handler.handle(ctx);
            } catch (ConnectionException e) {
                throw new ApiRefusal(ApiRefusal.Reason.UNAVAILABLE, store + " (PostgreSQL) cannot be reached; retry shortly", e);
            }
        };
    }
}
